/*
 * web/data.js — the data pages of `ingot serve`: Loads (per source table,
 * its loads and manifest, a rejects browser with filters, paging and CSV
 * export), Data quality (a red/amber/green summary, every test with its
 * history as squares, source freshness) and Catalog (search, a node page,
 * the lineage graph as SVG, left to right, depth selectable, click to
 * navigate).
 *
 * app.js owns the shell and the router: for /loads..., /quality and
 * /catalog... it calls IngotData.render(ctx) with its helpers (the grid
 * element, getJson, el, navTo, ...). Every page is built from the JSON API
 * (/api/v1/loads, /rejects, /quality, /catalog/...). No inline script or
 * style (the CSP): DOM built with createElement, SVG with createElementNS.
 */
(function () {
  'use strict';

  var C; /* the context app.js gives render() */
  var SVGNS = 'http://www.w3.org/2000/svg';

  function el(tag, cls, text) { return C.el(tag, cls, text); }
  function enc(s) { return encodeURIComponent(s); }
  function num(v) { return v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US'); }
  function bytes(v) {
    if (v === null || v === undefined) return '–';
    var u = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i ? v.toFixed(1) : String(v)) + ' ' + u[i];
  }
  function when(s) { return s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace('Z', ' UTC') : '–'; }
  function dur(sec) {
    if (sec === null || sec === undefined) return '–';
    if (sec < 1) return Math.round(sec * 1000) + ' ms';
    if (sec < 120) return sec.toFixed(1) + ' s';
    if (sec < 7200) return Math.round(sec / 60) + ' min';
    if (sec < 172800) return (sec / 3600).toFixed(1) + ' h';
    return Math.round(sec / 86400) + ' d';
  }
  function link(text, url, cls) {
    var a = el('a', cls || 'link', text);
    a.href = url;
    C.on(a, 'click', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      C.navTo(url);
    });
    return a;
  }
  function badge(status) {
    var s = status || 'none';
    return el('span', 'badge st-' + s.replace(/[^a-z_]/g, ''), s.replace(/_/g, ' '));
  }
  function card(title, width, cls) {
    var c = el('section', 'card dcard w-' + (width || 12) + (cls ? ' ' + cls : ''));
    var h = el('div', 'card-head');
    h.appendChild(el('h2', 'card-title', title));
    var actions = el('div', 'card-actions');
    h.appendChild(actions);
    c.appendChild(h);
    var body = el('div', 'card-body');
    c.appendChild(body);
    C.grid.appendChild(c);
    return { card: c, body: body, actions: actions };
  }
  /* A table: cols [[label, fn(row) -> text|Node, 'num'?]] */
  function table(cols, rows, empty) {
    var wrap = el('div', 'table-wrap dtable');
    var t = el('table', 'data');
    var tr = el('tr');
    cols.forEach(function (c) { tr.appendChild(el('th', c[2] || '', c[0])); });
    var thead = el('thead');
    thead.appendChild(tr);
    t.appendChild(thead);
    var tb = el('tbody');
    rows.forEach(function (r) {
      var row = el('tr');
      cols.forEach(function (c) {
        var v = c[1](r);
        var td = el('td', c[2] || '');
        if (v && v.nodeType) td.appendChild(v); else td.textContent = v === null || v === undefined ? '–' : String(v);
        row.appendChild(td);
      });
      tb.appendChild(row);
    });
    t.appendChild(tb);
    wrap.appendChild(t);
    if (!rows.length) wrap.appendChild(el('p', 'muted empty-row', empty || 'Nothing yet.'));
    return wrap;
  }
  function failed(what) {
    return function (e) {
      if (e && e.status === 401) { location.reload(); return; }
      C.banner('error', what + ': ' + (e && e.message ? e.message : e));
    };
  }
  function title(t) { document.title = t + ' · ingot'; }

  /* ------------------------------------------------------------ Loads */

  function loadsPage(source, tbl) {
    title(source ? 'Loads · ' + source + '.' + tbl : 'Loads');
    var q = new URLSearchParams(location.search);
    return C.getJson(C.API + '/loads').then(function (d) {
      C.clear(C.grid);
      var tables = d.tables || [];
      var tot = { rows_loaded: 0, rows_rejected: 0, bytes: 0, files: 0 };
      tables.forEach(function (t) { Object.keys(tot).forEach(function (k) { tot[k] += t[k] || 0; }); });
      [['Tables', num(tables.length)], ['Files loaded', num(tot.files)], ['Rows loaded', num(tot.rows_loaded)],
        ['Rows rejected', num(tot.rows_rejected)], ['Bytes', bytes(tot.bytes)]].forEach(function (k, i) {
        var c = card(k[0], i === 2 || i === 3 ? 3 : 2, 'kpi-card');
        c.body.appendChild(el('div', 'kpi-value' + (k[0] === 'Rows rejected' && tot.rows_rejected ? ' is-bad' : ''), k[1]));
      });
      var c = card('Source tables', 12);
      c.body.appendChild(table([
        ['Table', function (t) { return link(t.source + '.' + t.table, '/loads/' + enc(t.source) + '/' + enc(t.table)); }],
        ['Relation', function (t) { return el('span', 'mono', t.relation || '–'); }],
        ['Loads', function (t) { return num(t.loads); }, 'num'],
        ['Files', function (t) { return num(t.files); }, 'num'],
        ['Rows read', function (t) { return num(t.rows_read); }, 'num'],
        ['Loaded', function (t) { return num(t.rows_loaded); }, 'num'],
        ['Rejected', function (t) {
          if (!t.rows_rejected) return '0';
          return link(num(t.rows_rejected), '/loads?table=' + enc(t.source + '.' + t.table) + '#rejects', 'link bad');
        }, 'num'],
        ['Bytes', function (t) { return bytes(t.bytes); }, 'num'],
        ['Time', function (t) { return dur(t.duration_s); }, 'num'],
        ['Last load', function (t) { return when(t.last_load_at); }],
        ['Status', function (t) { return badge(t.last_status); }]
      ], tables, 'No source table is declared with external: and nothing was loaded yet.'));
      var after = Promise.resolve();
      if (source) after = tableDetail(source, tbl);
      return after.then(function () { return rejects(source ? source + '.' + tbl : q.get('table') || '', tables); });
    }, failed('The loads could not be read'));
  }

  function tableDetail(source, tbl) {
    return C.getJson(C.API + '/loads/' + enc(source) + '/' + enc(tbl)).then(function (d) {
      var c = card('Loads of ' + source + '.' + tbl, 12);
      c.body.appendChild(table([
        ['Started', function (l) { return when(l.started_at); }],
        ['Load id', function (l) { return el('span', 'mono', l.load_id); }],
        ['Files', function (l) { return num(l.files); }, 'num'],
        ['Bytes', function (l) { return bytes(l.bytes); }, 'num'],
        ['Read', function (l) { return num(l.rows_read); }, 'num'],
        ['Loaded', function (l) { return num(l.rows_loaded); }, 'num'],
        ['Rejected', function (l) { return num(l.rows_rejected); }, 'num'],
        ['Time', function (l) { return dur(l.duration_s); }, 'num'],
        ['Status', function (l) { return badge(l.status); }],
        ['Error', function (l) { return l.error || l.note || ''; }]
      ], d.loads || []));
      var m = card('Manifest: files loaded (' + (d.files || []).length + (d.files_truncated ? '+' : '') + ')', 12);
      m.body.appendChild(table([
        ['File', function (f) { return el('span', 'mono', f.path); }],
        ['Size', function (f) { return bytes(f.size); }, 'num'],
        ['Rows', function (f) { return num(f.rows_read); }, 'num'],
        ['SHA-256', function (f) { var s = el('span', 'mono sha', f.sha256 ? f.sha256.slice(0, 16) + '…' : '–'); s.title = f.sha256 || ''; return s; }],
        ['Loaded at', function (f) { return when(f.loaded_at); }],
        ['Load id', function (f) { return el('span', 'mono', f.load_id || ''); }],
        ['Duplicate of', function (f) { return f.duplicate_of || ''; }]
      ], d.files || [], 'No file recorded in the manifest.'));
    }, failed('The table ' + source + '.' + tbl + ' could not be read'));
  }

  function rejects(table0, tables) {
    var st = { table: table0, file: '', reason: '', offset: 0, limit: 50 };
    var c = card('Rejected rows', 12, 'rejects');
    c.card.id = 'rejects';
    var bar = el('div', 'dfilters');
    var sel = el('select', 'select');
    sel.setAttribute('aria-label', 'Table');
    var all = el('option', '', 'All tables');
    all.value = '';
    sel.appendChild(all);
    tables.forEach(function (t) {
      var o = el('option', '', t.source + '.' + t.table + (t.rows_rejected ? ' (' + t.rows_rejected + ')' : ''));
      o.value = t.source + '.' + t.table;
      if (o.value === st.table) o.selected = true;
      sel.appendChild(o);
    });
    var file = el('input', 'input');
    file.placeholder = 'File contains…';
    file.setAttribute('aria-label', 'File');
    var reason = el('input', 'input');
    reason.placeholder = 'Reason contains…';
    reason.setAttribute('aria-label', 'Reason');
    var csv = el('a', 'btn btn-sm', 'Export CSV');
    csv.setAttribute('download', 'rejects.csv');
    bar.appendChild(sel); bar.appendChild(file); bar.appendChild(reason);
    c.actions.appendChild(csv);
    c.body.appendChild(bar);
    var out = el('div', 'rej-out');
    c.body.appendChild(out);
    var pager = el('div', 'pager');
    var prev = el('button', 'btn btn-sm', '‹ Previous');
    var next = el('button', 'btn btn-sm', 'Next ›');
    var info = el('span', 'muted');
    pager.appendChild(prev); pager.appendChild(info); pager.appendChild(next);
    c.body.appendChild(pager);
    function params(paged) {
      var q = new URLSearchParams();
      if (st.table) q.set('table', st.table);
      if (st.file) q.set('file', st.file);
      if (st.reason) q.set('reason', st.reason);
      if (paged) { q.set('offset', String(st.offset)); q.set('limit', String(st.limit)); }
      return q.toString();
    }
    function load() {
      csv.href = C.API + '/rejects.csv' + (params(false) ? '?' + params(false) : '');
      return C.getJson(C.API + '/rejects?' + params(true)).then(function (r) {
        C.clear(out);
        out.appendChild(table([
          ['Table', function (x) { return x.source + '.' + x.table; }],
          ['File', function (x) { return el('span', 'mono', x.file); }],
          ['Line', function (x) { return x.line === null ? '–' : String(x.line); }, 'num'],
          ['Column', function (x) { return x.column || ''; }],
          ['Reason', function (x) { return el('span', 'reason', x.reason); }],
          ['Raw record', function (x) { var s = el('span', 'mono raw', x.raw); s.title = x.raw || ''; return s; }]
        ], r.rows, 'No rejected rows match.'));
        info.textContent = r.total ? (r.offset + 1) + '–' + (r.offset + r.rows.length) + ' of ' + num(r.total) : '0 rows';
        prev.disabled = r.offset === 0;
        next.disabled = r.offset + r.rows.length >= r.total;
      }, failed('The rejects could not be read'));
    }
    var timer;
    function changed() { clearTimeout(timer); timer = setTimeout(function () { st.offset = 0; load(); }, 250); }
    C.on(sel, 'change', function () { st.table = sel.value; st.offset = 0; load(); });
    C.on(file, 'input', function () { st.file = file.value.trim(); changed(); });
    C.on(reason, 'input', function () { st.reason = reason.value.trim(); changed(); });
    C.on(prev, 'click', function () { st.offset = Math.max(0, st.offset - st.limit); load(); });
    C.on(next, 'click', function () { st.offset += st.limit; load(); });
    return load();
  }

  /* ------------------------------------------------------------ Quality */

  function qualityPage() {
    title('Data quality');
    return C.getJson(C.API + '/quality').then(function (q) {
      C.clear(C.grid);
      var s = q.summary;
      var rag = card('Overall', 3, 'rag-card');
      var big = el('div', 'rag rag-' + s.status);
      big.appendChild(el('span', 'rag-dot'));
      big.appendChild(el('span', 'rag-text', { red: 'Red', amber: 'Amber', green: 'Green' }[s.status] || s.status));
      rag.body.appendChild(big);
      rag.body.appendChild(el('p', 'muted small', s.status === 'red' ? 'A test fails or errors, or a source is past its error_after.'
        : s.status === 'amber' ? 'A test warns, or a source is past its warn_after.' : 'Every test passes and every source is fresh.'));
      [['Tests passing', s.pass, ''], ['Warnings', s.warn, s.warn ? 'is-warn' : ''],
        ['Failing or erroring', s.fail + s.error, s.fail + s.error ? 'is-bad' : '']].forEach(function (k) {
        var c = card(k[0], 3, 'kpi-card');
        c.body.appendChild(el('div', 'kpi-value ' + k[2], num(k[1])));
        c.body.appendChild(el('div', 'muted small', 'of ' + num(s.tests) + ' tests' + (s.results_at ? ' · last results ' + when(s.results_at) : '')));
      });
      var f = card('Source freshness', 12);
      f.body.appendChild(table([
        ['Source table', function (x) { return link(x.source + '.' + x.table, '/catalog/' + enc(x.source + '.' + x.table)); }],
        ['Measured by', function (x) { return x.loaded_at_field ? el('span', 'mono', 'max(' + x.loaded_at_field + ')') : 'newest loaded file'; }],
        ['Newest', function (x) { return when(x.newest_at); }],
        ['Age', function (x) { return dur(x.age_s); }, 'num'],
        ['Warn after', function (x) { return x.warn_after_s ? dur(x.warn_after_s) : '–'; }, 'num'],
        ['Error after', function (x) { return x.error_after_s ? dur(x.error_after_s) : '–'; }, 'num'],
        ['Status', function (x) { return badge(x.status); }],
        ['', function (x) { return x.error || ''; }]
      ], q.freshness || [], 'No source tables.'));
      var t = card('Tests (' + num(q.tests.length) + ')', 12, 'tests-card');
      var filt = el('div', 'dfilters');
      var only = el('select', 'select');
      only.setAttribute('aria-label', 'Show');
      [['', 'All tests'], ['bad', 'Not passing'], ['fail', 'fail'], ['warn', 'warn'], ['error', 'error'], ['pass', 'pass']].forEach(function (o) {
        var x = el('option', '', o[1]); x.value = o[0]; only.appendChild(x);
      });
      var find = el('input', 'input');
      find.placeholder = 'Test or model contains…';
      find.setAttribute('aria-label', 'Find a test');
      filt.appendChild(only); filt.appendChild(find);
      t.body.appendChild(filt);
      var legend = el('div', 'legend muted small');
      legend.appendChild(document.createTextNode('History: the last ' + q.runs.length + ' builds, oldest first '));
      ['pass', 'warn', 'fail', 'error', 'skipped'].forEach(function (k) {
        legend.appendChild(el('span', 'sq st-' + k)); legend.appendChild(document.createTextNode(k + ' '));
      });
      legend.appendChild(el('span', 'sq st-none')); legend.appendChild(document.createTextNode('not run'));
      t.body.appendChild(legend);
      var holder = el('div');
      t.body.appendChild(holder);
      var order = { error: 0, fail: 1, warn: 2, pass: 4, skipped: 3 };
      var tests = q.tests.slice().sort(function (a, b) {
        var x = order[a.status] === undefined ? 5 : order[a.status], y = order[b.status] === undefined ? 5 : order[b.status];
        return x - y || (a.attached_name || '').localeCompare(b.attached_name || '') || a.name.localeCompare(b.name);
      });
      function draw() {
        var w = only.value, needle = find.value.trim().toLowerCase();
        var rows = tests.filter(function (x) {
          if (w === 'bad' && x.status === 'pass') return false;
          if (w && w !== 'bad' && x.status !== w) return false;
          return !needle || (x.name + ' ' + (x.attached_name || '')).toLowerCase().indexOf(needle) >= 0;
        });
        C.clear(holder).appendChild(table([
          ['Status', function (x) { return badge(x.status); }],
          ['Test', function (x) { var s = el('span', 'test-name', x.test ? x.test + (x.column ? ' (' + x.column + ')' : '') : x.name); s.title = x.unique_id; return s; }],
          ['On', function (x) { return x.attached ? link(x.attached_name, '/catalog/' + enc(x.attached)) : '–'; }],
          ['Failing rows', function (x) { return x.failures === null ? '–' : num(x.failures); }, 'num'],
          ['History', function (x) {
            var h = el('span', 'squares');
            x.history.forEach(function (st, i) {
              var sq = el('span', 'sq st-' + (st || 'none'));
              sq.title = (q.runs[i] ? when(q.runs[i].generated_at) + ': ' : '') + (st || 'not run');
              h.appendChild(sq);
            });
            return h;
          }],
          ['Message', function (x) {
            var m = el('span', 'msg', x.message || '');
            if (!x.failures_relation || !x.failures) return m;
            var b = el('button', 'btn btn-sm btn-ghost', 'Failing rows');
            b.title = x.failures_relation;
            C.on(b, 'click', function () { failingRows(x, b); });
            m.appendChild(b);
            return m;
          }]
        ], rows, 'No test matches.'));
      }
      C.on(only, 'change', draw);
      C.on(find, 'input', draw);
      draw();
    }, failed('Data quality could not be read'));
  }

  /* The rows a test with store_failures kept, in a row under the test's. */
  function failingRows(t, btn) {
    var tr = btn.closest('tr');
    if (tr.nextSibling && tr.nextSibling.classList.contains('fail-rows')) { tr.nextSibling.remove(); return; }
    C.getJson(C.API + '/quality/tests/' + enc(t.unique_id) + '/failures').then(function (r) {
      var row = el('tr', 'fail-rows');
      var td = el('td');
      td.colSpan = tr.children.length;
      var cols = r.rows.length ? Object.keys(r.rows[0]) : [];
      td.appendChild(table(cols.map(function (c) { return [c, function (x) { return x[c] === null ? 'null' : String(x[c]); }]; }),
        r.rows, 'No rows kept.'));
      if (r.truncated) td.appendChild(el('p', 'muted small', 'The first 100 of ' + num(t.failures) + ' rows (all in ' + t.failures_relation + ').'));
      row.appendChild(td);
      tr.parentNode.insertBefore(row, tr.nextSibling);
    }, failed('The failing rows could not be read'));
  }

  /* ------------------------------------------------------------ Catalog */

  var TYPES = ['', 'source', 'model', 'seed', 'snapshot', 'test', 'exposure', 'dashboard'];

  function catalogSearch() {
    title('Catalog');
    var q = new URLSearchParams(location.search);
    C.clear(C.grid);
    var c = card('Search the catalog', 12);
    var bar = el('form', 'dfilters');
    var input = el('input', 'input search');
    input.placeholder = 'Name or description…';
    input.setAttribute('aria-label', 'Search');
    input.value = q.get('q') || '';
    var sel = el('select', 'select');
    sel.setAttribute('aria-label', 'Type');
    TYPES.forEach(function (t) { var o = el('option', '', t || 'All types'); o.value = t; if (t === (q.get('types') || '')) o.selected = true; sel.appendChild(o); });
    bar.appendChild(input); bar.appendChild(sel);
    c.body.appendChild(bar);
    var out = el('div');
    c.body.appendChild(out);
    function search(push) {
      var p = new URLSearchParams();
      if (input.value.trim()) p.set('q', input.value.trim());
      if (sel.value) p.set('types', sel.value);
      var url = '/catalog' + (p.toString() ? '?' + p.toString() : '');
      if (push) history.replaceState(null, '', url);
      p.set('limit', '200');
      return C.getJson(C.API + '/catalog/search?' + p.toString()).then(function (r) {
        var rows = r.hits.map(function (h) { return { id: h.unique_id, type: h.resource_type, name: h.name, desc: h.description, url: '/catalog/' + enc(h.unique_id) }; });
        r.dashboards.forEach(function (d) { rows.unshift({ id: d.unique_id, type: 'dashboard', name: d.title || d.name, desc: '', url: '/d/' + enc(d.name) }); });
        C.clear(out).appendChild(table([
          ['Name', function (x) { return link(x.name, x.url); }],
          ['Type', function (x) { return el('span', 'kind k-' + x.type, x.type); }],
          ['Description', function (x) { var s = el('span', 'desc', x.desc || ''); s.title = x.desc || ''; return s; }]
        ], rows, 'Nothing matches.'));
      }, failed('The search failed'));
    }
    var timer;
    C.on(input, 'input', function () { clearTimeout(timer); timer = setTimeout(function () { search(true); }, 200); });
    C.on(sel, 'change', function () { search(true); });
    C.on(bar, 'submit', function (e) { e.preventDefault(); search(true); });
    input.focus();
    return search(false);
  }

  function catalogNode(id) {
    var q = new URLSearchParams(location.search);
    var up = q.get('up') || '3', down = q.get('down') || '3';
    return C.getJson(C.API + '/catalog/nodes/' + enc(id)).then(function (n) {
      title(n.name + ' · Catalog');
      C.clear(C.grid);
      var head = card(n.resource_type + ' ' + n.name, 12, 'node-head');
      head.actions.appendChild(link('‹ Search', '/catalog', 'btn btn-sm'));
      if (n.description) head.body.appendChild(el('p', 'node-desc', n.description));
      var meta = el('dl', 'meta');
      function m(k, v) { if (v === null || v === undefined || v === '') return; meta.appendChild(el('dt', '', k)); var dd = el('dd'); if (v.nodeType) dd.appendChild(v); else dd.textContent = v; meta.appendChild(dd); }
      m('Unique id', el('span', 'mono', n.unique_id));
      m('Materialized', n.materialized);
      m('Relation', n.relation_name ? el('span', 'mono', n.relation_name) : null);
      m('Rows', n.row_count === null ? null : num(n.row_count));
      m('Last build', n.last_build_at ? when(n.last_build_at) + ' (' + dur(n.last_build_s) + ')' : null);
      m('Last status', n.last_result && n.last_result.status ? badge(n.last_result.status) : null);
      m('File', n.path ? el('span', 'mono', n.path) : null);
      m('Tags', (n.tags || []).join(', '));
      if (n.tiles && n.tiles.length) {
        var tl = el('span');
        n.tiles.forEach(function (t, i) {
          if (i) tl.appendChild(document.createTextNode(', '));
          tl.appendChild(link(t.page_title + ' / ' + t.title, '/d/' + enc(t.dashboard) + '/' + enc(t.page)));
          // a tile whose view reaches this model through related: reads
          // it when one of those filters is active
          if (t.reads === 'filters') tl.appendChild(el('span', 'muted filters-through', ' (' + t.label + ')'));
        });
        m('Dashboard tiles', tl);
      }
      head.body.appendChild(meta);
      var lin = lineage(n.unique_id, up, down);
      if (n.columns && n.columns.length) {
        var c = card('Columns (' + n.columns.length + ')', 12);
        c.body.appendChild(table([
          ['Column', function (x) { return el('span', 'mono', x.name); }],
          ['Warehouse type', function (x) { return x.warehouse_type || x.data_type || '–'; }],
          ['Description', function (x) { return x.description || ''; }],
          ['Tests', function (x) {
            var s = el('span', 'col-tests');
            (x.tests || []).forEach(function (t) {
              var b = badge(t.status);
              b.textContent = (t.test || t.name || 'test') + (t.status ? ': ' + t.status : '');
              s.appendChild(b);
            });
            return s;
          }]
        ], n.columns));
      }
      var other = (n.tests || []).filter(function (t) { return !t.column; });
      if (other.length) {
        var tc = card('Tests on the whole ' + n.resource_type, 12);
        tc.body.appendChild(table([
          ['Test', function (t) { return t.test || t.name; }],
          ['Status', function (t) { return badge(t.status); }],
          ['Failing rows', function (t) { return t.failures === null || t.failures === undefined ? '–' : num(t.failures); }, 'num']
        ], other));
      }
      [['Compiled SQL', n.compiled_sql], ['Raw SQL', n.raw_sql]].forEach(function (s, i) {
        if (!s[1]) return;
        var c = card(s[0], 12, 'sql-card');
        var d = el('details');
        if (i === 0) d.open = true;
        d.appendChild(el('summary', 'muted', 'Show'));
        d.appendChild(el('pre', 'sql', s[1]));
        c.body.appendChild(d);
      });
      return lin;
    }, failed('No catalog node ' + id));
  }

  /* The lineage graph: columns by depth, left to right; boxes coloured by
   * kind, the root outlined; edges as curves; a click opens the node. */
  function lineage(id, up, down) {
    var c = card('Lineage', 12, 'lineage-card');
    var ctl = el('div', 'dfilters');
    function depthSel(label, val, key) {
      var s = el('select', 'select select-sm');
      s.setAttribute('aria-label', label);
      [['1', '1'], ['2', '2'], ['3', '3'], ['5', '5'], ['-1', 'all']].forEach(function (o) {
        var x = el('option', '', label + ': ' + o[1]); x.value = o[0]; if (o[0] === val) x.selected = true; s.appendChild(x);
      });
      C.on(s, 'change', function () {
        var q = new URLSearchParams(location.search);
        q.set(key, s.value);
        C.navTo(location.pathname + '?' + q.toString());
      });
      return s;
    }
    ctl.appendChild(depthSel('Upstream', up, 'up'));
    ctl.appendChild(depthSel('Downstream', down, 'down'));
    var legend = el('span', 'legend muted small');
    ['lake_file', 'source', 'seed', 'model', 'snapshot', 'exposure', 'tile'].forEach(function (k) {
      legend.appendChild(el('span', 'sq k-' + k));
      legend.appendChild(document.createTextNode(k.replace('_', ' ') + ' '));
    });
    ctl.appendChild(legend);
    c.body.appendChild(ctl);
    var holder = el('div', 'lineage');
    c.body.appendChild(holder);
    return C.getJson(C.API + '/catalog/lineage/' + enc(id) + '?up=' + enc(up) + '&down=' + enc(down)).then(function (l) {
      holder.appendChild(drawLineage(l));
    }, failed('The lineage could not be read'));
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  /* Tiles are grouped by dashboard page: one box per page ("Sales · 14
   * tiles", the tiles in its tooltip), an edge from each model it reads. */
  function groupTiles(l) {
    var groups = {}, nodes = [], map = {};
    l.nodes.forEach(function (n) {
      if (n.kind !== 'tile') { nodes.push(n); return; }
      var gid = 'page:' + n.dashboard + '/' + n.page;
      map[n.id] = gid;
      var g = groups[gid];
      if (!g) {
        g = groups[gid] = { id: gid, kind: 'tile', dashboard: n.dashboard, page: n.page, page_title: n.page_title, depth: n.depth, tiles: [] };
        nodes.push(g);
      }
      g.depth = Math.min(g.depth, n.depth);
      if (g.tiles.indexOf(n.title) < 0) g.tiles.push(n.title);
    });
    // a tile reached only through related: models says so in the tooltip
    var via = {};
    l.edges.forEach(function (e) {
      if (e.kind === 'filters') { if (!via[e.to]) via[e.to] = e.label; }
      else via[e.to] = null;
    });
    l.nodes.forEach(function (n) {
      if (n.kind !== 'tile' || !via[n.id]) return;
      var g = groups[map[n.id]], i = g.tiles.indexOf(n.title);
      if (i >= 0) g.tiles[i] = n.title + ' (' + via[n.id] + ')';
    });
    Object.keys(groups).forEach(function (k) {
      var g = groups[k];
      g.name = g.page_title + ' · ' + g.tiles.length + ' tile' + (g.tiles.length === 1 ? '' : 's');
    });
    // one edge per (node, page): drawn dashed when every tile edge it
    // stands for filters through a related model
    var seen = {}, edges = [];
    l.edges.forEach(function (e) {
      var a = map[e.from] || e.from, b = map[e.to] || e.to, k = a + '\n' + b;
      if (!seen[k]) { seen[k] = { from: a, to: b, kind: e.kind, label: e.label }; edges.push(seen[k]); }
      else if (e.kind !== 'filters') { seen[k].kind = undefined; seen[k].label = undefined; }
    });
    return { root: l.root, nodes: nodes, edges: edges };
  }

  function drawLineage(l) {
    l = groupTiles(l);
    var W = 180, H = 28, GX = 46, GY = 8, PAD = 12;
    var cols = {};
    var min = 0, max = 0;
    l.nodes.forEach(function (n) {
      (cols[n.depth] = cols[n.depth] || []).push(n);
      min = Math.min(min, n.depth); max = Math.max(max, n.depth);
    });
    var pos = {}, tallest = 0, d;
    for (d = min; d <= max; d++) tallest = Math.max(tallest, (cols[d] || []).length);
    for (d = min; d <= max; d++) {
      var col = cols[d] || [], off = (tallest - col.length) * (H + GY) / 2; /* centred */
      col.forEach(function (n, i) {
        pos[n.id] = { x: PAD + (d - min) * (W + GX), y: PAD + off + i * (H + GY), n: n };
      });
    }
    var width = PAD * 2 + (max - min + 1) * W + (max - min) * GX;
    var height = PAD * 2 + tallest * (H + GY) - GY;
    var s = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', class: 'lineage-svg' });
    s.appendChild(svg('title')).textContent = 'Lineage of ' + l.root;
    l.edges.forEach(function (e) {
      var a = pos[e.from], b = pos[e.to];
      if (!a || !b) return;
      var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      var path = s.appendChild(svg('path', { d: 'M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + x2 + ',' + y2,
        class: 'edge' + (e.kind === 'filters' ? ' edge-filters' : '') }));
      if (e.label) path.appendChild(svg('title')).textContent = e.label;
    });
    Object.keys(pos).forEach(function (id) {
      var p = pos[id], n = p.n;
      var g = svg('g', { class: 'lnode k-' + n.kind + (id === l.root ? ' root' : ''), transform: 'translate(' + p.x + ',' + p.y + ')', tabindex: '0' });
      g.setAttribute('data-id', id);
      g.appendChild(svg('rect', { width: W, height: H, rx: 6, ry: 6 }));
      var label = n.name.length > 25 ? n.name.slice(0, 24) + '…' : n.name;
      var t = svg('text', { x: 10, y: H / 2 + 4 });
      t.textContent = label;
      g.appendChild(t);
      var tt = svg('title');
      tt.textContent = n.tiles ? 'dashboard page ' + n.dashboard + '/' + n.page + ': ' + n.tiles.join(', ')
        : n.kind.replace('_', ' ') + ': ' + n.name + (n.status ? ' (' + n.status + ')' : '') + (n.rows !== undefined ? ', ' + n.rows + ' rows' : '');
      g.appendChild(tt);
      var url = n.kind === 'tile' ? '/d/' + enc(n.dashboard) + '/' + enc(n.page)
        : n.kind === 'lake_file' || n.kind === 'lake_files_more' ? null
          : '/catalog/' + enc(id);
      if (n.kind === 'lake_file' || n.kind === 'lake_files_more') {
        var src = l.edges.filter(function (e) { return e.from === id; })[0];
        if (src) { var sp = src.to.split('.'); url = '/loads/' + enc(sp[sp.length - 2]) + '/' + enc(sp[sp.length - 1]); }
      }
      if (url && id !== l.root) {
        g.classList.add('clickable');
        var go = function () { C.navTo(url); };
        C.on(g, 'click', go);
        C.on(g, 'keydown', function (e) { if (e.key === 'Enter') go(); });
      }
      s.appendChild(g);
    });
    return s;
  }

  /* ------------------------------------------------------------ router */

  window.IngotData = {
    match: function (path) {
      return path === '/loads' || path.indexOf('/loads/') === 0 || path === '/quality' ||
        path === '/catalog' || path.indexOf('/catalog/') === 0;
    },
    render: function (ctx) {
      C = ctx;
      C.clear(C.grid);
      C.grid.appendChild(el('div', 'empty-page muted', 'Loading…'));
      var parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      var p;
      if (parts[0] === 'loads') p = loadsPage(parts[1], parts[2]);
      else if (parts[0] === 'quality') p = qualityPage();
      else if (parts[1]) p = catalogNode(parts.slice(1).join('/'));
      else p = catalogSearch();
      delete C.grid.dataset.ready;
      return p.then(function () {
        C.grid.dataset.ready = location.pathname + location.search;
        if (location.hash) { var t = document.getElementById(location.hash.slice(1)); if (t) t.scrollIntoView(); }
      });
    }
  };
})();
