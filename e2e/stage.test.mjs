// The stage (issue "The stage"): records move through the pipeline, the crash kills the
// process, a duplicate arrives at the step that writes it, lost records have placeholders,
// presenter mode reads from the back of a room, an embed overflows nothing, reduced motion
// moves nothing. Test ids: e2e/README.md. No sleeps: waits are on the DOM or on animation
// frames (requestAnimationFrame), which is what "moves between frames" means.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, shareLink, shot } from './serve.mjs';

const app = appForFile();
const $ = (id) => `[data-testid=${id}]`;

// Spark into a plain INSERT, crashed after the sink write of batch 1: r2, r3 duplicated
// (spec case 021).
const SPARK_DUP = {
  version: 1,
  source: { kind: 'log' },
  engine: { kind: 'micro_batch' },
  sink: { kind: 'append' },
  faults: [{ kind: 'crash', batch: 1, after: 'sink_write' }],
};

async function open(page, hash, query = '') {
  await page.goto('about:blank');
  await page.goto(`${app.url}${query}#${hash}`);
  await page.locator($('stage')).waitFor();
}

/** Index of the first tick whose label matches `re`. */
async function tickIndex(page, re) {
  const labels = await page.locator($('tick')).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const i = labels.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `a tick labelled ${re}: ${labels.join(' | ')}`);
  return i;
}

/**
 * Where the `n` key (next fault) lands from the first event: the first fault tick after
 * it, or nowhere (null) when the run has none. Read from the timeline's ticks.
 */
async function firstFault(page) {
  const faults = await page
    .locator($('tick'))
    .evaluateAll((els) => els.filter((e) => /\bk-(fault|deletecheckpoint)\b/.test(e.className)).map((e) => Number(e.dataset.i)));
  return faults.find((i) => i > 0) ?? null;
}

/** Wait until the position (`.tl-pos`, or `.pt-pos` in presenter mode) reads `text`. */
function positionIs(page, text, selector = '.tl-pos') {
  return page.waitForFunction(
    ([s, t]) => document.querySelector(s)?.textContent === t,
    [selector, text],
  );
}

/** Seek to event `i` (a tick click; click-to-crash is off). */
async function seek(page, i) {
  await page.locator($('tick')).nth(i).click();
  await page.waitForFunction((n) => document.querySelector('.tl-pos')?.textContent.startsWith(`${n + 1} /`), i);
}

/** The centre of every `selector` box in each of `n` consecutive animation frames. */
function sampleFrames(page, selector, n) {
  return page.evaluate(
    ({ selector, n }) =>
      new Promise((done) => {
        const out = [];
        const tick = () => {
          out.push(
            [...document.querySelectorAll(selector)].map((e) => {
              const r = e.getBoundingClientRect();
              return { record: e.dataset.record, x: r.left + r.width / 2, y: r.top + r.height / 2 };
            }),
          );
          if (out.length < n) requestAnimationFrame(tick);
          else done(out);
        };
        requestAnimationFrame(tick);
      }),
    { selector, n },
  );
}

const centre = (r) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

test('a write moves its record token from the process towards the sink, frame by frame', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-motion', async () => {
    await open(page, 'preset=spark-append');
    const write = await tickIndex(page, /sink write, batch 0/);
    await seek(page, write - 1);
    const proc = centre(await page.locator($('stage-process')).boundingBox());
    const sink = centre(await page.locator($('stage-sink')).boundingBox());
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('ArrowRight');
    const frames = await sampleFrames(page, `${$('stage')} ${$('stage-token')}[data-go=fly]`, 8);
    const moving = frames.filter((f) => f.length > 0);
    assert.ok(moving.length >= 3, `a flying token in at least 3 frames: ${JSON.stringify(frames)}`);
    const path = moving.map((f) => f[0]);
    const distinct = new Set(path.map((p) => `${Math.round(p.x)},${Math.round(p.y)}`));
    assert.ok(distinct.size >= 3, `the token's box moves between frames: ${JSON.stringify(path)}`);
    const [first, last] = [path[0], path[path.length - 1]];
    assert.ok(dist(last, sink) < dist(first, sink), 'it gets closer to the sink');
    assert.ok(dist(first, proc) < dist(last, proc), 'and further from the process');
    assert.match(path[0].record, /^r[01]$/, 'batch 0 writes r0, r1');
    assert.deepEqual(app.pageErrors, []);
  });
});

test('a crash kills the process: dark box, memory lost', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-crash', async () => {
    await open(page, 'preset=consumer-commit-before');
    assert.equal(await page.locator($('stage-process')).getAttribute('data-state'), 'running');
    await page.keyboard.press('n'); // next fault
    await page.locator(`${$('stage-process')}[data-state=dead]`).waitFor();
    assert.match(await page.locator($('stage-process')).innerText(), /process dead: memory lost/i);
    await page.screenshot({ path: shot('stage-crash.png') });
  });
});

test('a duplicating write shows the second copy at that step, not later', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-dup', async () => {
    await open(page, shareLink(SPARK_DUP));
    const rewrite = await tickIndex(page, /sink write, batch 1 · attempt 2/);
    await seek(page, rewrite - 1);
    assert.equal(await page.locator(`${$('stage-row')}[data-copy="2"]`).count(), 0, 'no second copy before');
    await page.keyboard.press('ArrowRight');
    await page.locator(`${$('stage-row')}[data-copy="2"]`).first().waitFor();
    const second = await page
      .locator(`${$('stage-row')}[data-copy="2"]`)
      .evaluateAll((els) => els.map((e) => e.dataset.record).sort());
    assert.deepEqual(second, ['r2', 'r3']);
    assert.match(await page.locator($('narration')).innerText(), /already in the table.*adds them again/);
    await page.screenshot({ path: shot('stage-duplicate.png') });
  });
});

test('at the end of a losing run the lost placeholders are the missing records', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-lost', async () => {
    // Commit before write, crash after the commit of batch 1: r2, r3 lost (spec case 002).
    await open(page, 'preset=consumer-commit-before');
    assert.equal(await page.locator($('stage-lost')).count(), 0, 'nothing is lost before the end');
    await page.keyboard.press('End');
    await page.locator($('stage-lost')).first().waitFor();
    const lost = await page.locator($('stage-lost')).evaluateAll((els) => els.map((e) => e.dataset.record).sort());
    assert.deepEqual(lost, ['r2', 'r3']);
    const caption = await page.locator($('outcome-caption')).innerText();
    assert.match(caption, /r2, r3 lost/);
  });
});

test('paced play holds at the crash with a caption; Space goes on', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-pacing', async () => {
    await open(page, 'preset=consumer-commit-before', '?speed=4');
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press(' ');
    const caption = page.locator($('pause-caption'));
    await caption.waitFor();
    assert.match(await caption.innerText(), /A fault strikes here/);
    assert.match(await caption.innerText(), /Space to continue/);
    assert.equal(await page.locator(`${$('stage-process')}[data-state=dead]`).count(), 1);
    // Space goes on, and the next hold is the restart (the step after the crash here).
    await page.keyboard.press(' ');
    await page.waitForFunction(() =>
      /A new process starts/.test(document.querySelector('[data-testid=pause-caption]')?.textContent),
    );
    assert.match(await page.locator($('narration')).innerText(), /committed position 4/);
    // Turned off, play runs to the end and the outcome caption names the loss.
    assert.equal(await page.locator($('pacing-toggle')).getAttribute('aria-pressed'), 'true');
    await page.locator($('pacing-toggle')).click();
    await page.locator(`${$('pacing-toggle')}[aria-pressed=false]`).waitFor();
    await page.locator($('play')).click();
    await page.locator($('outcome-caption')).waitFor();
    assert.equal(await caption.count(), 0);
    assert.match(await page.locator($('outcome-caption')).innerText(), /r2, r3 lost/);
  });
});

test('presenter mode at 1920×1080: chips ≥ 28 px, narration ≥ 32 px, clicker keys', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-present', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await open(page, shareLink(SPARK_DUP), '?present=1');
    await page.locator('[data-present="1"]').waitFor();
    assert.equal(await page.locator($('ledger')).count(), 0, 'only the stage, narration and timeline');
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const [a, b] = document.querySelector('.pt-pos').textContent.split(' / ');
      return a === b;
    });
    const sizes = await page.evaluate(() => ({
      chips: [...document.querySelectorAll('[data-testid=stage] .chip')]
        .filter((e) => e.getBoundingClientRect().width > 0)
        .map((e) => parseFloat(getComputedStyle(e).fontSize)),
      narration: parseFloat(getComputedStyle(document.querySelector('[data-testid=narration]')).fontSize),
    }));
    assert.ok(sizes.chips.length >= 10, `chips on the stage: ${sizes.chips.length}`);
    assert.ok(Math.min(...sizes.chips) >= 28, `every record chip ≥ 28 px: ${Math.min(...sizes.chips)}`);
    assert.ok(sizes.narration >= 32, `narration ≥ 32 px: ${sizes.narration}`);
    // The frame is 16:9 and fills the viewport.
    const frame = await page.locator('.present-frame').boundingBox();
    assert.equal(Math.round(frame.width), 1920);
    assert.equal(Math.round(frame.height), 1080);
    // A clicker: PageUp steps back, PageDown forward.
    const pos = () => page.locator('.pt-pos').innerText();
    const end = await pos();
    await page.keyboard.press('PageUp');
    await page.waitForFunction((old) => document.querySelector('.pt-pos')?.textContent !== old, end);
    await page.keyboard.press('PageDown');
    await page.waitForFunction((old) => document.querySelector('.pt-pos')?.textContent === old, end);
    // F leaves presenter mode.
    await page.keyboard.press('f');
    await page.locator($('ledger')).waitFor();
    assert.equal(await page.locator('[data-present="1"]').count(), 0);
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});

/** Elements of `root` whose box reaches outside the root's box (1 px tolerance). */
function overflowing(page, selector) {
  return page.evaluate((selector) => {
    const out = [];
    for (const root of document.querySelectorAll(selector)) {
      const r = root.getBoundingClientRect();
      if (root.scrollWidth > root.clientWidth + 1) out.push(`${selector} scrolls sideways`);
      for (const e of root.querySelectorAll('*')) {
        const b = e.getBoundingClientRect();
        if (b.width === 0 && b.height === 0) continue;
        if (b.left < r.left - 1 || b.right > r.right + 1) {
          out.push(`${e.tagName.toLowerCase()}.${e.className} [${Math.round(b.left)}, ${Math.round(b.right)}] outside [${Math.round(r.left)}, ${Math.round(r.right)}]`);
        }
      }
    }
    return out;
  }, selector);
}

test('an embed at 800×450 and at 1920×1080 clips nothing in the stage or the records panel', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-embed', async () => {
    for (const [w, h] of [[800, 450], [1920, 1080]]) {
      await page.setViewportSize({ width: w, height: h });
      for (const p of ['kafka-txn-read-committed', 'bq-writer-offsets-loss', 'spark-file-sink', 'fb-same']) {
        await open(page, `preset=${p}`, '?embed=1');
        const events = await page.locator($('tick')).count();
        const fault = await firstFault(page);
        assert.notEqual(fault, null, `${p} has a fault`);
        for (const step of ['n', 'End']) {
          await page.keyboard.press(step);
          // n goes to the first fault, End to the last event.
          await positionIs(page, `${step === 'n' ? fault + 1 : events} / ${events}`);
          const bad = [...(await overflowing(page, $('stage'))), ...(await overflowing(page, $('ledger')))];
          assert.deepEqual(bad, [], `${p} at ${w}×${h} after ${step}`);
        }
      }
      await page.screenshot({ path: shot(`stage-embed-${w}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});

test('with prefers-reduced-motion no token moves: the same end state, no motion', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-reduced', async () => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await open(page, 'preset=spark-append');
    const write = await tickIndex(page, /sink write, batch 0/);
    await seek(page, write - 1);
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('ArrowRight');
    const frames = await sampleFrames(page, `${$('stage')} ${$('stage-token')}`, 6);
    const seen = frames.flat();
    const places = new Set(seen.map((p) => `${p.record}@${Math.round(p.x)},${Math.round(p.y)}`));
    const records = new Set(seen.map((p) => p.record));
    assert.equal(places.size, records.size, `each token stays where it is: ${[...places]}`);
    // The end state is the same: r0 and r1 are in the table.
    const rows = await page.locator($('stage-row')).evaluateAll((els) => els.map((e) => e.dataset.record).sort());
    assert.deepEqual(rows, ['r0', 'r1']);
    await page.emulateMedia({ reducedMotion: 'no-preference' });
  });
});

test('presenter screenshots: every engine and sink family', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'stage-gallery', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await open(page, 'preset=spark-append');
    const presets = await page.locator(`${$('preset')} option`).evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(presets.length >= 30, `presets: ${presets.length}`);
    // Each preset's run length and first fault, from its timeline (presenter mode has no ticks).
    const runs = {};
    for (const p of presets) {
      await page.locator($('preset')).selectOption(p);
      await page.waitForFunction((p) => location.hash === `#preset=${p}`, p);
      runs[p] = { events: await page.locator($('tick')).count(), fault: await firstFault(page) };
    }
    for (const p of presets) {
      await open(page, `preset=${p}`, '?present=1');
      // At the first fault if there is one (n, then → and ← back to it), else at the start.
      await page.keyboard.press('n');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowLeft');
      const { events, fault } = runs[p];
      const at = fault === null ? 0 : Math.max(0, Math.min(fault + 1, events - 1) - 1);
      await positionIs(page, `${at + 1} / ${events}`, '.pt-pos');
      await page.screenshot({ path: shot(`present-${p}.png`) });
      await page.keyboard.press('End');
      await page.locator($('outcome-caption')).waitFor();
      await page.screenshot({ path: shot(`present-${p}-end.png`) });
    }
    const faulted = presets.filter((p) => runs[p].fault !== null).length;
    t.diagnostic(`${presets.length * 2} presenter screenshots in target/screenshots/present-*.png`);
    t.diagnostic(`${faulted} of ${presets.length} presets have a fault (the n key stops there)`);
    assert.deepEqual(app.pageErrors, []);
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});
