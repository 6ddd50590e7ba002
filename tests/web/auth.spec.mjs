// tests/web/auth.spec.mjs — the pipelines pages of `ingot serve --auth` in
// a browser (Debian's chromium headless, playwright-core), by role. Run by
// tests/cli/t1103-web-auth-duckdb.sh:
//
//   INGOT_WEB_URL=http://127.0.0.1:PORT INGOT_WEB_TOKEN=... node auth.spec.mjs
//
// Users (password "pw-" + name): vera (viewer), otto (operator), ada
// (admin); INGOT_WEB_TOKEN is vera's bearer token. The served project has
// the pipeline `quick` (two shell tasks) and the scheduler runs.
// INGOT_WEB_ARTIFACTS: where the screenshots go. Prints one line per check
// and ends with "web: N passed, M failed".
import { expectNav, SECTIONS, BASE, ART, check, assert, eq, api, launch, finish } from './lib.mjs';
import path from 'node:path';
const TOKEN = process.env.INGOT_WEB_TOKEN || '';
if (!BASE || !TOKEN) { console.error('INGOT_WEB_URL and INGOT_WEB_TOKEN must be set'); process.exit(2); }


const browser = await launch();

// a fresh browser context (its own cookies), logged in through the page's form
async function loginAs(user) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  await page.goto(BASE + '/pipelines');
  await page.waitForSelector('form.login');
  await page.fill('#login-user', user);
  await page.fill('#login-password', 'pw-' + user);
  await page.click('form.login button[type="submit"]');
  await page.waitForSelector('#pl-list tr[data-pipeline="quick"]');
  return page;
}
// a POST from the page's own origin and session, with the page's CSRF token unless told otherwise
async function postFromPage(page, url, csrf) {
  return page.evaluate(async ([u, c]) => {
    const me = await (await fetch('/api/v1/me', { credentials: 'same-origin' })).json();
    const h = { 'Content-Type': 'application/json' };
    if (c !== null) h['X-CSRF-Token'] = c === undefined ? me.csrf : c;
    const r = await fetch(u, { method: 'POST', credentials: 'same-origin', headers: h, body: '{}' });
    return { status: r.status, body: await r.json() };
  }, [url, csrf === undefined ? undefined : csrf]);
}

await check('without a session the pages ask for a login and the API is 401', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(BASE + '/pipelines/quick');
  await page.waitForSelector('form.login');
  eq((await fetch(BASE + '/api/v1/pipelines')).status, 401, 'GET /api/v1/pipelines');
  // the sign-in page has the same bar: the brand, no sections yet, "Not signed in"
  await expectNav(page, null, [], 'sign-in');
  eq(await page.textContent('header.topbar .user'), 'Not signed in', 'sign-in: the user area');
  await page.screenshot({ path: path.join(ART, 'auth-login.png'), fullPage: true });
  await ctx.close();
});

await check('a viewer sees the pipelines without action buttons, and a POST is refused (403)', async () => {
  const page = await loginAs('vera');
  assert((await page.textContent('header')).includes('vera · viewer'), 'the user and role are shown');
  eq(await page.$$('button[data-action="trigger"]').then((b) => b.length), 0, 'no Trigger on the list');
  await expectNav(page, 'Pipelines', SECTIONS.filter((x) => x !== 'Audit log'), 'a viewer: no audit log');
  eq(await page.$$eval('header.topbar .user button', (b) => b.map((x) => x.textContent)), ['Sign out'], 'a viewer: Sign out');
  await page.click('#pl-list a[href="/pipelines/quick"]');
  await page.waitForSelector('#pl-graph g[data-task]');
  const acts = await page.$$eval('button[data-action]', (b) => b.map((x) => x.dataset.action));
  eq(acts, [], 'no action buttons on the pipeline page');
  const r = await postFromPage(page, '/api/v1/pipelines/quick/trigger');
  eq(r.status, 403, 'a viewer\'s trigger');
  assert(/operator role/.test(r.body.error), `the refusal says why: ${r.body.error}`);
  await page.screenshot({ path: path.join(ART, 'auth-viewer.png'), fullPage: true });
  eq(page.problems, [], 'no page errors');
  await page.context().close();
});

await check('an operator triggers a run from the page and it ends success; CSRF is enforced', async () => {
  const page = await loginAs('otto');
  const bad = await postFromPage(page, '/api/v1/pipelines/quick/trigger', null);
  eq(bad.status, 403, 'no X-CSRF-Token');
  assert(/CSRF/.test(bad.body.error), `the refusal names CSRF: ${bad.body.error}`);
  const wrong = await postFromPage(page, '/api/v1/pipelines/quick/trigger', 'f'.repeat(64));
  eq(wrong.status, 403, 'a wrong X-CSRF-Token');
  await page.click('#pl-list a[href="/pipelines/quick"]');
  await page.waitForSelector('button[data-action="trigger"]');
  await page.click('button[data-action="trigger"]');
  await page.click('.pl-dialog button[type="submit"]');
  await page.waitForSelector('.pl-dialog', { state: 'detached' });
  await page.waitForSelector('#pl-run-state[data-state="success"]', { timeout: 60000 });
  // the ended run offers Mark failed (an operator action)
  assert(await page.isVisible('button[data-action="mark_failed"]'), 'Mark failed is offered');
  await page.click('button[data-action="mark_failed"]');
  await page.waitForSelector('#pl-run-state[data-state="failed"]', { timeout: 20000 });
  assert((await page.textContent('#pl-run-state')).includes('marked failed'), 'the run says it was marked');
  await expectNav(page, 'Pipelines', SECTIONS.filter((x) => x !== 'Audit log'), 'an operator: no audit log');
  await page.screenshot({ path: path.join(ART, 'auth-operator.png'), fullPage: true });
  eq(page.problems, [], 'no page errors');
  await page.context().close();
});

await check('an admin reads the audit log: the refused and the allowed actions (not the CSRF-less ones, refused before any action)', async () => {
  const page = await loginAs('ada');
  await expectNav(page, 'Pipelines', SECTIONS, 'an admin: the audit log');
  await page.click('header.topbar .mainnav a[data-section="audit"]');
  await page.waitForSelector('#pl-audit tbody tr');
  await expectNav(page, 'Audit log', SECTIONS, 'the audit log');
  assert((await page.textContent('header.topbar .user')).includes('ada · admin'), 'the admin is shown');
  const rows = await page.$$eval('#pl-audit tbody tr', (t) => t.map((r) => [...r.children].map((c) => c.textContent)));
  // newest first: mark_failed (otto, ok), trigger (otto, ok), trigger (vera, denied)
  const mine = rows.map((r) => [r[1], r[3], r[6].split(':')[0]]);
  eq(mine, [['otto', 'mark_failed', 'ok'], ['otto', 'trigger', 'ok'], ['vera', 'trigger', 'denied']], 'audit entries (user, action, outcome)');
  await page.screenshot({ path: path.join(ART, 'auth-audit.png'), fullPage: true });
  eq(page.problems, [], 'no page errors');
  await page.context().close();
});

await check('/metrics takes a bearer token and is 401 without one', async () => {
  eq((await fetch(BASE + '/metrics')).status, 401, 'no credentials');
  eq((await fetch(BASE + '/metrics', { headers: { Authorization: 'Bearer not-a-token' } })).status, 401, 'an unknown token');
  const r = await fetch(BASE + '/metrics', { headers: { Authorization: 'Bearer ' + TOKEN } });
  eq(r.status, 200, 'a viewer\'s token');
  const t = await r.text();
  assert(/^ingot_runs\{pipeline="quick",state="failed"\} 1$/m.test(t), `the marked run is counted failed: ${t.slice(0, 400)}`);
  // a viewer's token on an action: 403, and no CSRF token is needed to be refused for the role
  const a = await fetch(BASE + '/api/v1/pipelines/quick/trigger', { method: 'POST', headers: { Authorization: 'Bearer ' + TOKEN } });
  eq(a.status, 403, 'a viewer\'s token on trigger');
});

await finish(browser);
