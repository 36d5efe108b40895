// Share links, import and export, in the release build.
// - a share link restores the scenario, its faults and the position (narration at that step);
// - "Copy link" copies that link (and falls back to a selected field when the clipboard is refused);
// - broken, truncated, tampered and future-version links show the reason and a working default;
// - Mermaid export begins with sequenceDiagram, the SVG snapshot parses (DOMParser);
// - scenario.json / trace.json downloads; import of an invalid file shows the engine's
//   field-naming error and keeps the current scenario; import by drag-and-drop.
// Test ids: e2e/README.md. No sleeps: every wait is a Playwright wait on the DOM or an event.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { appForFile, failureShot, shareLink, shot } from './serve.mjs';

const app = appForFile((a) =>
  a.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: a.url }),
);
const $ = (id) => `[data-testid=${id}]`;

const CRASHED = {
  version: 1,
  workload: { records: 6, batch_size: 2 },
  source: { kind: 'log' },
  engine: { kind: 'consumer', commit_mode: 'after' },
  sink: { kind: 'append' },
  faults: [{ kind: 'crash', batch: 1, after: 'sink_write' }],
};

const withFailureShot = (t, name, body) => failureShot(t, app, name, body);

/** Open `hash` in a fresh document (a fragment-only change would not reload). */
async function open(page, hash) {
  await page.goto('about:blank');
  await page.goto(app.url + hash);
  await page.waitForSelector($('app'));
  await page.locator($('narration')).waitFor();
}

const text = (page, id) => page.locator($(id)).first().innerText();
const position = (page) => page.locator('.tl-pos').innerText();

test('a share link restores the scenario, faults and position', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'share-link', async () => {
    // The narration at event 9, reached by hand from the same scenario without a position.
    await open(page, '#' + shareLink(CRASHED));
    assert.equal(await position(page), `1 / ${await page.locator($('tick')).count()}`);
    await page.locator(`${$('tick')}[data-i="9"]`).click();
    await page.waitForFunction(() => document.querySelector('.tl-pos')?.textContent.startsWith('10 /'));
    const expected = await text(page, 'narration');
    const events = await page.locator($('tick')).count();

    // The link with position 9 opens exactly there.
    await open(page, '#' + shareLink(CRASHED, 9));
    assert.equal(await text(page, 'narration'), expected);
    assert.equal(await position(page), `10 / ${events}`);
    assert.match(await text(page, 'run-duplicated'), /2 duplicated/);
    assert.equal(await page.locator(`${$('tick')}[aria-current=step]`).getAttribute('data-i'), '9');

    // "Copy link" copies the full URL with the position; opening it restores the state.
    await page.locator($('tick') + '[data-i="11"]').click();
    await page.waitForFunction(() => document.querySelector('.tl-pos')?.textContent.startsWith('12 /'));
    const at11 = await text(page, 'narration');
    await page.locator($('copy-link')).click();
    await page.waitForFunction(() => /Copied/.test(document.querySelector('[data-testid=copy-status]')?.textContent));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(copied.startsWith(app.url + '#v1='), copied);
    assert.equal(await page.locator($('share-link')).inputValue(), copied);
    await page.goto('about:blank');
    await page.goto(copied);
    await page.waitForSelector($('narration'));
    assert.equal(await text(page, 'narration'), at11);
    assert.equal(await position(page), `12 / ${events}`);
    assert.match(await text(page, 'run-duplicated'), /2 duplicated/);
    assert.deepEqual(app.pageErrors, []);
  });
});

test('"Copy embed code" gives an iframe that opens this scenario, step and options', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'share-embed-code', async () => {
    await open(page, '#' + shareLink(CRASHED, 9));
    await page.locator($('copy-embed')).click();
    await page.waitForFunction(() => /Copied/.test(document.querySelector('.export-out .copy-note')?.textContent));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(await page.locator($('embed-text')).inputValue(), copied);
    // Parse the snippet as a browser would and read its iframe.
    const frameOf = (html) =>
      page.evaluate((h) => {
        const f = new DOMParser().parseFromString(h, 'text/html').querySelector('iframe');
        return f && { src: f.getAttribute('src'), w: f.width, h: f.height, title: f.title };
      }, html);
    let f = await frameOf(copied);
    assert.ok(f, `no <iframe> in ${copied}`);
    assert.deepEqual([f.w, f.h], ['800', '450']);
    assert.ok(f.src.startsWith(app.url + '?embed=1&lock=1#v1='), f.src);
    assert.match(f.title, /^crashcourse: /);

    // Options rewrite the code: autoplay on, lock off; the whole app with panels hidden.
    await page.locator($('embed-autoplay')).check();
    await page.locator($('embed-lock')).uncheck();
    f = await frameOf(await page.locator($('embed-text')).inputValue());
    assert.ok(f.src.startsWith(app.url + '?embed=1&autoplay=1#v1='), f.src);
    await page.locator($('embed-view-full')).check();
    await page.locator($('embed-hide-faults')).check();
    await page.locator($('embed-hide-code')).check();
    f = await frameOf(await page.locator($('embed-text')).inputValue());
    assert.ok(f.src.startsWith(app.url + '?autoplay=1&hide=faults,code#v1='), f.src);
    await page.locator($('embed-autoplay')).uncheck();
    await page.locator($('embed-lock')).check();
    await page.locator($('embed-view-simulator')).check();

    // Put the snippet in a course page: the frame shows the embed at step 10, locked.
    const course = await page.context().newPage();
    await course.setViewportSize({ width: 1000, height: 700 });
    await course.goto(app.url + 'examples/embed.html');
    await course.setContent(`<h1>Lesson</h1>${await page.locator($('embed-text')).inputValue()}`, { waitUntil: 'load' });
    const frame = course.frameLocator('iframe');
    await frame.locator('.embed [data-testid=stage]').waitFor();
    assert.match(await frame.locator('.tl-pos').innerText(), /^10 \//);
    assert.match(await frame.locator('.embed-result').innerText(), /2 duplicated/);
    assert.match(await frame.locator('[data-testid=app]').getAttribute('class'), /\blocked\b/);
    await course.screenshot({ path: shot('share-embed-code.png') });
    await course.close();
    assert.deepEqual(app.pageErrors, []);
  });
});

test('a refused clipboard selects the link instead', async (t) => {
  let page;
  await withFailureShot(t, 'share-refused', async () => {
    // A page of its own: the stub below stays on it.
    page = await app.page.context().newPage();
    await page.addInitScript(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    });
    await open(page, '#preset=spark-upsert');
    await page.locator($('copy-link')).click();
    await page.waitForFunction(() => /refused/.test(document.querySelector('[data-testid=copy-status]')?.textContent));
    const sel = await page.evaluate(() => {
      const el = document.activeElement;
      return { id: el?.dataset.testid, whole: el.selectionStart === 0 && el.selectionEnd === el.value.length, value: el.value };
    });
    assert.equal(sel.id, 'share-link');
    assert.ok(sel.whole, 'the whole link is selected');
    assert.match(sel.value, /#v1=/);
    await page.screenshot({ path: shot('share-copy-refused.png') });
    await page.close();
  });
});

test('broken, truncated, tampered and future links explain and open a working default', async (t) => {
  const { page } = app;
  const good = shareLink(CRASHED, 4);
  // Cut so that what is left is still valid base64 (a length of 4k+1 is not).
  const cut = (good.length - 3 - 12) % 4 === 1 ? 13 : 12;
  const cases = [
    ['#' + good.slice(0, good.length - cut), /damaged or truncated/],
    ['#' + good.slice(0, 20) + '!!' + good.slice(22), /damaged: it is not valid URL-safe base64/],
    ['#v9=' + good.slice(3), /newer crashcourse \(link format v9\)/],
    ['#' + shareLink({ ...CRASHED, sink: { kind: 'apend' } }), /sink\.kind: unknown value "apend"/],
    ['#preset=nope', /no preset named/],
    ['#hello', /not a crashcourse link/],
  ];
  await withFailureShot(t, 'share-broken', async () => {
    for (const [hash, why] of cases) {
      await open(page, hash);
      const message = await text(page, 'link-error');
      assert.match(message, /could not be opened/, hash);
      assert.match(message, why, `${hash}: ${message}`);
      // A working default: the default scenario runs and steps.
      assert.equal(await page.locator(`${$('ledger')} ${$('ledger-row')}`).count(), 10);
      const before = await text(page, 'narration');
      await page.locator($('step-forward')).click();
      await page.waitForFunction((o) => document.querySelector('[data-testid=narration]').textContent !== o, before);
    }
    await page.screenshot({ path: shot('share-broken-link.png') });
    assert.deepEqual(app.pageErrors, [], 'no panic on any broken link');
  });
});

test('export: Mermaid, SVG, scenario.json and trace.json', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'export', async () => {
    await open(page, '#' + shareLink(CRASHED, 9));
    await page.locator($('export-mermaid')).click();
    const mermaid = await page.locator($('mermaid-text')).inputValue();
    assert.ok(mermaid.startsWith('sequenceDiagram\n'), mermaid.slice(0, 40));
    assert.match(mermaid, /participant K as Sink \(append\)/);

    await page.locator($('export-svg')).click();
    const svg = await page.locator($('svg-text')).inputValue();
    const parsed = await page.evaluate((s) => {
      const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
      const root = doc.documentElement;
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        name: root.localName,
        ns: root.namespaceURI,
        texts: [...doc.querySelectorAll('text')].map((t) => t.textContent).join(' | '),
      };
    }, svg);
    assert.equal(parsed.error, null);
    assert.equal(parsed.name, 'svg');
    assert.equal(parsed.ns, 'http://www.w3.org/2000/svg');
    assert.match(parsed.texts, /at-least-once/);
    assert.match(parsed.texts, /Step 10 of/);
    assert.match(parsed.texts, /duplicated \(r2, r3\)/);
    // The inline preview follows the playback.
    await page.locator($('step-forward')).click();
    await page.waitForFunction(() => /Step 11 of/.test(document.querySelector('[data-testid=svg-text]').value));

    const [svgFile] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.export-out button', { hasText: 'Download' }).click(),
    ]);
    assert.equal(svgFile.suggestedFilename(), 'crashcourse-step-11.svg');

    const [scen] = await Promise.all([page.waitForEvent('download'), page.locator($('export-scenario')).click()]);
    assert.equal(scen.suggestedFilename(), 'scenario.json');
    const scenario = JSON.parse(await readFile(await scen.path(), 'utf8'));
    assert.equal(scenario.version, 1);
    assert.deepEqual(scenario.faults[0].after, 'sink_write');

    const [tr] = await Promise.all([page.waitForEvent('download'), page.locator($('export-trace')).click()]);
    assert.equal(tr.suggestedFilename(), 'trace.json');
    const trace = JSON.parse(await readFile(await tr.path(), 'utf8'));
    assert.deepEqual(Object.keys(trace), ['scenario', 'trace', 'outcome']);
    assert.equal(trace.trace.length, await page.locator($('tick')).count());
    assert.deepEqual(trace.outcome.duplicated, { r2: 2, r3: 2 });

    await page.locator($('export-svg')).scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('share-export.png') });
    assert.deepEqual(app.pageErrors, []);
  });
});

test('import: an invalid file shows the field-naming error and keeps the scenario', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'import', async () => {
    await open(page, '#' + shareLink(CRASHED, 9));
    const before = {
      narration: await text(page, 'narration'),
      guarantee: await text(page, 'guarantee'),
      hash: await page.evaluate(() => location.hash),
    };
    const input = page.locator($('import-file'));
    await input.setInputFiles({
      name: 'typo.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ ...CRASHED, sink: { kind: 'append', keyy: 'record_id' } })),
    });
    const error = await text(page, 'import-error');
    assert.match(error, /typo\.json: sink\.keyy: unknown field/);
    assert.match(error, /current scenario is unchanged/);
    await input.setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"version": 1,') });
    await page.waitForFunction(() => /broken\.json: \(root\): not valid JSON/.test(document.querySelector('[data-testid=import-error]')?.textContent));
    assert.equal(await text(page, 'narration'), before.narration);
    assert.equal(await text(page, 'guarantee'), before.guarantee);
    assert.equal(await page.evaluate(() => location.hash), before.hash);
    assert.match(await text(page, 'run-duplicated'), /2 duplicated/);
    await page.locator($('import-error')).scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('share-import-error.png') });

    // A valid scenario file opens.
    const upsert = { ...CRASHED, sink: { kind: 'upsert' } };
    await input.setInputFiles({ name: 'upsert.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(upsert)) });
    await page.waitForFunction(() => /exactly-once/.test(document.querySelector('[data-testid=guarantee]').textContent));
    assert.match(await text(page, 'import-ok'), /upsert\.json: Opened the scenario/);

    // Drag and drop a trace.json onto the page: it opens its scenario.
    const traceFile = JSON.stringify({ scenario: CRASHED, trace: [], outcome: {} });
    await page.evaluate((body) => {
      const dt = new DataTransfer();
      dt.items.add(new File([body], 'dropped-trace.json', { type: 'application/json' }));
      document.querySelector('[data-testid=timeline]').dispatchEvent(
        new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }),
      );
    }, traceFile);
    await page.waitForFunction(() => /at-least-once/.test(document.querySelector('[data-testid=guarantee]').textContent));
    assert.match(await text(page, 'import-ok'), /dropped-trace\.json: Opened the trace's scenario\. Its trace departs/);
    assert.deepEqual(app.pageErrors, []);
  });
});
