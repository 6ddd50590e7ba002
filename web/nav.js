/*
 * web/nav.js — the one navigation bar of every page `ingot serve` renders
 * (dashboards, loads and rejects, quality, catalog and lineage, pipelines
 * with their graph/grid/Gantt/logs, the audit log, sign-in).
 *
 * IngotNav.bar(opts) returns the <header class="topbar">: the brand, the
 * top-level sections in one order, the current one highlighted
 * (class "active", aria-current="page"), then the user (name · role and
 * "Sign out" when --auth is on and someone is signed in, "Not signed in"
 * on the sign-in page). Role-aware: the audit log is for admins when
 * --auth is on (everyone is, without it); the sign-in page has no
 * sections (nothing is readable before signing in).
 *
 *   opts.me    the /api/v1/me answer (auth, user, role, csrf), or null
 *   opts.go    fn(url): navigate inside the current app (history API);
 *              a link to a section another script owns is a plain link
 *              (a page load), so each app starts from a clean page
 *   opts.owns  fn(path): whether opts.go can show that path
 *   opts.signin  true on the sign-in page
 *
 * Dashboards have a second level (the board and its page tabs) that
 * app.js puts under this bar (IngotNav.subbar). No inline script or style
 * (strict CSP): DOM through createElement, text through textContent.
 */
(function () {
  'use strict';

  var SECTIONS = [
    { id: 'dashboards', label: 'Dashboards', href: '/' },
    { id: 'loads', label: 'Loads', href: '/loads' },
    { id: 'quality', label: 'Quality', href: '/quality' },
    { id: 'catalog', label: 'Catalog', href: '/catalog' },
    { id: 'pipelines', label: 'Pipelines', href: '/pipelines' },
    { id: 'audit', label: 'Audit log', href: '/audit', admin: true }
  ];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function under(path, p) { return path === p || path.indexOf(p + '/') === 0; }

  /* The section a path belongs to ('' for the sign-in page). */
  function section(path) {
    if (path === '/login') return '';
    for (var i = 1; i < SECTIONS.length; i++) if (under(path, SECTIONS[i].href)) return SECTIONS[i].id;
    return 'dashboards'; /* /, /d/<board>/<page> */
  }

  function isAdmin(me) { return !me || !me.auth || me.role === 'admin'; }

  function signOut(me, btn) {
    btn.disabled = true;
    fetch('/api/v1/logout', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': (me && me.csrf) || '' },
      body: '{}'
    }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      location.assign('/login');
    }).catch(function (e) {
      btn.disabled = false;
      btn.title = 'Sign out failed: ' + e.message;
    });
  }

  function bar(opts) {
    opts = opts || {};
    var me = opts.me || null;
    var top = el('header', 'topbar');
    var brand = el('a', 'brand');
    brand.href = '/';
    var logo = el('img', 'logo');
    logo.src = '/assets/favicon.svg';
    logo.alt = '';
    brand.appendChild(logo);
    brand.appendChild(el('span', '', 'ingot'));
    top.appendChild(brand);

    var nav = el('nav', 'mainnav');
    nav.setAttribute('aria-label', 'Sections');
    var here = section(location.pathname);
    if (!opts.signin) {
      SECTIONS.forEach(function (s) {
        if (s.admin && !isAdmin(me)) return;
        var cur = s.id === here;
        var a = el('a', 'navlink' + (cur ? ' active' : ''), s.label);
        a.href = s.href;
        a.dataset.section = s.id;
        if (cur) a.setAttribute('aria-current', 'page');
        a.addEventListener('click', function (ev) {
          if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
          if (!opts.go || !opts.owns || !opts.owns(s.href)) return; /* a page load */
          ev.preventDefault();
          opts.go(s.href);
        });
        nav.appendChild(a);
      });
    }
    top.appendChild(nav);

    var u = el('div', 'user');
    if (opts.signin) {
      u.appendChild(el('span', 'muted', 'Not signed in'));
    } else if (me && me.auth && me.user) {
      u.appendChild(el('span', 'muted user-name', me.user + (me.role ? ' · ' + me.role : '')));
      var b = el('button', 'btn btn-ghost signout', 'Sign out');
      b.type = 'button';
      b.addEventListener('click', function () { signOut(me, b); });
      u.appendChild(b);
    }
    top.appendChild(u);
    return top;
  }

  /* The second level of a section (a dashboard's board and page tabs):
   * an empty bar for the caller to fill; returns {bar, lead, tabs}. */
  function subbar(label) {
    var b = el('div', 'subbar');
    var lead = el('div', 'boards');
    var tabs = el('nav', 'tabs');
    tabs.setAttribute('aria-label', label || 'Pages');
    b.appendChild(lead);
    b.appendChild(tabs);
    return { bar: b, lead: lead, tabs: tabs };
  }

  window.IngotNav = { bar: bar, subbar: subbar, section: section, sections: SECTIONS };
})();
