// tests/web/dashboard.spec.mjs — browser tests of the dashboard page served by
// `ingot serve` (issue 13), driving Debian's chromium headless through
// playwright-core. Run by tests/cli/t1020-web-dashboard-duckdb.sh:
//
//   INGOT_WEB_URL=http://127.0.0.1:PORT node dashboard.spec.mjs
//
// INGOT_WEB_ARTIFACTS: where the screenshots go (default tests/artifacts/web).
// CHROMIUM: the browser (default /usr/bin/chromium).
// INGOT_WEB_PROJECT: the served project directory (turns on the file-error check).
// INGOT_WEB_AUTH=user:password: the server runs with --auth; only the login checks run.
// The project must have the example's `ecommerce` dashboard and at least one
// page whose default_range is not "all" (t1020 sets one on its copy).
// Prints one line per check and ends with "web: N passed, M failed".
import { BASE, ART, check, assert, eq, api, launch, finish } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';
const BOARD = 'ecommerce';



// A CSV parser (RFC 4180: quoted fields may hold commas, quotes, newlines).
function parseCsv(text) {
  const rows = [];
  let row = [], f = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') { if (text[i + 1] === '"') { f += '"'; i++; } else q = false; } else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(f); rows.push(row); row = []; f = '';
    } else f += c;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}

const browser = await launch();

// Every page gets its own problem log: console errors, page errors, failed
// requests and HTTP errors. A request the page cancels itself (a tile
// refetched while loading) is net::ERR_ABORTED and is not a failure.
async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  page.problems = [];
  page.tileRequests = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const why = r.failure() ? r.failure().errorText : '';
    if (!/ERR_ABORTED/.test(why)) page.problems.push(`request failed: ${r.url()} ${why}`);
  });
  page.on('request', (r) => { if (r.url().includes('/tiles/')) page.tileRequests.push(r.url()); });
  page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return page;
}
function noProblems(page, what) {
  assert(page.problems.length === 0, `${what}: ${page.problems.join('; ')}`);
}

// Wait until every tile on screen has finished (loaded, empty or error).
async function settle(page) {
  await page.waitForSelector('.card[data-tile]', { timeout: 30000 });
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll('.card[data-tile]')];
    return cards.length > 0 && cards.every((c) => c.dataset.state !== 'loading');
  }, null, { timeout: 60000 });
  // the charts animate for 300 ms: let them finish before a screenshot
  await page.waitForTimeout(600);
  return page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('.card[data-tile]')].map((c) => [c.dataset.tile, c.dataset.state])));
}
const kpi = (page, tile) => page.$eval(`.card[data-tile="${tile}"] .kpi-value`, (e) => e.dataset.value);
const total = (page, tile) => page.$eval(`.card[data-tile="${tile}"]`, (e) => Number(e.dataset.total));
const pagerText = (page, tile) => page.$eval(`.card[data-tile="${tile}"] .pager-info`, (e) => e.textContent);
const column = (page, tile, col) => page.$$eval(`.card[data-tile="${tile}"] tbody td[data-col="${col}"]`,
  (tds) => tds.map((td) => td.textContent));
const chips = (page) => page.$$eval('.chips .chip', (cs) => cs.map((c) => c.dataset.dim + '=' + c.querySelector('.chip-value').textContent));
const num = (s) => Number(String(s).replace(/[^0-9.\-]/g, ''));

// ---- with --auth: INGOT_WEB_AUTH=user:password runs only the login checks
if (process.env.INGOT_WEB_AUTH) {
  const [user, pass] = process.env.INGOT_WEB_AUTH.split(':');
  const pg = await newPage();
  await check('with --auth and no session the page shows a login form, not the dashboard', async () => {
    await pg.goto(`${BASE}/d/${BOARD}/sales`);
    await pg.waitForSelector('form.login #login-user');
    eq(await pg.$$eval('.card[data-tile]', (c) => c.length), 0, 'tiles before login');
  });
  await check('a wrong password is refused with a message', async () => {
    await pg.fill('#login-user', user);
    await pg.fill('#login-password', pass + 'x');
    await pg.click('form.login button[type=submit]');
    await pg.waitForFunction(() => /Wrong user or password/.test(document.querySelector('form.login .error-text').textContent));
  });
  await check('signing in (POST /api/v1/login with the CSRF token) shows the dashboard', async () => {
    pg.problems.length = 0;
    await pg.fill('#login-password', pass);
    await pg.click('form.login button[type=submit]');
    const states = await settle(pg);
    assert(Object.values(states).every((s) => s === 'loaded' || s === 'empty'), `tiles: ${JSON.stringify(states)}`);
    assert(new URL(pg.url()).pathname === `/d/${BOARD}/sales`, `the page asked for: ${pg.url()}`);
    assert((await pg.$eval('.user', (e) => e.textContent)).includes(user), 'the user in the header');
    await pg.reload();
    await settle(pg);
    noProblems(pg, 'after login');
  });
  await check('signing out shows the login form again', async () => {
    await pg.click('.user button');
    await pg.waitForSelector('form.login #login-user');
  });
  await finish(browser);
}

const spec = await api(`/api/v1/dashboards/${BOARD}`);
const pages = spec.pages;
const sales = pages.find((p) => p.name === 'sales');
assert(sales, 'the ecommerce dashboard has a sales page');
const pieTile = sales.tiles.find((t) => t.type === 'pie').name;
const tableTile = sales.tiles.find((t) => t.type === 'table').name;
const kpiTile = sales.tiles.find((t) => t.type === 'kpi' && t.measures[0].name === 'revenue').name;
const lineTile = sales.tiles.find((t) => t.type === 'line').name;
const barTile = sales.tiles.find((t) => t.type === 'bar').name;

// ---- 1. every page renders: every tile loaded (or declared empty), no errors
for (const p of pages) {
  await check(`page ${p.name}: ${p.tiles.length} tiles load with no console error or failed request`, async () => {
    const page = await newPage();
    await page.goto(`${BASE}/d/${BOARD}/${p.name}`);
    const states = await settle(page);
    eq(Object.keys(states).sort(), p.tiles.map((t) => t.name).sort(), 'the tiles on screen');
    const bad = Object.entries(states).filter(([, s]) => s !== 'loaded' && s !== 'empty');
    assert(bad.length === 0, `tiles not loaded: ${bad.map(([t, s]) => t + '=' + s).join(', ')}`);
    const loaded = Object.values(states).filter((s) => s === 'loaded').length;
    assert(loaded >= p.tiles.length - 1, `at most one empty tile on the example page (loaded ${loaded})`);
    // every chart tile drew a canvas of a real size
    const charts = await page.$$eval('.card[data-state="loaded"] .chart canvas', (cs) => cs.map((c) => c.width * c.height));
    assert(charts.every((a) => a > 10000), 'every chart canvas has a size');
    eq(await page.$eval('.tab.active', (e) => e.dataset.page), p.name, 'the active tab');
    await page.screenshot({ path: path.join(ART, `${p.name}.png`), fullPage: true });
    await page.screenshot({ path: path.join(ART, `${p.name}-viewport.png`) });
    noProblems(page, p.name);
    await page.context().close();
  });
}

// the Marketing page filters sessions by product (views.yml: related:
// fct_session_products): the control is there and a category in the URL
// gives the KPI the API gives for it (both fewer than all sessions)
if (pages.some((p) => p.name === 'marketing')) {
  await check('Marketing: category, department and brand filters; a category narrows the sessions', async () => {
    const mk = pages.find((p) => p.name === 'marketing');
    const page = await newPage();
    await page.goto(`${BASE}/d/${BOARD}/marketing?range=all`);
    await settle(page);
    for (const f of ['category', 'department', 'brand']) assert(await page.isVisible(`.ms[data-filter="${f}"]`), `the ${f} filter`);
    const kt = mk.tiles.find((t) => t.type === 'kpi').name;
    const all = Number(await kpi(page, kt));
    await page.goto(`${BASE}/d/${BOARD}/marketing?range=all&f.category=Jeans`);
    await settle(page);
    const jeans = Number(await kpi(page, kt));
    const want = (await api(`/api/v1/dashboards/${BOARD}/tiles/${kt}?range=all&f.category=Jeans`)).rows[0][0];
    eq(jeans, want, 'the KPI, Jeans');
    assert(jeans > 0 && jeans < all, `sessions that viewed Jeans (${jeans}) are some of all sessions (${all})`);
    await page.screenshot({ path: path.join(ART, 'marketing-jeans.png') });
    noProblems(page, 'marketing, Jeans');
    await page.context().close();
  });
}

// a page filter a tile's view cannot apply is said on the tile (the answer's
// not_filtered_by; views.yml: inventory's unfiltered:): on the Products page
// a customer segment leaves the stock tiles as they were, and each says
// "Not filtered by Customer segment — stock has no customer"; the order
// tiles apply it and say nothing
if (pages.some((p) => p.name === 'products')) {
  await check('Products: a customer segment filter the inventory tiles cannot apply is shown on them', async () => {
    const pr = pages.find((p) => p.name === 'products');
    const inv = pr.tiles.filter((t) => t.view === 'inventory').map((t) => t.name);
    const items = pr.tiles.filter((t) => t.view === 'order_items').map((t) => t.name);
    assert(inv.length >= 2 && items.length >= 2, `inventory and order tiles on the page: ${inv} / ${items}`);
    const seg = (await api(`/api/v1/dashboards/${BOARD}/filters/segment/values`)).values[0];
    assert(seg, 'a customer segment to filter by');
    const page = await newPage();
    await page.goto(`${BASE}/d/${BOARD}/products?range=all`);
    await settle(page);
    const stockTile = pr.tiles.find((t) => t.view === 'inventory' && t.type === 'kpi').name;
    const stockAll = await kpi(page, stockTile);
    eq(await page.$$eval('.card-note:not(.hidden)', (n) => n.length), 0, 'no note without filters');
    await page.goto(`${BASE}/d/${BOARD}/products?range=all&f.segment=${encodeURIComponent(seg)}`);
    await settle(page);
    for (const t of inv) {
      const note = await page.$eval(`.card[data-tile="${t}"] .card-note`, (e) => ({
        shown: !e.classList.contains('hidden') && e.offsetHeight > 0, text: e.textContent,
        unf: e.closest('.card').dataset.unfiltered }));
      assert(note.shown, `${t}: the note is shown`);
      eq(note.text, '⊘Not filtered by Customer segment — stock has no customer', `${t}: the note`);
      eq(note.unf, 'segment', `${t}: data-unfiltered`);
    }
    for (const t of items) {
      eq(await page.$eval(`.card[data-tile="${t}"] .card-note`, (e) => e.classList.contains('hidden')), true, `${t} applies the segment: no note`);
    }
    eq(await kpi(page, stockTile), stockAll, 'the stock KPI ignores the segment');
    await page.screenshot({ path: path.join(ART, 'products-segment.png'), fullPage: true });
    await (await page.$(`.card[data-tile="${stockTile}"]`)).screenshot({ path: path.join(ART, 'products-segment-stock.png') });
    noProblems(page, 'products, segment');
    await page.context().close();
  });
}

// ---- 2..4. cross-filter from a pie slice, URL round-trip, Back
const page = await newPage();
await page.goto(`${BASE}/d/${BOARD}/sales`);
await settle(page);
const total0 = await total(page, tableTile);
const url0 = page.url();
let clicked = null;

await check('clicking a pie slice filters the table (total changes, a chip appears)', async () => {
  assert(total0 > 100, `the table has rows (${total0})`);
  // the first slice's middle, from the chart's own layout, clicked with the mouse
  const pt = await page.$eval(`.card[data-tile="${pieTile}"] .chart`, (host) => {
    host.scrollIntoView({ block: 'center' });
    const c = window.echarts.getInstanceByDom(host);
    const data = c.getModel().getSeriesByIndex(0).getData();
    const l = data.getItemLayout(0);
    const mid = (l.startAngle + l.endAngle) / 2, r = (l.r0 + l.r) / 2 || l.r / 2;
    const box = host.getBoundingClientRect();
    return { x: box.left + l.cx + r * Math.cos(mid), y: box.top + l.cy + r * Math.sin(mid), name: data.getName(0) };
  });
  clicked = pt.name;
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(() => document.querySelector('.chips .chip'), null, { timeout: 10000 });
  await settle(page);
  eq(await chips(page), [`category=${clicked}`], 'the chip');
  assert(new URL(page.url()).searchParams.getAll('f.category').join() === clicked, `the URL has f.category=${clicked}: ${page.url()}`);
  const t1 = await total(page, tableTile);
  assert(t1 > 0 && t1 < total0, `the table's total drops (${total0} -> ${t1})`);
  const cats = await column(page, tableTile, 'category');
  assert(cats.length > 0 && cats.every((c) => c === clicked), `every row is in ${clicked}: ${[...new Set(cats)].join(', ')}`);
  noProblems(page, 'after the click');
});

await check('the URL round-trips: reload gives the same view and numbers', async () => {
  const before = { url: page.url(), total: await total(page, tableTile), kpi: await kpi(page, kpiTile),
    rows: await column(page, tableTile, 'product_name'), chips: await chips(page) };
  await page.reload();
  await settle(page);
  const after = { url: page.url(), total: await total(page, tableTile), kpi: await kpi(page, kpiTile),
    rows: await column(page, tableTile, 'product_name'), chips: await chips(page) };
  eq(after, before, 'the view after reload');
  noProblems(page, 'after reload');
});

await check('Back undoes the cross-filter', async () => {
  await page.goBack();
  await page.waitForFunction(() => !document.querySelector('.chips .chip'), null, { timeout: 10000 });
  await settle(page);
  eq(page.url(), url0, 'the URL after Back');
  eq(await total(page, tableTile), total0, 'the table total after Back');
  noProblems(page, 'after Back');
});

await check('removing the chip clears the filter', async () => {
  await page.goForward();
  await page.waitForSelector('.chips .chip');
  await settle(page);
  await page.click('.chips .chip .chip-x');
  await page.waitForFunction(() => !document.querySelector('.chips .chip'));
  await settle(page);
  eq(await total(page, tableTile), total0, 'the table total');
  assert(!new URL(page.url()).searchParams.has('f.category'), 'no filter in the URL');
});

await check('keyboard: the pie and bar values are buttons; Tab to one and Enter cross-filters like a click', async () => {
  const pg = await newPage();
  await pg.goto(`${BASE}/d/${BOARD}/sales`);
  await settle(pg);
  const keys = `.card[data-tile="${pieTile}"] .chart-keys button`;
  const names = await pg.$$eval(keys, (bs) => bs.map((b) => b.textContent));
  assert(names.length >= 2 && names.every((n) => /: \S/.test(n)), `one named button per slice ("value: number"): ${names.join(' | ')}`);
  const group = await pg.$eval(`.card[data-tile="${pieTile}"] .chart-keys`, (g) => g.getAttribute('role') + ' ' + g.getAttribute('aria-label'));
  assert(/^group .*filter/.test(group), `the buttons are a labelled group: ${group}`);
  // reach the first slice's button with the keyboard: focus the tile's
  // last control before it, then Tab until a chart key has the focus
  await pg.focus(`.card[data-tile="${pieTile}"] .icon-btn`);
  let focused = null;
  for (let i = 0; i < 12 && !focused; i++) {
    await pg.keyboard.press('Tab');
    focused = await pg.evaluate(() => document.activeElement && document.activeElement.classList.contains('chart-key') && !document.activeElement.disabled ? document.activeElement.dataset.value : null);
  }
  assert(focused, 'Tab reaches a slice button');
  const visible = await pg.$eval(`.card[data-tile="${pieTile}"] .chart-keys`, (g) => g.getBoundingClientRect().width > 50);
  assert(visible, 'the focused buttons are visible');
  await pg.keyboard.press('Enter');
  await pg.waitForFunction(() => document.querySelector('.chips .chip'), null, { timeout: 10000 });
  await settle(pg);
  eq(await chips(pg), [`category=${focused}`], 'Enter on a slice button: the chip');
  const cats = await column(pg, tableTile, 'category');
  assert(cats.length > 0 && cats.every((c) => c === focused), `the table is filtered to ${focused}`);
  const pressed = await pg.$eval(`${keys}[data-value="${focused}"]`, (b) => b.getAttribute('aria-pressed'));
  eq(pressed, 'true', 'the chosen slice button is pressed');
  eq(await pg.evaluate(() => document.activeElement && document.activeElement.dataset.value), focused, 'the focus stays on the button');
  await pg.keyboard.press('Enter'); // again: the filter goes
  await pg.waitForFunction(() => !document.querySelector('.chips .chip'), null, { timeout: 10000 });
  await settle(pg);
  // the bar chart's buttons filter by department the same way
  const bkeys = `.card[data-tile="${barTile}"] .chart-keys button:not([disabled])`;
  const dept = await pg.$eval(bkeys, (b) => b.dataset.value);
  await pg.focus(bkeys);
  await pg.keyboard.press('Space');
  await pg.waitForFunction(() => document.querySelector('.chips .chip'), null, { timeout: 10000 });
  await settle(pg);
  eq(await chips(pg), [`department=${dept}`], 'Space on a bar button: the chip');
  await pg.screenshot({ path: path.join(ART, 'keyboard-cross-filter.png') });
  noProblems(pg, 'keyboard cross-filter');
  await pg.context().close();
});

await check('clicking a bar cross-filters the other tiles; the bar chart keeps every bar', async () => {
  const pg = await newPage();
  await pg.goto(`${BASE}/d/${BOARD}/sales`);
  await settle(pg);
  const before = await kpi(pg, kpiTile);
  const pt = await pg.$eval(`.card[data-tile="${barTile}"] .chart`, (host) => {
    host.scrollIntoView({ block: 'center' });
    const c = window.echarts.getInstanceByDom(host);
    const o = c.getOption();
    const name = o.xAxis[0].data[0], val = o.series[0].data[0];
    const v = typeof val === 'object' && val !== null ? val.value : val;
    const [x, y] = c.convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, [name, v / 2]);
    const box = host.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y, name, bars: o.xAxis[0].data.length };
  });
  await pg.mouse.click(pt.x, pt.y);
  await pg.waitForSelector('.chips .chip');
  await settle(pg);
  eq(await chips(pg), [`department=${pt.name}`], 'the chip');
  eq(new URL(pg.url()).searchParams.get('x.department'), barTile, 'the URL names the tile the click came from');
  const after = await kpi(pg, kpiTile);
  assert(Number(after) > 0 && Number(after) < Number(before), `the KPI is filtered (${before} -> ${after})`);
  const bars = await pg.$eval(`.card[data-tile="${barTile}"] .chart`, (h) => window.echarts.getInstanceByDom(h).getOption().xAxis[0].data.length);
  eq(bars, pt.bars, 'the clicked chart still shows every bar');
  noProblems(pg, 'bar click');
  await pg.context().close();
});

await check('clicking a table cell cross-filters on that column', async () => {
  const pg = await newPage();
  await pg.goto(`${BASE}/d/${BOARD}/sales`);
  await settle(pg);
  const n = await total(pg, tableTile);
  const cell = `.card[data-tile="${tableTile}"] tbody tr:nth-child(1) td[data-col="brand"]`;
  const brand = await pg.$eval(cell, (e) => e.title);
  const pieSum = () => pg.$eval(`.card[data-tile="${pieTile}"] .chart`, (h) =>
    window.echarts.getInstanceByDom(h).getOption().series[0].data.reduce((a, d) => a + d.value, 0));
  const before = await pieSum();
  await pg.click(cell);
  await pg.waitForSelector('.chips .chip');
  await settle(pg);
  eq(await chips(pg), [`brand=${brand}`], 'the chip');
  eq(await total(pg, tableTile), n, 'the clicked table keeps its rows');
  assert(await pg.$eval(`.card[data-tile="${tableTile}"] tbody tr:nth-child(1)`, (r) => r.classList.contains('chosen')), 'the clicked row is marked');
  const after = await pieSum();
  assert(after > 0 && after < before, `the pie shows only ${brand}'s revenue (${before} -> ${after})`);
  await pg.goBack();
  await pg.waitForFunction(() => !document.querySelector('.chips .chip'));
  noProblems(pg, 'table click');
  await pg.context().close();
});

// ---- 5. a date preset changes the KPIs
await check('a date preset changes the KPIs (and shows the delta vs the previous period)', async () => {
  const all = await kpi(page, kpiTile);
  await page.selectOption('#range', 'last_30_days');
  await page.waitForFunction(() => location.search.includes('range=last_30_days'));
  await settle(page);
  const last30 = await kpi(page, kpiTile);
  assert(Number(last30) > 0 && Number(last30) < Number(all), `revenue in the last 30 days (${last30}) is below all time (${all})`);
  const delta = await page.$eval(`.card[data-tile="${kpiTile}"] .kpi-delta`, (e) => e.className + ' ' + e.textContent);
  assert(/\b(up|down|flat)\b/.test(delta) && /%/.test(delta), `a delta vs the previous period: ${delta}`);
  await page.goBack();
  await settle(page);
  eq(await kpi(page, kpiTile), all, 'Back restores the all-time KPI');
  noProblems(page, 'presets');
});

await check('compare to the previous period: the table shows each measure\'s previous value and its change', async () => {
  const pg = await newPage();
  await pg.goto(`${BASE}/d/${BOARD}/sales?range=last_90_days&compare=1`);
  await settle(pg);
  const heads = await pg.$$eval(`.card[data-tile="${tableTile}"] thead th`, (ths) => ths.map((t) => t.dataset.col));
  assert(heads.includes('profit:previous') && heads.includes('profit:delta'), `previous and delta columns: ${heads.join(', ')}`);
  eq(heads.indexOf('profit:previous'), heads.indexOf('profit') + 1, 'the previous value follows its measure');
  const prev = await column(pg, tableTile, 'profit:previous');
  const delta = await column(pg, tableTile, 'profit:delta');
  assert(prev.length > 0 && prev.length === delta.length, `a previous value per row (${prev.length})`);
  assert(delta.some((d) => /^[+-]\d|new/.test(d)), `some deltas: ${delta.slice(0, 5).join(', ')}`);
  await (await pg.$(`.card[data-tile="${tableTile}"]`)).screenshot({ path: path.join(ART, 'table-compare.png') });
  // off again: the columns go
  await pg.click('#compare');
  await pg.waitForFunction(() => !location.search.includes('compare'));
  await settle(pg);
  const heads2 = await pg.$$eval(`.card[data-tile="${tableTile}"] thead th`, (ths) => ths.map((t) => t.dataset.col));
  assert(!heads2.some((h) => /:previous|:delta/.test(h)), `no compare columns without compare: ${heads2.join(', ')}`);
  noProblems(pg, 'table compare');
  await pg.context().close();
});

// ---- 6. a page's default_range applies when the URL has none
await check('default_range is applied when the URL has no range', async () => {
  const p = pages.find((x) => x.default_range && x.default_range !== 'all');
  assert(p, 'a page with a default_range other than all (t1020 sets one on its copy of the example)');
  const k = p.tiles.find((t) => t.type === 'kpi');
  assert(k, `page ${p.name} has a KPI`);
  const pg = await newPage();
  await pg.goto(`${BASE}/d/${BOARD}/${p.name}`);
  await settle(pg);
  eq(await pg.$eval('#range', (s) => s.value), p.default_range, 'the range control');
  const dflt = await kpi(pg, k.name);
  const reqs = pg.tileRequests.filter((u) => u.includes(`/tiles/${k.name}?`));
  assert(reqs.length && reqs.every((u) => new URL(u).searchParams.get('range') === p.default_range),
    `the tile asks for range=${p.default_range}: ${reqs.join(' ')}`);
  await pg.goto(`${BASE}/d/${BOARD}/${p.name}?range=${p.default_range}`);
  await settle(pg);
  eq(await kpi(pg, k.name), dflt, `the KPI equals the one for ?range=${p.default_range}`);
  await pg.goto(`${BASE}/d/${BOARD}/${p.name}?range=all`);
  await settle(pg);
  assert(await kpi(pg, k.name) !== dflt, 'and differs from the all-time one');
  noProblems(pg, 'default_range');
  await pg.context().close();
});

// ---- 7. table paging and sort
await check('table paging and sort change the rows', async () => {
  await page.goto(`${BASE}/d/${BOARD}/sales`);
  await settle(page);
  const n = await total(page, tableTile);
  const size = sales.tiles.find((t) => t.name === tableTile).page_size;
  eq(await pagerText(page, tableTile), `1 – ${Math.min(size, n).toLocaleString('en-US')} / ${n.toLocaleString('en-US')}`, 'the pager');
  const first = await column(page, tableTile, 'product_name');
  await page.click(`.card[data-tile="${tableTile}"] button[aria-label="Next page"]`);
  await page.waitForFunction((t) => location.search.includes(`${t}.offset=`), tableTile);
  await settle(page);
  eq(await pagerText(page, tableTile), `${(size + 1).toLocaleString('en-US')} – ${Math.min(2 * size, n).toLocaleString('en-US')} / ${n.toLocaleString('en-US')}`, 'the pager on page 2');
  const second = await column(page, tableTile, 'product_name');
  assert(second.length && second[0] !== first[0], 'page 2 shows other rows');
  await page.click(`.card[data-tile="${tableTile}"] th[data-col="revenue"] button`);
  await page.waitForFunction((t) => new URLSearchParams(location.search).get(`${t}.sort`) === '-revenue', tableTile);
  await settle(page);
  eq(new URL(page.url()).searchParams.get(`${tableTile}.offset`), null, 'sorting goes back to the first page');
  const rev = (await column(page, tableTile, 'revenue')).map(num);
  assert(rev.length === Math.min(size, n), 'a full page');
  assert(rev.every((x, i) => i === 0 || rev[i - 1] >= x), 'revenue descending');
  await page.click(`.card[data-tile="${tableTile}"] th[data-col="revenue"] button`);
  await page.waitForFunction((t) => new URLSearchParams(location.search).get(`${t}.sort`) === 'revenue', tableTile);
  await settle(page);
  const asc = (await column(page, tableTile, 'revenue')).map(num);
  assert(asc.every((x, i) => i === 0 || asc[i - 1] <= x), 'revenue ascending');
  assert(asc[0] < rev[0], 'the order changed');
  eq(await page.$eval(`.card[data-tile="${tableTile}"] th[data-col="revenue"]`, (e) => e.getAttribute('aria-sort')), 'ascending', 'aria-sort');
  noProblems(page, 'paging and sort');
});

await check('the time grain switch changes the line chart and lives in the URL', async () => {
  const pts = () => page.$eval(`.card[data-tile="${lineTile}"] .chart`, (h) =>
    window.echarts.getInstanceByDom(h).getOption().xAxis[0].data.length);
  const before = await pts();
  await page.selectOption(`.card[data-tile="${lineTile}"] select.grain`, 'month');
  await page.waitForFunction((t) => location.search.includes(`${t}.grain=month`), lineTile);
  await settle(page);
  const after = await pts();
  assert(after > 0 && after < before, `fewer points by month (${before} -> ${after})`);
});

// ---- 8. View SQL, CSV, PNG
await check('View SQL opens a dialog with the SQL and its bound values', async () => {
  await page.click(`.card[data-tile="${tableTile}"] .icon-btn`);
  await page.click(`.card[data-tile="${tableTile}"] .view-sql`);
  await page.waitForSelector('#sql-dialog[open]');
  const sql = await page.$eval('#sql-text', (e) => e.textContent);
  const params = await page.$eval('#sql-params', (e) => e.textContent);
  assert(/select/i.test(sql) && /\$1/.test(sql), `the SQL: ${sql.slice(0, 80)}`);
  assert(/\$1 = /.test(params), `the bound values: ${params}`);
  await page.screenshot({ path: path.join(ART, 'view-sql.png') });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('#sql-dialog[open]'));
});

await check("the CSV link downloads the table's total rows", async () => {
  // with a filter, so the link must carry the page's params
  await page.goto(`${BASE}/d/${BOARD}/sales?f.department=Women`);
  await settle(page);
  const n = await total(page, tableTile);
  assert(n > 0, 'rows for Women');
  await page.click(`.card[data-tile="${tableTile}"] .icon-btn`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`.card[data-tile="${tableTile}"] .csv`)]);
  const file = await dl.path();
  const rows = parseCsv(fs.readFileSync(file, 'utf8')).filter((r) => r.length > 1 || r[0] !== '');
  eq(rows.length - 1, n, 'CSV rows (header excluded) = the table total');
  eq(rows[0].length, sales.tiles.find((t) => t.name === tableTile).dimensions.length +
    sales.tiles.find((t) => t.name === tableTile).measures.length, 'CSV columns');
  assert(n < total0, `the CSV is filtered (${n} of ${total0})`);
});

await check('a chart downloads as PNG', async () => {
  await page.click(`.card[data-tile="${pieTile}"] .icon-btn`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`.card[data-tile="${pieTile}"] .png`)]);
  const b = fs.readFileSync(await dl.path());
  eq([...b.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'PNG signature');
  assert(b.length > 2000, 'a real image');
  noProblems(page, 'downloads');
});

await check('a failing tile shows its error and the others still render', async () => {
  const pg = await newPage();
  // the server refuses an unknown grain: that tile fails, the rest load
  await pg.goto(`${BASE}/d/${BOARD}/sales?${lineTile}.grain=fortnight`);
  const states = await settle(pg);
  eq(states[lineTile], 'error', 'the failing tile');
  const msg = await pg.$eval(`.card[data-tile="${lineTile}"] .card-status`, (e) => e.textContent);
  assert(/grain/.test(msg), `its message names the problem: ${msg}`);
  assert(Object.entries(states).filter(([t]) => t !== lineTile).every(([, s]) => s === 'loaded' || s === 'empty'), 'the others load');
  await pg.context().close();
});

await check('a filter control lists values from the server and filters the page', async () => {
  const pg = await newPage();
  await pg.goto(`${BASE}/d/${BOARD}/sales`);
  await settle(pg);
  const before = await kpi(pg, kpiTile);
  await pg.click('.ms[data-filter="department"] .ms-button');
  await pg.waitForSelector('.ms[data-filter="department"] .ms-option');
  await pg.fill('.ms[data-filter="department"] .search', 'Me');
  await pg.waitForFunction(() => [...document.querySelectorAll('.ms[data-filter="department"] .ms-option')].map((o) => o.textContent).join() === 'Men');
  await pg.click('.ms[data-filter="department"] .ms-option input');
  await pg.waitForFunction(() => location.search.includes('f.department=Men'));
  await settle(pg);
  const after = await kpi(pg, kpiTile);
  assert(Number(after) > 0 && Number(after) < Number(before), `revenue for Men (${after}) < all (${before})`);
  eq(await chips(pg), ['department=Men'], 'the chip');
  noProblems(pg, 'filter control');
  await pg.context().close();
});

await check('a filter matching nothing gives declared-empty tiles, not errors', async () => {
  const pg = await newPage();
  await pg.goto(`${BASE}/d/${BOARD}/sales?f.category=${encodeURIComponent('no such category')}`);
  const states = await settle(pg);
  for (const t of [pieTile, tableTile, lineTile]) eq(states[t], 'empty', `tile ${t}`);
  assert(Object.values(states).every((s) => s === 'loaded' || s === 'empty'), `no errors: ${JSON.stringify(states)}`);
  assert(/No data/.test(await pg.$eval(`.card[data-tile="${pieTile}"] .card-status`, (e) => e.textContent)), 'the empty message');
  noProblems(pg, 'empty');
  await pg.context().close();
});

await check('the charts follow the window size', async () => {
  const pg = await newPage();
  await pg.goto(`${BASE}/d/${BOARD}/sales`);
  await settle(pg);
  const w = () => pg.$eval(`.card[data-tile="${lineTile}"] .chart canvas`, (c) => c.getBoundingClientRect().width);
  const wide = await w();
  await pg.setViewportSize({ width: 900, height: 900 });
  await pg.waitForFunction((args) => {
    const c = document.querySelector(`.card[data-tile="${args[0]}"] .chart canvas`);
    return c && c.getBoundingClientRect().width < args[1] - 200;
  }, [lineTile, wide], { timeout: 5000 });
  const host = await pg.$eval(`.card[data-tile="${lineTile}"] .chart`, (h) => h.getBoundingClientRect().width);
  const narrow = await w();
  assert(Math.abs(narrow - host) < 2, `the canvas fills its card (${narrow} vs ${host})`);
  noProblems(pg, 'resize');
  await pg.context().close();
});

// INGOT_WEB_PROJECT: the served project; a dashboard file with an error shows
// in a banner (the server reloads the file) and the other tiles still answer
if (process.env.INGOT_WEB_PROJECT) {
  await check('a text tile renders markdown safely (escaped HTML, http(s) links only)', async () => {
    const file = path.join(process.env.INGOT_WEB_PROJECT, 'dashboards', 'ecommerce.yml');
    const good = fs.readFileSync(file, 'utf8');
    const md = [
      '## Notes <img src=x onerror=alert(1)>',
      '',
      'Plain **bold** and *italic* and `code <b>`, a [safe link](https://example.com/a?b=1)',
      'and a [bad link](javascript:alert(1)) and <script>window.pwned = 1</script>.',
      '',
      '- one',
      '- two',
    ].map((l) => '              ' + l).join('\n');
    const bad = good.replace(/(name: sales_notes\n\s+type: text\n\s+markdown: \|\n)(?:\s{14}.*\n|\s*\n)+/, `$1${md}\n\n`);
    assert(bad !== good, 'the test could rewrite the markdown');
    fs.writeFileSync(file, bad);
    const pg = await newPage();
    try {
      let html = '';
      for (let i = 0; i < 40 && !/safe link/.test(html); i++) {
        await pg.waitForTimeout(i ? 500 : 1100);
        await pg.goto(`${BASE}/d/${BOARD}/sales`);
        await settle(pg);
        html = await pg.$eval('.card[data-tile="sales_notes"] .markdown', (e) => e.innerHTML);
      }
      const r = await pg.$eval('.card[data-tile="sales_notes"] .markdown', (e) => ({
        h: [...e.querySelectorAll('h3,h4')].map((x) => x.textContent),
        strong: [...e.querySelectorAll('strong')].map((x) => x.textContent),
        em: [...e.querySelectorAll('em')].map((x) => x.textContent),
        code: [...e.querySelectorAll('code')].map((x) => x.textContent),
        links: [...e.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        li: [...e.querySelectorAll('li')].map((x) => x.textContent),
        tags: [...e.querySelectorAll('script,img,b')].length,
        text: e.textContent,
        pwned: window.pwned === 1,
      }));
      eq(r.h, ['Notes <img src=x onerror=alert(1)>'], 'the heading, its HTML as text');
      eq(r.strong, ['bold'], 'bold');
      eq(r.em, ['italic'], 'italic');
      eq(r.code, ['code <b>'], 'inline code');
      eq(r.links, ['https://example.com/a?b=1'], 'only the http(s) link is a link');
      eq(r.li, ['one', 'two'], 'the list');
      eq(r.tags, 0, 'no element from the markdown\'s HTML');
      assert(r.text.includes('<script>window.pwned = 1</script>') && r.text.includes('[bad link](javascript:alert(1))'), 'the rest shown as text');
      assert(!r.pwned, 'no script ran');
      noProblems(pg, 'markdown');
    } finally {
      fs.writeFileSync(file, good);
      await pg.context().close();
    }
  });

  await check('a dashboard file error shows in a banner; the other tiles still render', async () => {
    const file = path.join(process.env.INGOT_WEB_PROJECT, 'dashboards', 'ecommerce.yml');
    const good = fs.readFileSync(file, 'utf8');
    const bad = good.replace(/(name: total_profit\n(?:.*\n)*?\s+measure: )profit/, '$1proft');
    assert(bad !== good, 'the test could break the file');
    fs.writeFileSync(file, bad);
    const pg = await newPage();
    try {
      let text = '';
      for (let i = 0; i < 40 && !/proft/.test(text); i++) {
        await pg.waitForTimeout(i ? 500 : 1100); // the server looks at the files at most once a second
        await pg.goto(`${BASE}/d/${BOARD}/sales`);
        await pg.waitForSelector('.banners');
        text = await pg.$$eval('.banner-error', (bs) => bs.map((b) => b.textContent).join(' '));
      }
      assert(/ecommerce\.yml:\d+:\d+: .*proft/.test(text), `the banner names file:line:col and the problem: ${text}`);
      const states = await settle(pg);
      const ok = Object.entries(states).filter(([, s]) => s === 'loaded' || s === 'empty');
      assert(ok.length >= 5, `the other tiles render: ${JSON.stringify(states)}`);
      await pg.screenshot({ path: path.join(ART, 'file-error.png') });
    } finally {
      fs.writeFileSync(file, good);
      await pg.context().close();
    }
  });
}

await finish(browser);
