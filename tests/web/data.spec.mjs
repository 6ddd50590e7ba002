// tests/web/data.spec.mjs — browser tests of the data pages served by
// `ingot serve` (issue 14): Loads and the rejects browser, Data quality,
// the Catalog and its lineage graph, in Debian's chromium headless through
// playwright-core. Run by tests/cli/t1113-web-data-duckdb.sh:
//
//   INGOT_WEB_URL=http://127.0.0.1:PORT INGOT_WEB_PROJECT=DIR node data.spec.mjs
//
// The project is examples/ecommerce loaded from a `--dirty` lake (rejects).
// INGOT_WEB_ARTIFACTS: where the screenshots go (default tests/artifacts/web).
// Prints one line per check and ends with "web: N passed, M failed".
import { expectNav, SECTIONS, BASE, ART, check, assert, eq, api, launch, finish } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';
const PROJECT = process.env.INGOT_WEB_PROJECT || '';


const browser = await launch();
const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
const page = await ctx.newPage();
const problems = [];
page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
function noProblems(what) {
  const p = problems.splice(0);
  assert(p.length === 0, `${what}: ${p.join('; ')}`);
}
// the page is drawn: the data module marks the grid with the URL it drew
async function ready(url) {
  await page.waitForFunction((u) => document.querySelector('main.grid') &&
    document.querySelector('main.grid').dataset.ready === u, url, { timeout: 30000 });
}

const rej = await api('/api/v1/rejects?limit=1000');

await check('Loads: every source table with its counts, the rejects browser shows the --dirty rows with file and line', async () => {
  await page.goto(`${BASE}/loads`);
  await ready('/loads');
  const loads = await api('/api/v1/loads');
  const rows = await page.$$eval('.dcard:nth-of-type(6) tbody tr', (trs) => trs.length);
  assert(rows === loads.tables.length, `the tables table has ${rows} rows, the API ${loads.tables.length}`);
  await expectNav(page, 'Loads', SECTIONS, 'loads');
  assert(rej.total > 0, 'the --dirty lake has rejects');
  await page.waitForSelector('#rejects tbody tr');
  const shown = await page.$$eval('#rejects tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const want = rej.rows.slice(0, 50);
  assert(shown.length === want.length, `${shown.length} reject rows shown, ${want.length} expected`);
  shown.forEach((r, i) => {
    assert(r[1] === want[i].file && r[2] === String(want[i].line), `row ${i}: ${r[1]}:${r[2]} vs ${want[i].file}:${want[i].line}`);
    assert(r[4] === want[i].reason, `row ${i} reason`);
  });
  if (PROJECT) { // the line shown is that line of the lake file
    const r0 = want[0];
    const line = fs.readFileSync(path.join(PROJECT, 'lake', r0.file)).toString('latin1').split('\n')[r0.line - 1];
    assert(line.startsWith(r0.raw.slice(0, 10)), `the raw record is line ${r0.line} of ${r0.file}`);
  }
  const info = await page.$eval('#rejects .pager .muted', (e) => e.textContent);
  assert(info.endsWith(`of ${rej.total}`), `pager: ${info}`);
  await page.screenshot({ path: path.join(ART, 'data-loads.png'), fullPage: true });
  noProblems('loads page');
});

await check('Rejects: the reason filter narrows the rows, CSV export has them all', async () => {
  const word = rej.rows[0].reason.split(' ')[0];
  const want = rej.rows.filter((r) => r.reason.toLowerCase().includes(word.toLowerCase())).length;
  await page.fill('#rejects input[aria-label="Reason"]', word.toUpperCase());
  await page.waitForFunction((w) => {
    const t = document.querySelector('#rejects .pager .muted');
    return t && / of /.test(t.textContent) && t.textContent.endsWith(` of ${w}`);
  }, want.toLocaleString('en-US'), { timeout: 10000 });
  const href = await page.$eval('#rejects a[download]', (a) => a.href);
  assert(href.includes('/api/v1/rejects.csv') && href.includes('reason='), `CSV link ${href}`);
  await page.fill('#rejects input[aria-label="Reason"]', '');
  await page.waitForTimeout(600);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#rejects a[download]')]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  const lines = csv.trim().split('\n').filter((l) => /^\d{8}T/.test(l));
  assert(lines.length >= rej.total - 2 && csv.startsWith('load_id,source,table,file,line'), `CSV: ${lines.length} records of ${rej.total}`);
  noProblems('rejects filter');
});

await check('Loads: a table page shows its loads and its manifest with sha256', async () => {
  await page.goto(`${BASE}/loads/raw/orders`);
  await ready('/loads/raw/orders');
  const d = await api('/api/v1/loads/raw/orders');
  const shas = await page.$$eval('.sha', (s) => s.map((e) => e.title));
  assert(shas.length === d.files.length && shas.every((s, i) => s === d.files[i].sha256), 'manifest sha256');
  const sel = await page.$eval('#rejects select', (s) => s.value);
  assert(sel === 'raw.orders', `the rejects browser is filtered to the table: ${sel}`);
  await page.screenshot({ path: path.join(ART, 'data-loads-table.png'), fullPage: true });
  noProblems('table page');
});

await check('Quality: RAG summary, every test with history squares, freshness', async () => {
  await page.goto(`${BASE}/quality`);
  await ready('/quality');
  const q = await api('/api/v1/quality');
  const rag = await page.$eval('.rag', (e) => e.className);
  assert(rag.includes('rag-' + q.summary.status), `RAG ${rag} vs ${q.summary.status}`);
  const rows = await page.$$eval('.tests-card tbody tr', (t) => t.length);
  assert(rows === q.tests.length, `${rows} test rows vs ${q.tests.length}`);
  const squares = await page.$$eval('.tests-card tbody tr:first-child .sq', (s) => s.length);
  assert(squares === q.runs.length, `history squares ${squares} vs runs ${q.runs.length}`);
  const fresh = await page.$$eval('.dcard', (cs) => cs.filter((c) => c.querySelector('.card-title').textContent === 'Source freshness')
    .map((c) => c.querySelectorAll('tbody tr').length)[0]);
  assert(fresh === q.freshness.length, `freshness rows ${fresh}`);
  // a warning test's kept failing rows open under it
  const warn = q.tests.find((t) => t.failures && t.failures_relation);
  assert(warn, 'a test with stored failing rows');
  await page.click('.tests-card tbody tr:first-child .msg button');
  await page.waitForSelector('tr.fail-rows tbody tr');
  const n = await page.$$eval('tr.fail-rows tbody tr', (t) => t.length);
  const id = await page.$eval('.tests-card tbody tr:first-child .test-name', (e) => e.title);
  const t0 = q.tests.find((t) => t.unique_id === id);
  assert(t0 && t0.failures > 0 && n === Math.min(100, t0.failures), `failing rows of ${id}: ${n} shown, ${t0 && t0.failures} failures`);
  await page.screenshot({ path: path.join(ART, 'data-quality.png'), fullPage: true });
  noProblems('quality page');
});

await check('Catalog: search finds fct_orders; its lineage reaches its lake files and the Sales tiles', async () => {
  await page.goto(`${BASE}/catalog?q=fct_orders`);
  await ready('/catalog?q=fct_orders');
  await page.waitForSelector('tbody a.link');
  await page.click('tbody a.link:text-is("fct_orders")');
  await ready('/catalog/model.ecommerce.fct_orders');
  await page.selectOption('select[aria-label="Upstream"]', '-1');
  await ready('/catalog/model.ecommerce.fct_orders?up=-1');
  const files = await page.$$eval('.lnode.k-lake_file', (g) => g.map((x) => x.querySelector('title').textContent));
  assert(files.some((f) => f.includes('orders/orders_')), `lake files: ${files.join(', ')}`);
  // tiles are grouped by dashboard page: the Sales box lists the Sales tiles reading fct_orders
  const lin = await api('/api/v1/catalog/lineage/model.ecommerce.fct_orders?up=-1&down=3');
  const want = lin.nodes.filter((n) => n.kind === 'tile' && n.page === 'sales').map((n) => n.title);
  assert(want.length >= 1, 'the API has Sales tiles in the lineage');
  const tiles = await page.$$eval('.lnode.k-tile', (g) => g.map((x) => [x.querySelector('text').textContent, x.querySelector('title').textContent]));
  const sales = tiles.filter((t) => t[0].startsWith('Sales ·'));
  assert(sales.length === 1 && want.every((w) => sales[0][1].includes(w)), `the Sales box lists ${want.join(', ')}: ${JSON.stringify(tiles)}`);
  const exp = await page.$$eval('.lnode.k-exposure', (g) => g.length);
  assert(exp >= 1, 'the exposure is drawn');
  // left to right: lake files left of sources, sources left of the root, tiles right of it
  const x = (sel) => page.$$eval(sel, (g) => g.map((n) => Number(n.getAttribute('transform').match(/translate\(([\d.]+)/)[1])));
  const [fx, sx, rx, tx] = [await x('.lnode.k-lake_file'), await x('.lnode.k-source'), await x('.lnode.root'), await x('.lnode.k-tile')];
  assert(Math.max(...fx) < Math.min(...sx) && Math.max(...sx) < rx[0] && rx[0] < Math.min(...tx), 'files < sources < fct_orders < tiles (x)');
  const cols = await page.$$eval('.dcard', (cs) => cs.filter((c) => /^Columns/.test(c.querySelector('.card-title').textContent)).length);
  assert(cols === 1, 'the columns card');
  await page.screenshot({ path: path.join(ART, 'data-catalog-node.png'), fullPage: true });
  noProblems('catalog node');
});

await check('Catalog: a click on a tile opens its dashboard page; a click on a source opens it', async () => {
  await page.click('.lnode.k-source >> nth=0');
  await page.waitForFunction(() => location.pathname.startsWith('/catalog/source.'), null, { timeout: 10000 });
  await ready(await page.evaluate(() => location.pathname + location.search));
  await page.screenshot({ path: path.join(ART, 'data-catalog-source.png'), fullPage: true });
  await page.goBack();
  await ready('/catalog/model.ecommerce.fct_orders?up=-1');
  await page.click('.lnode.k-tile >> nth=0');
  await page.waitForFunction(() => location.pathname.startsWith('/d/ecommerce/'), null, { timeout: 10000 });
  await page.waitForSelector('.card[data-tile]');
  noProblems('navigation');
});

// a tile that reaches a model only through its view's related: models (the
// Marketing tiles and fct_session_products) is in that model's downstream,
// said as "filters through: ..." and drawn dashed
await check('Catalog: fct_session_products lists the Marketing tiles that filter through it (dashed)', async () => {
  await page.goto(`${BASE}/catalog/model.ecommerce.fct_session_products?down=1`);
  await ready('/catalog/model.ecommerce.fct_session_products?down=1');
  const lab = 'filters through: category, department, brand';
  const box = await page.$$eval('.lnode.k-tile', (g) => g.map((x) => [x.querySelector('text').textContent, x.querySelector('title').textContent]));
  assert(box.length === 1 && box[0][0].startsWith('Marketing ·') && box[0][1].includes(`Sessions (${lab})`), `the Marketing box: ${JSON.stringify(box)}`);
  const dashed = await page.$$eval('.lineage-svg path.edge-filters', (es) => es.map((e) => e.querySelector('title').textContent));
  eq(dashed, [lab], 'one dashed edge to the Marketing box, with its label');
  const meta = await page.$$eval('dd .filters-through', (s) => s.map((x) => x.textContent));
  assert(meta.length >= 5 && meta.every((t) => t === ` (${lab})`), `the node's Dashboard tiles say how: ${meta}`);
  await page.screenshot({ path: path.join(ART, 'data-catalog-related.png'), fullPage: true });
  noProblems('catalog related');
});

await finish(browser);
