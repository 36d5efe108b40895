// Learn and Quiz modes end to end: open Learn, open the first lesson, play to the fault,
// predict wrong, see the score and the rule, try again and predict right, go to the next
// lesson, take quiz questions, reload (progress survives), reset progress; the phone
// layout; and a browser that refuses localStorage.
// data-testids: mode-learn, lesson-list, lesson-item, lesson, lesson-play, predict-option,
// predict-record, predict-submit, lesson-skip, lesson-score, lesson-retry, lesson-next,
// result-next, lesson-back, open-sandbox, mode-quiz, quiz-choice, quiz-next, quiz-score,
// code-panel, reset-progress, course-progress (see e2e/README.md).
// Screenshots: target/screenshots/learn-*.png. No sleeps: every wait is on the DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, shot } from './serve.mjs';

const app = appForFile();

const tid = (id) => `[data-testid=${id}]`;

const withFailureShot = (t, page, name, body) => failureShot(t, app, name, body, page);

async function noSideScroll(page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
}

/** Predict an effect (index into the four options) and records, then lock it in. */
async function predict(page, option, records) {
  await page.locator(tid('predict-option')).nth(option).click();
  for (const r of records) await page.locator(tid('predict-record')).nth(r).click();
  await page.locator(tid('predict-submit')).click();
}

async function marks(page) {
  return page.locator(tid('lesson-item')).evaluateAll((els) => els.map((e) => e.dataset.mark));
}

test('a lesson: predict wrong, retry, predict right; quiz; progress survives a reload', async (t) => {
  const { page } = app;
  await withFailureShot(t, page, 'learn', async () => {
    await page.goto(app.url);
    await page.waitForSelector(tid('app'));

    // Learn: the lesson list, nothing done yet.
    await page.locator(tid('mode-learn')).click();
    const list = page.locator(tid('lesson-list'));
    await list.waitFor();
    assert.equal(await page.locator(tid('lesson-item')).count(), 33);
    assert.ok((await marks(page)).every((m) => m === 'is-new'));
    assert.ok(await page.locator(tid('reset-progress')).isDisabled());
    await noSideScroll(page);
    await page.screenshot({ path: shot('learn-list.png') });

    // The first lesson: intro, the simulator, the real-system code.
    await page.locator(tid('lesson-item')).first().click();
    const lesson = page.locator(tid('lesson'));
    await lesson.waitFor();
    assert.match(await lesson.innerText(), /At-most-once: commit the offset, then write/);
    await page.locator(`${tid('lesson')} ${tid('timeline')} ${tid('tick')}`).first().waitFor();
    const code = page.locator(`${tid('lesson')} ${tid('code-panel')}`);
    assert.match(await code.innerText(), /commitSync/);
    assert.match(await code.innerText(), /What not to do/i);
    assert.equal(await page.locator(tid('predict-option')).count(), 4);
    assert.equal(await page.locator(tid('predict-record')).count(), 10);
    assert.ok(await page.locator(tid('predict-submit')).isDisabled());
    await noSideScroll(page);
    await page.screenshot({ path: shot('learn-lesson.png') });

    // The playback keys drive the lesson's run (not the sandbox behind it).
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('.lesson-page .tl-pos')?.textContent.startsWith('2 / '));
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('.lesson-page .tl-pos')?.textContent.startsWith('1 / '));

    // Play to the fault: the run stops there, with no future on the timeline.
    await page.locator(tid('lesson-play')).click();
    await page.locator('.crash-note').waitFor();
    assert.match(await page.locator(tid('narration')).innerText(), /CRASH/i);
    const ticks = page.locator(`${tid('lesson')} ${tid('tick')}`);
    const shown = await ticks.evaluateAll((els) => els.filter((e) => e.offsetParent).length);
    assert.equal(shown, 7, 'the timeline shows the run up to the fault only');
    assert.equal(await page.locator('.ledger th', { hasText: 'verdict' }).count(), 1);
    assert.ok(!(await page.locator('.ledger th', { hasText: 'verdict' }).isVisible()), 'no verdicts before the prediction');
    await page.screenshot({ path: shot('learn-crash.png') });

    // Predict wrong ("nothing lost or duplicated"); the run plays to the end, then the score.
    await predict(page, 0, []);
    const score = page.locator(tid('lesson-score'));
    await score.waitFor({ timeout: 30_000 });
    const wrong = await score.innerText();
    assert.match(wrong, /0 \/ 2/);
    assert.match(wrong, /The rule/i);
    assert.match(wrong, /committed offset/);
    assert.match(wrong, /Common misconception:/);
    assert.match(wrong, /r2/);
    await score.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('learn-wrong.png') });

    // Try again and predict right: records lost, r2 and r3.
    await page.locator(tid('lesson-retry')).click();
    await predict(page, 1, [2, 3]);
    await page.locator(tid('lesson-skip')).click();
    await score.waitFor();
    assert.match(await score.innerText(), /2 \/ 2/);
    await score.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('learn-right.png') });

    // The next lesson: the same crash one step later duplicates r2, r3.
    await page.locator(tid('result-next')).click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=lesson]')?.innerText.includes('At-least-once: write, then commit'),
    );
    await predict(page, 2, [2, 3]);
    await page.locator(tid('lesson-skip')).click();
    await score.waitFor();
    assert.match(await score.innerText(), /2 \/ 2/);

    // Open it in the sandbox: the same scenario, with its guarantee.
    await page.locator(tid('open-sandbox')).click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=guarantee]')?.textContent.includes('at-least-once'),
    );
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 2'),
    );

    // The quiz: two questions, one at a time, checked by the engine.
    await page.locator(tid('mode-quiz')).click();
    await page.locator(tid('quiz-choice')).first().waitFor();
    const q1 = await page.locator('.quiz-prompt').innerText();
    await page.locator(tid('quiz-choice')).nth(1).click();
    await page.locator('.quiz-feedback').waitFor();
    assert.ok(await page.locator(tid('quiz-choice')).first().isDisabled());
    assert.equal(await page.locator(`${tid('quiz-choice')}.is-right`).count(), 1);
    await page.locator(tid('quiz-next')).click();
    await page.waitForFunction((old) => document.querySelector('.quiz-prompt')?.innerText !== old, q1);
    await page.locator(tid('quiz-choice')).nth(1).click();
    await page.locator('.quiz-feedback').waitFor();
    await page.screenshot({ path: shot('learn-quiz.png') });
    // The rest, to the score and the review.
    for (;;) {
      await page.locator(tid('quiz-next')).click();
      if (await page.locator(tid('quiz-score')).count()) break;
      await page.locator(tid('quiz-choice')).first().click();
      await page.locator('.quiz-feedback').waitFor();
    }
    const quizScore = await page.locator(tid('quiz-score')).innerText();
    assert.match(quizScore, /^\d+ \/ 13$/);
    assert.equal(await page.locator('.review-item').count(), 13);
    await page.screenshot({ path: shot('learn-quiz-score.png') });

    // Reload: Learn reopens the last lesson, the list keeps both marks and the quiz score.
    await page.reload();
    await page.waitForSelector(tid('app'));
    await page.locator(tid('mode-learn')).click();
    await lesson.waitFor();
    assert.match(await lesson.innerText(), /At-least-once: write, then commit/);
    await page.locator(tid('lesson-back')).click();
    await list.waitFor();
    const after = await marks(page);
    assert.deepEqual(after.slice(0, 3), ['is-perfect', 'is-perfect', 'is-new']);
    const progress = await page.locator(tid('course-progress')).innerText();
    assert.match(progress, /2 of 33 lessons tried · 4 of 66 points/);
    assert.match(progress, new RegExp(`quiz best ${quizScore.replace(' / ', '/')}`));
    await page.screenshot({ path: shot('learn-reload.png') });

    // Reset progress (and it stays reset after a reload).
    await page.locator(tid('reset-progress')).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid=lesson-item]')].every((e) => e.dataset.mark === 'is-new'),
    );
    await page.screenshot({ path: shot('learn-reset.png') });
    await page.reload();
    await page.locator(tid('mode-learn')).click();
    await list.waitFor();
    assert.ok((await marks(page)).every((m) => m === 'is-new'));
    assert.match(await page.locator(tid('course-progress')).innerText(), /^0 of 33/);

    assert.deepEqual(app.pageErrors, [], 'no uncaught errors (a Rust panic lands here)');
    assert.deepEqual(app.blockedRequests, [], 'no requests outside the local server');
  });
});

test('the lesson and the quiz on a 390 px phone', async (t) => {
  const { page } = app;
  await withFailureShot(t, page, 'learn-390', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(app.url);
    await page.evaluate(() => localStorage.clear());
    await page.locator(tid('mode-learn')).click();
    await page.locator(tid('lesson-item')).nth(4).click();
    await page.locator(tid('lesson')).waitFor();
    await noSideScroll(page);
    await page.screenshot({ path: shot('learn-390.png'), fullPage: true });
    await predict(page, 0, []);
    await page.locator(tid('lesson-skip')).click();
    await page.locator(tid('lesson-score')).waitFor();
    await noSideScroll(page);
    await page.locator(tid('lesson-score')).scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('learn-390-result.png') });
    await page.locator(tid('mode-quiz')).click();
    await page.locator(tid('quiz-choice')).first().click();
    await page.locator('.quiz-feedback').waitFor();
    await noSideScroll(page);
    await page.screenshot({ path: shot('learn-390-quiz.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
    assert.deepEqual(app.pageErrors, []);
  });
});

test('the real-system code panel: language tabs, copy, what not to do', async (t) => {
  const { page } = app;
  await withFailureShot(t, page, 'learn-code', async () => {
    await page.goto(app.url + '#preset=spark-file-sink');
    // The snippets' text is fetched when the panel comes near the viewport (unless
    // Learn, earlier on this page, has loaded it already).
    await page.locator(tid('content-loading')).or(page.locator(tid('code-panel'))).scrollIntoViewIfNeeded();
    const panel = page.locator(tid('code-panel'));
    await panel.waitFor();
    // PySpark and Scala versions of one snippet share a card with tabs.
    const tabs = panel.locator('[role=tab]');
    assert.deepEqual(await tabs.allInnerTexts(), ['Python', 'Scala']);
    assert.match(await panel.locator('pre').innerText(), /writeStream/);
    await tabs.nth(1).click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=code-panel] pre')?.innerText.includes('val '),
    );
    assert.equal(await tabs.nth(1).getAttribute('aria-selected'), 'true');
    await panel.locator('.copy-btn').click();
    await page.waitForFunction(() =>
      /Copied|Ctrl\+C/.test(document.querySelector('[data-testid=code-panel] .copy-btn')?.innerText),
    );
    // An unsafe configuration is marked as such.
    await page.goto(app.url + '#preset=fb-marker-first');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=code-panel] .is-unsafe .unsafe-tag')?.innerText.match(/what not to do/i),
    );
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('learn-code-sandbox.png') });
    assert.deepEqual(app.pageErrors, []);
  });
});

test('the course text loads only when needed; a failed load says why and Retry recovers', async (t) => {
  const page = await app.page.context().newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const fetched = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/content.json')) fetched.push(r.url());
  });
  await withFailureShot(t, page, 'learn-content', async () => {
    await page.route('**/content.json', (r) => r.abort('connectionrefused'));
    // No saved progress: Learn opens on the lesson list.
    await page.addInitScript(() => localStorage.clear());
    await page.goto(app.url);
    await page.waitForSelector(tid('app'));
    // Opening the simulator downloads no course text (the code panel is below the fold).
    await page.locator(tid('timeline')).waitFor();
    assert.deepEqual(fetched, []);
    // Learn asks for it; the request fails: the reason and a Retry button.
    await page.locator(tid('mode-learn')).click();
    const err = page.locator(tid('content-error'));
    await err.waitFor();
    assert.match(await err.innerText(), /Could not load the lessons: the request for content\.json failed/);
    assert.equal(fetched.length, 1);
    await page.screenshot({ path: shot('learn-content-error.png') });
    // The network is back: Retry loads the course.
    await page.unroute('**/content.json');
    await err.locator('button', { hasText: 'Retry' }).click();
    await page.locator(tid('lesson-list')).waitFor();
    assert.ok((await page.locator(tid('lesson-item')).count()) >= 30);
    // Back in the sandbox the code panel reuses the loaded text: no second request.
    await page.locator(tid('mode-sandbox')).click();
    await page.locator(tid('code-panel')).scrollIntoViewIfNeeded();
    await page.locator(`${tid('code-panel')} pre`).first().waitFor();
    assert.equal(fetched.length, 2);
    assert.deepEqual(errors, []);
  });
  await page.close();
});

test('without localStorage (a sandboxed iframe) the course still works', async (t) => {
  const page = await app.page.context().newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('The document is sandboxed', 'SecurityError');
      },
    });
  });
  await withFailureShot(t, page, 'learn-nostorage', async () => {
    await page.goto(app.url);
    await page.locator(tid('mode-learn')).click();
    await page.locator(tid('lesson-item')).first().click();
    await predict(page, 1, [2, 3]);
    await page.locator(tid('lesson-skip')).click();
    await page.locator(tid('lesson-score')).waitFor();
    assert.match(await page.locator(tid('lesson-score')).innerText(), /2 \/ 2/);
    assert.match(await page.locator('.course-note').innerText(), /progress lasts only/);
    await page.locator(tid('lesson-back')).click();
    await page.locator(tid('lesson-list')).waitFor();
    assert.equal((await marks(page))[0], 'is-perfect');
    assert.deepEqual(errors, []);
  });
  await page.close();
});
