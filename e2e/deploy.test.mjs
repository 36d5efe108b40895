// The built dist/ is what a trainer deploys: ./run serves exactly these files with a plain
// static server (scripts/serve.mjs), so nothing in them may reach for Trunk's live-reload
// server, and a page load opens no WebSocket and logs no error.
// Test ids: e2e/README.md. No sleeps: every wait is a Playwright wait on the DOM or an event.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appForFile, DIST_DIR, failureShot } from './serve.mjs';

const app = appForFile();

async function* files(dir) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

test('dist/ holds no live-reload code (deployable as is)', async () => {
  const found = [];
  let n = 0;
  for await (const f of files(DIST_DIR)) {
    n += 1;
    if (f.includes('.well-known')) found.push(`${f}: a .well-known/trunk file`);
    const text = (await readFile(f)).toString('latin1');
    for (const marker of ['__trunk', '.well-known/trunk', '__TRUNK']) {
      if (text.includes(marker)) found.push(`${f}: contains ${marker}`);
    }
  }
  assert.ok(n >= 5, `dist/ has only ${n} files: build it first`);
  assert.deepEqual(found, []);
});

test('a page load opens no WebSocket and logs no console error', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'deploy-no-websocket', async () => {
    const sockets = [];
    const errors = [];
    const onSocket = (ws) => sockets.push(ws.url());
    const onConsole = (m) => m.type() === 'error' && errors.push(m.text());
    page.on('websocket', onSocket);
    page.on('console', onConsole);
    await page.goto(app.url + '?embed=1#preset=spark-append');
    await page.locator('[data-testid=stage]').waitFor();
    await page.goto(app.url);
    await page.locator('[data-testid=stage]').waitFor();
    page.off('websocket', onSocket);
    page.off('console', onConsole);
    assert.deepEqual(sockets, []);
    assert.deepEqual(errors, []);
    assert.deepEqual(app.pageErrors, []);
  });
});
