// Publishing: the three ways a trainer puts crashcourse on a course page (README › Host it).
// - hosted under a sub-path: the release build served under /courses/streaming/crashcourse/
//   renders, opens #preset= and share links, fetches content.json for Learn and embeds,
//   and asks for nothing outside its path (one build, relative URLs);
// - the release archive (scripts/package.sh) holds the deployable dist/ and its README;
// - the single-file copy (scripts/standalone.mjs, which scripts/package.sh runs) opened from
//   file:// renders the default scenario, plays a crash to its duplicates and opens Learn
//   with no request at all; in a sandboxed iframe (sandbox="allow-scripts": no storage, no
//   clipboard) it renders, plays, opens Learn and falls back from the clipboard.
// ./test builds both files in its "package" stage; by hand: scripts/package.sh --no-build.
// Test ids: e2e/README.md. No sleeps: every wait is a Playwright wait on the DOM or an event.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appForFile, DIST_DIR, failureShot, REPO_ROOT, shareLink, shot } from './serve.mjs';
import { crateVersion, defaultOut } from '../scripts/standalone.mjs';

const PREFIX = '/courses/streaming/crashcourse/';
const app = appForFile(
  async (a) => {
    a.requests = [];
    a.page.on('request', (r) => a.requests.push(r.url()));
  },
  { prefix: PREFIX },
);
const $ = (id) => `[data-testid=${id}]`;

const VERSION = crateVersion();
const STANDALONE = process.env.E2E_STANDALONE ?? defaultOut();
const ARCHIVE = process.env.E2E_ARCHIVE ?? join(REPO_ROOT, 'target', `crashcourse-${VERSION}-web.tar.gz`);

/** `file`, made from the current dist/ (by ./test's package stage, or scripts/package.sh). */
async function built(file) {
  const [made, dist] = await Promise.all([
    stat(file).catch(() => null),
    stat(join(DIST_DIR, 'index.html')).catch(() => null),
  ]);
  assert.ok(dist, `${join(DIST_DIR, 'index.html')} not found: run trunk build --release --offline first`);
  assert.ok(made, `${file} not found: run scripts/package.sh --no-build (./test's package stage does)`);
  assert.ok(made.mtimeMs >= dist.mtimeMs, `${file} is older than dist/: run scripts/package.sh --no-build again`);
  return file;
}

/** Open `query` + `hash` under the prefix in a fresh document. */
async function open(page, rest = '') {
  await page.goto('about:blank');
  await page.goto(app.url + rest);
  await page.locator($('stage')).waitFor();
}

const atStep = (where, i) =>
  where.locator('.tl-pos').filter({ hasText: new RegExp(`^${i + 1} /`) }).waitFor();

/** Step the default scenario to batch 1's sink write, crash there, and see r2, r3 twice. */
async function crashAfterSinkWrite(where, keyboard) {
  const labels = await where.locator($('tick')).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const write = labels.findIndex((l) => /sink write, batch 1 · attempt 1/.test(l));
  assert.ok(write >= 0, `a tick for batch 1's sink write in ${labels.length} ticks`);
  await where.locator($('tick')).nth(write).click();
  await atStep(where, write);
  await keyboard.press('c');
  await where.locator($('run-duplicated')).filter({ hasText: /^❐ 2 duplicated/ }).waitFor();
  await keyboard.press('End');
  const ticks = await where.locator($('tick')).count();
  await atStep(where, ticks - 1);
}

// ------------------------------------------------------------------ hosted under a sub-path

test('under a sub-path: renders, opens a #preset= link, and requests nothing outside the path', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'publish-prefix', async () => {
    assert.ok(app.url.endsWith(PREFIX), app.url);
    app.requests.length = 0;
    // The address without its trailing slash, as a trainer may type it: the host adds it.
    await page.goto(app.url.slice(0, -1));
    await page.locator($('ledger-row')).first().waitFor();
    assert.equal(page.url(), app.url);
    assert.equal(await page.locator($('ledger-row')).count(), 10);
    assert.match(await page.locator($('guarantee')).innerText(), /at-least-once|at-most-once|exactly-once|none/);

    await open(page, '#preset=consumer-commit-after');
    await page.locator($('run-duplicated')).filter({ hasText: /^❐ 2 duplicated/ }).waitFor();
    assert.equal(await page.locator($('preset')).inputValue(), 'consumer-commit-after');

    const scenario = {
      version: 1,
      workload: { records: 6, batch_size: 2 },
      source: { kind: 'log' },
      engine: { kind: 'consumer', commit_mode: 'after' },
      sink: { kind: 'append' },
      faults: [{ kind: 'crash', batch: 1, after: 'sink_write' }],
    };
    await open(page, '#' + shareLink(scenario, 9));
    await atStep(page, 9);
    // Copy link and the embed code point under the prefix.
    await page.locator($('copy-link')).click();
    const link = await page.locator($('share-link')).inputValue();
    assert.ok(link.startsWith(app.url + '#v1='), link);
    await page.locator($('copy-embed')).click();
    const snippet = await page.locator($('embed-text')).inputValue();
    const src = await page.evaluate((h) => new DOMParser().parseFromString(h, 'text/html').querySelector('iframe')?.getAttribute('src'), snippet);
    assert.ok(src?.startsWith(app.url + '?embed=1&lock=1#v1='), snippet);
    assert.equal(await page.locator($('embed-host-note')).count(), 0, 'a hosted page needs no hosting note');

    const typed = app.url.slice(0, -1);
    const outside = app.requests.filter((u) => u.startsWith('http') && !u.startsWith(app.url) && u !== typed);
    assert.deepEqual(outside, [], 'every request stays under the prefix');
    assert.deepEqual(app.blockedRequests, []);
    assert.deepEqual(app.pageErrors, []);
  });
});

test('under a sub-path: Learn fetches content.json next to the page', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'publish-prefix-learn', async () => {
    await open(page);
    const fetched = page.waitForResponse((r) => r.url().endsWith('/content.json'));
    await page.locator($('mode-learn')).click();
    const response = await fetched;
    assert.equal(response.url(), app.url + 'content.json');
    assert.equal(response.status(), 200);
    await page.locator($('lesson-list')).waitFor();
    assert.equal(await page.locator($('lesson-item')).count(), 33);
    assert.deepEqual(app.blockedRequests, []);
    assert.deepEqual(app.pageErrors, []);
  });
});

test('under a sub-path: ?embed=1 and the example course page embed it', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'publish-prefix-embed', async () => {
    await open(page, '?embed=1#preset=spark-append');
    await page.locator('.embed [data-testid=stage]').waitFor();
    assert.equal(await page.locator('.embed ' + $('ledger-row')).count(), 10);

    // The example page frames "../?embed=1": relative, so it stays under the prefix.
    await page.goto(app.url + 'examples/embed.html');
    const frame = page.frameLocator('iframe#frame');
    await frame.locator('.embed [data-testid=stage]').waitFor();
    const src = await page.locator('iframe#frame').evaluate((f) => f.src);
    assert.ok(src.startsWith(app.url + '?embed=1'), src);
    await page.screenshot({ path: shot('publish-prefix-embed.png') });
    assert.deepEqual(app.blockedRequests, []);
    assert.deepEqual(app.pageErrors, []);
  });
});

// ------------------------------------------------------------------ the release archive

test('the release archive holds the deployable dist/ and a README on hosting and embedding', async () => {
  const archive = await built(ARCHIVE);
  const top = `crashcourse-${VERSION}-web/`;
  const names = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const want of ['README.md', 'embedding.md', 'dist/index.html', 'dist/content.json', 'dist/examples/embed.html']) {
    assert.ok(names.includes(top + want), `${top + want} in ${archive}`);
  }
  assert.equal(names.filter((n) => n.endsWith('.wasm')).length, 1, 'one wasm module');
  assert.ok(names.every((n) => n.startsWith(top)), 'everything under one folder');
  const readme = execFileSync('tar', ['-xzOf', archive, top + 'README.md'], { encoding: 'utf8' });
  for (const topic of [/sub-?path|any path/i, /application\/wasm/, /\?embed=1/, /standalone/i]) {
    assert.match(readme, topic);
  }
  const index = execFileSync('tar', ['-xzOf', archive, top + 'dist/index.html'], { encoding: 'utf8' });
  assert.doesNotMatch(index, /(?:href|src)=["']?\/(?!\/)/, 'no absolute path in index.html');
  assert.doesNotMatch(index, /from '\//, 'the module is imported by a relative URL');
});

// ------------------------------------------------------------------ the single-file copy

/** A fresh context that may load file: and data: URLs only; every other request is aborted and listed. */
async function offlineContext(t) {
  const browser = app.page.context().browser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const seen = { requests: [], refused: [], errors: [] };
  context.on('request', (r) => seen.requests.push(r.url()));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    seen.refused.push(url);
    return route.abort();
  });
  t.after(() => context.close());
  return { context, seen };
}

const onlyFiles = (urls) => urls.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'));

test('the single file, opened from file://, renders, plays a crash to its duplicates, opens Learn, shows a fidelity mark, and makes no request', async (t) => {
  const file = await built(STANDALONE);
  const { size } = await stat(file);
  t.diagnostic(`${file}: ${(size / 1024).toFixed(1)} KB`);
  const { context, seen } = await offlineContext(t);
  const page = await context.newPage();
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  const report = { page, pageErrors: seen.errors, consoleErrors: [], blockedRequests: seen.refused };
  await failureShot(t, report, 'publish-standalone', async () => {
    await page.goto(pathToFileURL(file).href);
    await page.locator($('ledger-row')).first().waitFor();
    assert.equal(await page.locator($('ledger-row')).count(), 10, 'the default scenario: 10 records');
    assert.match(await page.locator($('run-duplicated')).innerText(), /^❐ 0 duplicated/);

    await crashAfterSinkWrite(page, page.keyboard);
    assert.match(await page.locator($('ledger')).innerText(), /×2/, 'the ledger shows the second copies');

    // The course text is in the file: Learn opens with no request.
    await page.locator($('mode-learn')).click();
    await page.locator($('lesson-list')).waitFor();
    assert.equal(await page.locator($('lesson-item')).count(), 33);

    // The embed code cannot point at a file: it says how to host the app instead.
    await page.locator($('mode-sandbox')).click();
    await page.locator($('copy-embed')).click();
    await page.locator($('embed-host-note')).waitFor();
    assert.match(await page.locator($('embed-host-note')).innerText(), /host dist\/ \(see README › Host it\) to embed it/);
    assert.match(await page.locator($('embed-text')).inputValue(), /src="https:\/\/YOUR-SITE\/crashcourse\/\?embed=1/);
    await page.screenshot({ path: shot('publish-standalone.png') });

    // The fidelity report is in the file too: a checked preset carries its mark.
    await page.locator($('preset')).selectOption('spark-wal-replay');
    await page.locator($('fidelity-mark')).click();
    assert.match(await page.locator($('fidelity-panel')).innerText(), /real Spark 4\.3/);

    assert.deepEqual(onlyFiles(seen.requests), [], 'no request but the file itself');
    assert.deepEqual(seen.refused, []);
    assert.deepEqual(seen.errors, []);
  });
});

test('the single file in a sandboxed iframe (allow-scripts only) renders, plays, and copes without storage or clipboard', async (t) => {
  const file = await built(STANDALONE);
  const dir = await mkdtemp(join(tmpdir(), 'crashcourse-frame-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await copyFile(file, join(dir, 'crashcourse.html'));
  await writeFile(
    join(dir, 'lesson.html'),
    '<!doctype html><title>A lesson</title><h1>Lesson 3: replays</h1>' +
      '<iframe sandbox="allow-scripts" src="crashcourse.html#preset=consumer-commit-after" ' +
      'width="1000" height="640" title="crashcourse"></iframe>',
  );
  const { context, seen } = await offlineContext(t);
  const page = await context.newPage();
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  const report = { page, pageErrors: seen.errors, consoleErrors: [], blockedRequests: seen.refused };
  await failureShot(t, report, 'publish-standalone-sandboxed', async () => {
    await page.goto(pathToFileURL(join(dir, 'lesson.html')).href);
    const frame = page.frameLocator('iframe');
    await frame.locator($('ledger-row')).first().waitFor();
    // The sandbox holds: no storage for this frame (the app must cope).
    const inner = page.frames().find((f) => f !== page.mainFrame());
    assert.equal(
      await inner.evaluate(() => {
        try {
          return typeof window.localStorage.length;
        } catch (e) {
          return e.name;
        }
      }),
      'SecurityError',
    );
    await frame.locator($('run-duplicated')).filter({ hasText: /^❐ 2 duplicated/ }).waitFor();
    // Play: step forward and to the end, then Learn (which reads stored progress).
    const before = await frame.locator($('narration')).innerText();
    await frame.locator($('step-forward')).click();
    await frame.locator($('narration')).filter({ hasNotText: before }).waitFor();
    await frame.locator($('mode-learn')).click();
    await frame.locator($('lesson-list')).waitFor();
    // The clipboard is refused too: Copy link falls back to the selected link.
    await frame.locator($('mode-sandbox')).click();
    await frame.locator($('copy-link')).click();
    await frame.locator($('copy-status')).filter({ hasText: /refused the clipboard/ }).waitFor();
    assert.match(await frame.locator($('share-link')).inputValue(), /crashcourse\.html#v1=/);
    assert.equal(await frame.locator($('panic')).count(), 0, 'no panic panel');
    await page.screenshot({ path: shot('publish-standalone-sandboxed.png') });

    assert.deepEqual(onlyFiles(seen.requests), [], 'no request but the files');
    assert.deepEqual(seen.refused, []);
    assert.deepEqual(seen.errors, []);
  });
});
