/*
 * web/pipelines.js — the pipelines pages of `ingot serve` (issue 14).
 *
 *   /pipelines                      every pipeline: schedule, next run, paused
 *                                   toggle, last 25 runs as squares, duration
 *                                   sparkline, trigger and backfill dialogs
 *   /pipelines/<id>[?run=N&task=T]  graph (tasks by dependency depth, coloured
 *                                   by the selected run), grid (runs x tasks),
 *                                   the run's Gantt chart, a task's log (tailed
 *                                   live over SSE while it runs), actions
 *
 * app.js calls IngotPipelines.start(me, csrf) for these URLs. Live updates:
 * one EventSource on /api/v1/events; a run or task event refetches what the
 * page shows (at most every 150 ms). No inline script or style (strict CSP):
 * styles go through classes and SVG attributes, text through textContent.
 */
(function () {
  'use strict';

  var API = '/api/v1';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var STATES = ['queued', 'scheduled', 'running', 'success', 'failed', 'up_for_retry', 'upstream_failed', 'skipped'];
  var csrf = '', me = null, root = null, events = null, refreshTimer = null, refreshFn = null, logSource = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function on(e, ev, fn) { e.addEventListener(ev, fn); return e; }

  function request(method, url, body) {
    var h = { Accept: 'application/json' };
    if (method === 'POST') { h['Content-Type'] = 'application/json'; h['X-CSRF-Token'] = csrf; }
    return fetch(url, { method: method, credentials: 'same-origin', headers: h,
      body: body === undefined ? undefined : JSON.stringify(body) }).then(function (r) {
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
  function getJson(url) { return request('GET', url); }
  function postJson(url, body) { return request('POST', url, body || {}); }
  function enc(s) { return encodeURIComponent(s); }

  function fmtTime(iso) {
    if (!iso) return '—';
    var d = new Date(iso);
    return d.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  }
  function fmtDur(s) {
    if (s === null || s === undefined) return '—';
    if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + Math.round(s % 60) + 's';
    return Math.floor(s / 3600) + 'h' + Math.round((s % 3600) / 60) + 'm';
  }
  function canAct() { return !me || !me.auth || me.role === 'operator' || me.role === 'admin'; }

  var bannerEl;
  function banner(kind, msg) {
    if (!bannerEl) return;
    var b = el('div', 'banner banner-' + kind);
    b.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    b.appendChild(el('span', '', msg));
    var x = el('button', 'banner-close', '×');
    x.setAttribute('aria-label', 'Dismiss');
    on(x, 'click', function () { b.remove(); });
    b.appendChild(x);
    bannerEl.appendChild(b);
  }
  function act(p, okMsg) {
    return p.then(function (r) { if (okMsg) banner('info', okMsg(r)); refreshSoon(); return r; },
      function (e) { banner('error', e.message); throw e; });
  }

  /* ------------------------------------------------------------ shell and live updates */

  var main;
  function shell(title) {
    root = clear(document.getElementById('app'));
    /* the shared navigation bar (web/nav.js); the pipelines pages and
     * the audit log are this script's, the others app.js's */
    var top = window.IngotNav.bar({ me: me, go: go, owns: handles });
    root.appendChild(top);
    bannerEl = el('div', 'banners');
    root.appendChild(bannerEl);
    main = el('main', 'pl-main');
    root.appendChild(main);
    document.title = title + ' · ingot';
  }

  function refreshSoon() {
    if (refreshTimer || !refreshFn) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; if (refreshFn) refreshFn(); }, 150);
  }

  function listen(filter) {
    if (events) events.close();
    events = new EventSource(API + '/events');
    var h = function (ev) {
      var d = null;
      try { d = JSON.parse(ev.data); } catch (e) { return; }
      if (!filter || filter(d)) refreshSoon();
    };
    events.addEventListener('run', h);
    events.addEventListener('task', h);
    events.addEventListener('reset', function () { refreshSoon(); });
  }

  function handles(path) { return path === '/pipelines' || path.indexOf('/pipelines/') === 0 || path === '/audit'; }
  function go(url) {
    history.pushState(null, '', url);
    route();
  }
  function link(a, url) {
    a.href = url;
    on(a, 'click', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      go(url);
    });
    return a;
  }

  /* ------------------------------------------------------------ dialogs */

  function dialog(title, fields, submitText, onSubmit) {
    var dl = el('dialog', 'dialog pl-dialog');
    var form = el('form', '');
    form.appendChild(el('h2', '', title));
    var inputs = {};
    fields.forEach(function (f) {
      var id = 'pl-f-' + f.name;
      var l = el('label', 'pl-label', f.label);
      l.htmlFor = id;
      var i = el(f.multiline ? 'textarea' : 'input', 'input pl-input');
      i.id = id;
      i.name = f.name;
      if (f.placeholder) i.placeholder = f.placeholder;
      if (f.value) i.value = f.value;
      inputs[f.name] = i;
      form.appendChild(l);
      form.appendChild(i);
    });
    var err = el('p', 'error-text');
    form.appendChild(err);
    var row = el('div', 'pl-actions');
    var cancel = el('button', 'btn', 'Cancel');
    cancel.type = 'button';
    on(cancel, 'click', function () { dl.close(); dl.remove(); });
    var ok = el('button', 'btn btn-primary', submitText);
    ok.type = 'submit';
    row.appendChild(cancel);
    row.appendChild(ok);
    form.appendChild(row);
    on(form, 'submit', function (ev) {
      ev.preventDefault();
      err.textContent = '';
      var vals = {};
      Object.keys(inputs).forEach(function (k) { vals[k] = inputs[k].value.trim(); });
      var p;
      try { p = onSubmit(vals); } catch (e) { err.textContent = e.message; return; }
      ok.disabled = true;
      p.then(function () { dl.close(); dl.remove(); }, function (e) { ok.disabled = false; err.textContent = e.message; });
    });
    dl.appendChild(form);
    document.body.appendChild(dl);
    dl.showModal();
    return dl;
  }

  function triggerDialog(id) {
    dialog('Trigger ' + id, [
      { name: 'logical_date', label: 'Logical date (empty: now; in the pipeline\'s time zone)', placeholder: 'YYYY-MM-DD[THH:MM]' },
      { name: 'params', label: 'Params (JSON object)', placeholder: '{"key": "value"}', multiline: true }
    ], 'Trigger', function (v) {
      var body = {};
      if (v.logical_date) body.logical_date = v.logical_date;
      if (v.params) {
        try { body.params = JSON.parse(v.params); } catch (e) { throw new Error('params: not JSON (' + e.message + ')'); }
      }
      return act(postJson(API + '/pipelines/' + enc(id) + '/trigger', body),
        function (r) { return 'Queued run ' + r.run + ' (' + r.run_key + ').'; });
    });
  }

  function backfillDialog(id) {
    dialog('Backfill ' + id, [
      { name: 'start', label: 'Start (first logical date)', placeholder: 'YYYY-MM-DD' },
      { name: 'end', label: 'End (inclusive; a date means the whole day)', placeholder: 'YYYY-MM-DD' }
    ], 'Backfill', function (v) {
      return act(postJson(API + '/pipelines/' + enc(id) + '/backfill', { start: v.start, end: v.end }),
        function (r) { return 'Backfill: ' + r.created + ' run(s) created' + (r.existing ? ', ' + r.existing + ' existed' : '') + '.'; });
    });
  }

  /* ------------------------------------------------------------ the list */

  function square(run, cls) {
    var s = el('span', 'pl-sq st-' + run.state + (cls ? ' ' + cls : ''));
    s.title = run.run_key + ': ' + run.state + (run.duration_s !== null ? ' (' + fmtDur(run.duration_s) + ')' : '');
    s.dataset.run = run.id;
    s.dataset.state = run.state;
    return s;
  }

  function sparkline(runs) {
    var pts = runs.slice().reverse().filter(function (r) { return r.duration_s !== null; });
    var w = 120, h = 28, s = svg('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, 'class': 'pl-spark' });
    if (pts.length < 2) return s;
    var max = Math.max.apply(null, pts.map(function (r) { return r.duration_s; })) || 1;
    var d = pts.map(function (r, i) {
      return (i * (w - 4) / (pts.length - 1) + 2).toFixed(1) + ',' + (h - 3 - (r.duration_s / max) * (h - 6)).toFixed(1);
    }).join(' ');
    s.appendChild(svg('polyline', { points: d, fill: 'none', stroke: '#1f4e8c', 'stroke-width': '1.5' }));
    var t = svg('title', {});
    t.textContent = 'duration of the last ' + pts.length + ' runs (max ' + fmtDur(max) + ')';
    s.appendChild(t);
    return s;
  }

  function listPage() {
    shell('Pipelines');
    var card = el('section', 'card pl-card');
    card.appendChild(el('h1', 'pl-h1', 'Pipelines'));
    var body = el('div', 'pl-body');
    card.appendChild(body);
    main.appendChild(card);
    refreshFn = function () {
      return getJson(API + '/pipelines').then(function (d) {
        var t = el('table', 'pl-table');
        t.id = 'pl-list';
        var hr = el('tr');
        ['Pipeline', 'Schedule', 'Next run', 'Active', 'Last 25 runs', 'Duration', ''].forEach(function (h) { hr.appendChild(el('th', '', h)); });
        var thead = el('thead');
        thead.appendChild(hr);
        t.appendChild(thead);
        var tb = el('tbody');
        d.pipelines.forEach(function (p) {
          var tr = el('tr');
          tr.dataset.pipeline = p.id;
          var name = el('td', 'pl-name');
          name.appendChild(link(el('a', '', p.id), '/pipelines/' + enc(p.id)));
          if (p.error) name.appendChild(el('div', 'error-text pl-small', p.error));
          else if (p.description) name.appendChild(el('div', 'muted pl-small', p.description));
          tr.appendChild(name);
          tr.appendChild(el('td', 'pl-mono', p.error ? '' : (p.schedule || 'manual') + (p.schedule ? ' (' + p.timezone + ')' : '')));
          tr.appendChild(el('td', 'pl-mono', p.next_run_local ? p.next_run_local.replace('T', ' ') : '—'));
          var tg = el('td');
          if (!p.error && p.schedule) {
            var b = el('button', 'btn btn-sm pl-toggle ' + (p.paused ? 'is-paused' : 'is-on'), p.paused ? 'Paused' : 'On');
            b.disabled = !canAct();
            b.title = p.paused ? 'Unpause: scheduled runs start again' : 'Pause: no scheduled runs';
            on(b, 'click', function () {
              act(postJson(API + '/pipelines/' + enc(p.id) + '/' + (p.paused ? 'unpause' : 'pause')));
            });
            tg.appendChild(b);
          }
          tr.appendChild(tg);
          var sq = el('td', 'pl-squares');
          (p.recent || []).slice().reverse().forEach(function (r) {
            var a = link(el('a', 'pl-sqlink'), '/pipelines/' + enc(p.id) + '?run=' + r.id);
            a.appendChild(square(r));
            sq.appendChild(a);
          });
          tr.appendChild(sq);
          var sp = el('td');
          sp.appendChild(sparkline(p.recent || []));
          tr.appendChild(sp);
          var acts = el('td', 'pl-row-actions');
          if (!p.error && canAct()) {
            var tb1 = el('button', 'btn btn-sm', 'Trigger');
            tb1.dataset.action = 'trigger';
            on(tb1, 'click', function () { triggerDialog(p.id); });
            acts.appendChild(tb1);
            if (p.schedule) {
              var bb = el('button', 'btn btn-sm', 'Backfill');
              on(bb, 'click', function () { backfillDialog(p.id); });
              acts.appendChild(bb);
            }
          }
          tr.appendChild(acts);
          tb.appendChild(tr);
        });
        t.appendChild(tb);
        clear(body).appendChild(t);
        if (!d.pipelines.length) body.appendChild(el('p', 'muted', 'No pipelines: add pipelines/*.yml to the project.'));
        if (!d.scheduler) body.appendChild(el('p', 'muted', 'No scheduler is running: triggered runs wait for one.'));
      }).catch(function (e) { banner('error', 'Pipelines could not load: ' + e.message); });
    };
    listen(null);
    return refreshFn();
  }

  /* ------------------------------------------------------------ one pipeline */

  var P = { id: null, def: null, grid: null, run: null, runData: null, task: null, view: 'graph' };

  function legend() {
    var l = el('div', 'pl-legend');
    STATES.concat(['none']).forEach(function (s) {
      var i = el('span', 'pl-legend-item');
      i.appendChild(el('span', 'pl-sq st-' + s));
      i.appendChild(el('span', '', s === 'none' ? 'no status' : s.replace(/_/g, ' ')));
      l.appendChild(i);
    });
    return l;
  }

  function stateOf(task) {
    if (!P.runData) return 'none';
    var t = P.runData.tasks.filter(function (x) { return x.task === task; })[0];
    return t ? t.state : 'none';
  }

  function graphView() {
    var tasks = P.def.tasks, cols = {}, maxd = 0;
    tasks.forEach(function (t) { (cols[t.depth] = cols[t.depth] || []).push(t); if (t.depth > maxd) maxd = t.depth; });
    var bw = 170, bh = 34, gx = 60, gy = 14, maxRows = 0;
    Object.keys(cols).forEach(function (k) { maxRows = Math.max(maxRows, cols[k].length); });
    var W = (maxd + 1) * (bw + gx) + 20, H = maxRows * (bh + gy) + 20;
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'class': 'pl-graph', role: 'img' });
    s.id = 'pl-graph';
    var pos = {};
    Object.keys(cols).forEach(function (k) {
      var col = cols[k], off = (H - col.length * (bh + gy)) / 2;
      col.forEach(function (t, i) { pos[t.id] = { x: 10 + k * (bw + gx), y: off + i * (bh + gy) + gy / 2 }; });
    });
    tasks.forEach(function (t) {
      t.depends_on.forEach(function (u) {
        var a = pos[u], b = pos[t.id];
        var x1 = a.x + bw, y1 = a.y + bh / 2, x2 = b.x, y2 = b.y + bh / 2, mx = (x1 + x2) / 2;
        s.appendChild(svg('path', { d: 'M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + x2 + ',' + y2,
          'class': 'pl-edge', fill: 'none' }));
      });
    });
    tasks.forEach(function (t) {
      var st = stateOf(t.id);
      var g = svg('g', { 'class': 'pl-node st-' + st + (P.task === t.id ? ' is-selected' : ''), transform: 'translate(' + pos[t.id].x + ',' + pos[t.id].y + ')' });
      g.setAttribute('data-task', t.id);
      g.setAttribute('data-state', st);
      g.setAttribute('data-depth', t.depth);
      g.appendChild(svg('rect', { width: bw, height: bh, rx: 6, ry: 6 }));
      var tx = svg('text', { x: 10, y: 15, 'class': 'pl-node-name' });
      tx.textContent = t.id.length > 22 ? t.id.slice(0, 21) + '…' : t.id;
      g.appendChild(tx);
      var k = svg('text', { x: 10, y: 28, 'class': 'pl-node-kind' });
      k.textContent = t.kind + (st !== 'none' ? ' · ' + st.replace(/_/g, ' ') : '');
      g.appendChild(k);
      var ti = svg('title', {});
      ti.textContent = t.id + ' (' + t.kind + '): ' + st;
      g.appendChild(ti);
      on(g, 'click', function () { selectTask(t.id); });
      s.appendChild(g);
    });
    var wrap = el('div', 'pl-graph-wrap');
    wrap.appendChild(s);
    return wrap;
  }

  function gridView() {
    var g = P.grid, runs = g.runs.slice().reverse();
    var t = el('table', 'pl-grid');
    t.id = 'pl-grid';
    var hr = el('tr');
    hr.appendChild(el('th', 'pl-grid-task', 'task \\ run'));
    runs.forEach(function (r) {
      var th = el('th', 'pl-grid-run' + (P.runData && P.runData.id === r.id ? ' is-selected' : ''));
      var sq = square(r, 'pl-sq-run');
      on(sq, 'click', function () { selectRun(r.id); });
      th.appendChild(sq);
      hr.appendChild(th);
    });
    t.appendChild(hr);
    (g.tasks.length ? g.tasks : P.def.order).forEach(function (task) {
      var tr = el('tr');
      tr.appendChild(el('td', 'pl-grid-task', task));
      runs.forEach(function (r) {
        var td = el('td', P.runData && P.runData.id === r.id ? 'is-selected' : '');
        var st = r.tasks[task] || 'none';
        var sq = el('span', 'pl-sq st-' + st);
        sq.title = task + ' · run ' + r.id + ': ' + st;
        sq.dataset.task = task;
        sq.dataset.run = r.id;
        sq.dataset.state = st;
        on(sq, 'click', function () { selectRun(r.id, task); });
        td.appendChild(sq);
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    var wrap = el('div', 'pl-grid-wrap');
    wrap.appendChild(t);
    return wrap;
  }

  /* Every task of the run, in the pipeline's order: one bar per attempt;
   * a task that never ran (queued, upstream_failed, skipped, cancelled
   * before it started) keeps its row with its state written in the lane,
   * as Airflow's Gantt and grid do, so a failed run shows what it left. */
  function gantt(run) {
    var ts = run.tasks;
    var wrap = el('div', 'pl-gantt');
    wrap.id = 'pl-gantt';
    if (!ts.length) { wrap.appendChild(el('p', 'muted', 'This run has no tasks.')); return wrap; }
    var t0 = Infinity, t1 = 0, now = Date.now();
    ts.forEach(function (t) {
      t.attempts.forEach(function (a) {
        t0 = Math.min(t0, Date.parse(a.started_at));
        t1 = Math.max(t1, a.ended_at ? Date.parse(a.ended_at) : now);
      });
    });
    var span = Math.max(t1 - t0, 1);
    ts.forEach(function (t) {
      var row = el('div', 'pl-gantt-row');
      row.setAttribute('data-task', t.task);
      row.setAttribute('data-state', t.state);
      row.appendChild(el('span', 'pl-gantt-name', t.task));
      var lane = el('span', 'pl-gantt-lane');
      if (!t.attempts.length) {
        var what = t.state === 'queued' || t.state === 'scheduled' ? 'not started' : t.state.replace(/_/g, ' ');
        var none = el('span', 'pl-gantt-none st-' + t.state, what);
        none.title = t.task + ': ' + what + ' (no attempt)';
        on(none, 'click', function () { selectTask(t.task); });
        lane.appendChild(none);
      }
      t.attempts.forEach(function (a) {
        var s = Date.parse(a.started_at), e = a.ended_at ? Date.parse(a.ended_at) : now;
        var bar = el('span', 'pl-gantt-bar st-' + a.state);
        bar.style.left = ((s - t0) / span * 100).toFixed(2) + '%';
        bar.style.width = Math.max((e - s) / span * 100, 0.5).toFixed(2) + '%';
        bar.title = t.task + ' attempt ' + a.attempt + ': ' + a.state + ' (' + fmtDur((e - s) / 1000) + ')';
        on(bar, 'click', function () { selectTask(t.task); });
        lane.appendChild(bar);
      });
      row.appendChild(lane);
      row.appendChild(el('span', 'pl-gantt-dur muted', t.attempts.length ? fmtDur(t.duration_s) : '–'));
      wrap.appendChild(row);
    });
    return wrap;
  }

  function closeLog() { if (logSource) { logSource.close(); logSource = null; } }

  function logPanel(box) {
    closeLog();
    var t = P.runData && P.runData.tasks.filter(function (x) { return x.task === P.task; })[0];
    if (!t) return;
    var head = el('div', 'pl-log-head');
    head.appendChild(el('h3', '', 'Log · ' + t.task));
    var sel = el('select', 'select pl-attempt');
    t.attempts.forEach(function (a) {
      var o = el('option', '', 'attempt ' + a.attempt + ' · ' + a.state);
      o.value = a.attempt;
      sel.appendChild(o);
    });
    if (t.attempts.length) sel.value = t.attempts[t.attempts.length - 1].attempt;
    head.appendChild(sel);
    if (canAct() && P.runData.state !== 'running' && P.runData.state !== 'queued') {
      var cb = el('button', 'btn btn-sm', 'Clear task');
      cb.dataset.action = 'clear';
      on(cb, 'click', function () {
        act(postJson(API + '/runs/' + P.runData.id + '/tasks/' + enc(t.task) + '/clear', { downstream: false }),
          function (r) { return 'Cleared ' + r.cleared + ' task(s).'; });
      });
      var cd = el('button', 'btn btn-sm', 'Clear task and downstream');
      on(cd, 'click', function () {
        act(postJson(API + '/runs/' + P.runData.id + '/tasks/' + enc(t.task) + '/clear', { downstream: true }),
          function (r) { return 'Cleared ' + r.cleared + ' task(s).'; });
      });
      head.appendChild(cb);
      head.appendChild(cd);
    }
    box.appendChild(head);
    var pre = el('pre', 'pl-log');
    pre.id = 'pl-log';
    box.appendChild(pre);
    if (!t.attempts.length) { pre.textContent = 'No attempt yet.'; return; }
    function show(attempt) {
      closeLog();
      pre.textContent = '';
      pre.dataset.state = 'streaming';
      var src = new EventSource(API + '/runs/' + P.runData.id + '/tasks/' + enc(t.task) + '/log/stream?attempt=' + attempt);
      logSource = src;
      src.addEventListener('log', function (ev) {
        var d = JSON.parse(ev.data);
        var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.appendChild(document.createTextNode(d.text));
        if (atEnd) pre.scrollTop = pre.scrollHeight;
      });
      src.addEventListener('end', function (ev) {
        var d = JSON.parse(ev.data);
        pre.dataset.state = d.state;
        src.close();
        if (logSource === src) logSource = null;
      });
      src.onerror = function () { if (pre.dataset.state !== 'streaming') src.close(); };
    }
    on(sel, 'change', function () { show(sel.value); });
    show(sel.value);
  }

  function selectRun(id, task) {
    P.run = id;
    if (task !== undefined) P.task = task;
    history.replaceState(null, '', pipeUrl());
    loadRun().then(renderPipeline);
  }
  function selectTask(task) {
    P.task = task;
    history.replaceState(null, '', pipeUrl());
    renderPipeline();
  }
  function pipeUrl() {
    var q = [];
    if (P.view !== 'graph') q.push('view=' + P.view);
    if (P.run) q.push('run=' + P.run);
    if (P.task) q.push('task=' + enc(P.task));
    return '/pipelines/' + enc(P.id) + (q.length ? '?' + q.join('&') : '');
  }

  function loadRun() {
    var id = P.run || (P.grid && P.grid.runs.length ? P.grid.runs[0].id : null);
    if (!id) { P.runData = null; return Promise.resolve(); }
    return getJson(API + '/runs/' + id).then(function (r) { P.runData = r; }, function (e) {
      P.runData = null;
      banner('error', 'Run ' + id + ': ' + e.message);
    });
  }

  var lastLogKey = null, logCard = null;
  function renderPipeline() {
    clear(main);
    var d = P.def;
    var head = el('section', 'card pl-card');
    var h = el('div', 'pl-head');
    var crumbs = el('div', 'pl-crumbs');
    crumbs.appendChild(link(el('a', '', 'Pipelines'), '/pipelines'));
    crumbs.appendChild(el('span', 'muted', ' / '));
    crumbs.appendChild(el('h1', 'pl-h1 pl-inline', d.id));
    h.appendChild(crumbs);
    var acts = el('div', 'pl-actions');
    if (canAct()) {
      var tb = el('button', 'btn btn-primary', 'Trigger');
      tb.dataset.action = 'trigger';
      on(tb, 'click', function () { triggerDialog(d.id); });
      acts.appendChild(tb);
      if (d.schedule) {
        var pb = el('button', 'btn', d.paused ? 'Unpause' : 'Pause');
        on(pb, 'click', function () { act(postJson(API + '/pipelines/' + enc(d.id) + '/' + (d.paused ? 'unpause' : 'pause'))).then(loadDef); });
        acts.appendChild(pb);
        var bb = el('button', 'btn', 'Backfill');
        on(bb, 'click', function () { backfillDialog(d.id); });
        acts.appendChild(bb);
      }
    }
    h.appendChild(acts);
    head.appendChild(h);
    var meta = el('p', 'muted pl-meta', (d.description ? d.description + ' · ' : '') +
      (d.schedule ? 'schedule ' + d.schedule + ' (' + d.timezone + '), next run ' + (d.next_run_local || '—').replace('T', ' ') + (d.paused ? ' · PAUSED' : '') : 'manual only'));
    head.appendChild(meta);
    var tabs = el('div', 'pl-tabs');
    ['graph', 'grid'].forEach(function (v) {
      var b = el('button', 'btn btn-sm' + (P.view === v ? ' btn-primary' : ''), v === 'graph' ? 'Graph' : 'Grid');
      b.dataset.view = v;
      on(b, 'click', function () { P.view = v; history.replaceState(null, '', pipeUrl()); renderPipeline(); });
      tabs.appendChild(b);
    });
    head.appendChild(tabs);
    var r = P.runData;
    var runLine = el('div', 'pl-runline');
    if (r) {
      runLine.appendChild(square(r));
      var info = el('span', 'pl-runinfo', 'Run ' + r.id + ' · ' + r.kind + ' · ' + r.state + (r.reason ? ' (' + r.reason + ')' : '') +
        ' · logical ' + fmtTime(r.logical_date) + ' · ' + fmtDur(r.duration_s));
      info.id = 'pl-run-state';
      info.dataset.state = r.state;
      info.dataset.run = r.id;
      runLine.appendChild(info);
      if (canAct()) {
        if (r.state === 'queued' || r.state === 'running') {
          var cb = el('button', 'btn btn-sm', 'Cancel run');
          cb.dataset.action = 'cancel';
          on(cb, 'click', function () { act(postJson(API + '/runs/' + r.id + '/cancel'), function () { return 'Cancel requested for run ' + r.id + '.'; }); });
          runLine.appendChild(cb);
        } else {
          if (r.tasks.some(function (t) { return t.state === 'failed' || t.state === 'upstream_failed'; })) {
            var rb = el('button', 'btn btn-sm', 'Rerun failed tasks');
            rb.dataset.action = 'rerun_failed';
            on(rb, 'click', function () { act(postJson(API + '/runs/' + r.id + '/rerun_failed'), function (x) { return 'Cleared ' + x.cleared + ' task(s).'; }); });
            runLine.appendChild(rb);
          }
          /* Airflow's Mark failed / Mark success of an ended run (a live one is cancelled instead) */
          var mark = r.state === 'failed' ? 'success' : 'failed';
          var mb = el('button', 'btn btn-sm', mark === 'failed' ? 'Mark failed' : 'Mark success');
          mb.dataset.action = 'mark_' + mark;
          on(mb, 'click', function () { act(postJson(API + '/runs/' + r.id + '/mark_' + mark), function (x) { return 'Run ' + r.id + ' marked ' + x.state + ' (was ' + x.was + ').'; }); });
          runLine.appendChild(mb);
        }
      }
    } else {
      runLine.appendChild(el('span', 'muted', 'No runs yet.'));
    }
    head.appendChild(runLine);
    head.appendChild(P.view === 'graph' ? graphView() : gridView());
    head.appendChild(legend());
    main.appendChild(head);
    if (r) {
      var gc = el('section', 'card pl-card');
      gc.appendChild(el('h2', 'pl-h2', 'Gantt · run ' + r.id));
      gc.appendChild(gantt(r));
      main.appendChild(gc);
    }
    var key = r && P.task ? r.id + '/' + r.state + '/' + P.task + '/' + (r.tasks.filter(function (t) { return t.task === P.task; })[0] || { attempts: [] }).attempts.length : null;
    if (key && key === lastLogKey && logCard) {
      /* the same attempt: keep its panel (and its live stream) as it is */
      main.appendChild(logCard);
      return;
    }
    var lc = el('section', 'card pl-card pl-logcard');
    main.appendChild(lc);
    logCard = lc;
    lastLogKey = key;
    if (r && P.task) {
      logPanel(lc);
    } else {
      closeLog();
      lc.appendChild(el('p', 'muted', 'Click a task (graph, grid or Gantt) to see its log.'));
    }
  }

  function loadDef() {
    return getJson(API + '/pipelines/' + enc(P.id)).then(function (d) { P.def = d; });
  }

  function pipelinePage(id) {
    shell(id + ' · Pipelines');
    var q = new URLSearchParams(location.search);
    P = { id: id, def: null, grid: null, run: q.get('run') ? Number(q.get('run')) : null, runData: null,
      task: q.get('task'), view: q.get('view') === 'grid' ? 'grid' : 'graph' };
    refreshFn = function () {
      return Promise.all([loadDef(), getJson(API + '/pipelines/' + enc(id) + '/runs?limit=25').then(function (g) { P.grid = g; })])
        .then(loadRun).then(renderPipeline).catch(function (e) { banner('error', 'Pipeline ' + id + ' could not load: ' + e.message); });
    };
    listen(function (d) { return d.pipeline === id; });
    return refreshFn();
  }

  /* ------------------------------------------------------------ audit log */

  /* /audit (admins): who did what to which pipeline, run or task, and how
   * it ended (ok, denied, the error), newest first, 100 a page. */
  function auditPage() {
    shell('Audit log');
    var card = el('section', 'card pl-card');
    card.appendChild(el('h1', 'pl-h1', 'Audit log'));
    var body = el('div', 'pl-body');
    card.appendChild(body);
    main.appendChild(card);
    var t = el('table', 'pl-table');
    t.id = 'pl-audit';
    var hr = el('tr');
    ['When', 'User', 'Role', 'Action', 'Target', 'Detail', 'Outcome'].forEach(function (h) { hr.appendChild(el('th', '', h)); });
    var thead = el('thead');
    thead.appendChild(hr);
    t.appendChild(thead);
    var tb = el('tbody');
    t.appendChild(tb);
    body.appendChild(t);
    var more = el('button', 'btn btn-sm', 'Older entries');
    more.hidden = true;
    body.appendChild(more);
    var before = null;
    function page() {
      return getJson(API + '/audit?limit=100' + (before ? '&before=' + before : '')).then(function (d) {
        d.entries.forEach(function (x) {
          var tr = el('tr');
          tr.dataset.action = x.action;
          tr.dataset.outcome = x.outcome === 'ok' ? 'ok' : x.outcome.indexOf('denied') === 0 ? 'denied' : 'error';
          tr.appendChild(el('td', 'pl-mono', fmtTime(x.at)));
          tr.appendChild(el('td', '', x.user || ''));
          tr.appendChild(el('td', '', x.role || ''));
          tr.appendChild(el('td', 'pl-mono', x.action));
          tr.appendChild(el('td', 'pl-mono', x.target));
          tr.appendChild(el('td', 'pl-mono pl-small', x.detail === null ? '' : JSON.stringify(x.detail)));
          tr.appendChild(el('td', tr.dataset.outcome === 'ok' ? '' : 'error-text', x.outcome));
          tb.appendChild(tr);
        });
        if (!tb.children.length) body.insertBefore(el('p', 'muted', 'No action was taken yet.'), t);
        before = d.next_before;
        more.hidden = !before;
      }, function (e) { banner('error', e.status === 403 ? 'The audit log is for admins.' : e.message); });
    }
    on(more, 'click', page);
    return page();
  }

  /* ------------------------------------------------------------ routing */

  function route() {
    closeLog();
    lastLogKey = null;
    logCard = null;
    refreshFn = null;
    if (location.pathname === '/audit') return auditPage();
    var parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts.length >= 2) return pipelinePage(parts[1]);
    return listPage();
  }

  window.IngotPipelines = {
    handles: handles,
    start: function (m) {
      me = m;
      csrf = (m && m.csrf) || '';
      on(window, 'popstate', function () { if (window.IngotPipelines.handles(location.pathname)) route(); });
      return route();
    }
  };
})();
