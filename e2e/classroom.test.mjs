// Ready for a classroom: defects a trainer hits on a projector, with a screen reader, with
// the keyboard and on a phone; one test each, and each failed before its fix.
// Test ids: e2e/README.md. No sleeps: every wait is on the DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot } from './serve.mjs';

const app = appForFile();
const $ = (id) => `[data-testid=${id}]`;

async function open(page, hash = '', query = '') {
  await page.goto('about:blank');
  await page.goto(`${app.url}${query}${hash ? `#${hash}` : ''}`);
  await page.locator($('stage')).waitFor();
}

/** Wait until the timeline's position reads `i + 1 / …`. */
const atStep = (page, i) =>
  page.waitForFunction((n) => document.querySelector('.tl-pos')?.textContent.startsWith(`${n + 1} /`), i);

/** Index of the first tick whose label matches `re`. */
async function tickIndex(page, re) {
  const labels = await page.locator($('tick')).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const i = labels.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `a tick labelled ${re}`);
  return i;
}

// ------------------------------------------------------------------ 1. click-to-crash

/** WCAG contrast ratio of an element's computed text colour on its computed background. */
function contrastOf(page, selector) {
  return page.evaluate((selector) => {
    const el = document.querySelector(selector);
    const cs = getComputedStyle(el);
    // Computed colours are rgb()/rgba() or, from color-mix, color(srgb r g b [/ a]).
    const parse = (c) => {
      let m = c.match(/^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/);
      if (m) return [m[1] / 255, m[2] / 255, m[3] / 255, m[4] === undefined ? 1 : +m[4]];
      m = c.match(/^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/);
      if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
      throw new Error(`cannot parse the colour ${c}`);
    };
    const lum = ([r, g, b]) => {
      const f = (v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    // A translucent background is drawn over the page's.
    const page = parse(getComputedStyle(document.body).backgroundColor);
    const bgRaw = parse(cs.backgroundColor);
    const bg = bgRaw.slice(0, 3).map((v, i) => v * bgRaw[3] + page[i] * (1 - bgRaw[3]));
    const fg = parse(cs.color);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    return { ratio: (hi + 0.05) / (lo + 0.05), color: cs.color, background: cs.backgroundColor };
  }, selector);
}

test('click-to-crash, when on, is readable: contrast ≥ 4.5:1 in light and dark', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-toggle', async () => {
    try {
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await open(page);
        await page.locator($('crash-mode')).click();
        await page.locator(`${$('crash-mode')}[aria-pressed=true]`).waitFor();
        await page.mouse.move(0, 0); // not hovered
        const c = await contrastOf(page, $('crash-mode'));
        t.diagnostic(`${scheme}: ${c.color} on ${c.background} = ${c.ratio.toFixed(2)}:1`);
        assert.ok(c.ratio >= 4.5, `${scheme}: ${c.color} on ${c.background} is ${c.ratio.toFixed(2)}:1, below 4.5:1`);
      }
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });
});

// ------------------------------------------------------------------ 3. the timeline, one Tab stop

test('the timeline is one Tab stop; arrows, Home and End move the cursor and the focus', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-roving', async () => {
    await open(page);
    const n = await page.locator($('tick')).count();
    // From the control before the strip (the scrubber), Tab until the focus leaves it.
    await page.locator('.scrub').focus();
    let inside = 0;
    for (;;) {
      await page.keyboard.press('Tab');
      const inStrip = await page.evaluate(() => !!document.activeElement?.closest('[data-testid=timeline]'));
      if (!inStrip) break;
      inside += 1;
      assert.ok(inside <= n, 'Tab never leaves the timeline');
    }
    assert.equal(inside, 1, `Tab stops inside the timeline: ${inside} (of ${n} steps)`);

    // Back in: the focus is on the current step; the arrows move it and seek.
    await page.keyboard.press('Shift+Tab');
    const focused = () =>
      page.evaluate(() => {
        const a = document.activeElement;
        const zero = [...document.querySelectorAll('[data-testid=tick][tabindex="0"]')].map((e) => e.dataset.i);
        return { i: a?.dataset.i, current: a?.getAttribute('aria-current'), zero };
      });
    assert.deepEqual(await focused(), { i: '0', current: 'step', zero: ['0'] });
    await page.keyboard.press('ArrowRight');
    await atStep(page, 1);
    await page.keyboard.press('ArrowRight');
    await atStep(page, 2);
    await page.waitForFunction(() => document.activeElement?.dataset.i === '2');
    assert.deepEqual(await focused(), { i: '2', current: 'step', zero: ['2'] }, 'one press, one step');
    await page.keyboard.press('ArrowLeft');
    await atStep(page, 1);
    await page.keyboard.press('End');
    await atStep(page, n - 1);
    await page.waitForFunction((k) => document.activeElement?.dataset.i === String(k), n - 1);
    await page.keyboard.press('Home');
    await atStep(page, 0);
    await page.waitForFunction(() => document.activeElement?.dataset.i === '0');

    // The focus ring is not the current-step ring: another colour or style.
    const ring = await page.evaluate(() => {
      const cs = getComputedStyle(document.activeElement);
      return { style: cs.outlineStyle, color: cs.outlineColor, width: cs.outlineWidth, shadow: cs.boxShadow };
    });
    const current = ring.shadow.match(/rgba?\([^)]*\)/)?.[0];
    assert.notEqual(ring.style, 'none', 'a focused step has a focus ring');
    assert.ok(
      ring.style !== 'solid' || ring.color !== current,
      `the focus ring (${ring.width} ${ring.style} ${ring.color}) looks like the current-step ring (${ring.shadow})`,
    );
    assert.deepEqual(app.pageErrors, []);
  });
});

// ------------------------------------------------------------------ 5. live regions

/** Count what the page's live regions would announce: one per region and mutation batch. */
function watchAnnouncements(page) {
  return page.evaluate(() => {
    const LIVE = '[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log]';
    window.announced = [];
    window.announcer?.disconnect();
    window.announcer = new MutationObserver((records) => {
      const regions = new Set();
      for (const r of records) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        const region = el?.closest(LIVE);
        if (region) regions.add(region);
        // A live region inserted with its text.
        for (const n of r.addedNodes) if (n.nodeType === 1 && n.matches(LIVE)) regions.add(n);
      }
      for (const region of regions) {
        const text = region.textContent.trim();
        if (text && region.isConnected) window.announced.push(text);
      }
    });
    window.announcer.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}
const announced = (page) => page.evaluate(() => window.announced.slice());

test('playing announces key moments, not every step: faults, the outcome, a new run result', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-live', async () => {
    // A clean run: 4 s of play at 1× (8 steps) announces at most one thing.
    await open(page);
    await watchAnnouncements(page);
    await page.locator($('play')).click();
    await atStep(page, 8);
    const during = await announced(page);
    t.diagnostic(`announcements during 4 s of play: ${during.length}`);
    assert.ok(during.length <= 1, `${during.length} announcements in 4 s of play: ${JSON.stringify(during)}`);
    // The end is announced with the outcome.
    await page.locator('.speed select').selectOption({ label: '4×' });
    await page.locator($('outcome-caption')).waitFor();
    await page.waitForFunction(() => window.announced.some((a) => /exactly once/i.test(a)));

    // Pacing off: a fault passed while playing is announced, the steps around it are not.
    await open(page, 'preset=consumer-commit-before');
    await page.locator($('pacing-toggle')).click();
    await page.locator(`${$('pacing-toggle')}[aria-pressed=false]`).waitFor();
    await page.locator('.speed select').selectOption({ label: '4×' });
    const fault = await page.locator('[data-testid=tick].k-fault').first().getAttribute('title');
    const steps = await page.locator($('tick')).count();
    await watchAnnouncements(page);
    await page.locator($('play')).click();
    await page.locator($('outcome-caption')).waitFor();
    const head = await page.locator(`${$('outcome-caption')} .cap-head`).innerText();
    await page.waitForFunction((h) => window.announced.some((a) => a.includes(h)), head);
    const all = await announced(page);
    assert.ok(all.some((a) => a.includes(fault)), `the fault (${fault}) is announced: ${JSON.stringify(all)}`);
    assert.ok(all.length < steps / 2, `${all.length} announcements for ${steps} steps`);

    // Stepping by hand announces each step.
    await watchAnnouncements(page);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await atStep(page, 1);
    const narr = await page.locator($('narration')).innerText();
    await page.waitForFunction((s) => window.announced.some((a) => a.includes(s)), narr);

    // A crash that changes the run's result announces the new result.
    await open(page, 'preset=spark-append');
    const write = await tickIndex(page, /sink write, batch 1 · attempt 1/);
    await page.locator($('tick')).nth(write).click();
    await atStep(page, write);
    await watchAnnouncements(page);
    await page.keyboard.press('c');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 2'),
    );
    await page.waitForFunction(() => window.announced.some((a) => /2 duplicated/.test(a)));
    assert.deepEqual(app.pageErrors, []);
  });
});

// ------------------------------------------------------------------ 6. help dialog

test('the help dialog keeps the focus inside and gives it back to the opener', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-help', async () => {
    await open(page);
    const opener = page.locator('[aria-label="Keyboard shortcuts and help"]');
    const inHelp = () => page.evaluate(() => !!document.activeElement?.closest('[data-testid=help]'));
    const onOpener = () =>
      page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Keyboard shortcuts and help');
    for (const close of ['Escape', 'button']) {
      await opener.click();
      await page.locator($('help')).waitFor();
      assert.ok(await inHelp(), 'the dialog has the focus when it opens');
      for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
        await page.keyboard.press(key);
        assert.ok(await inHelp(), `${key} keeps the focus in the dialog`);
      }
      if (close === 'Escape') await page.keyboard.press('Escape');
      else await page.locator('[aria-label="Close the help"]').click();
      await page.locator($('help')).waitFor({ state: 'detached' });
      const where = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80));
      assert.ok(await onOpener(), `after ${close}, the focus is back on the help button, not on ${where}`);
    }
    assert.deepEqual(app.pageErrors, []);
  });
});

// ------------------------------------------------------------------ 7. first visit

test('a first visit says how to crash; the hint goes once the learner has crashed', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-hint', async () => {
    await open(page);
    await page.evaluate(() => localStorage.clear());
    await open(page);
    const hint = page.locator($('crash-hint'));
    await hint.waitFor();
    assert.ok(await hint.isVisible(), 'the hint is visible');
    const text = await hint.innerText();
    assert.match(text, /Crash here/);
    assert.match(text, /\bC\b/);
    assert.match(text, /Click-to-crash/);
    // Crash once (C after batch 1's sink write): the hint goes, and stays gone.
    const write = await tickIndex(page, /sink write, batch 1 · attempt 1/);
    await page.locator($('tick')).nth(write).click();
    await atStep(page, write);
    await page.keyboard.press('c');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 2'),
    );
    await hint.waitFor({ state: 'detached' });
    await open(page);
    assert.equal(await hint.count(), 0, 'no hint after a reload');
    assert.deepEqual(app.pageErrors, []);
  });
});

// ------------------------------------------------------------------ 9. scenario titles

test('scenario titles fit the menu at 1280 and 1920 px', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-menu', async () => {
    try {
      for (const width of [1280, 1920]) {
        await page.setViewportSize({ width, height: 900 });
        await open(page, 'preset=flink-2pc');
        // Nothing in the menu scrolls, and every title fits the closed menu: a menu holding
        // only that title (its natural width: text, padding, arrow) is no wider than it.
        const menu = await page.evaluate(() => {
          const sel = document.querySelector('[data-testid=preset]');
          const probe = document.createElement('select');
          probe.className = sel.className;
          probe.style.cssText = 'position: absolute; visibility: hidden; width: auto; min-width: 0; max-width: none';
          sel.parentElement.append(probe);
          const cut = [];
          for (const o of sel.options) {
            probe.replaceChildren(new Option(o.text));
            if (probe.getBoundingClientRect().width > sel.getBoundingClientRect().width + 0.5) cut.push(o.text);
          }
          probe.remove();
          const scrolls = [...document.querySelectorAll('.picker, .picker *')]
            .filter((e) => e.scrollWidth > e.clientWidth)
            .map((e) => e.tagName);
          return { cut, scrolls, width: Math.round(sel.getBoundingClientRect().width) };
        });
        assert.deepEqual(menu.scrolls, [], `${width}: elements of the menu scroll`);
        assert.deepEqual(menu.cut, [], `${width}: titles cut in a ${menu.width}px menu`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });
});

// ------------------------------------------------------------------ 9. code lines

/** The code panels' blocks whose text reaches past their box (hidden or scrolled away). */
const cutCode = (page) =>
  page.locator(`${$('code-panel')} pre`).evaluateAll((els) =>
    els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => `${e.scrollWidth}px of code in ${e.clientWidth}px`),
  );

test('code lines fit the code panel at 1280 and 1920 px, in the sandbox and in a lesson', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-code', async () => {
    try {
      for (const width of [1280, 1920]) {
        await page.setViewportSize({ width, height: 900 });
        await open(page, 'preset=flink-2pc');
        // The code panel (fetched when it comes into view): every line visible, none
        // hidden past the panel's right edge.
        await page.locator(`${$('content-loading')}, ${$('code-panel')}`).first().scrollIntoViewIfNeeded();
        await page.locator(`${$('code-panel')} pre`).first().waitFor();
        assert.deepEqual(await cutCode(page), [], `${width}: code lines cut in the sandbox`);
        // And in a lesson, where the panel has half the width.
        await page.locator($('mode-learn')).click();
        // Learn opens the course index, or the lesson left open (this one, the second time).
        await page.locator(`${$('lesson-list')}, ${$('lesson')}`).first().waitFor();
        if ((await page.locator($('lesson')).count()) === 0) {
          await page.locator($('lesson-item')).filter({ hasText: 'Flink two-phase commit' }).click();
        }
        assert.match(await page.locator(`${$('lesson')} h2`).first().innerText(), /Flink two-phase commit/);
        await page.locator(`${$('code-panel')} pre`).first().waitFor();
        assert.deepEqual(await cutCode(page), [], `${width}: code lines cut in a lesson`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });
});

// ------------------------------------------------------------------ 9. favicon

test('the favicon and /favicon.ico are served', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-favicon', async () => {
    await open(page);
    const href = await page.evaluate(() => document.querySelector('link[rel~=icon]')?.href ?? null);
    assert.ok(href, 'index.html links an icon');
    for (const url of [href, new URL('/favicon.ico', app.url).href]) {
      const res = await page.request.get(url);
      assert.equal(res.status(), 200, `${url}`);
      assert.match(res.headers()['content-type'], /^image\//, `${url} is an image`);
    }
  });
});

// ------------------------------------------------------------------ 10. phone

test('on a 390 px phone the stage is above the timeline, targets are finger-sized, nothing scrolls sideways', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-phone', async () => {
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      await open(page);
      const box = async (sel) => page.locator(sel).first().boundingBox();
      const stage = await box($('stage'));
      const strip = await box($('timeline'));
      assert.ok(stage.y < strip.y, `the stage (top ${stage.y}) is above the timeline (top ${strip.y})`);
      // The stage and the step button fit one screen: no scrolling between them.
      const step = await box($('step-forward'));
      const span = Math.max(step.y + step.height, stage.y + stage.height) - Math.min(step.y, stage.y);
      assert.ok(span <= 844, `the stage and the step button span ${span}px, more than the screen`);
      for (const sel of [
        $('play'), $('step-forward'), $('step-back'), $('next-fault'), $('pacing-toggle'),
        $('crash-here'), $('crash-mode'), $('tick'), $('mode-sandbox'),
        '[aria-label="Keyboard shortcuts and help"]', '[aria-label="Undo"]',
      ]) {
        const b = await box(sel);
        assert.ok(b.width >= 40 && b.height >= 40, `${sel} is ${b.width}×${b.height}px, under 40×40`);
      }
      const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(over <= 0, `the page scrolls sideways by ${over}px at 390 px`);
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });
});

// ------------------------------------------------------------------ 10. embed

test('an 800×450 embed shows the stage first, its sink inside the frame, the controls always', async (t) => {
  const { page } = app;
  await failureShot(t, app, 'classroom-embed', async () => {
    try {
      await open(page);
      const presets = await page.locator(`${$('preset')} option`).evaluateAll((os) => os.map((o) => o.value));
      await page.setViewportSize({ width: 800, height: 450 });
      const bottom = async (sel) => {
        const b = await page.locator(sel).first().boundingBox();
        return b.y + b.height;
      };
      for (const preset of presets) {
        await open(page, `preset=${preset}`, '?embed=1');
        const stage = await page.locator($('stage')).boundingBox();
        const strip = await page.locator($('timeline')).boundingBox();
        assert.ok(stage.y < strip.y, `${preset}: the stage (top ${stage.y}) is above the timeline (top ${strip.y})`);
        const sink = await bottom($('stage-sink'));
        assert.ok(sink <= 450, `${preset}: the sink ends at ${sink}px, below the 450px frame`);
        // Later in the run the stage grows; it scrolls inside its box, the controls stay.
        for (const key of ['n', 'End']) {
          await page.keyboard.press(key);
          for (const sel of [$('stage'), $('step-forward'), $('crash-here')]) {
            const b = await bottom(sel);
            assert.ok(b <= 450, `${preset} after ${key}: ${sel} ends at ${b}px, below the 450px frame`);
          }
        }
        const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(over <= 0, `${preset}: the embed scrolls sideways by ${over}px`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });
});
