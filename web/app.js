// Placeholder page script (replaced by the dashboards page of branch m2/web).
'use strict';
fetch('/api/v1/dashboards').then((r) => r.json()).then((j) => {
  document.getElementById('app').textContent =
    'dashboards: ' + j.dashboards.map((d) => d.name).join(', ');
});
