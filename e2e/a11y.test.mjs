// Accessibility audit: axe-core (npm axe-core, injected into the page) on every view a
// class sees: the sandbox, a lesson, the quiz, compare, the crash matrix, embed mode and
// presenter mode, each in light and dark. Any violation of impact "serious" or "critical"
// fails the test with its rule, help text and the elements it found; "moderate" and
// "minor" ones are printed as diagnostics (the closing notes list them).
// No sleeps: every wait is a Playwright wait on the DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { appForFile, failureShot } from './serve.mjs';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const app = appForFile();
const $ = (id) => `[data-testid=${id}]`;

/** Fresh page at `path` (no stored progress), in the given colour scheme, with no motion. */
async function open(page, path, scheme) {
  await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
  await page.goto(app.url + '?embed=1');
  await page.evaluate(() => localStorage.clear());
  await page.goto('about:blank');
  await page.goto(app.url + path);
  await page.locator($('app')).waitFor();
  await page.locator($('stage')).first().waitFor();
}

// Each view: how to reach it from a fresh page.
const VIEWS = {
  sandbox: async (page, scheme) => {
    await open(page, '#preset=spark-append', scheme);
    await page.locator($('ledger-row')).first().waitFor();
  },
  lesson: async (page, scheme) => {
    await open(page, '', scheme);
    await page.locator($('mode-learn')).click();
    await page.locator($('lesson-item')).first().click();
    await page.locator($('predict-option')).first().waitFor();
  },
  quiz: async (page, scheme) => {
    await open(page, '', scheme);
    await page.locator($('mode-quiz')).click();
    await page.locator($('quiz-choice')).first().waitFor();
  },
  compare: async (page, scheme) => {
    await open(page, '#preset=consumer-commit-after', scheme);
    await page.locator(`${$('compare')} ${$('compare-toggle')}`).click();
    await page.locator($('compare-column')).first().waitFor();
  },
  matrix: async (page, scheme) => {
    await open(page, '#preset=spark-append', scheme);
    await page.locator($('mode-matrix')).click();
    await page.locator($('matrix-cell')).first().waitFor();
  },
  embed: async (page, scheme) => {
    await page.setViewportSize({ width: 800, height: 450 });
    await open(page, '?embed=1#preset=spark-append', scheme);
  },
  presenter: async (page, scheme) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await open(page, '?present=1#preset=spark-append', scheme);
  },
};

/** axe's violations on the page, grouped by impact. */
async function audit(page) {
  await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.split('\n').slice(1).join(' ').trim()})` : ''}`),
    }));
  });
  const grave = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const other = violations.filter((v) => !grave.includes(v));
  return { grave, other };
}

const show = (v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 6).join('\n    ')}${v.nodes.length > 6 ? `\n    … ${v.nodes.length - 6} more` : ''}`;

for (const scheme of ['light', 'dark']) {
  for (const [name, reach] of Object.entries(VIEWS)) {
    test(`axe: ${name} (${scheme}) has no serious or critical violation`, async (t) => {
      const { page } = app;
      await failureShot(t, app, `a11y-${name}-${scheme}`, async () => {
        await page.setViewportSize({ width: 1280, height: 800 });
        await reach(page, scheme);
        const { grave, other } = await audit(page);
        for (const v of other) t.diagnostic(show(v).replace(/\n/g, ' | '));
        assert.equal(grave.length, 0, `axe found, on ${name} (${scheme}):\n  ${grave.map(show).join('\n  ')}`);
        assert.deepEqual(app.pageErrors, []);
      });
    });
  }
}
