// The tools module (crash matrix, compare, code samples, export, Learn, Quiz) is a second
// wasm that the page loads on first need (src/ui/bridge.rs). This file checks that the
// first load leaves it out, that scrolling to it loads it, that the crash matrix loads a
// run into the simulator across the bridge (and undo takes it back), that the tools follow
// the simulator's scenario, and that a failed load says why and Retry recovers.
// No sleeps: every wait is a Playwright wait on the DOM or the network.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, openTools, shot } from './serve.mjs';

const app = appForFile();
const $ = (id) => `[data-testid=${id}]`;

/** A new load of the page on the plain INSERT preset: the tools are not loaded yet. */
async function freshPage(page) {
  await page.goto('about:blank'); // an earlier test may have loaded the tools in this page
  await page.goto(`${app.url}#preset=spark-append`);
  await page.locator($('guarantee')).waitFor();
  assert.equal(await page.locator($('tools')).count(), 0, 'the tools are not loaded yet');
}

async function duplicated(page) {
  return page.locator($('run-duplicated')).innerText();
}

test('the crash matrix loads a run into the simulator, and undo takes it back', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'tools-matrix', async () => {
    const tools = [];
    page.on('request', (r) => {
      if (/\/tools-[0-9a-f]+\//.test(r.url())) tools.push(r.url());
    });
    await freshPage(page);
    assert.deepEqual(tools, [], 'the first load fetches no tools module');
    assert.match(await duplicated(page), /^❐ 0/);

    await openTools(page);
    assert.ok(tools.some((u) => u.endsWith('.wasm')), `the tools' wasm was fetched: ${tools}`);

    // The matrix explores the simulator's current scenario (Spark into plain INSERT).
    await page.locator($('matrix-toggle')).click();
    const cell = page.locator(`${$('matrix')} button[aria-label^="Crash after sink write of batch 1 attempt 1"]`);
    assert.match(await cell.getAttribute('aria-label'), /2 duplicated/);
    await page.screenshot({ path: shot('tools-matrix.png') });
    t.diagnostic(`screenshot: ${shot('tools-matrix.png')}`);

    // A click applies that run in the simulator: its ledger shows the two duplicates.
    await cell.click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 2'),
    );
    assert.equal(await page.locator($('fault')).count(), 1);

    // The tools follow the simulator: the matrix now explores on top of that crash, so
    // batch 1 has a second attempt to crash in.
    await page
      .locator(`${$('matrix')} button[aria-label^="Crash after sink write of batch 1 attempt 2"]`)
      .waitFor();

    // Undo in the simulator removes the crash again.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 0'),
    );
    assert.equal(await page.locator($('fault')).count(), 0);
    await page
      .locator(`${$('matrix')} button[aria-label^="Crash after sink write of batch 1 attempt 2"]`)
      .waitFor({ state: 'detached' });
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.blockedRequests, []);
  });
});

test('a failed tools load says why, and Retry recovers', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'tools-error', async () => {
    const block = (route) => route.abort();
    await page.route(/\/tools-[0-9a-f]+\/tools\.js/, block);
    await freshPage(page);
    await page.locator('#foot').scrollIntoViewIfNeeded();
    const err = page.locator($('content-error'));
    await err.waitFor();
    assert.match(await err.innerText(), /Could not load the modelling notes, crash matrix, compare, code samples and export: /);
    assert.match(await err.innerText(), /The simulator itself is unaffected/);
    await page.screenshot({ path: shot('tools-error.png') });
    t.diagnostic(`screenshot: ${shot('tools-error.png')}`);
    // The simulator still works.
    await page.locator($('step-forward')).click();

    await page.unroute(/\/tools-[0-9a-f]+\/tools\.js/, block);
    await err.locator('button', { hasText: 'Retry' }).click();
    await page.locator(`${$('tools')} .workbench`).waitFor();
    await page.locator($('matrix-toggle')).waitFor();
  });
});

test('an embedded simulator has no tools to load and no page footer', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'tools-embed', async () => {
    const tools = [];
    const watch = (r) => {
      if (/\/tools-[0-9a-f]+\//.test(r.url())) tools.push(r.url());
    };
    page.on('request', watch);
    await page.goto('about:blank');
    await page.goto(`${app.url}?embed=1#preset=spark-append`);
    await page.locator(`${$('app')}.embed`).waitFor();
    assert.equal(await page.locator('#tools').count(), 0, 'no tools root');
    assert.equal(await page.locator('#foot').count(), 0, 'no page footer');
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.locator($('step-forward')).click();
    assert.deepEqual(tools, [], 'no tools module requested');
    page.off('request', watch);
  });
});

test('a file dropped before the tools are here does not leave the page, and is imported once they are', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'tools-drop', async () => {
    await freshPage(page);
    assert.match(await page.locator($('guarantee')).innerText(), /at-least-once/);
    const upsert = {
      version: 1,
      source: { kind: 'log' },
      engine: { kind: 'micro_batch' },
      sink: { kind: 'upsert' },
    };
    const prevented = await page.evaluate((body) => {
      const data = new DataTransfer();
      data.items.add(new File([body], 'upsert.json', { type: 'application/json' }));
      const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
      document.body.dispatchEvent(drop);
      return drop.defaultPrevented;
    }, JSON.stringify(upsert));
    assert.equal(prevented, true, 'the browser would not open the file in place of the app');
    // The tools load, take the held file and import it: the simulator opens its scenario.
    await page.waitForFunction(() =>
      /exactly-once/.test(document.querySelector('[data-testid=guarantee]')?.textContent),
    );
    assert.match(await page.locator($('import-ok')).innerText(), /upsert\.json: /);
    assert.deepEqual(app.pageErrors, []);
  });
});

test('a pointer on the Learn tab fetches the tools before the click', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'tools-hover', async () => {
    await freshPage(page);
    await page.locator($('mode-learn')).hover();
    await page.locator($('tools')).waitFor({ state: 'attached' });
    await page.locator($('mode-learn')).click();
    await page.locator($('lesson-list')).waitFor();
    assert.deepEqual(app.pageErrors, []);
  });
});
