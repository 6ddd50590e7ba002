/*
 * web/app.js — the dashboard page of `ingot serve` (issue 13).
 *
 * One page, no framework. The URL is the state:
 *   /d/<board>/<page>?f.<dim>=v (repeatable) & range=<preset> | from=&to=
 *                    & compare=1 & <tile>.grain= & <tile>.sort= & <tile>.offset=
 *                    & x.<dim>=<tile> (the tile whose click set that cross-filter;
 *                      that tile keeps showing every value, highlighted)
 * Every change goes through go() (pushState), so reload reproduces the view
 * and Back undoes a click (popstate re-reads the URL).
 *
 * The server answers tiles from names and values only (contract-serve-web.md):
 * the page never builds SQL. Charts are Apache ECharts (/assets/echarts.min.js).
 * No inline script or style: the server sends a strict CSP, so styles are set
 * through element.style / classes and every text goes through textContent.
 */
(function () {
  'use strict';

  var API = '/api/v1';
  var PRESETS = [
    ['all', 'All time'],
    ['last_7_days', 'Last 7 days'],
    ['last_30_days', 'Last 30 days'],
    ['last_90_days', 'Last 90 days'],
    ['mtd', 'Month to date'],
    ['qtd', 'Quarter to date'],
    ['ytd', 'Year to date'],
    ['custom', 'Custom…']
  ];
  var GRAINS = ['day', 'week', 'month', 'quarter'];
  var PALETTE = ['#3b6fb6', '#f2a541', '#4aa189', '#d1605e', '#8a6fb8', '#5fa8d3',
    '#c7a34b', '#7f9c5a', '#d68ab4', '#6b7b8c', '#a9b4c2'];
  var OTHERS_COLOR = '#b8c1cc';

  /* ------------------------------------------------------------ small helpers */

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function on(e, ev, fn) { e.addEventListener(ev, fn); return e; }
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

  var nfInt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  var nf2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var nfNum = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  var nfPct = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function compact(v, digits) {
    var a = Math.abs(v), units = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
    for (var i = 0; i < units.length; i++) {
      if (a >= units[i][0]) {
        var x = v / units[i][0];
        var s = x.toFixed(digits === undefined ? (Math.abs(x) < 10 ? 2 : 1) : digits);
        return s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1') + units[i][1];
      }
    }
    return nfNum.format(v);
  }

  /* fmt(value, format, short): a cell as the user reads it. short = axis
   * labels and KPI headlines (compact past a million). */
  function fmt(v, format, short) {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v !== 'number') {
      var n = Number(v);
      if (format && isFinite(n) && String(v).trim() !== '') v = n; else return String(v);
    }
    if (!isFinite(v)) return String(v);
    switch (format) {
      case 'currency':
        if (short && Math.abs(v) >= 1e6) return (v < 0 ? '-$' : '$') + compact(Math.abs(v));
        if (short === 'axis') return (v < 0 ? '-$' : '$') + (Math.abs(v) >= 1e3 ? compact(Math.abs(v)) : nfNum.format(Math.abs(v)));
        return (v < 0 ? '-$' : '$') + nf2.format(Math.abs(v));
      case 'percent':
        return nfPct.format(v * 100) + '%';
      case 'integer':
        if (short === 'axis' && Math.abs(v) >= 1e4) return compact(v);
        return nfInt.format(v);
      case 'compact':
        return compact(v, 1);
      default:
        if (short === 'axis' && Math.abs(v) >= 1e4) return compact(v);
        return nfNum.format(v);
    }
  }

  function dayNum(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(s));
    return m ? Math.round(Date.UTC(+m[1], +m[2] - 1, +m[3]) / 864e5) : NaN;
  }
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function fmtDay(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
    if (!m) return s || '';
    return MONTHS[Number(m[2]) - 1] + ' ' + Number(m[3]) + ', ' + m[1];
  }
  function fmtTime(s, grain) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(s));
    if (!m) return String(s);
    if (grain === 'month') return MONTHS[Number(m[2]) - 1] + ' ' + m[1];
    if (grain === 'quarter') return 'Q' + (Math.floor((Number(m[2]) - 1) / 3) + 1) + ' ' + m[1];
    if (grain === 'year') return m[1];
    return fmtDay(s);
  }

  /* ------------------------------------------------------------ state & URL */

  var S = {
    me: null,
    list: null,      // GET /api/v1/dashboards
    spec: null,      // GET /api/v1/dashboards/{board}
    board: null, page: null,
    filters: {},     // dim -> [values]
    src: {},         // dim -> tile name that set it by a click
    range: null, from: null, to: null,
    compare: false,
    grain: {},       // tile -> grain
    sort: {},        // tile -> "col" | "-col"
    offset: {},      // tile -> number
    globalGrain: null,
    rangeExplicit: false
  };
  var tiles = {};    // name -> tile view (see makeTile)
  var built = null;  // "board/page" whose grid is on screen

  function parseUrl() {
    var parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    var q = new URLSearchParams(location.search);
    S.board = parts[0] === 'd' ? parts[1] || null : null;
    S.page = parts[0] === 'd' ? parts[2] || null : null;
    S.filters = {}; S.src = {}; S.grain = {}; S.sort = {}; S.offset = {};
    S.range = null; S.from = null; S.to = null; S.compare = false; S.globalGrain = null;
    q.forEach(function (v, k) {
      var dot;
      if (k.indexOf('f.') === 0) {
        var d = k.slice(2);
        (S.filters[d] = S.filters[d] || []);
        if (S.filters[d].indexOf(v) < 0) S.filters[d].push(v);
      } else if (k.indexOf('x.') === 0) S.src[k.slice(2)] = v;
      else if (k === 'range') S.range = v;
      else if (k === 'from') S.from = v;
      else if (k === 'to') S.to = v;
      else if (k === 'compare') S.compare = v === '1' || v === 'true';
      else if (k === 'grain') S.globalGrain = v;
      else if ((dot = k.lastIndexOf('.')) > 0) {
        var t = k.slice(0, dot), p = k.slice(dot + 1);
        if (p === 'sort') S.sort[t] = v;
        else if (p === 'offset') S.offset[t] = Math.max(0, parseInt(v, 10) || 0);
        else if (p === 'grain') S.grain[t] = v;
      }
    });
    S.rangeExplicit = !!(S.range || (S.from && S.to));
  }

  function buildUrl() {
    var q = new URLSearchParams();
    Object.keys(S.filters).sort().forEach(function (d) {
      S.filters[d].forEach(function (v) { q.append('f.' + d, v); });
    });
    Object.keys(S.src).sort().forEach(function (d) { if (S.filters[d]) q.append('x.' + d, S.src[d]); });
    if (S.rangeExplicit) {
      if (S.range) q.set('range', S.range);
      else if (S.from && S.to) { q.set('from', S.from); q.set('to', S.to); }
    }
    if (S.compare) q.set('compare', '1');
    if (S.globalGrain) q.set('grain', S.globalGrain);
    Object.keys(S.grain).sort().forEach(function (t) { q.set(t + '.grain', S.grain[t]); });
    Object.keys(S.sort).sort().forEach(function (t) { q.set(t + '.sort', S.sort[t]); });
    Object.keys(S.offset).sort().forEach(function (t) { if (S.offset[t]) q.set(t + '.offset', String(S.offset[t])); });
    var s = q.toString();
    return '/d/' + encodeURIComponent(S.board) + '/' + encodeURIComponent(S.page) + (s ? '?' + s : '');
  }

  /* go(mutate): change the state, push the URL, update the page. */
  function go(mutate, replace) {
    mutate();
    var url = buildUrl();
    if (url !== location.pathname + location.search) {
      if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
    }
    route();
  }

  /* The tile params shared by the page (sent with every tile). */
  function rangeParams(q) {
    if (S.from && S.to && !S.range) { q.append('from', S.from); q.append('to', S.to); }
    else q.append('range', S.range || currentPage().default_range || 'all');
  }
  function tileParams(t, forCsv) {
    var q = new URLSearchParams();
    Object.keys(S.filters).sort().forEach(function (d) {
      if (S.src[d] === t.name) return; // the tile a click came from shows every value
      S.filters[d].forEach(function (v) { q.append('f.' + d, v); });
    });
    rangeParams(q);
    if (S.compare && t.type !== 'text') q.append('compare', '1');
    if (t.type === 'line' || t.type === 'area') {
      var g = S.grain[t.name] || S.globalGrain;
      if (g) q.append('grain', g);
    }
    if (t.type === 'table') {
      if (S.sort[t.name]) q.append('sort', S.sort[t.name]);
      if (!forCsv && S.offset[t.name]) q.append('offset', String(S.offset[t.name]));
    }
    return q.toString();
  }

  function currentBoard() { return S.spec; }
  function currentPage() {
    var pages = (S.spec && S.spec.pages) || [];
    for (var i = 0; i < pages.length; i++) if (pages[i].name === S.page) return pages[i];
    return pages[0] || { tiles: [], filters: [] };
  }

  /* ------------------------------------------------------------ fetch */

  var csrf = '';
  function getJson(url, opts) {
    opts = opts || {};
    return fetch(url, { credentials: 'same-origin', signal: opts.signal, headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.text().then(function (body) {
          var j = null;
          try { j = body ? JSON.parse(body) : null; } catch (e) { j = null; }
          if (!r.ok) {
            var err = new Error((j && j.error) || ('HTTP ' + r.status + ' ' + r.statusText));
            err.status = r.status;
            throw err;
          }
          if (j === null) throw new Error('the server answered something that is not JSON');
          return j;
        });
      });
  }
  function postJson(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (t) {
        var j = null;
        try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
        if (!r.ok) {
          var err = new Error((j && j.error) || ('HTTP ' + r.status));
          err.status = r.status;
          throw err;
        }
        return j || {};
      });
    });
  }

  /* ------------------------------------------------------------ layout */

  var root, topEl, subEl, headerEl, tabsEl, barEl, chipsEl, bannerEl, gridEl;

  /* The shared navigation bar (web/nav.js), then the dashboard's second
   * level (board, page tabs), shown on dashboard pages only. */
  function shell() {
    root = clear(document.getElementById('app'));
    topEl = navBar();
    root.appendChild(topEl);
    var sub = window.IngotNav.subbar('Pages');
    subEl = sub.bar;
    headerEl = sub.lead;
    tabsEl = sub.tabs;
    root.appendChild(subEl);
    bannerEl = el('div', 'banners');
    root.appendChild(bannerEl);
    barEl = el('div', 'filterbar');
    root.appendChild(barEl);
    chipsEl = el('div', 'chips');
    root.appendChild(chipsEl);
    gridEl = el('main', 'grid');
    root.appendChild(gridEl);
  }

  /* app.js shows every section but the pipelines pages (pipelines.js). */
  function owns(path) { return !(window.IngotPipelines && window.IngotPipelines.handles(path)); }
  function navBar() { return window.IngotNav.bar({ me: S.me, go: navTo, owns: owns }); }

  function showBanner(kind, text, details) {
    var b = el('div', 'banner banner-' + kind);
    b.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    b.appendChild(el('strong', '', text));
    if (details && details.length) {
      var ul = el('ul');
      details.forEach(function (d) { ul.appendChild(el('li', 'mono', d)); });
      b.appendChild(ul);
    }
    var x = el('button', 'banner-close', '×');
    x.setAttribute('aria-label', 'Dismiss');
    on(x, 'click', function () { b.remove(); });
    b.appendChild(x);
    bannerEl.appendChild(b);
  }

  function specBanners(spec) {
    clear(bannerEl);
    var errs = (spec.errors || []).filter(function (d) { return d.severity !== 'warning'; });
    var warns = (spec.errors || []).filter(function (d) { return d.severity === 'warning'; });
    function line(d) { return d.file + ':' + d.line + ':' + d.column + ': ' + d.message; }
    if (errs.length)
      showBanner('error', errs.length === 1 ? 'The dashboard file has an error; tiles it names may be missing:'
        : 'The dashboard files have ' + errs.length + ' errors; tiles they name may be missing:', errs.map(line));
    if (warns.length) {
      var d = el('details', 'banner banner-warn');
      d.appendChild(el('summary', '', warns.length + (warns.length === 1 ? ' warning' : ' warnings') + ' in the dashboard files'));
      var ul = el('ul');
      warns.forEach(function (w) { ul.appendChild(el('li', 'mono', line(w))); });
      d.appendChild(ul);
      bannerEl.appendChild(d);
    }
  }

  function renderNav() {
    var fresh = navBar(); /* the section highlighted may have changed */
    topEl.replaceWith(fresh);
    topEl = fresh;
    subEl.classList.toggle('hidden', !!dataPage() || !S.spec);
    clear(headerEl);
    var boards = (S.list && S.list.dashboards) || [];
    if (boards.length > 1) {
      var sel = el('select', 'select board-select');
      sel.setAttribute('aria-label', 'Dashboard');
      boards.forEach(function (b) {
        var o = el('option', '', b.title || b.name);
        o.value = b.name;
        if (b.name === S.board) o.selected = true;
        sel.appendChild(o);
      });
      on(sel, 'change', function () {
        var b = boards.filter(function (x) { return x.name === sel.value; })[0];
        go(function () { resetView(); S.board = b.name; S.page = b.pages.length ? b.pages[0].name : ''; });
      });
      headerEl.appendChild(sel);
    } else {
      headerEl.appendChild(el('h1', 'board-title', (S.spec && S.spec.title) || S.board));
    }
    clear(tabsEl);
    ((S.spec && S.spec.pages) || []).forEach(function (p) {
      var cur = p.name === S.page && !dataPage();
      var a = el('a', 'tab' + (cur ? ' active' : ''), p.title || p.name);
      a.href = '/d/' + encodeURIComponent(S.board) + '/' + encodeURIComponent(p.name);
      a.dataset.page = p.name;
      if (cur) a.setAttribute('aria-current', 'page');
      on(a, 'click', function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
        ev.preventDefault();
        if (cur) return;
        // filters carry over between pages (Looker Studio's report-level
        // controls); per-tile state does not
        go(function () { S.page = p.name; S.grain = {}; S.sort = {}; S.offset = {}; S.src = {}; });
      });
      tabsEl.appendChild(a);
    });
  }

  /* The data pages (web/data.js): Loads, Quality, Catalog, sections of the
   * navigation bar; their URLs are /loads..., /quality, /catalog... */
  function dataPage() { return window.IngotData && window.IngotData.match(location.pathname); }
  function navTo(url) { history.pushState(null, '', url); closePop(); route(); }
  function resetView() {
    S.filters = {}; S.src = {}; S.grain = {}; S.sort = {}; S.offset = {};
    S.range = null; S.from = null; S.to = null; S.compare = false; S.rangeExplicit = false; S.globalGrain = null;
  }

  /* ------------------------------------------------------------ filter bar */

  function dimLabel(name) {
    var p = currentPage(), i, j;
    for (i = 0; i < (p.filters || []).length; i++) if (p.filters[i].name === name) return p.filters[i].label || name;
    var pages = (S.spec && S.spec.pages) || [];
    for (i = 0; i < pages.length; i++)
      for (j = 0; j < pages[i].tiles.length; j++) {
        var t = pages[i].tiles[j];
        var ds = (t.dimensions || []);
        for (var k = 0; k < ds.length; k++) if (ds[k].name === name) return ds[k].label || name;
      }
    return name.replace(/_/g, ' ');
  }

  function renderBar() {
    clear(barEl);
    var page = currentPage();
    var eff = S.range || (S.from && S.to ? 'custom' : page.default_range || 'all');

    var date = el('div', 'control date-control');
    date.appendChild(el('label', 'control-label', 'Date range'));
    var sel = el('select', 'select');
    sel.id = 'range';
    sel.setAttribute('aria-label', 'Date range');
    PRESETS.forEach(function (p) {
      var o = el('option', '', p[1] + (p[0] === page.default_range ? ' (default)' : ''));
      o.value = p[0];
      if (p[0] === eff) o.selected = true;
      sel.appendChild(o);
    });
    date.appendChild(sel);
    var custom = el('span', 'custom-range' + (eff === 'custom' ? '' : ' hidden'));
    var f = el('input', 'input'); f.type = 'date'; f.id = 'range-from'; f.value = S.from || ''; f.setAttribute('aria-label', 'From');
    var t = el('input', 'input'); t.type = 'date'; t.id = 'range-to'; t.value = S.to || ''; t.setAttribute('aria-label', 'To (inclusive)');
    var apply = el('button', 'btn', 'Apply');
    custom.appendChild(f); custom.appendChild(el('span', 'muted', '–')); custom.appendChild(t); custom.appendChild(apply);
    date.appendChild(custom);
    var dates = el('span', 'range-dates muted');
    dates.id = 'range-dates';
    date.appendChild(dates);
    on(sel, 'change', function () {
      if (sel.value === 'custom') { custom.classList.remove('hidden'); f.focus(); return; }
      go(function () { S.range = sel.value; S.from = S.to = null; S.rangeExplicit = true; resetOffsets(); });
    });
    function applyCustom() {
      if (!f.value || !t.value) { (f.value ? t : f).focus(); return; }
      if (t.value < f.value) { t.setCustomValidity('ends before it starts'); t.reportValidity(); return; }
      t.setCustomValidity('');
      go(function () { S.range = null; S.from = f.value; S.to = t.value; S.rangeExplicit = true; resetOffsets(); });
    }
    on(apply, 'click', applyCustom);
    on(t, 'keydown', function (e) { if (e.key === 'Enter') applyCustom(); });
    barEl.appendChild(date);

    var cmp = el('label', 'control toggle');
    var cb = el('input'); cb.type = 'checkbox'; cb.id = 'compare'; cb.checked = S.compare;
    cmp.appendChild(cb);
    cmp.appendChild(el('span', '', 'Compare to previous'));
    cmp.title = 'Compare each number with the previous period of equal length';
    if (eff === 'all') {
      // all time has no previous period
      cb.disabled = true;
      cmp.classList.add('disabled');
      cmp.title = 'Choose a date range to compare it with the period before';
    }
    on(cb, 'change', function () { go(function () { S.compare = cb.checked; }); });
    barEl.appendChild(cmp);

    (page.filters || []).forEach(function (flt) {
      if (flt.kind === 'date') return;
      barEl.appendChild(multiSelect(flt));
    });
  }

  function resetOffsets() { S.offset = {}; }

  var openPop = null;
  function closePop() { if (openPop) { openPop.remove(); openPop = null; } }
  on(document, 'click', function (e) {
    if (openPop && !openPop.contains(e.target) && !(openPop.owner && openPop.owner.contains(e.target))) closePop();
  });
  on(document, 'keydown', function (e) { if (e.key === 'Escape') closePop(); });

  /* A searchable multi-select fed by /filters/{f}/values?q= */
  function multiSelect(flt) {
    var wrap = el('div', 'control ms');
    wrap.dataset.filter = flt.name;
    var sel = S.filters[flt.name] || [];
    var btn = el('button', 'ms-button' + (sel.length ? ' active' : ''));
    btn.type = 'button';
    btn.setAttribute('aria-haspopup', 'listbox');
    btn.appendChild(el('span', 'control-label', flt.label || flt.name));
    btn.appendChild(el('span', 'ms-value', sel.length === 0 ? 'All' : sel.length === 1 ? sel[0] : sel.length + ' selected'));
    btn.appendChild(el('span', 'caret', '▾'));
    wrap.appendChild(btn);
    on(btn, 'click', function (e) {
      e.stopPropagation();
      if (openPop && openPop.owner === wrap) { closePop(); return; }
      closePop();
      var pop = el('div', 'popover');
      pop.owner = wrap;
      var search = el('input', 'input search');
      search.type = 'search';
      search.placeholder = 'Search ' + (flt.label || flt.name).toLowerCase() + '…';
      search.setAttribute('aria-label', 'Search ' + (flt.label || flt.name));
      pop.appendChild(search);
      var list = el('div', 'ms-list');
      list.setAttribute('role', 'listbox');
      pop.appendChild(list);
      var foot = el('div', 'ms-foot');
      var clr = el('button', 'btn btn-ghost', 'Clear');
      clr.type = 'button';
      on(clr, 'click', function () { closePop(); go(function () { delete S.filters[flt.name]; delete S.src[flt.name]; resetOffsets(); }); });
      foot.appendChild(clr);
      pop.appendChild(foot);
      wrap.appendChild(pop);
      openPop = pop;
      var seq = 0, timer = null;
      function load() {
        var my = ++seq;
        list.classList.add('loading');
        getJson(API + '/dashboards/' + encodeURIComponent(S.board) + '/filters/' + encodeURIComponent(flt.name) +
          '/values?q=' + encodeURIComponent(search.value))
          .then(function (j) {
            if (my !== seq) return;
            list.classList.remove('loading');
            fill(j.values || []);
          }, function (err) {
            if (my !== seq) return;
            list.classList.remove('loading');
            clear(list).appendChild(el('div', 'ms-empty error-text', err.message));
          });
      }
      function fill(values) {
        clear(list);
        var cur = S.filters[flt.name] || [];
        // the selected values first, even when the search does not list them
        var all = cur.filter(function (v) { return values.indexOf(v) < 0 && (!search.value || v.toLowerCase().indexOf(search.value.toLowerCase()) === 0); }).concat(values);
        if (!all.length) list.appendChild(el('div', 'ms-empty', 'No values'));
        all.forEach(function (v) {
          var row = el('label', 'ms-option');
          row.setAttribute('role', 'option');
          var c = el('input'); c.type = 'checkbox'; c.checked = cur.indexOf(v) >= 0; c.value = v;
          row.appendChild(c);
          row.appendChild(el('span', '', v));
          on(c, 'change', function () {
            go(function () {
              var now = (S.filters[flt.name] || []).slice();
              var i = now.indexOf(v);
              if (c.checked && i < 0) now.push(v);
              if (!c.checked && i >= 0) now.splice(i, 1);
              if (now.length) S.filters[flt.name] = now; else delete S.filters[flt.name];
              delete S.src[flt.name];
              resetOffsets();
            });
          });
          list.appendChild(row);
        });
      }
      on(search, 'input', function () { clearTimeout(timer); timer = setTimeout(load, 150); });
      load();
      search.focus();
    });
    return wrap;
  }

  function renderChips() {
    clear(chipsEl);
    var dims = Object.keys(S.filters).sort();
    if (!dims.length) { chipsEl.classList.add('hidden'); return; }
    chipsEl.classList.remove('hidden');
    chipsEl.appendChild(el('span', 'muted', 'Filtered by'));
    dims.forEach(function (d) {
      var chip = el('span', 'chip' + (S.src[d] ? ' chip-cross' : ''));
      chip.dataset.dim = d;
      chip.appendChild(el('span', 'chip-label', dimLabel(d) + ':'));
      chip.appendChild(el('span', 'chip-value', S.filters[d].join(', ')));
      var x = el('button', 'chip-x', '×');
      x.type = 'button';
      x.setAttribute('aria-label', 'Remove the filter on ' + dimLabel(d));
      on(x, 'click', function () { go(function () { delete S.filters[d]; delete S.src[d]; resetOffsets(); }); });
      chip.appendChild(x);
      chipsEl.appendChild(chip);
    });
    if (dims.length > 1) {
      var all = el('button', 'btn btn-ghost', 'Clear all');
      all.type = 'button';
      on(all, 'click', function () { go(function () { S.filters = {}; S.src = {}; resetOffsets(); }); });
      chipsEl.appendChild(all);
    }
  }

  /* cross-filter: a click on a value of dim in tile t toggles it */
  function crossFilter(t, dim, value) {
    if (value === null || value === undefined || (value === 'Others' && t.type !== 'table')) return;
    value = String(value);
    go(function () {
      var cur = S.filters[dim] || [];
      if (cur.length === 1 && cur[0] === value) { delete S.filters[dim]; delete S.src[dim]; }
      else { S.filters[dim] = [value]; S.src[dim] = t.name; }
      resetOffsets();
    });
  }

  /* ------------------------------------------------------------ tiles */

  function buildGrid() {
    clear(gridEl);
    Object.keys(tiles).forEach(function (k) { if (tiles[k].chart) tiles[k].chart.dispose(); });
    tiles = {};
    var page = currentPage();
    if (!page.tiles || !page.tiles.length) {
      gridEl.appendChild(el('div', 'empty-page', 'This page has no tiles.'));
      return;
    }
    page.tiles.forEach(function (t) {
      var v = makeTile(t);
      tiles[t.name] = v;
      gridEl.appendChild(v.card);
    });
  }

  function makeTile(t) {
    var card = el('section', 'card w-' + Math.max(1, Math.min(12, t.width || 6)) + ' type-' + t.type);
    card.dataset.tile = t.name;
    card.dataset.type = t.type;
    card.dataset.state = 'loading';
    var head = el('div', 'card-head');
    var title = el('h2', 'card-title', t.title || (t.type === 'text' ? '' : t.name));
    if (t.type === 'text' && !t.title) head.classList.add('card-head-bare');
    if (t.description) {
      var info = el('span', 'info', 'i');
      info.title = t.description;
      info.setAttribute('aria-label', t.description);
      title.appendChild(info);
    }
    head.appendChild(title);
    var actions = el('div', 'card-actions');
    head.appendChild(actions);
    card.appendChild(head);
    // the active filters this tile's view cannot apply (the answer's
    // not_filtered_by): said on the tile, never silently ignored
    var note = el('div', 'card-note hidden');
    note.setAttribute('role', 'note');
    card.appendChild(note);
    var body = el('div', 'card-body');
    card.appendChild(body);
    var status = el('div', 'card-status');
    card.appendChild(status);
    var v = { spec: t, card: card, note: note, body: body, status: status, actions: actions, chart: null, data: null, key: null, seq: 0, ctl: null };

    if (t.type === 'line' || t.type === 'area') {
      var g = el('select', 'select select-sm grain');
      g.setAttribute('aria-label', 'Time grain');
      GRAINS.forEach(function (x) { var o = el('option', '', x[0].toUpperCase() + x.slice(1)); o.value = x; g.appendChild(o); });
      on(g, 'change', function () { go(function () { S.grain[t.name] = g.value; }); });
      v.grainSel = g;
      actions.appendChild(g);
    }
    if (t.type !== 'text') {
      var menu = el('div', 'menu');
      var mb = el('button', 'icon-btn', '⋯');
      mb.type = 'button';
      mb.title = 'More';
      mb.setAttribute('aria-label', 'Tile actions');
      menu.appendChild(mb);
      var items = el('div', 'menu-items hidden');
      var sqlB = el('button', 'menu-item view-sql', 'View SQL');
      sqlB.type = 'button';
      on(sqlB, 'click', function () { items.classList.add('hidden'); showSql(v); });
      items.appendChild(sqlB);
      if (t.type !== 'table' && t.type !== 'kpi') {
        var png = el('button', 'menu-item png', 'Download PNG');
        png.type = 'button';
        on(png, 'click', function () { items.classList.add('hidden'); downloadPng(v); });
        items.appendChild(png);
      }
      var csv = el('a', 'menu-item csv', 'Download CSV');
      csv.setAttribute('download', t.name + '.csv');
      v.csvLink = csv;
      items.appendChild(csv);
      menu.appendChild(items);
      on(mb, 'click', function (e) {
        e.stopPropagation();
        var hidden = items.classList.contains('hidden');
        document.querySelectorAll('.menu-items').forEach(function (m) { m.classList.add('hidden'); });
        if (hidden) items.classList.remove('hidden');
      });
      actions.appendChild(menu);
    }
    return v;
  }
  on(document, 'click', function () {
    document.querySelectorAll('.menu-items').forEach(function (m) { m.classList.add('hidden'); });
  });

  function tileUrl(t, csv) {
    var q = tileParams(t, csv);
    return API + '/dashboards/' + encodeURIComponent(S.board) + '/tiles/' + encodeURIComponent(t.name) +
      (csv ? '.csv' : '') + (q ? '?' + q : '');
  }

  function setState(v, state, msg) {
    v.card.dataset.state = state;
    clear(v.status);
    v.status.className = 'card-status';
    if (state === 'loading') {
      v.status.classList.add('is-loading');
      v.status.appendChild(el('span', 'spinner'));
    } else if (state === 'error') {
      v.status.classList.add('is-error');
      v.status.appendChild(el('strong', '', 'This tile could not load'));
      v.status.appendChild(el('span', 'error-text', msg));
    } else if (state === 'empty') {
      v.status.classList.add('is-empty');
      v.status.appendChild(el('span', '', msg || 'No data for these filters'));
    }
  }

  function refreshTiles(force) {
    Object.keys(tiles).forEach(function (k) {
      var v = tiles[k], t = v.spec;
      if (v.grainSel) v.grainSel.value = S.grain[t.name] || S.globalGrain || t.grain || 'day';
      if (v.csvLink) v.csvLink.href = tileUrl(t, true);
      var url = tileUrl(t, false);
      if (!force && url === v.key) {
        // same answer: only the cross-filter marks of the clicked tile change
        if (t.type === 'table' && v.data && v.card.dataset.state === 'loaded') renderTable(v, v.data);
        else highlight(v);
        return;
      }
      v.key = url;
      loadTile(v, url);
    });
  }

  // "Not filtered by Customer segment, Country — stock has no customer":
  // one line per reason, the filters' labels in the answer's order
  function renderNote(v, j) {
    var nf = (j && j.not_filtered_by) || [];
    clear(v.note);
    v.card.dataset.unfiltered = nf.map(function (x) { return x.filter; }).join(' ');
    if (!nf.length) { v.note.classList.add('hidden'); return; }
    var byReason = [], labels = {};
    nf.forEach(function (x) {
      if (!has(labels, x.reason)) { labels[x.reason] = []; byReason.push(x.reason); }
      labels[x.reason].push(x.label || x.filter);
    });
    byReason.forEach(function (r) {
      var line = el('div', 'card-note-line');
      line.appendChild(el('span', 'card-note-icon', '⊘'));
      line.appendChild(el('span', '', 'Not filtered by '));
      line.appendChild(el('strong', '', labels[r].join(', ')));
      line.appendChild(el('span', '', ' — ' + r));
      v.note.appendChild(line);
    });
    v.note.title = 'These page filters do not apply to this tile; its numbers ignore them.';
    v.note.classList.remove('hidden');
  }

  function loadTile(v, url) {
    var my = ++v.seq;
    if (v.ctl) v.ctl.abort();
    v.ctl = typeof AbortController === 'function' ? new AbortController() : null;
    setState(v, 'loading');
    getJson(url, { signal: v.ctl && v.ctl.signal }).then(function (j) {
      if (my !== v.seq) return;
      v.data = j;
      renderNote(v, j);
      var rd = document.getElementById('range-dates');
      if (rd && j.from && j.to) rd.textContent = fmtDay(j.from) + ' – ' + fmtDay(j.to);
      try {
        var empty = renderTile(v, j);
        setState(v, empty ? 'empty' : 'loaded');
      } catch (e) {
        setState(v, 'error', 'Could not draw this tile: ' + e.message);
        if (window.console) console.warn(e);
      }
    }, function (err) {
      if (my !== v.seq || err.name === 'AbortError') return;
      v.data = null;
      renderNote(v, null);
      clear(v.body);
      if (v.chart) { v.chart.dispose(); v.chart = null; }
      setState(v, 'error', err.message);
    });
  }

  function chartIn(v, cls) {
    if (v.chart && v.chartHost && v.chartHost.parentNode === v.body && v.chartHost.className === cls) return v.chart;
    if (v.chart) { v.chart.dispose(); v.chart = null; }
    clear(v.body);
    var host = el('div', cls);
    v.body.appendChild(host);
    v.chartHost = host;
    v.chart = echarts.init(host, null, { renderer: 'canvas' });
    return v.chart;
  }

  function renderTile(v, j) {
    var t = v.spec;
    switch (t.type) {
      case 'kpi': return renderKpi(v, j);
      case 'line': case 'area': return renderLine(v, j);
      case 'bar': return renderBar2(v, j);
      case 'pie': case 'donut': return renderPie(v, j);
      case 'table': return renderTable(v, j);
      case 'funnel': return renderFunnel(v, j);
      case 'heatmap': return renderHeatmap(v, j);
      case 'text': return renderText(v, j);
      default:
        clear(v.body).appendChild(el('p', 'muted', 'Unknown tile type ' + t.type));
        return false;
    }
  }

  function measureCols(j) { return (j.columns || []).filter(function (c) { return c.type === 'measure'; }); }
  function colIndex(j, name) {
    for (var i = 0; i < j.columns.length; i++) if (j.columns[i].name === name) return i;
    return -1;
  }

  var AXIS = { color: '#5b6675', fontSize: 11 };
  var GRIDLINE = { lineStyle: { color: '#eceff3' } };
  function tooltipBase() {
    return { backgroundColor: '#fff', borderColor: '#d9dee5', textStyle: { color: '#1f2933', fontSize: 12 }, confine: true };
  }

  /* ---- KPI */
  /* the change from prev to val: {txt, cls: up|down|flat}, or null when
   * either is missing (a percent moves in points, from 0 it is "new") */
  function deltaOf(val, prev, format) {
    if (val === null || prev === null || val === undefined || prev === undefined ||
        typeof val !== 'number' || typeof prev !== 'number') return null;
    if (format === 'percent') {
      var pts = (val - prev) * 100;
      return { txt: (pts >= 0 ? '+' : '') + nfPct.format(pts) + ' pts', cls: pts > 0 ? 'up' : pts < 0 ? 'down' : 'flat' };
    }
    if (prev === 0) return { txt: val === 0 ? '0%' : 'new', cls: val > 0 ? 'up' : val < 0 ? 'down' : 'flat' };
    var d = (val - prev) / Math.abs(prev);
    return { txt: (d >= 0 ? '+' : '') + nfPct.format(d * 100) + '%', cls: d > 0 ? 'up' : d < 0 ? 'down' : 'flat' };
  }

  function renderKpi(v, j) {
    var b = clear(v.body);
    if (v.chart) { v.chart.dispose(); v.chart = null; }
    var col = measureCols(j)[0] || { format: null };
    var val = j.rows && j.rows[0] ? j.rows[0][0] : null;
    var box = el('div', 'kpi');
    var big = el('div', 'kpi-value', fmt(val, col.format, true));
    big.title = fmt(val, col.format);
    big.dataset.value = val === null ? '' : String(val);
    box.appendChild(big);
    var prev = j.previous && j.previous.rows && j.previous.rows[0] ? j.previous.rows[0][0] : null;
    var delta = el('div', 'kpi-delta');
    var dd = j.previous ? deltaOf(val, prev, col.format) : null;
    if (dd) {
      var cls = dd.cls, txt = dd.txt;
      delta.classList.add(cls);
      delta.appendChild(el('span', 'arrow', cls === 'up' ? '▲' : cls === 'down' ? '▼' : '■'));
      delta.appendChild(el('span', 'delta-value', txt));
      delta.appendChild(el('span', 'muted', ' vs ' + fmt(prev, col.format, true) + ' the period before'));
      delta.title = 'Previous period: ' + fmtDay(j.previous.from) + ' – ' + fmtDay(j.previous.to) + ' (' + fmt(prev, col.format) + ')';
    } else if (j.previous) {
      delta.appendChild(el('span', 'muted', 'no data in the previous period'));
    } else {
      delta.appendChild(el('span', 'muted', j.from ? fmtDay(j.from) + ' – ' + fmtDay(j.to) : 'All time'));
    }
    box.appendChild(delta);
    b.appendChild(box);
    var sp = j.sparkline || [];
    if (sp.length > 1) {
      var host = el('div', 'sparkline');
      b.appendChild(host);
      v.chartHost = host;
      v.chart = echarts.init(host, null, { renderer: 'canvas' });
      v.chart.setOption({
        animation: false,
        grid: { left: 0, right: 0, top: 4, bottom: 0 },
        xAxis: { type: 'category', show: false, boundaryGap: false, data: sp.map(function (r) { return r[0]; }) },
        yAxis: { type: 'value', show: false, scale: true },
        tooltip: Object.assign(tooltipBase(), {
          trigger: 'axis', formatter: function (ps) { var p = ps[0]; return tip(fmtDay(p.name), [[null, '', fmt(p.value, col.format)]]); }
        }),
        series: [{ type: 'line', data: sp.map(function (r) { return r[1]; }), showSymbol: false, smooth: 0.3, connectNulls: true,
          lineStyle: { width: 1.5, color: PALETTE[0] }, areaStyle: { color: 'rgba(59,111,182,0.10)' } }]
      });
    }
    return val === null && !sp.length;
  }

  /* A tooltip as DOM (the CSP forbids the style attributes of ECharts'
   * HTML markers): a title, then one line per item [colour, label, value]. */
  function tip(title, items) {
    var d = el('div', 'tip');
    if (title) d.appendChild(el('div', 'tip-title', title));
    items.forEach(function (it) {
      var line = el('div', 'tip-line');
      if (it[0]) {
        var dot = el('span', 'tip-dot');
        dot.style.backgroundColor = typeof it[0] === 'string' ? it[0] : '#888';
        line.appendChild(dot);
      }
      if (it[1]) line.appendChild(el('span', 'tip-label', it[1]));
      line.appendChild(el('b', 'tip-value', it[2]));
      d.appendChild(line);
    });
    return d;
  }

  /* ---- line / area */
  function renderLine(v, j) {
    var t = v.spec;
    var ms = measureCols(j);
    var rows = j.rows || [];
    if (!rows.length) { clear(v.body); if (v.chart) { v.chart.dispose(); v.chart = null; } return true; }
    var grain = j.grain || t.grain;
    var x = rows.map(function (r) { return r[0]; });
    var fmts = ms.map(function (m) { return m.format; });
    var twoAxes = ms.length === 2 && fmts[0] !== fmts[1];
    var series = ms.map(function (m, i) {
      return {
        name: m.label || m.name, type: 'line', yAxisIndex: twoAxes ? i : 0,
        data: rows.map(function (r) { return r[i + 1]; }),
        showSymbol: rows.length < 40, symbolSize: 5, smooth: false,
        lineStyle: { width: 2 }, emphasis: { focus: 'series' },
        areaStyle: t.type === 'area' ? { opacity: ms.length > 1 ? 0.25 : 0.18 } : undefined,
        stack: t.type === 'area' && ms.length > 1 && !twoAxes ? 'total' : undefined
      };
    });
    var prevRows = j.previous && j.previous.rows;
    if (prevRows && prevRows.length) {
      // the previous period drawn over this one: by day, its dates moved
      // forward by the periods' distance
      // (days); weeks, months and quarters pair by position
      var shift = grain === 'day' && j.from && j.previous.from ? dayNum(j.from) - dayNum(j.previous.from) : null;
      var byDay = {};
      if (shift !== null) prevRows.forEach(function (r) { byDay[dayNum(r[0]) + shift] = r; });
      var prevAt = function (k) { return shift === null ? prevRows[k] : byDay[dayNum(x[k])]; };
      ms.forEach(function (m, i) {
        series.push({
          name: (m.label || m.name) + ' (previous period)', type: 'line', yAxisIndex: twoAxes ? i : 0,
          data: x.map(function (_, k) { var r = prevAt(k); return r ? r[i + 1] : null; }), connectNulls: true,
          showSymbol: false, lineStyle: { width: 1.5, type: 'dashed', opacity: 0.7 }, itemStyle: { opacity: 0.7 },
          color: PALETTE[i % PALETTE.length]
        });
      });
    }
    var yAxes = (twoAxes ? ms : [ms[0]]).map(function (m) {
      return { type: 'value', axisLabel: Object.assign({ formatter: function (val) { return fmt(val, m.format, 'axis'); } }, AXIS),
        splitLine: GRIDLINE };
    });
    var c = chartIn(v, 'chart');
    c.setOption({
      color: PALETTE, animationDuration: 300,
      grid: { left: 12, right: twoAxes ? 16 : 32, top: 36, bottom: 56, containLabel: true },
      legend: { top: 0, left: 0, type: 'scroll', textStyle: { color: '#3d4752', fontSize: 12 }, icon: 'roundRect', itemWidth: 12, itemHeight: 8 },
      tooltip: Object.assign(tooltipBase(), {
        trigger: 'axis',
        formatter: function (ps) {
          return tip(fmtTime(ps[0].name, grain), ps.map(function (p) {
            var m = ms[p.seriesIndex % ms.length];
            return [p.color, p.seriesName, fmt(p.value, m && m.format)];
          }));
        }
      }),
      xAxis: { type: 'category', data: x, boundaryGap: false,
        axisLabel: Object.assign({ formatter: function (s) { return fmtTime(s, grain); }, hideOverlap: true }, AXIS),
        axisLine: { lineStyle: { color: '#c9d0d9' } } },
      yAxis: yAxes,
      dataZoom: [{ type: 'inside', throttle: 50 }, { type: 'slider', height: 18, bottom: 8, borderColor: '#e3e7ec',
        textStyle: { color: '#5b6675', fontSize: 10 }, labelFormatter: function (i, s) { return fmtTime(s, grain); } }],
      series: series
    }, true);
    return false;
  }

  /* ---- bar (vertical / horizontal, stacked by a breakdown) */
  function renderBar2(v, j) {
    var t = v.spec;
    var rows = j.rows || [];
    if (!rows.length) { clear(v.body); if (v.chart) { v.chart.dispose(); v.chart = null; } return true; }
    var ms = measureCols(j);
    var dim = j.columns[0];
    var horizontal = t.orientation === 'horizontal';
    var cats = [], series = [];
    var breakdown = j.columns[1] && j.columns[1].type === 'dimension';
    if (breakdown) {
      var keys = [], cell = {};
      rows.forEach(function (r) {
        var c = String(r[0]), k = r[1] === null ? '(none)' : String(r[1]);
        if (cats.indexOf(c) < 0) cats.push(c);
        if (keys.indexOf(k) < 0) keys.push(k);
        cell[c + '\u0000' + k] = r[2];
      });
      series = keys.map(function (k) {
        return { name: k, type: 'bar', stack: 'total', barMaxWidth: 48, emphasis: { focus: 'series' },
          data: cats.map(function (c) { var x = cell[c + '\u0000' + k]; return x === undefined ? null : x; }) };
      });
    } else {
      cats = rows.map(function (r) { return r[0] === null ? '(none)' : String(r[0]); });
      series = ms.map(function (m, i) {
        return { name: m.label || m.name, type: 'bar', barMaxWidth: 48, barGap: '10%', emphasis: { focus: 'series' },
          data: rows.map(function (r) { return r[i + 1]; }) };
      });
      var prevRows = j.previous && j.previous.rows;
      if (prevRows && prevRows.length) {
        var byName = {};
        prevRows.forEach(function (r) { byName[String(r[0])] = r; });
        ms.forEach(function (m, i) {
          series.push({ name: (m.label || m.name) + ' (previous period)', type: 'bar', barMaxWidth: 48,
            itemStyle: { color: '#c3cdd9' },
            data: cats.map(function (c) { return byName[c] ? byName[c][i + 1] : null; }) });
        });
      }
    }
    var vfmt = breakdown ? ms[0].format : null;
    var valAxis = { type: 'value', splitLine: GRIDLINE,
      axisLabel: Object.assign({ formatter: function (x) { return fmt(x, (breakdown ? ms[0] : ms[0]).format, 'axis'); } }, AXIS) };
    var catAxis = { type: 'category', data: cats, axisTick: { alignWithLabel: true }, axisLine: { lineStyle: { color: '#c9d0d9' } },
      axisLabel: Object.assign({ width: horizontal ? 150 : 110, overflow: 'truncate', interval: horizontal ? 0 : 'auto',
        hideOverlap: !horizontal, rotate: !horizontal && cats.length > 8 ? 30 : 0 }, AXIS) };
    if (horizontal) catAxis.inverse = true;
    var showLegend = series.length > 1;
    var c = chartIn(v, 'chart');
    // horizontal bars get the height their labels need (a row per value)
    var want = horizontal ? Math.max(300, Math.min(900, cats.length * (breakdown ? 22 : 14 + 8 * series.length) + 70)) : 300;
    if (v.chartHost.offsetHeight !== want) { v.chartHost.style.height = want + 'px'; c.resize(); }
    c.setOption({
      color: PALETTE, animationDuration: 300,
      grid: { left: 12, right: 24, top: showLegend ? 36 : 12, bottom: 8, containLabel: true },
      legend: showLegend ? { top: 0, left: 0, type: 'scroll', textStyle: { color: '#3d4752', fontSize: 12 }, icon: 'roundRect', itemWidth: 12, itemHeight: 8 } : { show: false },
      tooltip: Object.assign(tooltipBase(), {
        trigger: 'axis', axisPointer: { type: 'shadow' },
        formatter: function (ps) {
          return tip(ps[0].name, ps.filter(function (p) { return p.value !== null && p.value !== undefined; }).map(function (p) {
            var f = breakdown ? vfmt : (ms[p.seriesIndex % ms.length] || {}).format;
            return [p.color, p.seriesName, fmt(p.value, f)];
          }));
        }
      }),
      xAxis: horizontal ? valAxis : catAxis,
      yAxis: horizontal ? catAxis : valAxis,
      series: series
    }, true);
    c.off('click');
    c.on('click', function (p) { crossFilter(t, dim.name, p.name === '(none)' ? null : p.name); });
    v.cats = cats;
    v.dim = dim.name;
    highlight(v);
    if (!breakdown)
      chartKeys(v, t, dim.name, cats.map(function (name, i) { return { name: name, value: rows[i][1] }; }), ms[0].format);
    else
      chartKeys(v, t, dim.name, cats.map(function (name) { return { name: name, value: rows.filter(function (r) { return String(r[0]) === name; }).reduce(function (a, r) { return a + (typeof r[2] === 'number' ? r[2] : 0); }, 0) }; }), ms[0].format);
    return false;
  }

  /* ---- pie / donut (top N + Others, computed by the server) */
  function renderPie(v, j) {
    var t = v.spec;
    var rows = j.rows || [];
    if (!rows.length) { clear(v.body); if (v.chart) { v.chart.dispose(); v.chart = null; } return true; }
    var m = measureCols(j)[0] || {};
    var dim = j.columns[0];
    var data = rows.map(function (r, i) {
      var name = r[0] === null ? '(none)' : String(r[0]);
      var d = { name: name, value: r[1] };
      if (name === 'Others' && i === rows.length - 1) d.itemStyle = { color: OTHERS_COLOR };
      return d;
    });
    var total = rows.reduce(function (a, r) { return a + (typeof r[1] === 'number' ? r[1] : 0); }, 0);
    var c = chartIn(v, 'chart');
    c.setOption({
      color: PALETTE, animationDuration: 300,
      tooltip: Object.assign(tooltipBase(), {
        trigger: 'item',
        formatter: function (p) { return tip(null, [[p.color, p.name, fmt(p.value, m.format) + ' (' + nfPct.format(p.percent) + '%)']]); }
      }),
      legend: { type: 'scroll', orient: 'vertical', right: 8, top: 'middle', textStyle: { color: '#3d4752', fontSize: 12, width: 160, overflow: 'truncate' },
        icon: 'circle', itemWidth: 9, itemHeight: 9,
        formatter: function (name) {
          var d = data.filter(function (x) { return x.name === name; })[0];
          return name + (d && total ? '  ' + nfPct.format(d.value / total * 100) + '%' : '');
        } },
      series: [{
        type: 'pie', radius: t.type === 'donut' ? ['45%', '72%'] : [0, '72%'], center: ['34%', '52%'],
        selectedMode: 'multiple', selectedOffset: 6, avoidLabelOverlap: true,
        itemStyle: { borderColor: '#fff', borderWidth: 1.5 },
        label: { show: true, position: 'inside', formatter: function (p) { return p.percent >= 6 ? nfPct.format(p.percent) + '%' : ''; },
          color: '#fff', fontSize: 11 },
        labelLine: { show: false },
        data: data
      }]
    }, true);
    c.off('click');
    c.on('click', function (p) { crossFilter(t, dim.name, p.name === '(none)' ? null : p.name); });
    v.cats = data.map(function (d) { return d.name; });
    v.dim = dim.name;
    highlight(v);
    chartKeys(v, t, dim.name, data, m.format);
    return false;
  }

  /* Keyboard and screen-reader access to a canvas chart's cross-filter: one
   * button per slice or bar, named by its value and number (Enter or Space
   * filters the page by it, as a click on the chart does; aria-pressed says
   * which one filters now), kept out of sight until one has the focus.
   * items: [{name, value}] in the chart's order. */
  function chartKeys(v, t, dimName, items, format) {
    // a re-render after Enter keeps the keyboard where it was
    var had = v.keysEl && v.keysEl.contains(document.activeElement) ? document.activeElement.dataset.value : null;
    if (v.keysEl && v.keysEl.parentNode) v.keysEl.parentNode.removeChild(v.keysEl);
    var chosen = S.src[dimName] === t.name ? (S.filters[dimName] || []) : [];
    var box = el('div', 'chart-keys');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', (t.title || t.name) + ': filter the page by a value');
    items.forEach(function (it) {
      var b = el('button', 'chart-key', it.name + ': ' + fmt(it.value, format));
      b.type = 'button';
      b.dataset.value = it.name;
      if (it.name === 'Others' || it.name === '(none)') {
        b.disabled = true; // not a value to filter by
      } else {
        b.setAttribute('aria-pressed', chosen.indexOf(it.name) >= 0 ? 'true' : 'false');
        b.title = 'Filter the page by ' + dimName + ' = ' + it.name;
        on(b, 'click', function () { crossFilter(t, dimName, it.name); });
      }
      box.appendChild(b);
    });
    if (v.chartHost) {
      v.chartHost.setAttribute('role', 'img');
      v.chartHost.setAttribute('aria-label', (t.title || t.name) + ' (' + t.type + ' chart; the values follow as buttons)');
    }
    v.body.appendChild(box);
    v.keysEl = box;
    if (had !== null) {
      var again = Array.prototype.filter.call(box.children, function (b) { return b.dataset.value === had; })[0];
      if (again) again.focus();
    }
  }

  /* The tile a cross-filter came from shows every value: mark the chosen ones. */
  function highlight(v) {
    if (!v.chart || !v.dim || !v.cats) return;
    var chosen = S.src[v.dim] === v.spec.name ? (S.filters[v.dim] || []) : [];
    var t = v.spec.type;
    if (v.keysEl)
      Array.prototype.forEach.call(v.keysEl.querySelectorAll('button:not([disabled])'), function (b) {
        b.setAttribute('aria-pressed', chosen.indexOf(b.dataset.value) >= 0 ? 'true' : 'false');
      });
    if (t === 'pie' || t === 'donut') {
      v.cats.forEach(function (name, i) {
        v.chart.dispatchAction({ type: chosen.indexOf(name) >= 0 ? 'select' : 'unselect', seriesIndex: 0, dataIndex: i });
      });
    } else if (t === 'bar') {
      var opt = v.chart.getOption();
      var series = opt.series.map(function (s) {
        return { data: s.data.map(function (d, i) {
          var val = d && typeof d === 'object' && has(d, 'value') ? d.value : d;
          var dim = chosen.length && chosen.indexOf(v.cats[i]) < 0;
          return { value: val, itemStyle: { opacity: dim ? 0.3 : 1 } };
        }) };
      });
      v.chart.setOption({ series: series });
    }
  }

  /* ---- table: server-side paging and sort */
  function renderTable(v, j) {
    var t = v.spec;
    if (v.chart) { v.chart.dispose(); v.chart = null; }
    var b = clear(v.body);
    var cols = j.columns || [];
    var rows = j.rows || [];
    var offset = j.offset || 0, limit = j.limit || t.page_size || 100, total = j.total || 0;
    var sort = j.sort || '';
    // compare: the previous period's measures of each row, after each measure
    var prevRows = j.previous && j.previous.rows && j.previous.rows.length === rows.length ? j.previous.rows : null;
    var mIndex = {};
    cols.filter(function (c) { return c.type === 'measure'; }).forEach(function (c, k) { mIndex[c.name] = k; });
    var wrap = el('div', 'table-wrap');
    var table = el('table', 'data');
    var thead = el('thead'), tr = el('tr');
    cols.forEach(function (c) {
      var th = el('th', c.type === 'measure' ? 'num' : '');
      th.dataset.col = c.name;
      var btn = el('button', 'sort');
      btn.type = 'button';
      btn.appendChild(el('span', '', c.label || c.name));
      var dir = sort === c.name ? 'asc' : sort === '-' + c.name ? 'desc' : '';
      if (dir) { btn.appendChild(el('span', 'sort-ind', dir === 'asc' ? '▲' : '▼')); th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending'); }
      btn.title = 'Sort by ' + (c.label || c.name);
      on(btn, 'click', function () {
        var next = dir === 'desc' ? c.name : dir === 'asc' ? '-' + c.name : (c.type === 'measure' ? '-' : '') + c.name;
        go(function () { S.sort[t.name] = next; S.offset[t.name] = 0; });
      });
      th.appendChild(btn);
      tr.appendChild(th);
      if (prevRows && c.type === 'measure') {
        var lab = c.label || c.name;
        var thp = el('th', 'num prev', lab + ' (prev.)');
        thp.title = lab + ' in the previous period: ' + fmtDay(j.previous.from) + ' – ' + fmtDay(j.previous.to);
        thp.dataset.col = c.name + ':previous';
        tr.appendChild(thp);
        var thd = el('th', 'num prev', 'Δ');
        thd.title = 'Change of ' + lab + ' from the previous period';
        thd.setAttribute('aria-label', 'Change of ' + lab);
        thd.dataset.col = c.name + ':delta';
        tr.appendChild(thd);
      }
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = el('tbody');
    var firstDim = -1;
    cols.forEach(function (c, i) { if (firstDim < 0 && c.type === 'dimension') firstDim = i; });
    rows.forEach(function (r, ri) {
      var row = el('tr');
      var chosen = false;
      cols.forEach(function (c, i) {
        var td = el('td', c.type === 'measure' ? 'num' : 'dim', fmt(r[i], c.type === 'measure' ? c.format : null));
        if (c.type === 'dimension' && S.src[c.name] === t.name && (S.filters[c.name] || []).indexOf(String(r[i])) >= 0) chosen = true;
        if (c.type === 'dimension') td.title = r[i] === null ? '' : String(r[i]);
        td.dataset.col = c.name;
        row.appendChild(td);
        if (prevRows && c.type === 'measure') {
          var pv = prevRows[ri][mIndex[c.name]];
          var tdp = el('td', 'num prev', pv === null ? '–' : fmt(pv, c.format));
          tdp.dataset.col = c.name + ':previous';
          row.appendChild(tdp);
          var dd = deltaOf(r[i], pv, c.format);
          var tdd = el('td', 'num delta' + (dd ? ' ' + dd.cls : ''), dd ? dd.txt : '–');
          tdd.dataset.col = c.name + ':delta';
          row.appendChild(tdd);
        }
      });
      if (chosen) row.classList.add('chosen');
      if (firstDim >= 0) {
        row.classList.add('clickable');
        on(row, 'click', function (ev) {
          var td = ev.target.closest('td');
          var ci = td ? cols.findIndex(function (c) { return c.name === td.dataset.col; }) : firstDim;
          if (ci < 0 || cols[ci].type !== 'dimension') ci = firstDim;
          crossFilter(t, cols[ci].name, r[ci]);
        });
      }
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    b.appendChild(wrap);

    var pager = el('div', 'pager');
    var info = el('span', 'pager-info', total ? nfInt.format(offset + 1) + ' – ' + nfInt.format(Math.min(offset + rows.length, total)) + ' / ' + nfInt.format(total) : '0 rows');
    pager.appendChild(info);
    var nav = el('span', 'pager-nav');
    function pbtn(label, aria, off, disabled) {
      var x = el('button', 'btn btn-sm', label);
      x.type = 'button';
      x.setAttribute('aria-label', aria);
      x.disabled = disabled;
      on(x, 'click', function () { go(function () { S.offset[t.name] = Math.max(0, off); }); });
      nav.appendChild(x);
    }
    var last = total > 0 ? Math.floor((total - 1) / limit) * limit : 0;
    pbtn('«', 'First page', 0, offset <= 0);
    pbtn('‹', 'Previous page', offset - limit, offset <= 0);
    pbtn('›', 'Next page', offset + limit, offset + limit >= total);
    pbtn('»', 'Last page', last, offset + limit >= total);
    pager.appendChild(nav);
    b.appendChild(pager);
    v.card.dataset.total = String(total);
    return total === 0;
  }

  /* ---- funnel: steps in file order, conversion from the first step */
  function renderFunnel(v, j) {
    var rows = j.rows || [];
    if (!rows.length) { clear(v.body); if (v.chart) { v.chart.dispose(); v.chart = null; } return true; }
    var m = measureCols(j)[0] || {};
    var first = rows[0][1] || 0;
    var c = chartIn(v, 'chart');
    c.setOption({
      color: PALETTE, animationDuration: 300,
      tooltip: Object.assign(tooltipBase(), {
        trigger: 'item',
        formatter: function (p) {
          var i = p.dataIndex, prev = i > 0 ? rows[i - 1][1] : null;
          var items = [[p.color, '', fmt(p.value, m.format)]];
          if (first) items.push([null, 'of ' + rows[0][0] + ':', nfPct.format(p.value / first * 100) + '%']);
          if (prev) items.push([null, 'of the step before:', nfPct.format(p.value / prev * 100) + '%']);
          return tip(p.name, items);
        }
      }),
      series: [{
        type: 'funnel', sort: 'none', left: '8%', right: '8%', top: 12, bottom: 12, minSize: '18%', gap: 3,
        label: { position: 'inside', color: '#fff', fontSize: 12,
          formatter: function (p) { return p.name + '  ' + fmt(p.value, m.format) + (first ? '  (' + nfPct.format(p.value / first * 100) + '%)' : ''); } },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
        data: rows.map(function (r) { return { name: String(r[0]), value: r[1] }; })
      }]
    }, true);
    return false;
  }

  /* ---- heatmap: x, y, measure (cohort retention) */
  function renderHeatmap(v, j) {
    var rows = j.rows || [];
    if (!rows.length) { clear(v.body); if (v.chart) { v.chart.dispose(); v.chart = null; } return true; }
    var m = j.columns[2] || {};
    var xs = [], ys = [];
    rows.forEach(function (r) { if (xs.indexOf(r[0]) < 0) xs.push(r[0]); if (ys.indexOf(r[1]) < 0) ys.push(r[1]); });
    function cmp(a, b) { return typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0; }
    xs.sort(cmp); ys.sort(cmp);
    var xi = {}, yi = {};
    xs.forEach(function (x, i) { xi[String(x)] = i; });
    ys.forEach(function (y, i) { yi[String(y)] = i; });
    var max = 0, min = Infinity;
    rows.forEach(function (r) { if (typeof r[2] === 'number') { max = Math.max(max, r[2]); min = Math.min(min, r[2]); } });
    // the diagonal of a retention matrix (month 0 = 100%) would wash out the
    // scale: colour by the values past the first column when there are any
    var rest = rows.filter(function (r) { return r[0] !== xs[0] && typeof r[2] === 'number'; });
    var vmax = rest.length ? Math.max.apply(null, rest.map(function (r) { return r[2]; })) : max;
    var data = rows.map(function (r) { return [xi[String(r[0])], yi[String(r[1])], r[2]]; });
    function ylab(y) { var s = String(y); return /^\d{4}-\d{2}-01$/.test(s) ? fmtTime(s, 'month') : s; }
    // about 9px a cohort (a year of months = 110px), labels thinned to fit
    var h = Math.max(300, Math.min(760, ys.length * 9 + 90));
    var step = Math.max(0, Math.ceil(14 / ((h - 90) / ys.length)) - 1);
    var xstep = Math.max(0, Math.ceil(22 / (Math.max(400, v.body.clientWidth - 120) / xs.length)) - 1);
    var host = chartIn(v, 'chart chart-tall');
    v.chartHost.style.height = h + 'px';
    host.resize();
    host.setOption({
      animation: false,
      grid: { left: 12, right: 24, top: 12, bottom: 56, containLabel: true },
      tooltip: Object.assign(tooltipBase(), {
        formatter: function (p) {
          return tip(null, [[null, (j.columns[1].label || '') + ':', ylab(ys[p.value[1]])],
            [null, (j.columns[0].label || '') + ':', String(xs[p.value[0]])],
            [p.color, m.label || '', fmt(p.value[2], m.format)]]);
        }
      }),
      xAxis: { type: 'category', data: xs.map(String), name: j.columns[0].label, nameLocation: 'middle', nameGap: 28,
        nameTextStyle: { color: '#5b6675' }, axisLabel: Object.assign({ interval: xstep }, AXIS), splitArea: { show: false } },
      yAxis: { type: 'category', data: ys.map(ylab), inverse: true, axisLabel: Object.assign({ interval: step }, AXIS) },
      visualMap: { min: Math.min(min, 0), max: vmax || 1, calculable: false, orient: 'horizontal', right: 24, bottom: 0,
        itemHeight: 140, itemWidth: 10, textStyle: { color: '#5b6675', fontSize: 10 },
        formatter: function (x) { return fmt(x, m.format); },
        inRange: { color: ['#eef3fa', '#9dbbe0', '#3b6fb6', '#1d3f73'] } },
      series: [{ type: 'heatmap', data: data, progressive: 0,
        label: { show: xs.length <= 16 && ys.length <= 24, fontSize: 10, formatter: function (p) { return fmt(p.value[2], m.format); } },
        itemStyle: { borderColor: '#fff', borderWidth: xs.length * ys.length > 2000 ? 0 : 1 } }]
    }, true);
    return false;
  }

  /* ---- text: markdown, rendered safely. Everything is escaped first;
   * then headings, bold/italic, inline code, code blocks, lists, paragraphs
   * and [links](http(s)://...) are recognized on the escaped text. */
  function renderText(v, j) {
    if (v.chart) { v.chart.dispose(); v.chart = null; }
    var md = j.markdown || v.spec.markdown || '';
    var div = el('div', 'markdown');
    div.appendChild(markdown(md));
    clear(v.body).appendChild(div);
    v.card.classList.add('card-text');
    return !md.trim();
  }

  function inline(src, parent) {
    // tokens: `code`, **bold**, *italic* / _italic_, [text](http(s)://url)
    var re = /`([^`]+)`|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_|\[([^\]]+)\]\(([^)\s]+)\)/g;
    var last = 0, m;
    while ((m = re.exec(src))) {
      if (m.index > last) parent.appendChild(document.createTextNode(src.slice(last, m.index)));
      if (m[1] !== undefined) parent.appendChild(el('code', '', m[1]));
      else if (m[2] !== undefined || m[3] !== undefined) inline(m[2] || m[3], parent.appendChild(el('strong')));
      else if (m[4] !== undefined || m[5] !== undefined) inline(m[4] || m[5], parent.appendChild(el('em')));
      else {
        var url = m[7];
        if (/^https?:\/\/[^\s]+$/i.test(url)) {
          var a = el('a');
          a.href = url;
          a.rel = 'noopener noreferrer';
          a.target = '_blank';
          inline(m[6], a);
          parent.appendChild(a);
        } else parent.appendChild(document.createTextNode(m[0])); // not http(s): shown as text
      }
      last = re.lastIndex;
    }
    if (last < src.length) parent.appendChild(document.createTextNode(src.slice(last)));
    return parent;
  }

  /* Builds DOM nodes (text through createTextNode), so nothing in the
   * markdown can become markup: "escape everything" by construction. */
  function markdown(src) {
    var frag = document.createDocumentFragment();
    var lines = String(src).replace(/\r\n?/g, '\n').split('\n');
    var i = 0, para = [];
    function flush() {
      if (para.length) { frag.appendChild(inline(para.join(' '), el('p'))); para = []; }
    }
    while (i < lines.length) {
      var ln = lines[i], m;
      if (/^\s*$/.test(ln)) { flush(); i++; continue; }
      if (/^```/.test(ln)) {
        flush();
        var code = [];
        i++;
        while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
        i++;
        var pre = el('pre');
        pre.appendChild(el('code', '', code.join('\n')));
        frag.appendChild(pre);
        continue;
      }
      if ((m = /^(#{1,6})\s+(.*)$/.exec(ln))) {
        flush();
        frag.appendChild(inline(m[2].replace(/\s+#+\s*$/, ''), el('h' + Math.min(6, m[1].length + 2))));
        i++;
        continue;
      }
      if (/^\s*([-*+]|\d+[.)])\s+/.test(ln)) {
        flush();
        var ordered = /^\s*\d+[.)]\s+/.test(ln);
        var list = el(ordered ? 'ol' : 'ul');
        while (i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i])) {
          var item = lines[i].replace(/^\s*([-*+]|\d+[.)])\s+/, '');
          i++;
          while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !/^\s*([-*+]|\d+[.)])\s+/.test(lines[i])) item += ' ' + lines[i++].trim();
          list.appendChild(inline(item, el('li')));
        }
        frag.appendChild(list);
        continue;
      }
      para.push(ln.trim());
      i++;
    }
    flush();
    return frag;
  }

  /* ---- View SQL, PNG */
  function showSql(v) {
    var d = document.getElementById('sql-dialog');
    document.getElementById('sql-title').textContent = 'SQL — ' + (v.spec.title || v.spec.name);
    var j = v.data;
    /* every query the tile ran (a KPI's previous period and sparkline, a
     * table's count), each with its own bound values */
    var qs = j && j.queries && j.queries.length ? j.queries : (j && j.sql ? [{ sql: j.sql, params: j.params }] : []);
    var many = qs.length > 1;
    document.getElementById('sql-text').textContent = qs.length
      ? qs.map(function (q, k) { return (many ? '-- query ' + (k + 1) + ' of ' + qs.length + '\n' : '') + q.sql; }).join('\n\n')
      : (j ? 'This tile runs no SQL.' : 'The tile has not loaded.');
    document.getElementById('sql-params').textContent = qs.some(function (q) { return (q.params || []).length; })
      ? qs.map(function (q, k) {
          var ps = q.params || [];
          return (many ? '-- query ' + (k + 1) + '\n' : '') + (ps.length
            ? ps.map(function (p, i) { return '$' + (i + 1) + ' = ' + JSON.stringify(p); }).join('\n') : '(none)');
        }).join('\n') : '(none)';
    if (typeof d.showModal === 'function') d.showModal(); else d.setAttribute('open', '');
  }

  function downloadPng(v) {
    if (!v.chart) return;
    var url = v.chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' });
    var a = el('a');
    a.href = url;
    a.download = v.spec.name + '.png';
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  var resizeTimer = null;
  on(window, 'resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(tiles).forEach(function (k) { if (tiles[k].chart) tiles[k].chart.resize(); });
    }, 80);
  });

  /* ------------------------------------------------------------ routing */

  function route() {
    parseUrl();
    if (dataPage()) {
      if (S.spec) { S.board = S.spec.name; S.page = S.page || (S.spec.pages[0] || {}).name; }
      clear(barEl); clear(chipsEl); clear(bannerEl); built = null;
      renderNav();
      return window.IngotData.render({
        grid: gridEl, banner: showBanner, getJson: getJson, el: el, clear: clear, on: on, navTo: navTo, API: API
      });
    }
    var boards = (S.list && S.list.dashboards) || [];
    if (!boards.length) {
      renderNav();
      clear(gridEl).appendChild(el('div', 'empty-page', 'No dashboards yet: add dashboards/*.yml to the project.'));
      if (S.list) specBanners(S.list);
      return Promise.resolve();
    }
    var b = boards.filter(function (x) { return x.name === S.board; })[0];
    if (!b) {
      if (S.board) showBanner('error', 'No dashboard named “' + S.board + '”; showing ' + (boards[0].title || boards[0].name) + '.');
      b = boards[0];
      S.board = b.name;
      S.page = null;
    }
    if (!S.page || !b.pages.some(function (p) { return p.name === S.page; })) {
      S.page = b.pages.length ? b.pages[0].name : '';
      history.replaceState(null, '', buildUrl());
    }
    var need = !S.spec || S.spec.name !== S.board ? loadSpec(S.board) : Promise.resolve();
    return need.then(function () {
      var key = S.board + '/' + S.page;
      document.title = currentPage().title + ' · ' + (S.spec.title || S.board) + ' · ingot';
      renderNav();
      renderBar();
      renderChips();
      if (built !== key) { buildGrid(); built = key; }
      refreshTiles(false);
    }).catch(function (e) {
      clear(bannerEl);
      showBanner('error', 'Dashboard “' + S.board + '” could not load: ' + e.message);
    });
  }

  function loadSpec(board) {
    return getJson(API + '/dashboards/' + encodeURIComponent(board)).then(function (spec) {
      S.spec = spec;
      built = null;
      specBanners(spec);
    });
  }

  /* Reload the spec when the tab comes back (the server reloads changed
   * files; a fixed file clears its banner). */
  on(document, 'visibilitychange', function () {
    if (document.visibilityState !== 'visible' || !S.spec) return;
    getJson(API + '/dashboards/' + encodeURIComponent(S.board)).then(function (spec) {
      var changed = JSON.stringify(spec) !== JSON.stringify(S.spec);
      S.spec = spec;
      specBanners(spec);
      if (changed) { built = null; route(); }
    }, function () {});
  });

  on(window, 'popstate', function () {
    if (window.IngotPipelines && window.IngotPipelines.handles(location.pathname)) return; /* pipelines.js */
    closePop(); route();
  });

  function loginForm(msg) {
    root = clear(document.getElementById('app'));
    root.appendChild(window.IngotNav.bar({ signin: true }));
    var box = el('form', 'login card');
    box.appendChild(el('h1', '', 'Sign in'));
    box.appendChild(el('p', 'muted', 'This ingot server needs an account to show its dashboards.'));
    var u = el('input', 'input'); u.name = 'user'; u.autocomplete = 'username'; u.required = true; u.id = 'login-user';
    var p = el('input', 'input'); p.name = 'password'; p.type = 'password'; p.autocomplete = 'current-password'; p.required = true; p.id = 'login-password';
    var lu = el('label', '', 'User'); lu.htmlFor = 'login-user';
    var lp = el('label', '', 'Password'); lp.htmlFor = 'login-password';
    box.appendChild(lu); box.appendChild(u); box.appendChild(lp); box.appendChild(p);
    var err = el('p', 'error-text', msg || '');
    box.appendChild(err);
    var sub = el('button', 'btn btn-primary', 'Sign in');
    sub.type = 'submit';
    box.appendChild(sub);
    on(box, 'submit', function (e) {
      e.preventDefault();
      sub.disabled = true;
      err.textContent = '';
      postJson(API + '/login', { user: u.value, password: p.value }).then(function () {
        if (location.pathname === '/login') history.replaceState(null, '', '/');
        start();
      }, function (x) {
        sub.disabled = false;
        err.textContent = x.status === 401 ? 'Wrong user or password.' : x.status === 429 ? 'Too many attempts; wait a minute and try again.' : x.message;
        p.value = '';
        p.focus();
      });
    });
    root.appendChild(box);
    u.focus();
  }

  function fatal(msg) {
    root = clear(document.getElementById('app'));
    var b = el('div', 'banner banner-error');
    b.setAttribute('role', 'alert');
    b.appendChild(el('strong', '', msg));
    root.appendChild(b);
  }

  function start() {
    S.spec = null; built = null;
    return getJson(API + '/me').then(function (me) {
      S.me = me;
      csrf = me.csrf || '';
      if (me.auth && !me.user) { loginForm(); return; }
      if (window.IngotPipelines && window.IngotPipelines.handles(location.pathname)) return window.IngotPipelines.start(me);
      if (typeof echarts === 'undefined') { fatal('The chart library did not load (/assets/echarts.min.js).'); return; }
      shell();
      return getJson(API + '/dashboards').then(function (list) {
        S.list = list;
        return route();
      });
    }).catch(function (e) {
      if (e.status === 401) { loginForm(); return; }
      fatal('The server could not be reached: ' + e.message);
    });
  }

  start();
})();
