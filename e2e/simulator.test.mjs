// The simulator end to end: choose a preset, crash after the sink write, see the duplicates
// in the ledger, step back, drive it with the keyboard, and check the phone layout.
// Uses only the data-testid contract (e2e/README.md) plus the UI's own test ids
// (preset, crash-here, step-back, ledger-verdict, run-duplicated, help).
// No sleeps: every wait is a Playwright wait on the DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appForFile, failureShot, shot } from './serve.mjs';

const app = appForFile();

async function verdicts(page) {
  return page.locator('[data-testid=ledger] [data-testid=ledger-verdict]').allInnerTexts();
}

async function narration(page) {
  return page.locator('[data-testid=narration]').innerText();
}

/** Wait until the narration differs from `old`, and return it. */
async function narrationChangedFrom(page, old) {
  await page.waitForFunction(
    (o) => document.querySelector('[data-testid=narration]')?.textContent !== o,
    old,
  );
  return narration(page);
}

const withFailureShot = (t, name, body) => failureShot(t, app, name, body);

/**
 * The colours as a reader sees them. For the first visible match of each text selector:
 * its text colour, the colour behind it (every ancestor's background composited, so a
 * translucent badge counts), their relative luminances and WCAG contrast ratio; and the
 * luminance of every visible panel (`.card`). Colours are resolved by painting them on a
 * canvas, so any CSS colour syntax the computed style uses (rgb(), color(srgb …)) works.
 */
function colours(page, selectors) {
  return page.evaluate((selectors) => {
    const cx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    const rgba = (css) => {
      cx.clearRect(0, 0, 1, 1);
      cx.fillStyle = '#010203';
      cx.fillStyle = css;
      if (cx.fillStyle === '#010203' && css !== 'rgb(1, 2, 3)') throw new Error(`unparsed colour ${css}`);
      cx.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = cx.getImageData(0, 0, 1, 1).data;
      return [r, g, b, a / 255];
    };
    const over = ([r, g, b, a], [R, G, B]) => [r * a + R * (1 - a), g * a + G * (1 - a), b * a + B * (1 - a)];
    const lum = (rgb) => {
      const [r, g, b] = rgb.map((c) => {
        const v = c / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const behind = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) layers.push(rgba(getComputedStyle(e).backgroundColor));
      return layers.reverse().reduce((under, layer) => over(layer, under), [255, 255, 255]);
    };
    const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    const round = (x) => Math.round(x * 1000) / 1000;
    const text = selectors.map((sel) => {
      const el = [...document.querySelectorAll(sel)].find(visible);
      if (!el) return { sel, missing: true };
      const bg = behind(el);
      const fg = over(rgba(getComputedStyle(el).color), bg);
      const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      return { sel, fgL: round(lum(fg)), bgL: round(lum(bg)), ratio: round((hi + 0.05) / (lo + 0.05)) };
    });
    const panels = [...document.querySelectorAll('.card')].filter(visible).map((e) => round(lum(behind(e))));
    return { text, panels };
  }, selectors);
}

/** Text whose contrast the dark theme must keep: body, narration, badge, muted, status inks. */
const KEY_TEXT = [
  'body',
  '[data-testid=narration]',
  '[data-testid=guarantee]',
  '.tl-pos',
  '[data-testid=ledger-verdict]',
  '[data-testid=app] h2',
];

test('crash after the sink write duplicates the batch; step back; keyboard', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'simulator', async () => {
    await page.goto(app.url);
    await page.waitForSelector('[data-testid=app]');

    // Choose a preset: first another one, then the plain INSERT preset.
    const preset = page.locator('[data-testid=preset]');
    await preset.selectOption('spark-upsert');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=guarantee]')?.textContent.includes('exactly-once'),
    );
    await preset.selectOption('spark-append');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=guarantee]')?.textContent.includes('at-least-once'),
    );
    assert.equal((await verdicts(page)).length, 10);
    assert.ok((await verdicts(page)).every((v) => v.includes('once')), 'clean run: every record once');

    // Go to batch 1's sink write (click its tick), then crash right after it.
    const writeTick = page.locator('[data-testid=tick][aria-label*="sink write, batch 1 · attempt 1"]');
    await writeTick.click();
    const atWrite = await narration(page);
    assert.match(atWrite, /r2, r3/);
    await page.locator('[data-testid=crash-here]').click();

    // The engine re-ran: r2 and r3 are duplicated, the rest once.
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 2'),
    );
    const v = await verdicts(page);
    v.forEach((text, i) => {
      if (i === 2 || i === 3) assert.match(text, /duplicated ×2/, `r${i}`);
      else assert.match(text, /once/, `r${i}`);
    });
    // Playback stays at the crash.
    assert.match(await narration(page), /CRASH/);
    await page.screenshot({ path: shot('simulator-crash.png') });
    t.diagnostic(`screenshot: ${shot('simulator-crash.png')}`);

    // Step back: exactly the sink write again; forward: the crash again.
    const atCrash = await narration(page);
    await page.locator('[data-testid=step-back]').click();
    assert.equal(await narrationChangedFrom(page, atCrash), atWrite);
    await page.locator('[data-testid=step-forward]').click();
    assert.match(await narrationChangedFrom(page, atWrite), /CRASH/);

    // Provenance: r2's two copies come from two attempts of batch 1.
    await page.locator('[data-testid=ledger-row]').nth(2).locator('button').click();
    const prov = page.locator('#provenance');
    await prov.waitFor();
    const provText = await prov.innerText();
    assert.match(provText, /batch 1 · attempt 1/);
    assert.match(provText, /batch 1 · attempt 2/);

    // Keyboard only (focus on the page, not on a button).
    await page.evaluate(() => document.activeElement?.blur());
    const pos = page.locator('.tl-pos');
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const [a, b] = document.querySelector('.tl-pos').textContent.split(' / ');
      return a === b;
    });
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('.tl-pos').textContent.startsWith('1 / '));
    const first = await narration(page);
    await page.keyboard.press('ArrowRight');
    const second = await narrationChangedFrom(page, first);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await narrationChangedFrom(page, second), first);
    await page.keyboard.press('Shift+ArrowRight'); // next fault
    assert.match(await narrationChangedFrom(page, first), /CRASH/);
    await page.keyboard.press(' ');
    await page.locator('[data-testid=play][aria-label^="Pause"]').waitFor();
    await page.keyboard.press(' ');
    await page.locator('[data-testid=play][aria-label^="Play"]').waitFor();
    assert.match(await pos.innerText(), /\d+ \/ \d+/);
    await page.keyboard.press('?');
    await page.locator('[data-testid=help]').waitFor();
    await page.screenshot({ path: shot('simulator-help.png') });
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=help]').waitFor({ state: 'detached' });

    // Undo the crash from the keyboard: no duplicates any more.
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=run-duplicated]')?.textContent.startsWith('❐ 0'),
    );

    assert.deepEqual(app.pageErrors, [], 'no uncaught errors (a Rust panic lands here)');
    assert.deepEqual(app.blockedRequests, [], 'no requests outside the local server');
  });
});

test('an invalid builder change is explained and not applied', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'simulator-builder', async () => {
    await page.goto(app.url);
    await page.waitForSelector('[data-testid=app]');
    const guarantee = await page.locator('[data-testid=guarantee]').innerText();
    // Spark micro-batch cannot read a queue: the engine refuses, the run stays.
    await page.locator('[data-testid=builder-source-kind]').selectOption('queue');
    const err = page.locator('[data-testid=builder-error]');
    await err.waitFor();
    assert.match(await err.innerText(), /queue/);
    assert.equal(await page.locator('[data-testid=guarantee]').innerText(), guarantee);
    // Switching the engine to Beam makes it valid: applied.
    await page.locator('[data-testid=builder-engine-kind]').selectOption('beam');
    await err.waitFor({ state: 'detached' });
    assert.deepEqual(app.pageErrors, []);
  });
});

test('phone (390 px) without sideways scrolling; dark mode is dark and readable; Shift+→ finds the fault', async (t) => {
  const { page } = app;
  await withFailureShot(t, 'simulator-phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(app.url);
    await page.waitForSelector('[data-testid=ledger-row]');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: shot('simulator-390.png'), fullPage: true });

    // The light theme first, as the baseline dark mode must differ from.
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    await page.goto(app.url + '#preset=flink-2pc');
    await page.waitForSelector('[data-testid=ledger-row]');
    const light = await colours(page, KEY_TEXT);
    assert.ok(light.text[0].bgL > 0.8, `light page background: ${JSON.stringify(light.text[0])}`);

    // Dark mode: dark page and panels, light text, every key text at least 4.5:1.
    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
    await page.goto(app.url + '#preset=flink-2pc');
    await page.waitForSelector('[data-testid=ledger-row]');
    const dark = await colours(page, KEY_TEXT);
    const report = JSON.stringify(dark);
    t.diagnostic(`dark contrast: ${dark.text.map((c) => `${c.sel} ${c.ratio}:1`).join(', ')}`);
    assert.deepEqual(dark.text.filter((c) => c.missing), [], `every key text is on the page: ${report}`);
    const [body] = dark.text;
    assert.ok(body.bgL < 0.02, `dark page background: ${report}`);
    assert.ok(body.fgL > 0.6, `light body text: ${report}`);
    assert.ok(dark.panels.length >= 3, `panels: ${report}`);
    assert.ok(dark.panels.every((l) => l < 0.03), `every panel is dark: ${report}`);
    for (const c of dark.text) {
      assert.ok(c.fgL > c.bgL, `${c.sel}: light text on a dark background: ${report}`);
      assert.ok(c.ratio >= 4.5, `${c.sel}: contrast ${c.ratio} < 4.5:1: ${report}`);
    }

    // Shift+→ jumps to the next fault: the crash after batch 1's sink write.
    await page.evaluate(() => document.activeElement?.blur());
    const ticks = await page.locator('[data-testid=tick]').evaluateAll((els) =>
      els.map((e) => ({ i: Number(e.dataset.i), fault: /\bk-(fault|deletecheckpoint)\b/.test(e.className) })),
    );
    const fault = ticks.find((x) => x.fault && x.i > 0);
    assert.ok(fault, 'flink-2pc has a fault');
    assert.match(await page.locator('.tl-pos').innerText(), new RegExp(`^1 / ${ticks.length}$`));
    const before = await narration(page);
    await page.keyboard.press('Shift+ArrowRight');
    await page.waitForFunction(
      (n) => document.querySelector('.tl-pos')?.textContent === n,
      `${fault.i + 1} / ${ticks.length}`,
    );
    assert.equal(
      await page.locator('[data-testid=tick][aria-current=step]').getAttribute('data-i'),
      String(fault.i),
    );
    assert.match(await narrationChangedFrom(page, before), /CRASH/);
    await page.screenshot({ path: shot('simulator-dark.png') });
    await page.emulateMedia({ colorScheme: null, reducedMotion: null });
    assert.deepEqual(app.pageErrors, []);
  });
});
