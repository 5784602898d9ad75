// The dashboard's only script: sortable tables and the live change feed (server-sent events). No libraries.
(function () {
  'use strict';

  // ---- Sortable tables: click a heading with data-sort="number|text"; cells may carry data-value. ----
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? NaN : '';
    var raw = cell.hasAttribute('data-value') ? cell.getAttribute('data-value') : cell.textContent.trim();
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }

  function sortTable(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute('data-sort') === 'number';
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      if (numeric) {
        if (isNaN(x)) return 1;
        if (isNaN(y)) return -1;
        return ascending ? x - y : y - x;
      }
      return ascending ? x.localeCompare(y) : y.localeCompare(x);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th[data-sort]').forEach(function (th) {
      th.tabIndex = 0;
      th.addEventListener('click', function () { sortTable(table, th); });
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sortTable(table, th); });
    });
  });

  // ---- Live feed ----
  var feed = document.getElementById('live-feed');
  if (!feed || !window.EventSource) return;
  var body = feed.tBodies[0];
  var status = document.getElementById('feed-status');
  var count = document.getElementById('feed-count');
  var changesOnly = document.getElementById('feed-changes-only');
  var maxRows = 500;

  function money(v) {
    if (v === null || v === undefined) return '\u2014';
    var n = Number(v);
    return '$' + (n < 1 ? n.toFixed(4) : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 }));
  }

  function modelName(m) {
    return ({ on_demand: 'On-demand', spot: 'Spot', committed_1y: '1-year commitment', committed_3y: '3-year commitment' })[m] || m.replace(/_/g, ' ');
  }

  function td(text, cls, value) {
    var c = document.createElement('td');
    c.textContent = text;
    if (cls) c.className = cls;
    if (value !== undefined && value !== null) c.setAttribute('data-value', String(value));
    return c;
  }

  function addRow(item) {
    if (body.querySelector('tr[data-seq="' + item.seq + '"]')) return;
    var tr = document.createElement('tr');
    tr.className = 'kind-' + item.kind + ' fresh';
    tr.setAttribute('data-seq', item.seq);
    tr.setAttribute('data-offer-key', item.offerKey);
    tr.setAttribute('data-kind', item.kind);
    tr.setAttribute('data-provider', item.provider);
    tr.setAttribute('data-version', item.catalogVersion);
    tr.setAttribute('data-live', 'true');
    var received = new Date(item.receivedAt);
    tr.appendChild(td(received.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')));
    var kind = td('');
    var span = document.createElement('span');
    span.className = 'kind';
    span.textContent = item.kind;
    kind.appendChild(span);
    tr.appendChild(kind);
    tr.appendChild(td(item.provider));
    tr.appendChild(td(item.region));
    tr.appendChild(td(item.instanceType));
    var acc = td('');
    var link = document.createElement('a');
    link.href = '/accelerators/' + encodeURIComponent(item.acceleratorId);
    link.textContent = item.acceleratorId;
    acc.appendChild(link);
    tr.appendChild(acc);
    tr.appendChild(td(modelName(item.pricingModel)));
    tr.appendChild(td(money(item.oldPricePerInstanceHour), 'num old-price', item.oldPricePerInstanceHour));
    tr.appendChild(td(money(item.newPricePerInstanceHour), 'num new-price', item.newPricePerInstanceHour));
    tr.appendChild(td(money(item.newPricePerAcceleratorHour), 'num'));
    tr.appendChild(td(String(item.catalogVersion), 'num'));
    body.insertBefore(tr, body.firstChild);
    while (body.rows.length > maxRows) body.deleteRow(body.rows.length - 1);
    feed.setAttribute('data-last-seq', item.seq);
    if (count) count.textContent = body.rows.length + ' shown';
    setTimeout(function () { tr.classList.remove('fresh'); }, 4000);
  }

  function setStatus(state) {
    if (!status) return;
    status.textContent = state.connected ? 'connected' : 'disconnected: ' + (state.error || '');
    status.className = 'badge ' + (state.connected ? 'ok-badge' : 'error-badge');
    status.setAttribute('data-connected', state.connected ? 'true' : 'false');
  }

  if (changesOnly) {
    changesOnly.addEventListener('change', function () { feed.classList.toggle('changes-only', changesOnly.checked); });
  }

  var source = new EventSource('/dashboard/events?after=' + encodeURIComponent(feed.getAttribute('data-last-seq') || '0'));
  source.addEventListener('change', function (e) { addRow(JSON.parse(e.data)); });
  source.addEventListener('relay', function (e) { setStatus(JSON.parse(e.data)); });
  source.addEventListener('open', function () { feed.setAttribute('data-stream', 'open'); });
  source.addEventListener('error', function () {
    feed.setAttribute('data-stream', 'reconnecting');
    if (status) { status.textContent = 'reconnecting\u2026'; status.className = 'badge error-badge'; }
  });
})();
