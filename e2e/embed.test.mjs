// Embed mode and the postMessage API, in the release build.
// - assets/examples/embed.html (served at /examples/embed.html) drives the embedded frame:
//   load, step, inject a crash; it receives ready, step, outcome and error events;
// - malformed messages and messages from origins not in ?origin= are ignored with a warning;
// - ?embed=1 at 800×450 (screenshots), lock=1, step=N, autoplay=1, speed, hide=builder.
// Test ids: e2e/README.md. No sleeps: every wait is a Playwright wait.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { appForFile, failureShot, shot } from './serve.mjs';

const warnings = [];
const app = appForFile((a) => {
  a.page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
});
const $ = (id) => `[data-testid=${id}]`;

const withFailureShot = (t, name, body) => failureShot(t, app, name, body);

/** The events the example page has received since `from`, once `done(events)` holds. */
async function eventsAfter(page, from, done) {
  const handle = await page.waitForFunction(
    ([from, done]) => {
      const evs = (window.crashcourseEvents ?? []).slice(from);
      // eslint-disable-next-line no-new-func
      return new Function('e', `return (${done})(e)`)(evs) ? evs : null;
    },
    [from, done.toString()],
  );
  return handle.jsonValue();
}

const count = (page) => page.evaluate(() => window.crashcourseEvents.length);

test('the example page drives the embedded frame through postMessage', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'embed-example', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(app.url + 'examples/embed.html');
    const frame = page.frameLocator('#frame');

    // ready, then the first run's outcome and step.
    const first = await eventsAfter(page, 0, (e) => e.some((x) => x.type === 'step'));
    assert.deepEqual(first.map((e) => e.type), ['ready', 'outcome', 'step']);
    assert.equal(first[0].crashcourse, 1);
    assert.equal(first[1].guarantee, 'at-least-once');
    assert.equal(first[2].index, 0);

    // load: the example's 6-record Spark scenario.
    let n = await count(page);
    await page.click('#load');
    let evs = await eventsAfter(page, n, (e) => e.some((x) => x.type === 'step'));
    const outcome = evs.find((e) => e.type === 'outcome');
    assert.deepEqual(
      { g: outcome.guarantee, m: outcome.missing, d: outcome.duplicated, f: outcome.faults },
      { g: 'at-least-once', m: [], d: {}, f: 0 },
    );
    const events = outcome.events;
    assert.equal(evs.at(-1).index, 0);
    assert.equal(await frame.locator('.tl-pos').innerText(), `1 / ${events}`);

    // step forward: the step event carries the frame's narration.
    n = await count(page);
    await page.click('#step');
    evs = await eventsAfter(page, n, (e) => e.some((x) => x.type === 'step'));
    const step = evs.at(-1);
    assert.equal(step.index, 1);
    assert.equal(typeof step.kind, 'string');
    assert.equal(step.narration, await frame.locator($('narration')).innerText());

    // inject a crash after batch 1's sink write: r2 and r3 are duplicated.
    n = await count(page);
    await page.click('#inject');
    evs = await eventsAfter(page, n, (e) => e.some((x) => x.type === 'step'));
    const crashed = evs.find((e) => e.type === 'outcome');
    assert.deepEqual(crashed.duplicated, { r2: 2, r3: 2 });
    assert.equal(crashed.faults, 1);
    assert.ok(crashed.events > events);
    assert.equal(evs.at(-1).kind, 'fault');
    assert.match(evs.at(-1).narration, /crash/i);
    assert.match(await frame.locator('.embed-result').innerText(), /2 duplicated/);

    // A fault the engine refuses comes back as an error; nothing changes.
    await page.fill('#fault', '{"kind": "crash", "batch": 1, "after": "sinkwrite"}');
    n = await count(page);
    await page.click('#inject');
    evs = await eventsAfter(page, n, (e) => e.some((x) => x.type === 'error'));
    assert.equal(evs[0].request, 'inject');
    assert.match(evs[0].message, /^fault\.after: step "sinkwrite" does not exist/);

    // seek past the end: an error naming the range.
    await page.fill('#index', '999');
    n = await count(page);
    await page.click('[data-send=seek]');
    evs = await eventsAfter(page, n, (e) => e.some((x) => x.type === 'error'));
    assert.match(evs[0].message, /^index: 999 is past the last event/);
    // seek inside: the step event.
    await page.fill('#index', '3');
    n = await count(page);
    await page.click('[data-send=seek]');
    evs = await eventsAfter(page, n, (e) => e.some((x) => x.type === 'step'));
    assert.equal(evs.at(-1).index, 3);

    // A malformed message is ignored with a console warning, and answered by nothing.
    n = await count(page);
    await page.evaluate(() => {
      const w = document.getElementById('frame').contentWindow;
      w.postMessage({ crashcourse: 1, type: 'rewind' }, location.origin);
      w.postMessage({ crashcourse: 1, type: 'step', direction: 'sideways' }, location.origin);
      w.postMessage('not json', location.origin);
      w.postMessage({ crashcourse: 1, type: 'seek', index: 2 }, location.origin); // a valid one last
    });
    await eventsAfter(page, n, (e) => e.some((x) => x.type === 'step' && x.index === 2));
    await warningSeen('unknown type "rewind"');
    const w = warnings.filter((x) => x.startsWith('crashcourse: ignored a malformed message'));
    assert.ok(w.some((x) => x.includes('unknown type "rewind"')), w.join('\n'));
    assert.ok(w.some((x) => x.includes('"direction": expected')), w.join('\n'));
    assert.ok(w.some((x) => x.includes('expected a JSON object')), w.join('\n'));
    const after = await page.evaluate((n) => window.crashcourseEvents.slice(n).map((e) => e.type), n);
    assert.ok(!after.includes('error'), after.join());

    await page.screenshot({ path: shot('embed-example.png') });
    await frame.locator($('app')).screenshot({ path: shot('embed-frame.png') });
    assert.deepEqual(app.pageErrors, []);
  });
});

/** Resolves once a console warning containing `part` has arrived (from any frame). */
function warningSeen(part) {
  if (warnings.some((w) => w.includes(part))) return Promise.resolve();
  return new Promise((ok) => {
    const on = (m) => {
      if (m.type() === 'warning' && m.text().includes(part)) {
        app.page.off('console', on);
        ok();
      }
    };
    app.page.on('console', on);
  });
}

test('only allowed parent origins can drive the frame', async (t) => {
  const { page } = app;
  // The course page lives on another origin: a second local server (another port).
  const appOrigin = new URL(app.url).origin;
  const frameUrl = (extra) => `${app.url}?embed=1${extra}#preset=spark-upsert`;
  let parent;
  const course = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>course</title>
      <iframe id="a" width="400" height="300" src="${frameUrl(`&origin=${parent}`)}"></iframe>
      <iframe id="b" width="400" height="300" src="${frameUrl('')}"></iframe>
      <script>
        window.got = [];
        addEventListener('message', (e) => {
          const id = e.source === document.getElementById('a').contentWindow ? 'a' : 'b';
          window.got.push({ id, origin: e.origin, ...e.data });
        });
        window.seek = (i) => {
          for (const f of document.querySelectorAll('iframe'))
            f.contentWindow.postMessage({ crashcourse: 1, type: 'seek', index: i }, '${appOrigin}');
        };
      </script>`);
  });
  await new Promise((ok) => course.listen(0, '127.0.0.1', ok));
  parent = `http://127.0.0.1:${course.address().port}`;
  await page.route(`${parent}/**`, (route) => route.continue());
  try {
    await withFailureShot(t, 'embed-origin', async () => {
      warnings.length = 0;
      await page.goto(`${parent}/course.html`);
      // Frame a (this origin is allowed) says ready and follows; frame b does not talk to it.
      await page.waitForFunction(() => window.got.some((e) => e.id === 'a' && e.type === 'step'));
      assert.deepEqual(
        await page.evaluate(() => window.got.map((e) => `${e.id} ${e.type} ${e.origin}`)),
        ['a ready', 'a outcome', 'a step'].map((x) => `${x} ${appOrigin}`),
      );
      await page.frameLocator('#b').locator($('narration')).waitFor({ state: 'attached' });
      await page.evaluate(() => window.seek(2));
      await page.waitForFunction(() => window.got.some((e) => e.id === 'a' && e.type === 'step' && e.index === 2));
      assert.match(await page.frameLocator('#a').locator('.tl-pos').innerText(), /^3 \//);
      // b ignored it, with a warning that names the origin.
      await warningSeen(`ignored a message from ${parent}: not an allowed origin`);
      assert.match(await page.frameLocator('#b').locator('.tl-pos').innerText(), /^1 \//);
      assert.ok(!(await page.evaluate(() => window.got.some((e) => e.id === 'b'))));
    });
  } finally {
    await page.unroute(`${parent}/**`);
    await new Promise((ok) => course.close(ok));
  }
});

test('embed mode at 800×450 and its options', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'embed-options', async () => {
    await page.setViewportSize({ width: 800, height: 450 });
    const open = async (query, hash) => {
      await page.goto('about:blank');
      await page.goto(`${app.url}?${query}${hash}`);
      await page.locator($('narration')).waitFor();
    };

    // step=N opens at event N; only the stage, timeline, narration and ledger are shown.
    await open('embed=1&step=13', '#preset=consumer-commit-after');
    assert.match(await page.locator('.tl-pos').innerText(), /^14 \//);
    for (const id of ['timeline', 'ledger', 'narration', 'guarantee', 'step-forward']) {
      assert.ok(await page.locator($(id)).isVisible(), id);
    }
    assert.equal(await page.locator($('stage')).count(), 1);
    for (const gone of ['preset', 'copy-link', 'import-file', 'notes']) {
      assert.equal(await page.locator($(gone)).count(), 0, gone);
    }
    assert.equal(await page.locator('section.builder, section.faults, header.top').count(), 0);
    const openLink = await page.locator($('embed-open')).getAttribute('href');
    assert.match(openLink, /^http:\/\/127\.0\.0\.1:\d+\/#v1=/);
    // Nothing scrolls: the frame fits 800×450.
    const size = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.deepEqual(size, [800, 450]);
    await page.screenshot({ path: shot('embed.png') });

    // lock=1: no crash controls, and the keyboard cannot add a fault or undo.
    await open('embed=1', '#preset=spark-append');
    const i = Number(await page.locator(`${$('tick')}[aria-label*="sink write, batch 1"]`).getAttribute('data-i'));
    await open(`embed=1&lock=1&step=${i}`, '#preset=spark-append');
    assert.equal(await page.locator($('crash-here')).isVisible(), false);
    assert.equal(await page.locator($('crash-mode')).isVisible(), false);
    const ticks = await page.locator($('tick')).count();
    await page.keyboard.press('c');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((p) => document.querySelector('.tl-pos').textContent.startsWith(`${p} /`), i + 2);
    assert.equal(await page.locator($('tick')).count(), ticks, 'no fault was added');
    await page.screenshot({ path: shot('embed-locked.png') });
    // Without lock, the same key crashes there.
    await open(`embed=1&step=${i}`, '#preset=spark-append');
    await page.keyboard.press('c');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=tick]').length !== n, ticks);

    // autoplay=1 with speed=4 plays by itself.
    await open('embed=1&autoplay=1&speed=4', '#preset=spark-upsert');
    await page.waitForFunction(() => parseInt(document.querySelector('.tl-pos').textContent, 10) >= 4);

    // A broken link in embed mode: the reason and a working default.
    await open('embed=1', '#v1=AAAA');
    assert.match(await page.locator($('link-error')).innerText(), /could not be opened/);
    assert.equal(await page.locator(`${$('ledger')} ${$('ledger-row')}`).count(), 10);

    // hide=builder also outside embed mode.
    await page.setViewportSize({ width: 1280, height: 720 });
    await open('hide=builder', '#preset=spark-append');
    await page.locator('section.faults').waitFor();
    assert.equal(await page.locator('section.builder').isVisible(), false);
    assert.deepEqual(app.pageErrors, []);
  });
});
