// Ready for a classroom: the crash matrix as the class overview (its own tab, the clean
// pipeline, a cell per crash point labelled with its effect), a pick that replaces the
// faults and lands on the crash in the simulator, its undo; and Compare's three guarantees
// showing a loss, duplicates and neither. data-testid contract: e2e/README.md.
// No sleeps: every wait is a Playwright wait on the DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, shot } from './serve.mjs';

const app = appForFile();
const $ = (id) => `[data-testid=${id}]`;

/** Open `preset` in the sandbox at width × height. */
async function open(preset, width = 1280, height = 720) {
  const { page } = app;
  await page.setViewportSize({ width, height });
  await page.goto('about:blank');
  await page.goto(`${app.url}#preset=${preset}`);
  await page.locator($('ledger-row')).first().waitFor();
  return page;
}

/** The crash matrix tab's cells, once they are there. */
async function openMatrix(page) {
  await page.locator($('mode-matrix')).click();
  const cells = page.locator($('matrix-cell'));
  await cells.first().waitFor();
  return cells;
}

/** The descriptions of the fault list, in order. */
const faultList = (page) => page.locator(`${$('fault')} .fault-desc`).allInnerTexts();

test('a matrix cell replaces the faults, lands paused on the crash in view, and undo restores them', async (t) => {
  await failureShot(t, app, 'overview-pick', async () => {
    // Write, then commit, with its own crash after sink_write of batch 1 (r2, r3 twice).
    const page = await open('consumer-commit-after');
    assert.deepEqual(await faultList(page), ['crash after sink_write · batch 1']);
    // Playing when the class overview opens.
    await page.locator($('play')).click();
    await page.waitForFunction(() => /^Pause/.test(document.querySelector('[data-testid=play]')?.ariaLabel));

    const cells = await openMatrix(page);
    const cell = page.locator(`${$('matrix-cell')}[aria-label^="Crash after sink write of batch 2:"]`);
    assert.equal(await cell.getAttribute('data-effect'), 'dup');
    assert.match(await cell.innerText(), /dup r4 r5/);
    // Scrolled away from the top, as on a laptop after reading the matrix.
    await cells.last().scrollIntoViewIfNeeded();
    await cell.click();

    // Back in the simulator, with exactly that one crash: replaced, not added.
    await page.locator($('stage')).waitFor();
    assert.deepEqual(await faultList(page), ['crash after sink_write · batch 2']);
    assert.match(await page.locator($('run-duplicated')).innerText(), /^❐ 2/);
    assert.match(await page.locator($('matrix-pick')).innerText(), /crash after sink_write · batch 2[\s\S]*dup r4 r5/);
    // The stage is in view: its top in the upper half of the window.
    const top = await page.evaluate(() => document.querySelector('[data-testid=stage]').getBoundingClientRect().top);
    assert.ok(top >= 0 && top < 360, `the stage's top is at ${top}px in a 720px window`);
    // Paused on the crash event.
    const current = page.locator(`${$('tick')}[aria-current=step]`);
    await current.waitFor();
    assert.match(await current.getAttribute('class'), /\bk-fault\b/);
    assert.match(await current.getAttribute('aria-label'), /crash, batch 2 · attempt 1/);
    assert.match(await page.locator($('play')).getAttribute('aria-label'), /^Play/);
    assert.match(await page.locator($('narration')).innerText(), /CRASH after sink_write of batch 2/);
    await page.screenshot({ path: shot('overview-pick.png') });

    // Undo (the pick bar's button) restores the preset's fault; the pick bar goes.
    await page.locator($('matrix-undo')).click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=matrix-pick]'));
    assert.deepEqual(await faultList(page), ['crash after sink_write · batch 1']);
    // The app's own redo and undo (keyboard) go through the same history.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+Shift+Z');
    await page.locator($('matrix-pick')).waitFor();
    assert.deepEqual(await faultList(page), ['crash after sink_write · batch 2']);
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => !document.querySelector('[data-testid=matrix-pick]'));
    assert.deepEqual(await faultList(page), ['crash after sink_write · batch 1']);

    // "Back to the matrix" after a pick: the picked cell is marked as what the simulator runs.
    await page.keyboard.press('Control+Shift+Z');
    await page.locator($('matrix-back')).click();
    await page.locator(`${$('matrix-cell')}[aria-current=true]`).waitFor();
    assert.match(
      await page.locator(`${$('matrix-cell')}[aria-current=true]`).getAttribute('aria-label'),
      /^Crash after sink write of batch 2:/,
    );
    assert.deepEqual(app.pageErrors, [], 'no uncaught errors (a Rust panic lands here)');
    assert.deepEqual(app.blockedRequests, []);
  });
});

test('the matrix of a preset that already crashes still tells the crash points apart', async (t) => {
  await failureShot(t, app, 'overview-distinct', async () => {
    for (const [preset, effect] of [
      ['consumer-commit-before', 'lost'],
      ['consumer-commit-after', 'dup'],
    ]) {
      const page = await open(preset, 1920, 1080);
      const cells = await openMatrix(page);
      const effects = await cells.evaluateAll((els) => els.map((e) => e.dataset.effect));
      assert.deepEqual([...new Set(effects)].sort(), [effect, 'ok'].sort(), `${preset}: ${effects}`);
      // Each cell says its effect in words, with the records.
      const words = await page.locator(`${$('matrix-cell')} .cm-words`).allInnerTexts();
      assert.ok(words.every((w) => /^(ok|(dup|lost) r\d r\d)$/.test(w)), `${preset}: ${words}`);
      assert.ok(words.includes(`${effect} r0 r1`) && words.includes(`${effect} r8 r9`), `${preset}: ${words}`);
      // The scenario's own crash is left out, and said to be.
      assert.match(await page.locator($('matrix')).innerText(), /own fault \(crash after \w+ · batch 1\) is left out/);
      if (preset === 'consumer-commit-after') {
        await page.screenshot({ path: shot('overview-matrix-1920.png') });
      }
    }
    assert.deepEqual(app.pageErrors, []);
  });
});

test('Compare, the three guarantees: at-most-once loses, at-least-once duplicates, exactly-once neither', async (t) => {
  await failureShot(t, app, 'overview-compare', async () => {
    // A scenario with a crash after sink_write, and one with no fault at all.
    for (const preset of ['consumer-commit-after', 'spark-append']) {
      const page = await open(preset);
      const panel = page.locator($('compare'));
      await panel.locator($('compare-toggle')).click();
      const columns = panel.locator($('compare-column'));
      await columns.nth(2).waitFor();
      const badges = await panel.locator($('compare-guarantee')).allInnerTexts();
      assert.deepEqual(
        badges.map((b) => b.match(/at-most-once|at-least-once|exactly-once/)?.[0]),
        ['at-most-once', 'at-least-once', 'exactly-once'],
      );
      const [most, least, exactly] = await columns.allInnerTexts();
      assert.match(most, /❐ 0 duplicated · ✕ 2 missing — missing: r2, r3/, `${preset}: at-most-once loses`);
      assert.match(least, /❐ 2 duplicated · ✕ 0 missing — duplicated: r4, r5/, `${preset}: at-least-once duplicates`);
      assert.match(exactly, /✓ 10 once · ❐ 0 duplicated · ✕ 0 missing/, `${preset}: exactly-once neither`);
      // The faults are the comparison's own, and said to be; the transaction says why it
      // has no source_commit to crash after.
      assert.match(await panel.locator($('compare-faults')).innerText(), /crash after source_commit · batch 1 and crash after sink_write · batch 2/);
      assert.match(exactly, /crash after source_commit · batch 1: does not apply here/);
    }
    assert.deepEqual(app.pageErrors, []);
  });
});
