// tests/web/lib.mjs — what every browser spec shares: the server's base URL
// (INGOT_WEB_URL), the screenshot folder (INGOT_WEB_ARTIFACTS, default
// tests/artifacts/web), named checks that count passes and failures, a JSON
// GET, Debian's chromium launched headless through playwright-core, and the
// summary line "web: N passed, M failed" the CLI tests read.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BASE = (process.env.INGOT_WEB_URL || '').replace(/\/$/, '');
if (!BASE) { console.error('INGOT_WEB_URL is not set (the base URL of ingot serve)'); process.exit(2); }
export const ART = process.env.INGOT_WEB_ARTIFACTS || path.join(here, '..', 'artifacts', 'web');
fs.mkdirSync(ART, { recursive: true });

let passed = 0, failed = 0;
export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL - ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
  }
}
export function assert(cond, msg) { if (!cond) throw new Error(msg); }
export function eq(got, want, msg) {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${msg}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}
export async function api(p) {
  const r = await fetch(BASE + p);
  if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
  return r.json();
}
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
// Close the browser, print the summary line and exit 1 if a check failed.
export async function finish(browser) {
  await browser.close();
  console.log(`web: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// The shared navigation bar (web/nav.js): its sections in order, as
// [label, href, active] — the same on every page a user can read.
export const SECTIONS = ['Dashboards', 'Loads', 'Quality', 'Catalog', 'Pipelines', 'Audit log'];
export async function navOf(page) {
  await page.waitForSelector('header.topbar .mainnav');
  return page.$$eval('header.topbar .mainnav a', (as) => as.map((a) => [a.textContent, a.getAttribute('href'),
    a.classList.contains('active') && a.getAttribute('aria-current') === 'page']));
}
// expectNav PAGE ACTIVE [WANT]: one bar, WANT's sections in order, ACTIVE the only one highlighted
export async function expectNav(page, active, want = SECTIONS, what = '') {
  eq(await page.$$eval('header.topbar', (h) => h.length), 1, `${what}: one navigation bar`);
  const n = await navOf(page);
  eq(n.map((x) => x[0]), want, `${what}: the sections`);
  eq(n.filter((x) => x[2]).map((x) => x[0]), active ? [active] : [], `${what}: the section highlighted`);
  return n;
}
