// Test helpers for the Playwright e2e tests (run with `node --test e2e/`).
//
// - serveDist(): a tiny static file server for dist/ on 127.0.0.1, random port.
// - launchChromium(): Debian's Chromium through playwright-core, with the flags
//   that keep it off the network (see shared notes toolchain.md).
// - openApp(): both, plus a 1280x720 page that records page errors and blocks
//   every request that is not to the local server.
// - appForFile(): one openApp() for a whole test file (before/after hooks).
// - failureShot(), shot(), shareLink(): a screenshot on failure, a screenshot path,
//   a `#v1=` share link as src/share.rs writes it.
//
// Environment:
//   E2E_DIST         directory to serve (default: <repo>/dist, built by `trunk build`)
//   CHROMIUM_PATH    Chromium binary (default: /usr/bin/chromium)

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serveStatic } from '../scripts/serve.mjs';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST_DIR = resolve(process.env.E2E_DIST ?? join(REPO_ROOT, 'dist'));
export const SCREENSHOT_DIR = join(REPO_ROOT, 'target', 'screenshots');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Serve `root` (dist/ by default) on 127.0.0.1 with a random free port: the same
 * static server ./run uses (scripts/serve.mjs).
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export function serveDist(root = DIST_DIR, { prefix = '/' } = {}) {
  return serveStatic(root, { prefix });
}

/** Launch headless Debian Chromium, kept off the network. */
export function launchChromium() {
  // Playwright adds --headless and a fresh temporary --user-data-dir itself.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Serve dist/, launch Chromium and open a 1280x720 page (not yet navigated).
 * `pageErrors` collects uncaught exceptions (a Rust panic shows up there),
 * `consoleErrors` console.error messages, and `blockedRequests` every request
 * to anywhere but the local server (they are aborted: the app must work offline).
 * With `prefix` (e.g. "/courses/x/"), dist/ is served under that path and `url` ends
 * with it; a request outside it is blocked too.
 */
export async function openApp({ prefix = '/' } = {}) {
  const server = await serveDist(DIST_DIR, { prefix });
  let browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await server.close();
    throw err;
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);

  const pageErrors = [];
  const consoleErrors = [];
  const blockedRequests = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  // The served folder, also without its trailing slash (the server redirects that).
  const folder = server.url.slice(0, -1);
  const local = (url) =>
    url.startsWith(server.url) || (url.startsWith(folder) && /^[?#]?$/.test(url.charAt(folder.length)));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (local(url) || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    blockedRequests.push(url);
    return route.abort();
  });

  return {
    url: server.url,
    page,
    pageErrors,
    consoleErrors,
    blockedRequests,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * One app for the whole test file: `before` serves dist/, opens Chromium and runs
 * `setup(app)` if given; `after` closes both. `options` go to `openApp()`. Returns the
 * object `openApp()` returns, filled in once `before` has run.
 */
export function appForFile(setup, options = {}) {
  const app = {};
  before(async () => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    Object.assign(app, await openApp(options));
    await setup?.(app);
  });
  after(async () => {
    await app.close?.();
  });
  return app;
}

/** The path of screenshot `name` under target/screenshots/. */
export const shot = (name) => join(SCREENSHOT_DIR, name);

/** A `#v1=` fragment (without #), as src/share.rs writes it: deflate-raw + URL-safe base64. */
export function shareLink(scenario, position) {
  const payload = position === undefined ? { s: scenario } : { s: scenario, p: position };
  return 'v1=' + deflateRawSync(Buffer.from(JSON.stringify(payload)), { level: 9 }).toString('base64url');
}

/**
 * Run `body`; if it throws, save a full-page screenshot `<name>-failure.png` under
 * target/screenshots/, report the page's errors and blocked requests as test
 * diagnostics, and rethrow.
 * `app` is what `openApp()` returned; `page` defaults to its page.
 */
export async function failureShot(t, app, name, body, page = app.page) {
  try {
    await body();
  } catch (err) {
    const path = join(SCREENSHOT_DIR, `${name}-failure.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => {});
    t.diagnostic(`failure screenshot: ${path}`);
    for (const e of app.pageErrors) t.diagnostic(`page error: ${e}`);
    for (const e of app.consoleErrors) t.diagnostic(`console error: ${e}`);
    for (const u of app.blockedRequests) t.diagnostic(`blocked request: ${u}`);
    throw err;
  }
}
