import { serveDist, launchChromium } from './serve.mjs';
const [,, hash, out, w='1920', h='1080', keys=''] = process.argv;
const srv = await serveDist('/work/main/dist');
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: +w, height: +h } });
page.on('pageerror', e => console.log('pageerror', e));
await page.goto(srv.url + hash);
await page.waitForSelector('[data-testid=app]');
for (const k of keys.split(',').filter(Boolean)) { await page.keyboard.press(k); }
await page.waitForTimeout(600);
await page.screenshot({ path: out });
await browser.close(); await srv.close();
