// The mark "✓ Checked against real Spark 4.3 / Flink 2.3" on presets, lessons and quiz
// questions whose scenario the fidelity suite ran, and the real run it opens beside the
// engine's. The report (fidelity.json) is fetched by the page, not compiled into the wasm.
// No sleeps: every wait is on the DOM or the network.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { appForFile, failureShot, shot, DIST_DIR, REPO_ROOT } from './serve.mjs';

const app = appForFile();
const $ = (id) => `[data-testid=${id}]`;
const report = JSON.parse(readFileSync(join(REPO_ROOT, 'assets', 'fidelity.json'), 'utf8'));

async function open(page, hash) {
  await page.goto('about:blank');
  await page.goto(`${app.url}${hash}`);
  await page.locator($('guarantee')).waitFor();
}

test('a Spark and a Flink preset carry their mark; it opens the real run beside the engine', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'fidelity-presets', async () => {
    const requests = [];
    const watch = (r) => requests.push(new URL(r.url()).pathname);
    page.on('request', watch);

    await open(page, '#preset=spark-wal-replay');
    const mark = page.locator($('fidelity-mark'));
    assert.equal(await mark.innerText(), '✓ Checked against real Spark 4.3');
    assert.equal(requests.filter((p) => p.endsWith('/fidelity.json')).length, 1);
    const panel = page.locator($('fidelity-panel'));
    assert.equal(await panel.isVisible(), false, 'closed until asked');
    await mark.click();
    await panel.waitFor();
    const text = await panel.innerText();
    assert.match(text, /fidelity\/scenarios\/07-append-crash-after-offset-log\.json/);
    assert.match(text, /It agreed with the engine/);
    // Engine and real columns, row by row, from the report's own numbers.
    const row = (what) => panel.locator('tr', { has: page.locator('th', { hasText: what }) }).locator('td');
    assert.deepEqual(await row('table: duplicated').allInnerTexts(), ['none', 'none']);
    assert.deepEqual(await row('restarts').allInnerTexts(), ['1', '1']);
    assert.deepEqual(await row('offset log').allInnerTexts(), ['0–4', '0–4']);
    assert.equal(await panel.locator('.fid-differs').count(), 0);
    // The real run's log: the driver died at the armed step, the restart drained the rest.
    assert.match(await panel.locator('.fid-log').innerText(), /run 0: batches 0, 1 started; the driver died at the armed crash point/);
    await page.screenshot({ path: shot('fidelity-spark-preset.png') });

    // Flink: two-phase commit, two readers (read_committed first, as the engine's primary).
    await open(page, '#preset=flink-2pc');
    assert.equal(await mark.innerText(), '✓ Checked against real Flink 2.3');
    await mark.click();
    await panel.waitFor();
    const heads = await panel.locator('tbody th').allInnerTexts();
    assert.deepEqual(heads.slice(0, 4), [
      'read committed: lost', 'read committed: duplicated', 'read uncommitted: lost', 'read uncommitted: duplicated',
    ]);
    const flink = report.scenarios.find((s) => s.backs.includes('preset flink-2pc'));
    const dup = Object.entries(flink.real.readers.read_uncommitted.duplicated).map(([id, n]) => `${id} ×${n}`).join(', ');
    assert.deepEqual(await row('read uncommitted: duplicated').allInnerTexts(), [dup, dup]);
    assert.match(await panel.locator('.fid-log').innerText(), /halt after sink_write of epoch 1/);
    await page.screenshot({ path: shot('fidelity-flink-preset.png') });
    page.off('request', watch);
    assert.deepEqual(app.pageErrors, []);
  });
});

test('no mark where no check ran the scenario, and none once a marked preset is edited', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'fidelity-unmarked', async () => {
    await open(page, '#preset=spark-upsert');
    const mark = page.locator($('fidelity-mark'));
    await mark.waitFor();
    // Removing the preset's fault makes another scenario, which no check ran.
    await page.locator(`${$('fault')} [aria-label^="Remove fault"]`).first().click();
    await mark.waitFor({ state: 'detached' });
    // Undo brings the preset back, and its mark.
    await page.locator('[aria-label="Undo"]').click();
    await mark.waitFor();
    // spark-append (no fault) is not a scenario of the suite.
    await page.locator($('preset')).selectOption('spark-append');
    await mark.waitFor({ state: 'detached' });
    assert.match(await page.locator($('what-this-shows')).innerText(), /plain INSERT sink writes the replayed batch again/);
  });
});

test('a lesson shows its mark, and the real result only once the learner has answered', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'fidelity-lesson', async () => {
    await open(page, '');
    await page.locator($('mode-learn')).click();
    await page.locator($('lesson-item'), { hasText: 'Flink two-phase commit: crash before the checkpoint' }).first().click();
    const lesson = page.locator($('lesson'));
    await lesson.waitFor();
    const mark = lesson.locator($('fidelity-mark'));
    assert.equal(await mark.innerText(), '✓ Checked against real Flink 2.3');
    await mark.click();
    const panel = lesson.locator($('fidelity-panel'));
    assert.match(await panel.innerText(), /shows once you have answered/);
    assert.equal(await panel.locator('table').count(), 0, 'no answer before the prediction');
  });
});

test('a quiz question shows its mark; the real result opens once it is answered', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'fidelity-quiz', async () => {
    await open(page, '');
    await page.locator($('mode-quiz')).click();
    const quiz = page.locator('.quiz');
    const choice = page.locator($('quiz-choice'));
    // Questions 1 and 2 ran on no real system; question 3 (the file sink's readers) did.
    for (let q = 1; q <= 2; q++) {
      await choice.first().waitFor();
      assert.equal(await quiz.locator($('fidelity-mark')).count(), 0, `question ${q} has no mark`);
      await choice.first().click();
      await page.locator($('quiz-next')).click();
    }
    await page.locator($('quiz-progress')).waitFor();
    const mark = quiz.locator($('fidelity-mark'));
    assert.equal(await mark.innerText(), '✓ Checked against real Spark 4.3');
    await mark.click();
    const panel = quiz.locator($('fidelity-panel'));
    assert.match(await panel.innerText(), /shows once you have answered/);
    await choice.first().click();
    const rows = await panel.locator('tbody th').allInnerTexts();
    assert.deepEqual(rows.slice(0, 4), [
      'metadata log: lost', 'metadata log: duplicated', 'raw listing: lost', 'raw listing: duplicated',
    ]);
    assert.deepEqual(app.pageErrors, []);
  });
});

test('the report is fetched, not compiled into the wasm; a failed fetch leaves the app whole', async (t) => {
  const wasm = readdirSync(DIST_DIR).filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1);
  const bytes = readFileSync(join(DIST_DIR, wasm[0]));
  for (const s of report.scenarios.slice(0, 5)) {
    assert.equal(bytes.includes(Buffer.from(s.title)), false, `"${s.title}" is in the wasm`);
  }
  const { page } = app;
  await failureShot(t, app, 'fidelity-offline', async () => {
    await page.route('**/fidelity.json', (r) => r.abort('connectionrefused'));
    const failed = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/fidelity.json'));
    await open(page, '#preset=spark-wal-replay');
    await failed;
    assert.equal(await page.locator($('fidelity-mark')).count(), 0);
    // The simulator is unaffected: a step forward moves the position.
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('.tl-pos')?.textContent.startsWith('2 / '));
    await page.unroute('**/fidelity.json');
    assert.deepEqual(app.pageErrors, []);
  });
});
