// One wasm module for the whole app; only the course text (content.json) is fetched later,
// when Learn, Quiz or a code panel needs it. No sleeps: every wait is on the DOM or the network.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot } from './serve.mjs';

const app = appForFile();
const $ = (id) => `[data-testid=${id}]`;

test('the first load is one wasm module and no course text; a pointer on Learn fetches it', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'lazy-first-load', async () => {
    const requests = [];
    const watch = (r) => requests.push(new URL(r.url()).pathname);
    page.on('request', watch);
    await page.goto('about:blank');
    await page.goto(`${app.url}#preset=spark-append`);
    await page.locator($('guarantee')).waitFor();
    // The whole sandbox is there at once: the crash matrix, compare and export need no load.
    await page.locator($('mode-matrix')).waitFor({ state: 'attached' });
    await page.locator($('matrix-open')).waitFor({ state: 'attached' });
    await page.locator($('export-scenario')).waitFor({ state: 'attached' });
    const wasm = requests.filter((p) => p.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `one wasm module: ${wasm}`);
    assert.deepEqual(requests.filter((p) => p.endsWith('/content.json')), [], 'no course text yet');

    // Hovering the Learn tab starts the fetch before the click.
    const fetched = page.waitForRequest((r) => r.url().endsWith('/content.json'));
    await page.locator($('mode-learn')).hover();
    await fetched;
    await page.locator($('mode-learn')).click();
    await page.locator($('lesson-list')).waitFor();
    assert.equal(requests.filter((p) => p.endsWith('.wasm')).length, 1, 'Learn loads no second module');
    page.off('request', watch);
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.blockedRequests, []);
  });
});
