// Compare: the current scenario's workload under the three guarantees (with their own two
// crashes), side by side on one cursor; and this scenario against another configuration.
// Uses the data-testid contract (e2e/README.md): compare,
// compare-column, compare-step-forward (plus the panel's compare-toggle, compare-pos,
// compare-guarantee and compare-narration).
// No sleeps: every wait is a Playwright wait on the DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, shot } from './serve.mjs';

const app = appForFile();

const withFailureShot = (t, name, body) => failureShot(t, app, name, body);

/** The narration of every column, in column order. */
const narrations = (page) =>
  page.locator('[data-testid=compare-column] [data-testid=compare-narration]').allInnerTexts();

/** Press the shared step-forward and wait until the shared position moved on. */
async function stepForward(page) {
  const pos = page.locator('[data-testid=compare-pos]');
  const before = await pos.innerText();
  await page.locator('[data-testid=compare-step-forward]').click();
  await page.waitForFunction(
    (old) => document.querySelector('[data-testid=compare-pos]')?.textContent !== old,
    before,
  );
}

test('the three guarantees side by side, under the comparison’s own two crashes', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'compare', async () => {
    // Write, then commit, with a crash right after batch 1's sink write; the three
    // guarantees bring their own faults (a crash after source_commit of batch 1 and one
    // after sink_write of batch 2) so that each shows its effect (e2e/overview.test.mjs).
    await page.goto(app.url + '#preset=consumer-commit-after');
    await page.waitForSelector('[data-testid=ledger-row]');
    const panel = page.locator('[data-testid=compare]');
    await panel.locator('[data-testid=compare-toggle]').click();

    // Three columns (the default quick choice), one per guarantee, in order.
    const columns = panel.locator('[data-testid=compare-column]');
    await columns.nth(2).waitFor();
    assert.equal(await columns.count(), 3);
    const badges = await panel.locator('[data-testid=compare-guarantee]').allInnerTexts();
    assert.deepEqual(
      badges.map((b) => b.match(/at-most-once|at-least-once|exactly-once/)?.[0]),
      ['at-most-once', 'at-least-once', 'exactly-once'],
    );
    // This scenario's configuration is marked (with the comparison's faults, not its own).
    assert.match(await columns.nth(1).innerText(), /this configuration/i);
    assert.match(await columns.nth(0).innerText(), /✕ 2 missing/);
    assert.match(await columns.nth(1).innerText(), /❐ 2 duplicated/);
    assert.match(await columns.nth(2).innerText(), /❐ 0 duplicated · ✕ 0 missing/);

    // One cursor: stepping forward moves every column.
    assert.match(await panel.locator('[data-testid=compare-pos]').innerText(), /^1 \/ \d+$/);
    const first = await narrations(page);
    assert.equal(first.length, 3);
    await stepForward(page);
    assert.match(await panel.locator('[data-testid=compare-pos]').innerText(), /^2 \/ \d+$/);
    const second = await narrations(page);
    assert.ok(second.every((n, i) => n !== first[i]), 'every column moved on together');

    // Step on to the crash: it strikes the columns at the same row.
    for (let i = 0; i < 60; i++) {
      if ((await narrations(page)).some((n) => /CRASH/.test(n))) break;
      await stepForward(page);
    }
    const atCrash = await narrations(page);
    assert.ok(atCrash.some((n) => /CRASH/.test(n)), `a column reached the crash: ${atCrash}`);
    // On to where they part ways: the at-least-once column writes r4 and r5 a second
    // time, the exactly-once column never does.
    const dup = columns.nth(1).locator('.rc-dup');
    for (let i = 0; i < 60 && (await dup.count()) === 0; i++) await stepForward(page);
    assert.equal(await dup.count(), 2, 'r4 and r5 twice in the at-least-once column');
    assert.equal(await columns.nth(2).locator('.rc-dup').count(), 0);

    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: shot('compare.png') });
    t.diagnostic(`screenshot: ${shot('compare.png')}`);

    // Stacked on a phone, without sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await columns.nth(2).waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    const [a, b] = await Promise.all([columns.nth(0).boundingBox(), columns.nth(1).boundingBox()]);
    assert.ok(b.y >= a.y + a.height - 1, 'columns are stacked at 390 px');
    await panel.screenshot({ path: shot('compare-390.png') });
    await page.setViewportSize({ width: 1280, height: 720 });

    // Scrub to the end: every column shows its last step; play starts again from the top.
    const pos = panel.locator('[data-testid=compare-pos]');
    const rows = Number((await pos.innerText()).split(' / ')[1]);
    await panel.locator('input.scrub').fill(String(rows - 1));
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=compare-pos]')?.textContent === `${n} / ${n}`,
      rows,
    );
    assert.ok((await narrations(page)).every((n) => /drained|nothing left/i.test(n)), 'every run ends drained');
    await panel.locator('.ctl-play').click();
    await page.waitForFunction(() => /^[2-9] \//.test(document.querySelector('[data-testid=compare-pos]')?.textContent));
    // The same button pauses.
    assert.equal(await panel.locator('.ctl-play').getAttribute('aria-label'), 'Pause');
    await panel.locator('.ctl-play').click();
    await panel.locator('.ctl-play[aria-label=Play]').waitFor();

    assert.deepEqual(app.pageErrors, [], 'no uncaught errors (a Rust panic lands here)');
    assert.deepEqual(app.blockedRequests, [], 'no requests outside the local server');
  });
});

test('a fault a configuration does not allow is skipped with the engine’s reason', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'compare-skipped', async () => {
    // This scenario's crash after source_commit against the Kafka transaction, which has
    // no such step.
    await page.goto(app.url + '?fresh#preset=consumer-commit-before');
    await page.waitForSelector('[data-testid=ledger-row]');
    const panel = page.locator('[data-testid=compare]');
    await panel.locator('[data-testid=compare-toggle]').click();
    await panel.locator('[data-testid=compare-choice]', { hasText: 'This scenario vs' }).click();
    await panel.locator('select[data-pick="0"]').selectOption({ label: 'Kafka transaction (offsets in the transaction)' });
    const columns = panel.locator('[data-testid=compare-column]');
    await columns.nth(1).waitFor();
    await page.waitForFunction(() =>
      /transaction/i.test(document.querySelectorAll('[data-testid=compare-column] h3')[1]?.textContent),
    );
    const texts = await columns.allInnerTexts();
    assert.equal(texts.length, 2);
    assert.match(texts[0], /this scenario/i);
    assert.match(texts[0], /✕ 2 missing/, 'commit before the write loses the batch');
    assert.match(
      texts[1],
      /crash after source_commit · batch 1: does not apply here — step "source_commit" does not exist/,
      'the transaction column explains the skipped crash',
    );
    assert.deepEqual(app.pageErrors, []);
  });
});

// The crash matrix (a cell replaces the faults, undo takes it back) moved to
// e2e/overview.test.mjs with the matrix's own tab.
