// The app loads, renders a run and responds to a control.
// The data-testid names used here are the contract with the UI: see e2e/README.md.
// No sleeps: every wait is a Playwright wait on the DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, shot } from './serve.mjs';

const GUARANTEE = /at-least-once|at-most-once|exactly-once|none/;

const app = appForFile();

test('the app renders a run and steps forward', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'app', async () => {
    await page.goto(app.url);
    await page.waitForSelector('[data-testid=app]');
    // The app replaced index.html's "Loading crashcourse…" fallback.
    await page.waitForFunction(() => !document.body.innerText.includes('Loading crashcourse'));

    // The run rendered: a timeline with ticks, a ledger of 10 rows, a guarantee.
    const ticks = page.locator('[data-testid=timeline] [data-testid=tick]');
    await ticks.first().waitFor();
    assert.ok((await ticks.count()) >= 1, 'timeline has at least one tick');

    const rows = page.locator('[data-testid=ledger] [data-testid=ledger-row]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 10, 'ledger has 10 rows');

    const guarantee = page.locator('[data-testid=guarantee]');
    await guarantee.waitFor();
    assert.match(await guarantee.innerText(), GUARANTEE);

    // A control responds: stepping forward changes the narration.
    const narration = page.locator('[data-testid=narration]');
    await narration.waitFor();
    const before = await narration.textContent();
    await page.locator('[data-testid=step-forward]').click();
    await page.waitForFunction(
      (old) => document.querySelector('[data-testid=narration]')?.textContent !== old,
      before,
    );

    await page.screenshot({ path: shot('app.png'), fullPage: true });
    t.diagnostic(`screenshot: ${shot('app.png')}`);

    assert.deepEqual(app.pageErrors, [], 'no uncaught errors (a Rust panic lands here)');
    assert.deepEqual(app.blockedRequests, [], 'no requests outside the local server');
  });
});
