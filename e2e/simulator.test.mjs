// The simulator end to end: choose a preset, crash after the sink write, see the duplicates
// in the ledger, step back, drive it with the keyboard, and check the phone layout.
// Uses only the data-testid contract (e2e/README.md) plus the UI's own test ids
// (preset, crash-here, step-back, ledger-verdict, run-duplicated, help).
// No sleeps: every wait is a Playwright wait on the DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, shot } from './serve.mjs';

const app = appForFile();

async function verdicts(page) {
  return page.locator('[data-testid=ledger] [data-testid=ledger-verdict]').allInnerTexts();
}

async function narration(page) {
  return page.locator('[data-testid=narration]').innerText();
}

/** Wait until the narration differs from `old`, and return it. */
async function narrationChangedFrom(page, old) {
  await page.waitForFunction(
    (o) => document.querySelector('[data-testid=narration]')?.textContent !== o,
    old,
  );
  return narration(page);
}

const withFailureShot = (t, name, body) => failureShot(t, app, name, body);

test('crash after the sink write duplicates the batch; step back; keyboard', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'simulator', async () => {
    await page.goto(app.url);
    await page.waitForSelector('[data-testid=app]');

    // Choose a preset: first another one, then the plain INSERT preset.
    const preset = page.locator('[data-testid=preset]');
    await preset.selectOption('spark-upsert');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=guarantee]')?.textContent.includes('exactly-once'),
    );
    await preset.selectOption('spark-append');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=guarantee]')?.textContent.includes('at-least-once'),
    );
    assert.equal((await verdicts(page)).length, 10);
    assert.ok((await verdicts(page)).every((v) => v.includes('once')), 'clean run: every record once');

    // Go to batch 1's sink write (click its tick), then crash right after it.
    const writeTick = page.locator('[data-testid=tick][aria-label*="sink write, batch 1 · attempt 1"]');
    await writeTick.click();
    const atWrite = await narration(page);
    assert.match(atWrite, /r2, r3/);
    await page.locator('[data-testid=crash-here]').click();

    // The engine re-ran: r2 and r3 are duplicated, the rest once.
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 2'),
    );
    const v = await verdicts(page);
    v.forEach((text, i) => {
      if (i === 2 || i === 3) assert.match(text, /duplicated ×2/, `r${i}`);
      else assert.match(text, /once/, `r${i}`);
    });
    // Playback stays at the crash.
    assert.match(await narration(page), /CRASH/);
    await page.screenshot({ path: shot('simulator-crash.png') });
    t.diagnostic(`screenshot: ${shot('simulator-crash.png')}`);

    // Step back: exactly the sink write again; forward: the crash again.
    const atCrash = await narration(page);
    await page.locator('[data-testid=step-back]').click();
    assert.equal(await narrationChangedFrom(page, atCrash), atWrite);
    await page.locator('[data-testid=step-forward]').click();
    assert.match(await narrationChangedFrom(page, atWrite), /CRASH/);

    // Provenance: r2's two copies come from two attempts of batch 1.
    await page.locator('[data-testid=ledger-row]').nth(2).locator('button').click();
    const prov = page.locator('#provenance');
    await prov.waitFor();
    const provText = await prov.innerText();
    assert.match(provText, /batch 1 · attempt 1/);
    assert.match(provText, /batch 1 · attempt 2/);

    // Keyboard only (focus on the page, not on a button).
    await page.evaluate(() => document.activeElement?.blur());
    const pos = page.locator('.tl-pos');
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const [a, b] = document.querySelector('.tl-pos').textContent.split(' / ');
      return a === b;
    });
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('.tl-pos').textContent.startsWith('1 / '));
    const first = await narration(page);
    await page.keyboard.press('ArrowRight');
    const second = await narrationChangedFrom(page, first);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await narrationChangedFrom(page, second), first);
    await page.keyboard.press('Shift+ArrowRight'); // next fault
    assert.match(await narrationChangedFrom(page, first), /CRASH/);
    await page.keyboard.press(' ');
    await page.locator('[data-testid=play][aria-label^="Pause"]').waitFor();
    await page.keyboard.press(' ');
    await page.locator('[data-testid=play][aria-label^="Play"]').waitFor();
    assert.match(await pos.innerText(), /\d+ \/ \d+/);
    await page.keyboard.press('?');
    await page.locator('[data-testid=help]').waitFor();
    await page.screenshot({ path: shot('simulator-help.png') });
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=help]').waitFor({ state: 'detached' });

    // Undo the crash from the keyboard: no duplicates any more.
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 0'),
    );

    assert.deepEqual(app.pageErrors, [], 'no uncaught errors (a Rust panic lands here)');
    assert.deepEqual(app.blockedRequests, [], 'no requests outside the local server');
  });
});

test('an invalid builder change is explained and not applied', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'simulator-builder', async () => {
    await page.goto(app.url);
    await page.waitForSelector('[data-testid=app]');
    const guarantee = await page.locator('[data-testid=guarantee]').innerText();
    // Spark micro-batch cannot read a queue: the engine refuses, the run stays.
    await page.locator('[data-testid=builder-source-kind]').selectOption('queue');
    const err = page.locator('[data-testid=builder-error]');
    await err.waitFor();
    assert.match(await err.innerText(), /queue/);
    assert.equal(await page.locator('[data-testid=guarantee]').innerText(), guarantee);
    // Switching the engine to Beam makes it valid: applied.
    await page.locator('[data-testid=builder-engine-kind]').selectOption('beam');
    await err.waitFor({ state: 'detached' });
    assert.deepEqual(app.pageErrors, []);
  });
});

test('phone (390 px) and dark mode render without horizontal overflow', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'simulator-phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(app.url);
    await page.waitForSelector('[data-testid=ledger-row]');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: shot('simulator-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
    await page.goto(app.url + '#preset=flink-2pc');
    await page.waitForSelector('[data-testid=ledger-row]');
    await page.keyboard.press('Shift+ArrowRight');
    await page.screenshot({ path: shot('simulator-dark.png') });
    assert.deepEqual(app.pageErrors, []);
  });
});
