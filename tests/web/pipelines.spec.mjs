// tests/web/pipelines.spec.mjs — browser tests of the pipelines pages of
// `ingot serve` (issue 14), Debian's chromium headless through
// playwright-core. Run by tests/cli/t1102-web-pipelines-duckdb.sh:
//
//   INGOT_WEB_URL=http://127.0.0.1:PORT node pipelines.spec.mjs
//
// The served project is examples/ecommerce (pipeline ecommerce_elt) plus
// ops_flaky, whose task `explode` fails writing "boom" to its log, and the
// scheduler runs. INGOT_WEB_ARTIFACTS: where the screenshots go.
// Prints one line per check and ends with "web: N passed, M failed".
import { BASE, ART, check, assert, eq, api, launch, finish, expectNav, SECTIONS } from './lib.mjs';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function runsEnded(id) {
  for (let i = 0; i < 1200; i++) {
    const g = await api(`/api/v1/pipelines/${id}/runs?limit=25`);
    if (g.runs.every((r) => r.state === 'success' || r.state === 'failed')) return g;
    await sleep(250);
  }
  throw new Error(`runs of ${id} did not end`);
}

const browser = await launch();
async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return page;
}
function noProblems(page, what) { assert(page.problems.length === 0, `${what}: ${page.problems.join('; ')}`); }

// the scheduler's run made at start-up: let it end first
const before = await runsEnded('ecommerce_elt');
const def = await api('/api/v1/pipelines/ecommerce_elt');

const page = await newPage();

await check('the list shows every pipeline with its squares, schedule and next run', async () => {
  await page.goto(BASE + '/pipelines');
  await page.waitForSelector('#pl-list tr[data-pipeline="ecommerce_elt"]');
  const rows = await page.$$eval('#pl-list tbody tr', (t) => t.map((r) => r.dataset.pipeline));
  eq(rows.sort(), ['ecommerce_elt', 'ops_flaky'], 'pipelines listed');
  const sq = await page.$$eval('#pl-list tr[data-pipeline="ecommerce_elt"] .pl-sq', (s) => s.map((x) => x.dataset.state));
  eq(sq, before.runs.slice().reverse().map((r) => r.state), 'squares (oldest to newest) are the runs');
  const txt = await page.textContent('#pl-list tr[data-pipeline="ecommerce_elt"]');
  assert(txt.includes('0 2 * * *') && txt.includes('02:00:00+00:00'), `schedule and next run: ${txt}`);
  await page.screenshot({ path: path.join(ART, 'pipelines-list.png'), fullPage: true });
  noProblems(page, 'list');
});

await check('the graph view of ecommerce_elt shows every task in dependency order with its state', async () => {
  await page.click('#pl-list a[href="/pipelines/ecommerce_elt"]');
  await page.waitForSelector('#pl-graph g[data-task]');
  const nodes = await page.$$eval('#pl-graph g[data-task]', (gs) => gs.map((g) => {
    const b = g.getBoundingClientRect();
    return { id: g.dataset.task, state: g.dataset.state, x: b.left, right: b.right };
  }));
  eq(nodes.map((n) => n.id).sort(), def.tasks.map((t) => t.id).sort(), 'every task is a box');
  const at = Object.fromEntries(nodes.map((n) => [n.id, n]));
  for (const t of def.tasks) {
    for (const u of t.depends_on) assert(at[u].right < at[t.id].x, `${u} is left of ${t.id}`);
  }
  const loads = def.tasks.filter((t) => t.id.startsWith('load_') && t.id !== 'load_complete').map((t) => at[t.id].x);
  assert(new Set(loads).size === 1, 'the parallel loads share a column');
  const want = (await api(`/api/v1/runs/${before.runs[0].id}`)).tasks;
  eq(Object.fromEntries(nodes.map((n) => [n.id, n.state])), Object.fromEntries(want.map((t) => [t.task, t.state])), 'states of the newest run');
  const edges = await page.$$eval('#pl-graph path.pl-edge', (p) => p.length);
  eq(edges, def.tasks.reduce((a, t) => a + t.depends_on.length, 0), 'one edge per dependency');
  assert(await page.isVisible('.pl-legend'), 'a legend');
  await page.screenshot({ path: path.join(ART, 'pipelines-graph.png'), fullPage: true });
  noProblems(page, 'graph');
});

await check('triggering from the page: the new run goes queued -> running -> success live, no reload', async () => {
  await page.evaluate(() => { window.__noReload = 1; });
  // two runs: max_active_runs 1 keeps the second queued while the first runs
  for (const d of ['2025-06-28', '2025-06-29']) {
    await page.click('button[data-action="trigger"]');
    await page.fill('#pl-f-logical_date', d);
    await page.click('.pl-dialog button[type="submit"]');
    await page.waitForSelector('.pl-dialog', { state: 'detached' });
  }
  const g = await api('/api/v1/pipelines/ecommerce_elt/runs?limit=2');
  const second = g.runs[0].id;
  const seen = [];
  for (let i = 0; i < 2400; i++) {
    const s = await page.$eval('#pl-run-state', (e) => e.dataset.run + ':' + e.dataset.state).catch(() => '');
    const [run, state] = s.split(':');
    if (Number(run) === second && seen[seen.length - 1] !== state) seen.push(state);
    if (state === 'success' && Number(run) === second) break;
    await sleep(50);
  }
  eq(seen, ['queued', 'running', 'success'], `states of run ${second} on the page`);
  eq(await page.evaluate(() => window.__noReload), 1, 'the page was not reloaded');
  await page.click('button[data-view="grid"]');
  await page.waitForSelector('#pl-grid');
  const col = await page.$$eval(`#pl-grid span[data-run="${second}"][data-task]`, (s) => [...new Set(s.map((x) => x.dataset.state))]);
  eq(col, ['success'], 'the grid column of the run');
  await page.screenshot({ path: path.join(ART, 'pipelines-grid.png'), fullPage: true });
  await page.click('button[data-view="graph"]');
  noProblems(page, 'trigger');
});

await check('a failing task\'s log is readable from the page', async () => {
  await page.goto(BASE + '/pipelines/ops_flaky');
  await page.waitForSelector('button[data-action="trigger"]');
  await page.click('button[data-action="trigger"]');
  await page.click('.pl-dialog button[type="submit"]');
  await page.waitForSelector('.pl-dialog', { state: 'detached' });
  await page.waitForSelector('#pl-run-state[data-state="failed"]', { timeout: 60000 });
  await page.waitForSelector('#pl-graph g[data-task="explode"][data-state="failed"]');
  await page.click('#pl-graph g[data-task="explode"]');
  await page.waitForFunction(() => {
    const l = document.getElementById('pl-log');
    return l && l.dataset.state === 'failed' && l.textContent.includes('boom');
  }, null, { timeout: 20000 });
  assert(await page.isVisible('button[data-action="rerun_failed"]'), 'rerun failed is offered');
  assert(await page.isVisible('#pl-gantt .pl-gantt-bar.st-failed'), 'the Gantt chart shows the failed attempt');
  // a task that never ran keeps its Gantt row, its state written in the lane
  assert(await page.isVisible('#pl-gantt .pl-gantt-row[data-task="report"][data-state="upstream_failed"] .pl-gantt-none'),
    'the Gantt chart shows the task that never ran (upstream failed)');
  eq(await page.$$eval('#pl-gantt .pl-gantt-row', (r) => r.map((x) => x.dataset.task)), ['prepare', 'explode', 'report'],
    'the Gantt chart has a row for every task, in order');
  await page.screenshot({ path: path.join(ART, 'pipelines-log.png'), fullPage: true });
  // the HTTP 404 of no log yet is not a problem; nothing else may be
  noProblems(page, 'log');
});

// One navigation bar on every page (web/nav.js): the same sections in the
// same order, the page's own highlighted; a dashboard adds its page tabs
// under it. Then every section's link leads to its page.
const flaky = (await api('/api/v1/pipelines/ops_flaky/runs?limit=1')).runs[0].id;
const board = (await api('/api/v1/dashboards')).dashboards[0];
const tour = [
  ['dashboard-sales', `/d/${board.name}/${board.pages[0].name}`, 'Dashboards', '.subbar .tab.active'],
  ['dashboard-marketing', `/d/${board.name}/marketing`, 'Dashboards', '.subbar .tab.active[data-page="marketing"]'],
  ['loads', '/loads', 'Loads', 'main.grid[data-ready="/loads"]'],
  ['rejects', '/loads/raw/orders', 'Loads', 'main.grid[data-ready="/loads/raw/orders"]'],
  ['quality', '/quality', 'Quality', 'main.grid[data-ready="/quality"]'],
  ['catalog', '/catalog', 'Catalog', 'main.grid[data-ready="/catalog"]'],
  ['lineage', '/catalog/model.ecommerce.fct_orders', 'Catalog', 'main.grid[data-ready="/catalog/model.ecommerce.fct_orders"]'],
  ['pipelines', '/pipelines', 'Pipelines', '#pl-list tbody tr'],
  ['pipeline-graph', '/pipelines/ecommerce_elt', 'Pipelines', '#pl-graph g[data-task]'],
  ['pipeline-grid', '/pipelines/ecommerce_elt?view=grid', 'Pipelines', '#pl-grid'],
  ['pipeline-gantt-log', `/pipelines/ops_flaky?run=${flaky}&task=explode`, 'Pipelines', '#pl-gantt'],
  ['audit', '/audit', 'Audit log', '#pl-audit'],
];
await check('every page has the same navigation bar, its own section highlighted', async () => {
  const p = await newPage();
  for (const [name, url, active, ready] of tour) {
    await p.goto(BASE + url);
    await p.waitForSelector(ready, { timeout: 20000 });
    const n = await expectNav(p, active, SECTIONS, url);
    eq(n.map((x) => x[1]), ['/', '/loads', '/quality', '/catalog', '/pipelines', '/audit'], `${url}: the links`);
    eq(await p.isVisible('.subbar .tab'), active === 'Dashboards', `${url}: page tabs only on dashboards`);
    await p.screenshot({ path: path.join(ART, `nav-${name}.png`) });
  }
  p.problems = p.problems.filter((x) => !/HTTP 404: .*\/log/.test(x)); /* the log of a task that never ran */
  noProblems(p, 'the tour');
  await p.context().close();
});
await check('each section of the bar leads to its page, from a dashboard and from a pipeline', async () => {
  const p = await newPage();
  for (const start of [tour[0], tour[8]]) {
    await p.goto(BASE + start[1]);
    await p.waitForSelector(start[3], { timeout: 20000 });
    for (const [label, href, ready] of [['Loads', '/loads', 'main.grid[data-ready="/loads"]'],
      ['Quality', '/quality', 'main.grid[data-ready="/quality"]'],
      ['Catalog', '/catalog', 'main.grid[data-ready="/catalog"]'],
      ['Pipelines', '/pipelines', '#pl-list tbody tr'], ['Audit log', '/audit', '#pl-audit'],
      ['Dashboards', `/d/${board.name}/${board.pages[0].name}`, '.subbar .tab.active']]) {
      await p.click(`header.topbar .mainnav a:text-is("${label}")`);
      await p.waitForSelector(ready, { timeout: 20000 });
      eq(new URL(p.url()).pathname, href, `${start[1]} -> ${label}: the URL`);
      await expectNav(p, label, SECTIONS, `${start[1]} -> ${label}`);
    }
  }
  noProblems(p, 'navigating');
  await p.context().close();
});

await finish(browser);
