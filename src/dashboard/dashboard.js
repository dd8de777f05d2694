// Switchyard dashboard: plain JavaScript, no framework, no build step. Every ~2 s it reads the
// gateway's own JSON endpoints (/admin/targets, /admin/incidents, /admin/budgets, /admin/requests,
// /admin/drills when the build has it) and /metrics (Prometheus text), and redraws in place.
// Everything put on the page goes through textContent (never innerHTML): the data is shown, never run.
'use strict';

(() => {
  const POLL_MS = 2000;
  const HISTORY = 90; // samples kept for the chart (3 minutes at 2 s)
  const RATE_WINDOW = 5; // samples the rates are computed over (~10 s)
  const KEY_STORAGE = 'switchyard.adminKey';
  const ERROR_OUTCOMES = new Set(['failed', 'incomplete']);

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------------------------------------
  // DOM helpers
  // ---------------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [name, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (name === 'class') node.className = value;
        else if (name === 'text') node.textContent = value;
        else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
        else node.setAttribute(name, value === true ? '' : String(value));
      }
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function fillBody(table, rows, columns, emptyText) {
    const body = table.tBodies[0];
    if (rows.length === 0) {
      body.replaceChildren(el('tr', null, el('td', { colspan: columns, class: 'empty', text: emptyText })));
    } else {
      body.replaceChildren(...rows);
    }
  }

  const num = (value, digits = 0) =>
    value === null || value === undefined || Number.isNaN(Number(value))
      ? '–'
      : Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const usd = (value) => {
    if (value === null || value === undefined) return '–';
    const v = Number(value);
    return v !== 0 && Math.abs(v) < 0.01 ? `$${v.toPrecision(3)}` : `$${v.toFixed(2)}`;
  };
  const pct = (value) => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);
  const when = (value) => {
    if (!value) return '–';
    const date = typeof value === 'number' ? new Date(value) : new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
  };

  function badge(state, text) {
    const safe = String(state || 'unknown').replace(/[^a-z_]/gi, '');
    return el('span', { class: `badge state-${safe}`, text: text || String(state).replace('_', '-') });
  }

  // ---------------------------------------------------------------------------------------------
  // Fetching (with the admin key when there is one)
  // ---------------------------------------------------------------------------------------------
  class AuthNeeded extends Error {}

  function adminKey() {
    try {
      return sessionStorage.getItem(KEY_STORAGE) || '';
    } catch {
      return '';
    }
  }

  async function api(path, { text = false, optional = false } = {}) {
    const headers = { Accept: text ? 'text/plain, text/markdown' : 'application/json' };
    const key = adminKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    const response = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin' });
    if (response.status === 401) throw new AuthNeeded(await response.text());
    if (optional && (response.status === 404 || response.status === 405)) return null;
    if (!response.ok) {
      let message = `${response.status}`;
      try {
        const body = await response.json();
        if (body && body.error && body.error.message) message += `: ${body.error.message}`;
      } catch {
        // not JSON
      }
      throw new Error(`${path}: ${message}`);
    }
    return text ? response.text() : response.json();
  }

  // ---------------------------------------------------------------------------------------------
  // Prometheus text: the few series the page needs
  // ---------------------------------------------------------------------------------------------
  function parseMetrics(text) {
    const samples = [];
    const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (const raw of text.split('\n')) {
      if (!raw || raw.startsWith('#')) continue;
      const match = line.exec(raw);
      if (!match) continue;
      const labels = {};
      if (match[2]) {
        for (const [, name, value] of match[2].matchAll(label)) {
          labels[name] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        }
      }
      samples.push({ name: match[1], labels, value: Number(match[3]) });
    }
    return samples;
  }

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------
  const state = {
    history: [], // {t, total, errors, failedOver, byRouteOutcome: Map}
    routesByTarget: new Map(), // target -> Set(route), from traffic seen in /metrics
    routeTargets: new Map(), // route -> Set(target)
    drillsAvailable: true,
    reportAvailable: null, // null: unknown; false: the build has no /report
    selectedIncident: null,
    selectedRequest: null,
    paused: false,
    timer: null,
    lastMetrics: [],
  };

  // ---------------------------------------------------------------------------------------------
  // Targets
  // ---------------------------------------------------------------------------------------------
  function renderTargets(data) {
    const targets = (data && data.targets) || [];
    const rows = targets.map((t) => {
      const latency = t.latency_ms || {};
      const routes = [...(state.routesByTarget.get(t.target) || [])].sort().join(', ');
      let breakerText = String(t.breaker).replace('_', '-');
      if (t.breaker === 'open' && typeof t.reopens_in_ms === 'number') {
        breakerText += ` (probe in ${Math.max(0, Math.ceil(t.reopens_in_ms / 1000))} s)`;
      }
      return el(
        'tr',
        { 'data-target': t.target, 'data-breaker': t.breaker },
        el('th', { scope: 'row', class: 'mono', text: t.target }),
        el('td', null, badge(t.breaker, breakerText)),
        el('td', { text: routes || '–' }),
        el('td', { class: 'num', text: num(t.in_flight) }),
        el('td', { class: 'num', text: num(latency.first_token_ewma, 1) }),
        el('td', { class: 'num', text: num(latency.first_token_p95, 1) }),
        el('td', { class: 'num', text: num(latency.total_ewma, 1) }),
        el('td', { class: 'num', text: `${num(t.window_failures)} / ${num(t.window_requests)}` }),
        el('td', { class: 'num', text: num(t.trips) }),
        el(
          'td',
          null,
          t.open_incident === null || t.open_incident === undefined
            ? '–'
            : el('button', {
                type: 'button',
                class: 'link',
                text: `#${t.open_incident}`,
                onclick: () => showIncident(t.open_incident),
              }),
        ),
      );
    });
    fillBody($('targets'), rows, 10, 'No targets.');

    // Routes as seen in traffic (the admin API lists targets, not routes).
    const routes = [...state.routeTargets.keys()].sort();
    const byTarget = new Map(targets.map((t) => [t.target, t.breaker]));
    const order = new Map(targets.map((t, i) => [t.target, i]));
    $('routes').replaceChildren(
      ...routes.map((route) =>
        el(
          'div',
          { class: 'route' },
          el('strong', { text: route }),
          el(
            'ol',
            null,
            [...state.routeTargets.get(route)]
              .sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9))
              .map((target) =>
              el('li', null, `${target} `, badge(byTarget.get(target) || 'unknown', byTarget.get(target) || '?')),
            ),
          ),
        ),
      ),
    );
    if (routes.length === 0) $('routes').append(el('p', { class: 'empty', text: 'Routes appear here once they carry traffic.' }));
  }

  // ---------------------------------------------------------------------------------------------
  // Live traffic (from /metrics)
  // ---------------------------------------------------------------------------------------------
  function renderTraffic(samples) {
    const now = performance.now();
    let total = 0;
    let errors = 0;
    let failedOver = 0;
    let inFlight = null;
    const byRouteOutcome = new Map();
    for (const s of samples) {
      if (s.name === 'switchyard_requests_total') {
        total += s.value;
        if (ERROR_OUTCOMES.has(s.labels.outcome)) errors += s.value;
        if (s.labels.outcome === 'failed_over') failedOver += s.value;
        const key = `${s.labels.route || ''}\u0000${s.labels.outcome || ''}`;
        byRouteOutcome.set(key, (byRouteOutcome.get(key) || 0) + s.value);
        if (s.labels.route && s.labels.target) {
          if (!state.routesByTarget.has(s.labels.target)) state.routesByTarget.set(s.labels.target, new Set());
          state.routesByTarget.get(s.labels.target).add(s.labels.route);
          if (!state.routeTargets.has(s.labels.route)) state.routeTargets.set(s.labels.route, new Set());
          state.routeTargets.get(s.labels.route).add(s.labels.target);
        }
      } else if (s.name === 'switchyard_in_flight_requests') {
        inFlight = (inFlight || 0) + s.value;
      }
    }
    const sample = { t: now, total, errors, failedOver, byRouteOutcome };
    const history = state.history;
    // A restarted gateway starts its counters again from 0: start the history again too.
    if (history.length > 0 && total < history[history.length - 1].total) history.length = 0;
    history.push(sample);
    if (history.length > HISTORY) history.shift();

    const base = history[Math.max(0, history.length - 1 - RATE_WINDOW)];
    const seconds = (now - base.t) / 1000;
    const dTotal = total - base.total;
    const rps = history.length > 1 && seconds > 0 ? dTotal / seconds : null;
    $('rps').textContent = rps === null ? '–' : rps.toFixed(2);
    $('error-rate').textContent = history.length < 2 ? '–' : dTotal > 0 ? pct((errors - base.errors) / dTotal) : '0.0 %';
    $('failover-rate').textContent = history.length < 2 ? '–' : dTotal > 0 ? pct((failedOver - base.failedOver) / dTotal) : '0.0 %';
    $('in-flight').textContent = inFlight === null ? '–' : num(inFlight);
    $('total-requests').textContent = num(total);

    const previous = history.length > 1 ? history[history.length - 2] : null;
    const dt = previous ? (now - previous.t) / 1000 : 0;
    const rows = [...byRouteOutcome.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => {
        const [route, outcome] = key.split('\u0000');
        const before = previous ? previous.byRouteOutcome.get(key) || 0 : null;
        const rate = before === null || dt <= 0 ? null : (value - before) / dt;
        const kind = outcome === 'ok' ? 'ok' : ERROR_OUTCOMES.has(outcome) ? 'bad' : 'warn';
        return el(
          'tr',
          null,
          el('td', { text: route || '–' }),
          el('td', null, badge(kind, outcome)),
          el('td', { class: 'num', text: num(value) }),
          el('td', { class: 'num', text: rate === null ? '–' : rate.toFixed(2) }),
        );
      });
    fillBody($('outcomes'), rows, 4, 'No requests yet.');
    drawChart();
  }

  function drawChart() {
    const svg = $('spark');
    const history = state.history;
    const points = [];
    for (let i = 1; i < history.length; i++) {
      const dt = (history[i].t - history[i - 1].t) / 1000;
      if (dt <= 0) continue;
      points.push({
        rps: (history[i].total - history[i - 1].total) / dt,
        eps: (history[i].errors - history[i - 1].errors) / dt,
      });
    }
    const ns = 'http://www.w3.org/2000/svg';
    const title = svg.querySelector('title');
    svg.replaceChildren(title);
    if (points.length < 2) return;
    const max = Math.max(1, ...points.map((p) => p.rps));
    const x = (i) => (i / (HISTORY - 2)) * 300;
    const y = (v) => 58 - (v / max) * 54;
    for (const [field, cls] of [
      ['rps', 'line-ok'],
      ['eps', 'line-err'],
    ]) {
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('class', cls);
      line.setAttribute('points', points.map((p, i) => `${x(i).toFixed(1)},${y(p[field]).toFixed(1)}`).join(' '));
      svg.append(line);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Incidents and their post-mortems
  // ---------------------------------------------------------------------------------------------
  let lastIncidents = [];

  function renderIncidents(data) {
    const incidents = ((data && data.incidents) || []).slice();
    lastIncidents = incidents;
    // Open ones first, then the newest.
    incidents.sort((a, b) => (a.state === b.state ? String(b.opened_at).localeCompare(String(a.opened_at)) : a.state === 'open' ? -1 : 1));
    const rows = incidents.map((incident) => {
      const requests = incident.requests || {};
      const isDrill = incident.drill === true || incident.kind === 'drill';
      return el(
        'tr',
        { 'data-incident': incident.id, 'data-state': incident.state, class: String(state.selectedIncident) === String(incident.id) ? 'selected' : null },
        el(
          'td',
          null,
          el('button', {
            type: 'button',
            class: 'link',
            text: `#${incident.id}`,
            'aria-label': `Post-mortem of incident ${incident.id}`,
            onclick: () => showIncident(incident.id),
          }),
          isDrill ? [' ', badge('drill', 'drill')] : null,
        ),
        el('td', null, badge(incident.state === 'open' ? 'open' : 'closed', incident.state)),
        el('td', { class: 'mono', text: incident.target }),
        el('td', { text: when(incident.opened_at) }),
        el('td', { text: when(incident.closed_at) }),
        el('td', { text: incident.first_error || '–' }),
        el('td', { class: 'num', text: num(requests.affected) }),
        el('td', { class: 'num', text: num(requests.failed_over) }),
        el('td', { class: 'num', text: num(requests.lost) }),
      );
    });
    fillBody($('incidents'), rows, 9, 'No incidents: every breaker has stayed closed.');
  }

  async function showIncident(id) {
    state.selectedIncident = id;
    const box = $('postmortem');
    box.hidden = false;
    box.replaceChildren(el('p', { class: 'note', text: `Loading the post-mortem of incident #${id}…` }));
    for (const row of $('incidents').tBodies[0].rows) row.classList.toggle('selected', row.dataset.incident === String(id));
    const header = el(
      'div',
      { class: 'close-row' },
      el('h3', { text: `Incident #${id}` }),
      el('button', {
        type: 'button',
        text: 'Close',
        onclick: () => {
          box.hidden = true;
          state.selectedIncident = null;
        },
      }),
    );
    let markdown = null;
    if (state.reportAvailable !== false) {
      try {
        markdown = await api(`/admin/incidents/${encodeURIComponent(id)}/report`, { text: true, optional: true });
        state.reportAvailable = markdown !== null;
      } catch (error) {
        if (error instanceof AuthNeeded) return askForKey(error);
        box.replaceChildren(header, el('p', { class: 'status error', text: String(error.message || error) }));
        return;
      }
    }
    if (markdown !== null) {
      box.replaceChildren(header, el('div', { class: 'markdown', 'data-report': id }, renderMarkdown(markdown)));
    } else {
      // No report endpoint in this build: what /admin/incidents itself knows.
      const incident = lastIncidents.find((i) => String(i.id) === String(id)) || {};
      const errors = incident.errors_by_kind || {};
      const requests = incident.requests || {};
      box.replaceChildren(
        header,
        el('p', { class: 'note', text: 'This gateway has no post-mortem report (/admin/incidents/{id}/report); the summary below comes from /admin/incidents.' }),
        el(
          'dl',
          { class: 'fields' },
          el('dt', { text: 'Target' }), el('dd', { class: 'mono', text: incident.target || '–' }),
          el('dt', { text: 'State' }), el('dd', { text: incident.state || '–' }),
          el('dt', { text: 'Opened' }), el('dd', { text: when(incident.opened_at) }),
          el('dt', { text: 'Closed' }), el('dd', { text: when(incident.closed_at) }),
          el('dt', { text: 'First error' }), el('dd', { text: incident.first_error || '–' }),
          el('dt', { text: 'Errors by kind' }),
          el('dd', { text: Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join(', ') || '–' }),
          el('dt', { text: 'Requests' }),
          el('dd', { text: Object.entries(requests).map(([k, v]) => `${k.replace('_', ' ')}: ${v}`).join(', ') || '–' }),
        ),
      );
    }
    box.focus();
  }

  // A small Markdown renderer for the post-mortems: headings, paragraphs, lists, tables, code
  // blocks, **bold**, *italic* and `code`. It builds DOM nodes; nothing is parsed as HTML.
  function renderMarkdown(source) {
    const out = document.createDocumentFragment();
    const lines = source.replace(/\r\n/g, '\n').split('\n');
    let i = 0;
    const isTableRow = (line) => /^\s*\|.*\|\s*$/.test(line);
    const cells = (line) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
    while (i < lines.length) {
      const line = lines[i];
      if (/^\s*$/.test(line)) {
        i++;
      } else if (/^```/.test(line)) {
        const code = [];
        i++;
        while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
        i++;
        out.append(el('pre', null, el('code', { text: code.join('\n') })));
      } else if (/^#{1,6}\s/.test(line)) {
        const level = Math.min(6, line.match(/^#+/)[0].length + 1); // the page's h1 stays the page's
        out.append(el(`h${level}`, null, inline(line.replace(/^#+\s*/, ''))));
        i++;
      } else if (isTableRow(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1])) {
        const head = cells(line);
        i += 2;
        const body = [];
        while (i < lines.length && isTableRow(lines[i])) body.push(cells(lines[i++]));
        out.append(
          el(
            'div',
            { class: 'scroll' },
            el(
              'table',
              null,
              el('thead', null, el('tr', null, head.map((h) => el('th', { scope: 'col' }, inline(h))))),
              el('tbody', null, body.map((row) => el('tr', null, row.map((c) => el('td', null, inline(c)))))),
            ),
          ),
        );
      } else if (/^\s*([-*+]|\d+\.)\s/.test(line)) {
        const ordered = /^\s*\d+\./.test(line);
        const items = [];
        while (i < lines.length && /^\s*([-*+]|\d+\.)\s/.test(lines[i])) {
          items.push(el('li', null, inline(lines[i].replace(/^\s*([-*+]|\d+\.)\s+/, ''))));
          i++;
        }
        out.append(el(ordered ? 'ol' : 'ul', null, items));
      } else if (/^>\s?/.test(line)) {
        const quote = [];
        while (i < lines.length && /^>\s?/.test(lines[i])) quote.push(lines[i++].replace(/^>\s?/, ''));
        out.append(el('blockquote', null, inline(quote.join(' '))));
      } else {
        const para = [];
        while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|\s*([-*+]|\d+\.)\s|>)/.test(lines[i]) && !isTableRow(lines[i])) {
          para.push(lines[i++].trim());
        }
        if (para.length === 0) para.push(lines[i++].trim());
        out.append(el('p', null, inline(para.join(' '))));
      }
    }
    return out;
  }

  function inline(text) {
    const nodes = [];
    const pattern = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*|_[^_\s][^_]*_)/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > last) nodes.push(text.slice(last, match.index));
      const token = match[0];
      if (token.startsWith('`')) nodes.push(el('code', { text: token.slice(1, -1) }));
      else if (token.startsWith('**')) nodes.push(el('strong', { text: token.slice(2, -2) }));
      else nodes.push(el('em', { text: token.slice(1, -1) }));
      last = match.index + token.length;
    }
    if (last < text.length) nodes.push(text.slice(last));
    return nodes;
  }

  // ---------------------------------------------------------------------------------------------
  // Drills (GET /admin/drills, when the build has it)
  // ---------------------------------------------------------------------------------------------
  function renderDrills(data) {
    const box = $('drills');
    if (data === null) {
      box.replaceChildren(
        el('p', { class: 'empty', text: 'This gateway does not offer drills (GET /admin/drills answered 404).' }),
      );
      return;
    }
    const list = Array.isArray(data) ? data : data.drills || data.data || [];
    if (list.length === 0) {
      box.replaceChildren(
        el('p', { class: 'empty' }, 'No drills yet. Start one with ', el('code', { text: 'POST /admin/drills' }), ' or ', el('code', { text: 'switchyard drill' }), '.'),
      );
      return;
    }
    // Whatever fields the drills have (their shape belongs to /admin/drills), with a state when
    // they carry none: running until ends_at. The report link is the incident's button.
    const now = Date.now();
    const rowsOf = list.map((drill) => {
      const row = { ...drill };
      if (row.state === undefined && row.status === undefined && row.ends_at) {
        row.state = Date.parse(row.ends_at) > now ? 'running' : 'ended';
      }
      delete row.report;
      return row;
    });
    const columns = [];
    for (const drill of rowsOf) {
      for (const [key, value] of Object.entries(drill)) {
        if (value !== null && typeof value === 'object') continue;
        if (!columns.includes(key)) columns.push(key);
      }
    }
    const shown = columns.slice(0, 8);
    box.replaceChildren(
      el(
        'div',
        { class: 'scroll' },
        el(
          'table',
          { id: 'drills-table' },
          el('caption', { class: 'sr-only', text: 'Drills' }),
          el('thead', null, el('tr', null, shown.map((c) => el('th', { scope: 'col', text: c.replace(/_/g, ' ') })))),
          el(
            'tbody',
            null,
            rowsOf.map((drill) =>
              el(
                'tr',
                { 'data-drill-target': drill.target },
                shown.map((c) => {
                  const value = drill[c];
                  if (c === 'state' || c === 'status') return el('td', null, badge(value === 'running' || value === 'active' ? 'running' : 'done', String(value)));
                  if (c === 'incident' || c === 'incident_id') {
                    return el('td', null, value === null || value === undefined ? '–' : el('button', { type: 'button', class: 'link', text: `#${value}`, onclick: () => showIncident(value) }));
                  }
                  return el('td', { text: value === null || value === undefined ? '–' : /_at$/.test(c) ? when(value) : String(value) });
                }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Cost and budgets
  // ---------------------------------------------------------------------------------------------
  function renderBudgets(data, samples) {
    const budgets = (data && data.budgets) || [];
    const amount = (b, v) => (b.unit === 'usd' || b.unit === 'USD' ? usd(v) : num(v));
    const rows = budgets.map((b) => {
      const used = b.limit > 0 ? Math.min(1, (Number(b.spent) + Number(b.reserved || 0)) / b.limit) : 0;
      return el(
        'tr',
        { 'data-budget': b.budget },
        el('td', { text: b.scope }),
        el('td', { class: 'mono', text: b.name || '–' }),
        el('td', { text: `${b.window} (${b.unit})` }),
        el(
          'td',
          null,
          el('meter', { min: 0, max: 1, low: 0.7, high: 0.9, optimum: 0, value: used.toFixed(3), 'aria-label': `${b.budget}: ${pct(used)} used` }),
          ` ${pct(used)}`,
        ),
        el('td', { class: 'num', text: amount(b, b.spent) }),
        el('td', { class: 'num', text: amount(b, b.reserved) }),
        el('td', { class: 'num', text: amount(b, b.limit) }),
        el('td', { text: when(b.resets_at) }),
      );
    });
    fillBody($('budgets'), rows, 8, 'No budgets configured (keys.*.budget, budgets.gateway, budgets.routes).');

    const limits = (data && data.rate_limits) || [];
    fillBody(
      $('ratelimits'),
      limits.map((l) =>
        el(
          'tr',
          null,
          el('td', { text: l.scope }),
          el('td', { class: 'mono', text: l.id }),
          el('td', { class: 'num', text: num(l.requests_available) }),
          el('td', { class: 'num', text: l.rpm ? num(l.rpm) : 'no limit' }),
          el('td', { class: 'num', text: num(l.tokens_available) }),
          el('td', { class: 'num', text: l.tpm ? num(l.tpm) : 'no limit' }),
        ),
      ),
      6,
      'No rate limits configured.',
    );

    // Cost and tokens per target and key, from the counters in /metrics.
    const costs = new Map();
    const entry = (labels) => {
      const key = `${labels.target || ''}\u0000${labels.key || labels.key_id || ''}`;
      if (!costs.has(key)) costs.set(key, { target: labels.target || '–', key: labels.key || labels.key_id || '', usd: 0, tokens: 0 });
      return costs.get(key);
    };
    for (const s of samples) {
      if (s.name === 'switchyard_cost_usd_total') entry(s.labels).usd += s.value;
      else if (s.name === 'switchyard_tokens_total') entry(s.labels).tokens += s.value;
    }
    const costRows = [...costs.values()]
      .sort((a, b) => b.usd - a.usd || a.target.localeCompare(b.target))
      .map((c) =>
        el(
          'tr',
          null,
          el('td', { class: 'mono', text: c.target }),
          el('td', { text: c.key || '(no key)' }),
          el('td', { class: 'num', text: usd(c.usd) }),
          el('td', { class: 'num', text: num(c.tokens) }),
        ),
      );
    fillBody($('costs'), costRows, 4, 'No spend yet.');
  }

  // ---------------------------------------------------------------------------------------------
  // Request search and one request's audit trail
  // ---------------------------------------------------------------------------------------------
  function requestQuery() {
    const params = new URLSearchParams({ limit: '50' });
    const route = $('search-route').value.trim();
    const outcome = $('search-outcome').value;
    const since = $('search-since').value.trim();
    if (route) params.set('route', route);
    if (outcome) params.set('outcome', outcome);
    if (since) params.set('since', since);
    return `/admin/requests?${params}`;
  }

  function renderRequests(data) {
    const list = (data && data.data) || [];
    const rows = list.map((r) =>
      el(
        'tr',
        { 'data-request': r.request_id, class: state.selectedRequest === r.request_id ? 'selected' : null },
        el('td', { text: when(r.time_ms) }),
        el('td', null, el('button', { type: 'button', class: 'link mono', text: r.request_id, onclick: () => showRequest(r.request_id) })),
        el('td', { text: r.route || '–' }),
        el('td', null, badge(r.outcome === 'ok' ? 'ok' : ERROR_OUTCOMES.has(r.outcome) ? 'bad' : 'warn', r.outcome)),
        el('td', { class: 'num', text: r.status ?? '–' }),
        el('td', { class: 'mono', text: r.served_by || '–' }),
        el('td', { class: 'num', text: num(r.attempts) }),
        el('td', { class: 'num', text: num(r.latency_ms, 1) }),
        el('td', { class: 'num', text: r.cost_usd === undefined ? '–' : usd(r.cost_usd) }),
      ),
    );
    fillBody($('requests'), rows, 9, 'No requests match (the request log keeps what the store retains).');
  }

  async function showRequest(id) {
    state.selectedRequest = id;
    const box = $('request-detail');
    box.hidden = false;
    for (const row of $('requests').tBodies[0].rows) row.classList.toggle('selected', row.dataset.request === id);
    box.replaceChildren(el('p', { class: 'note', text: `Loading request ${id}…` }));
    let record;
    try {
      record = await api(`/admin/requests/${encodeURIComponent(id)}`, { optional: true });
    } catch (error) {
      if (error instanceof AuthNeeded) return askForKey(error);
      box.replaceChildren(el('p', { class: 'status error', text: String(error.message || error) }));
      return;
    }
    const close = el('button', {
      type: 'button',
      text: 'Close',
      onclick: () => {
        box.hidden = true;
        state.selectedRequest = null;
      },
    });
    if (record === null) {
      box.replaceChildren(el('div', { class: 'close-row' }, el('h3', { text: `Request ${id}` }), close), el('p', { text: 'No such request in the request log.' }));
      return;
    }
    const fields = [
      ['Time', when(record.time_ms)],
      ['API / endpoint', `${record.api || '–'} / ${record.endpoint || '–'}`],
      ['Key', record.key_id || '(none)'],
      ['Route', record.route || '–'],
      ['Outcome', record.outcome],
      ['Status', record.status],
      ['Served by', record.served_by || '–'],
      ['Continued by', record.continued_by || '–'],
      ['Stream', record.stream ? 'yes' : 'no'],
      ['Attempts', record.attempts],
      ['Latency', `${num(record.latency_ms, 1)} ms`],
      ['Tokens', num(record.tokens)],
      ['Cost', usd(record.cost_usd)],
      ['Data classes', (record.data_classes || []).join(', ') || 'none'],
    ];
    const trail = (record.targets || []).map((t) => {
      const usage = t.usage || {};
      return el(
        'tr',
        null,
        el('td', { class: 'num', text: t.attempt ?? '–' }),
        el('td', { class: 'mono', text: t.target }),
        el('td', { text: t.verdict || '–' }),
        el('td', null, t.result ? badge(t.result === 'ok' ? 'ok' : 'bad', t.result) : '–'),
        el('td', { class: 'num', text: t.status ?? '–' }),
        el('td', { class: 'num', text: t.usage ? `${num(usage.input_tokens)} in / ${num(usage.output_tokens)} out` : '–' }),
        el('td', { class: 'num', text: t.cost_usd === undefined ? '–' : usd(t.cost_usd) }),
        el('td', { text: t.reason || t.detail || '' }),
      );
    });
    box.replaceChildren(
      el('div', { class: 'close-row' }, el('h3', { text: `Request ${id}` }), close),
      el('dl', { class: 'fields' }, fields.map(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v ?? '–') })])),
      el(
        'div',
        { class: 'scroll' },
        el(
          'table',
          { id: 'audit-trail' },
          el('caption', { text: 'Audit trail: every target considered, in order' }),
          el(
            'thead',
            null,
            el('tr', null, ['Attempt', 'Target', 'Verdict', 'Result', 'Status', 'Tokens', 'Cost', 'Detail'].map((h) => el('th', { scope: 'col', class: ['Attempt', 'Status', 'Tokens', 'Cost'].includes(h) ? 'num' : null, text: h }))),
          ),
          el('tbody', null, trail.length ? trail : el('tr', null, el('td', { colspan: 8, class: 'empty', text: 'No targets recorded.' }))),
        ),
      ),
      el('details', null, el('summary', { text: 'Raw record (JSON)' }), el('pre', { text: JSON.stringify(record, null, 2) })),
    );
    box.focus();
  }

  // ---------------------------------------------------------------------------------------------
  // The admin key
  // ---------------------------------------------------------------------------------------------
  function askForKey(error) {
    state.paused = true;
    const form = $('auth');
    form.hidden = false;
    const had = adminKey();
    setStatus(had ? 'The admin key was refused: paste a valid one.' : 'This gateway needs an admin key: paste it to continue.', true);
    if (error && had) {
      try {
        sessionStorage.removeItem(KEY_STORAGE);
      } catch {
        // storage unavailable
      }
    }
    $('admin-key').focus();
  }

  function setStatus(text, isError = false) {
    const status = $('status');
    status.textContent = text;
    status.classList.toggle('error', isError);
  }

  // ---------------------------------------------------------------------------------------------
  // The poll loop
  // ---------------------------------------------------------------------------------------------
  async function poll() {
    state.timer = null;
    if (state.paused) return;
    const live = $('requests-live').checked;
    const [targets, incidents, budgets, metrics, requests, drills] = await Promise.allSettled([
      api('/admin/targets'),
      api('/admin/incidents'),
      api('/admin/budgets'),
      api('/metrics', { text: true }),
      live ? api(requestQuery(), { optional: true }) : Promise.resolve(undefined),
      state.drillsAvailable ? api('/admin/drills', { optional: true }) : Promise.resolve(null),
    ]);
    const results = [targets, incidents, budgets, metrics, requests, drills];
    const auth = results.find((r) => r.status === 'rejected' && r.reason instanceof AuthNeeded);
    if (auth) {
      askForKey(auth.reason);
      return;
    }
    $('auth').hidden = !adminKey();
    const failures = [];
    const apply = (result, render) => {
      if (result.status === 'fulfilled') {
        try {
          render(result.value);
        } catch (error) {
          failures.push(String(error && error.message ? error.message : error));
        }
      } else {
        failures.push(String(result.reason && result.reason.message ? result.reason.message : result.reason));
      }
    };
    if (metrics.status === 'fulfilled') state.lastMetrics = parseMetrics(metrics.value);
    apply(metrics, () => renderTraffic(state.lastMetrics));
    apply(targets, renderTargets);
    apply(incidents, renderIncidents);
    apply(budgets, (value) => renderBudgets(value, state.lastMetrics));
    if (live) apply(requests, (value) => value !== undefined && renderRequests(value));
    apply(drills, (value) => {
      // Asked once: a build without drills answers 404, and is not asked again.
      if (value === null) state.drillsAvailable = false;
      renderDrills(value);
    });
    const stamp = new Date().toLocaleTimeString();
    if (failures.length) setStatus(`Updated ${stamp}, with errors: ${failures.join('; ')}`, true);
    else setStatus(`Live: updated ${stamp}, every ${POLL_MS / 1000} s`);
    $('updated').textContent = `Last update: ${stamp}.`;
    document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
    schedule();
  }

  function schedule() {
    if (state.timer === null && !state.paused) state.timer = setTimeout(poll, POLL_MS);
  }

  function start() {
    $('auth').addEventListener('submit', (event) => {
      event.preventDefault();
      const key = $('admin-key').value.trim();
      if (!key) return;
      try {
        sessionStorage.setItem(KEY_STORAGE, key);
      } catch {
        setStatus('This browser keeps no sessionStorage: the key cannot be kept.', true);
        return;
      }
      $('admin-key').value = '';
      state.paused = false;
      setStatus('Connecting…');
      poll();
    });
    $('forget-key').addEventListener('click', () => {
      try {
        sessionStorage.removeItem(KEY_STORAGE);
      } catch {
        // storage unavailable
      }
      if (state.timer !== null) clearTimeout(state.timer);
      state.timer = null;
      askForKey(null);
    });
    $('request-search').addEventListener('submit', async (event) => {
      event.preventDefault();
      const id = $('search-id').value.trim();
      if (id) {
        await showRequest(id);
        return;
      }
      try {
        renderRequests(await api(requestQuery(), { optional: true }));
        $('requests-message').textContent = '';
      } catch (error) {
        if (error instanceof AuthNeeded) return askForKey(error);
        $('requests-message').textContent = String(error.message || error);
      }
    });
    poll();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
