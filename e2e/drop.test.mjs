// Drag and drop by construction: a file dropped anywhere is imported or refused with a
// message, never navigated to; an embedded simulator ignores drags and loads nothing.
// Events are dispatched with a real DataTransfer holding a File, as a browser does on a drop.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, shot } from './serve.mjs';

const app = appForFile();
const $ = (id) => `[data-testid=${id}]`;
const UPSERT = { version: 1, source: { kind: 'log' }, engine: { kind: 'micro_batch' }, sink: { kind: 'upsert' } };

/** Dispatch `type` (dragenter, dragover, drop) with a file on `selector`; was it prevented? */
async function drag(page, type, name, body, selector = 'body') {
  return page.evaluate(
    ({ type, name, body, selector }) => {
      const data = new DataTransfer();
      data.items.add(new File([body], name, { type: 'application/json' }));
      const e = new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true });
      document.querySelector(selector).dispatchEvent(e);
      return e.defaultPrevented;
    },
    { type, name, body, selector },
  );
}

test('dragging a file over an embedded simulator makes no request and mounts nothing', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'drop-embed', async () => {
    await page.setViewportSize({ width: 800, height: 450 });
    await page.goto('about:blank');
    await page.goto(`${app.url}?embed=1#preset=spark-append`);
    await page.locator(`${$('app')}.embed`).waitFor();
    const elements = await page.evaluate(() => document.querySelectorAll('*').length);
    const requests = [];
    const watch = (r) => requests.push(r.url());
    page.on('request', watch);
    for (const type of ['dragenter', 'dragover', 'drop']) {
      // dragover and drop are prevented (the browser does not open the file), nothing else.
      assert.equal(await drag(page, type, 'upsert.json', JSON.stringify(UPSERT)), type !== 'dragenter', type);
    }
    // Two animation frames: any render the drag had scheduled has happened.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const after = await page.evaluate(() => document.querySelectorAll('*').length);
    assert.equal(after, elements, 'no element mounted');
    assert.equal(await page.locator('.drop-overlay').count(), 0, 'no overlay');
    assert.equal(await page.locator($('import-ok')).count(), 0, 'nothing imported');
    // The app still answers (a step forward moves the position), and nothing was fetched.
    assert.match(await page.locator('.tl-pos').innerText(), /^1 \//);
    await page.locator($('step-forward')).click();
    await page.waitForFunction(() => document.querySelector('.tl-pos')?.textContent.startsWith('2 /'));
    page.off('request', watch);
    assert.deepEqual(requests, [], 'no request');
    assert.match(await page.locator($('guarantee')).innerText(), /at-least-once/);
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});

test('a scenario dropped in Learn keeps the page and offers to open it in the sandbox', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'drop-learn', async () => {
    await page.goto('about:blank');
    await page.goto(`${app.url}#preset=spark-append`);
    await page.locator($('mode-learn')).click();
    await page.locator($('lesson-list')).waitFor();
    const url = page.url();
    assert.equal(await drag(page, 'dragover', 'upsert.json', '{}'), true, 'dragover is taken');
    await page.locator('.drop-overlay').waitFor();
    assert.equal(await drag(page, 'drop', 'upsert.json', JSON.stringify(UPSERT)), true, 'the browser does not open the file');
    const offer = page.locator($('import-offer'));
    await offer.waitFor();
    assert.match(await offer.innerText(), /upsert\.json holds a scenario \(not opened yet\)/);
    assert.equal(page.url(), url, 'still the same page');
    await page.locator($('lesson-list')).waitFor(); // still in Learn
    await page.screenshot({ path: shot('drop-learn-offer.png') });
    await page.locator($('import-open')).click();
    await page.locator($('timeline')).waitFor();
    await page.waitForFunction(() =>
      /exactly-once/.test(document.querySelector('[data-testid=guarantee]')?.textContent),
    );
    assert.equal(await page.locator($('import-offer')).count(), 0);
    assert.deepEqual(app.pageErrors, []);
  });
});

test('a dropped file that is not a scenario shows the import error and changes nothing', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'drop-error', async () => {
    await page.goto('about:blank');
    await page.goto(`${app.url}#preset=spark-append`);
    await page.locator($('guarantee')).waitFor();
    const before = await page.locator($('guarantee')).innerText();
    const hash = await page.evaluate(() => location.hash);
    assert.equal(await drag(page, 'drop', 'notes.txt', 'these are my notes', '[data-testid=timeline]'), true);
    const error = page.locator($('import-error'));
    await error.waitFor();
    assert.match(await error.innerText(), /notes\.txt: \(root\): not valid JSON/);
    assert.match(await error.innerText(), /current scenario is unchanged/);
    assert.equal(await page.locator($('guarantee')).innerText(), before);
    assert.equal(await page.evaluate(() => location.hash), hash);
    await page.screenshot({ path: shot('drop-error.png') });
    assert.deepEqual(app.pageErrors, []);
  });
});
