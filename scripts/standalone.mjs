// A single-file offline copy of crashcourse: one HTML file with the wasm module, its JS
// glue, the CSS and the course text inlined, for a course platform that takes an HTML file
// (or a USB stick, or a laptop without network). It opens from a file:// URL and inside a
// sandboxed iframe (sandbox="allow-scripts", no same origin) and makes no request.
//
//   trunk build --release --offline                  # first: dist/ (./run and ./test do it)
//   node scripts/standalone.mjs [options] [SCENARIO.json]
//
//   --preset ID        open on this built-in scenario (ids in src/presets.rs)
//   --link LINK        open on a share link: "#v1=…", "v1=…", "preset=…" or a whole URL
//   SCENARIO.json      open on this scenario (validated and encoded by `crashcourse link`,
//                      through `cargo run`)
//   --position N       with SCENARIO.json: open at event N (0-based)
//   --out FILE         where to write it (default: target/crashcourse-VERSION-standalone.html)
//   --dist DIR         the built app (default: dist)
//   --no-compress      inline the wasm as plain base64 (about 750 KB more) instead of gzip +
//                      base64, for a browser without DecompressionStream (before Chrome 80,
//                      Firefox 113, Safari 16.4)
//
// With no scenario it opens on the default scenario; a scenario in the page's address
// (#preset=… or #v1=…) still wins, as on the hosted app.
//
// Why a script and not `crashcourse export`: the native CLI and the wasm module are two
// builds of the crate; the CLI does not contain the wasm, and cannot build it (Trunk,
// wasm-bindgen and wasm-opt do). This script takes what `trunk build` wrote to dist/.
//
// How the page starts without a server: the wasm-bindgen glue (an ES module) is inlined in
// a module script with its `export` line removed; the wasm bytes sit base64-encoded
// (gzip-compressed) in a <script type="application/octet-stream"> and are handed to the
// glue's init (`__wbg_init({ module_or_path: bytes })`) instead of a URL; the CSS goes into
// <style> elements and the favicon into a data: URL; and the course text sits in
// <script type="application/json" id="crashcourse-content">, which the app reads instead
// of fetching content.json (src/ui/content.rs), as it reads the fidelity report (slimmed)
// from <script type="application/json" id="crashcourse-fidelity">. The course text's
// presence also tells the share menu that this copy has no address a course page could frame.

import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The crate's version, from Cargo.toml's [package]. */
export function crateVersion(root = REPO_ROOT) {
  const toml = readFileSync(join(root, 'Cargo.toml'), 'utf8');
  const pkg = toml.split(/^\[/m).find((s) => s.startsWith('package]'));
  const v = pkg?.match(/^version\s*=\s*"([^"]+)"/m)?.[1];
  if (!v) throw new Error('no version in Cargo.toml [package]');
  return v;
}

/** Where the copy goes unless --out says otherwise. */
export const defaultOut = (root = REPO_ROOT) =>
  join(root, 'target', `crashcourse-${crateVersion(root)}-standalone.html`);

/** The id of the element holding the course text: `INLINE_ID` in src/ui/content.rs. */
export const CONTENT_ID = 'crashcourse-content';
/** The id of the element holding the fidelity report: `FIDELITY_ID` in src/ui/content.rs. */
export const FIDELITY_ID = 'crashcourse-fidelity';

/**
 * The fidelity report as the app reads it (src/fidelity.rs): only the scenarios the suite
 * compared with the engine, without what the marks never show (each record's visible
 * counts, the spec's expectation), compact. A third of the size of fidelity.json.
 */
export function slimReport(text) {
  const report = JSON.parse(text);
  report.scenarios = report.scenarios.filter((s) => s.compared_with === 'engine' && s.real);
  const drop = (v) => {
    if (Array.isArray(v)) v.forEach(drop);
    else if (v && typeof v === 'object') {
      delete v.visible;
      delete v.expect;
      Object.values(v).forEach(drop);
    }
  };
  report.scenarios.forEach((s) => drop(s));
  return JSON.stringify(report);
}
const WASM_ID = 'crashcourse-wasm';

// --- reading dist/index.html -------------------------------------------------------------

/** Attributes of one start tag (`<link href=x rel=icon>`), names lower-cased. */
function attributes(tag) {
  const out = {};
  const body = tag.replace(/^<\w+/, '').replace(/\/?>$/, '');
  for (const m of body.matchAll(/([^\s=>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)) {
    let v = m[2] ?? '';
    if (/^["']/.test(v)) v = v.slice(1, -1);
    out[m[1].toLowerCase()] = v.replaceAll('&amp;', '&');
  }
  return out;
}

/** A file of dist/ named by a URL in index.html (relative, as Trunk.toml's public_url = "./"). */
function distFile(dist, url) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) {
    throw new Error(`index.html refers to ${url}, which is not a file of dist/`);
  }
  const file = resolve(dist, '.' + new URL(url, 'http://x/').pathname);
  if (!file.startsWith(resolve(dist))) throw new Error(`index.html refers to ${url}, outside dist/`);
  return file;
}

/** JSON for a <script type="application/json">: no "</script" or "<!--" can end it early. */
const scriptJson = (text) => text.replaceAll('<', '\\u003c');

/** The wasm-bindgen glue as a script body: its one `export` statement removed. */
function inlineGlue(js, name) {
  const exportLine = /^export\s*\{[^}]*\};?\s*$/m;
  if (!exportLine.test(js)) throw new Error(`${name}: no "export { … }" line (wasm-bindgen changed?)`);
  js = js.replace(exportLine, '');
  const left = js.match(/^\s*(import|export)\b.*$/m) ?? js.match(/\bimport\s*\(/);
  if (left) {
    throw new Error(
      `${name} still has "${left[0].trim()}" after removing its export line: it imports ` +
        'another file (a wasm-bindgen snippet?), which a single file cannot do yet',
    );
  }
  if (/<\/script/i.test(js)) throw new Error(`${name} contains "</script", which would end the inline script`);
  return js;
}

/**
 * The single-file page.
 * @param {{dist?: string, fragment?: string, compress?: boolean}} options
 *   fragment: what goes after '#' on first open ("preset=ID", "v1=…"), or "" for the default.
 * @returns {Promise<{html: string, sizes: Record<string, number>}>}
 */
export async function buildStandalone({ dist = join(REPO_ROOT, 'dist'), fragment = '', compress = true } = {}) {
  dist = resolve(dist);
  let html;
  try {
    html = await readFile(join(dist, 'index.html'), 'utf8');
  } catch {
    throw new Error(`${join(dist, 'index.html')} not found: run \`trunk build --release --offline\` first`);
  }
  const sizes = {};

  // Trunk's loader: `import init, * as bindings from './crashcourse-….js'; … init({ module_or_path: './…_bg.wasm' })`.
  const loaders = [...html.matchAll(/<script type=["']?module["']?>([\s\S]*?)<\/script>/g)];
  if (loaders.length !== 1) throw new Error(`dist/index.html has ${loaders.length} module scripts, expected Trunk's one loader`);
  const jsUrl = loaders[0][1].match(/from\s+'([^']+\.js)'/)?.[1];
  const wasmUrl = loaders[0][1].match(/module_or_path:\s*'([^']+\.wasm)'/)?.[1];
  if (!jsUrl || !wasmUrl) throw new Error("dist/index.html: cannot find the glue's and the wasm's names in Trunk's loader");
  const glue = inlineGlue(await readFile(distFile(dist, jsUrl), 'utf8'), jsUrl);
  const wasm = await readFile(distFile(dist, wasmUrl));
  const wasmData = (compress ? gzipSync(wasm, { level: 9 }) : wasm).toString('base64');
  const content = await readFile(join(dist, 'content.json'), 'utf8');
  const fidelity = slimReport(await readFile(join(dist, 'fidelity.json'), 'utf8'));
  sizes.glue = glue.length;
  sizes.wasm = wasm.length;
  sizes.wasmInlined = wasmData.length;
  sizes.content = content.length;
  sizes.fidelity = fidelity.length;
  sizes.css = 0;

  // Stylesheets inline, the icon as a data: URL, preloads gone.
  const links = [];
  for (const m of html.matchAll(/<link\b[^>]*>/g)) links.push(m[0]);
  for (const tag of links) {
    const a = attributes(tag);
    const rel = (a.rel ?? '').toLowerCase();
    let replacement;
    if (rel === 'stylesheet') {
      const css = await readFile(distFile(dist, a.href), 'utf8');
      if (/<\/style/i.test(css)) throw new Error(`${a.href} contains "</style"`);
      const ref = css.match(/url\(\s*(?!["']?data:)[^)]*\)/);
      if (ref) throw new Error(`${a.href} refers to another file (${ref[0]}), which this script does not inline`);
      sizes.css += css.length;
      replacement = `<style>${css}</style>`;
    } else if (rel === 'icon') {
      const file = distFile(dist, a.href);
      const type = a.type || (file.endsWith('.svg') ? 'image/svg+xml' : 'image/x-icon');
      replacement = `<link rel=icon type="${type}" href="data:${type};base64,${(await readFile(file)).toString('base64')}">`;
    } else if (rel === 'modulepreload' || rel === 'preload') {
      replacement = '';
    } else {
      throw new Error(`dist/index.html: a <link rel=${rel}> this script does not know how to inline: ${tag}`);
    }
    html = html.replace(tag, () => replacement);
  }

  const boot = `
{
  const fragment = ${JSON.stringify(fragment)};
  // Open on the chosen scenario, unless the address names one already (as hosted pages do).
  if (fragment && !location.hash) {
    try { location.replace('#' + fragment); } catch (e) { console.warn('crashcourse: cannot set the address', e); }
  }
  const gzip = ${compress ? 'true' : 'false'};
  const fail = (why) => {
    const boot = document.getElementById('boot');
    if (boot) boot.textContent = 'crashcourse could not start: ' + why;
  };
  try {
    const text = atob(document.getElementById(${JSON.stringify(WASM_ID)}).textContent.trim());
    let bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    if (gzip) {
      if (typeof DecompressionStream !== 'function') {
        throw new Error('this browser cannot unpack the simulator (it has no DecompressionStream: ' +
          'use Chrome 80, Firefox 113, Safari 16.4 or newer, or a copy made with --no-compress)');
      }
      const unpacked = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
      bytes = new Uint8Array(await new Response(unpacked).arrayBuffer());
    }
    await __wbg_init({ module_or_path: bytes });
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
    throw e;
  }
}`;

  const script = `<script type=module>${glue}\n${boot}\n</script>`;
  const opens = fragment.startsWith('preset=') ? `#${fragment}` : fragment ? 'a share link' : 'the default scenario';
  const note =
    `<!-- crashcourse ${crateVersion()}: a single-file offline copy made by scripts/standalone.mjs ` +
    `from dist/, opening on ${opens}. It needs no server and makes no request. -->`;
  html = html.replace(loaders[0][0], () => script);
  html = html.replace(/^(<!doctype html>)/i, (d) => `${d}${note}`);
  const data =
    `<script type="application/octet-stream" id=${WASM_ID}>${wasmData}</script>` +
    `<script type="application/json" id=${CONTENT_ID}>${scriptJson(content)}</script>` +
    `<script type="application/json" id=${FIDELITY_ID}>${scriptJson(fidelity)}</script>`;
  if (!html.includes('</body>')) throw new Error('dist/index.html has no </body>');
  html = html.replace('</body>', () => `${data}</body>`);

  // Nothing left that a browser would fetch.
  const left = [...html.matchAll(/<(?:link|script|img|iframe|source)\b[^>]*\b(?:href|src)\s*=\s*["']?(?!data:)[^"'\s>]+/gi)];
  if (left.length) throw new Error(`the single file still refers to other files: ${left.map((m) => m[0]).join(', ')}`);
  sizes.total = Buffer.byteLength(html);
  return { html, sizes };
}

// --- the command line -------------------------------------------------------------------

/** Preset ids, read from src/presets.rs. */
function presetIds() {
  const src = readFileSync(join(REPO_ROOT, 'src', 'presets.rs'), 'utf8');
  return [...src.matchAll(/^\s*id:\s*"([^"]+)"/gm)].map((m) => m[1]);
}

/** `crashcourse ARGS…` through cargo; exit code 2 (an invalid scenario) becomes an Error with its message. */
function crashcourse(args) {
  try {
    return execFileSync('cargo', ['run', '--quiet', '--bin', 'crashcourse', '--', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (e) {
    throw new Error((e.stderr || e.message).trim());
  }
}

/** The fragment to open on, from the command line. */
function fragmentFrom(values, positionals) {
  const given = [values.preset && '--preset', values.link && '--link', positionals.length && 'SCENARIO.json'].filter(Boolean);
  if (given.length > 1) throw new Error(`give one of --preset, --link and SCENARIO.json, not ${given.join(' and ')}`);
  if (positionals.length > 1) throw new Error(`one scenario file, not ${positionals.length}`);
  if (values.position !== undefined && !positionals.length) throw new Error('--position goes with SCENARIO.json');
  if (values.preset) {
    const ids = presetIds();
    if (!ids.includes(values.preset)) throw new Error(`no preset "${values.preset}" (presets: ${ids.join(', ')})`);
    return `preset=${values.preset}`;
  }
  if (values.link) {
    const link = values.link.includes('#') ? values.link.slice(values.link.indexOf('#') + 1) : values.link;
    if (link.startsWith('preset=')) return fragmentFrom({ preset: link.slice('preset='.length) }, []);
    crashcourse(['link', '--decode', link]); // refuses a damaged link, with the reason
    return link;
  }
  if (positionals.length) {
    const pos = values.position === undefined ? [] : ['--position', values.position];
    return crashcourse(['link', resolve(positionals[0]), ...pos]);
  }
  return '';
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      link: { type: 'string' },
      position: { type: 'string' },
      out: { type: 'string' },
      dist: { type: 'string', default: 'dist' },
      'no-compress': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    const self = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    console.log(self.split('\n\nimport')[0].replace(/^\/\/ ?/gm, ''));
    return;
  }
  const fragment = fragmentFrom(values, positionals);
  const out = resolve(values.out ?? defaultOut());
  const { html, sizes } = await buildStandalone({
    dist: values.dist,
    fragment,
    compress: !values['no-compress'],
  });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, html);
  const gz = gzipSync(html, { level: 9 }).length;
  console.log(
    `wrote ${relative(process.cwd(), out) || out}: ${kb(sizes.total)} (${kb(gz)} gzip -9), ` +
      `opening on ${fragment ? `#${fragment.length > 60 ? fragment.slice(0, 57) + '…' : fragment}` : 'the default scenario'}\n` +
      `  wasm ${kb(sizes.wasm)} -> ${kb(sizes.wasmInlined)} inlined (${values['no-compress'] ? 'base64' : 'gzip + base64'}), ` +
      `JS ${kb(sizes.glue)}, CSS ${kb(sizes.css)}, course text ${kb(sizes.content)}, fidelity report ${kb(sizes.fidelity)}`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`standalone: ${e.message}`);
    process.exit(1);
  });
}
