// The Flagger dashboard: reads the operator API with the page's key and draws what it answers.
// Everything shown comes from the API as is; every chart point carries its values in data-* attributes.
(() => {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const LEFT = 52;
  const params = new URLSearchParams(location.search);
  const key = params.get('code');
  // The page is served at <prefix>/dashboard, beside the API it reads (/api/dashboard in both hosts).
  const apiBase = location.pathname.replace(/dashboard\/?$/, '');
  const $ = (id) => document.getElementById(id);

  let selected = null; // { namespace, name }
  let timer = null;
  let refreshing = false;
  let again = false; // asked for while a refresh was running: run once more right after it

  if (params.get('refresh') !== null) {
    const option = document.createElement('option');
    option.value = params.get('refresh');
    option.textContent = `${option.value} s`;
    $('refresh').append(option);
    $('refresh').value = option.value;
  }

  async function api(path, method = 'GET') {
    const headers = { Accept: 'application/json' };
    if (key) {
      headers['x-functions-key'] = key;
    }
    const response = await fetch(apiBase + path, { method, headers, cache: 'no-store' });
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { error: text };
    }
    return { status: response.status, statusText: response.statusText, body };
  }

  function canaryPath(canary) {
    return `canaries/${encodeURIComponent(canary.namespace)}/${encodeURIComponent(canary.name)}`;
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== null && value !== undefined) {
        node.setAttribute(name, value);
      }
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function svg(tag, attributes = {}, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== null && value !== undefined) {
        node.setAttribute(name, value);
      }
    }
    node.append(...children);
    return node;
  }

  function time(iso) {
    if (!iso) {
      return '';
    }
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(11, 19);
  }

  function phaseBadge(phase) {
    return el('span', { class: `phase phase-${phase ?? 'none'}` }, phase ?? '—');
  }

  function weightBar(canaryWeight, primaryWeight) {
    const inner = el('span');
    inner.style.width = `${Math.max(0, Math.min(100, canaryWeight))}%`;
    return el('span', {}, el('span', { class: 'weightbar', 'aria-hidden': 'true' }, inner), `${canaryWeight}% / ${primaryWeight}%`);
  }

  function setStatus(text, isError) {
    $('status').textContent = text;
    $('status').classList.toggle('error', Boolean(isError));
  }

  // HTTP/2 answers have no reason phrase: the status alone then.
  function refused(result) {
    return `${result.status}${result.statusText ? ` ${result.statusText}` : ''}${result.body?.error ? `: ${result.body.error}` : ''}`;
  }

  // ---- canaries list ----

  function renderCanaries(canaries) {
    const body = $('canaries').tBodies[0];
    body.replaceChildren(...canaries.map((c) => {
      const row = el('tr', { 'data-namespace': c.namespace, 'data-name': c.name, 'data-phase': c.phase ?? '' },
        el('td', {}, el('strong', {}, c.name), ` · ${c.namespace}`),
        el('td', { class: 'phase-cell' }, phaseBadge(c.phase)),
        el('td', { class: 'weight', 'data-canary-weight': c.canaryWeight, 'data-primary-weight': c.primaryWeight }, weightBar(c.canaryWeight, c.primaryWeight)),
        el('td', { class: 'number' }, String(c.failedChecks)),
        el('td', { class: 'number' }, String(c.ticks)),
        el('td', {}, time(c.updatedAt)));
      row.classList.toggle('selected', selected !== null && selected.namespace === c.namespace && selected.name === c.name);
      row.addEventListener('click', () => select({ namespace: c.namespace, name: c.name }));
      return row;
    }));
    $('no-canaries').hidden = canaries.length > 0;
  }

  function select(canary) {
    selected = canary;
    history.replaceState(null, '', `${location.pathname}${location.search}#${canary.namespace}/${canary.name}`);
    const result = $('operation-result');
    result.textContent = '';
    result.className = '';
    delete result.dataset.status;
    delete result.dataset.operation;
    refresh();
  }

  function fromHash() {
    const match = /^#([^/]+)\/(.+)$/.exec(location.hash);
    return match ? { namespace: decodeURIComponent(match[1]), name: decodeURIComponent(match[2]) } : null;
  }

  // ---- detail ----

  function renderSummary(detail) {
    const promoted = (detail.conditions ?? []).find((c) => c.type === 'Promoted');
    const rows = [
      ['Phase', phaseBadge(detail.phase)],
      ['Weight', weightBar(detail.canaryWeight, detail.primaryWeight)],
      ['Failed checks', String(detail.failedChecks)],
      ['Iterations', String(detail.iterations)],
      ['Paused', detail.paused ? 'yes' : 'no'],
      ['Promoted', promoted ? `${promoted.status}${promoted.reason ? ` (${promoted.reason})` : ''}` : '—'],
      ['Last message', detail.lastMessage ?? '—'],
      ['Updated', detail.updatedAt ? `${time(detail.updatedAt)} UTC` : '—'],
    ];
    $('summary').replaceChildren(...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
    $('summary').dataset.phase = detail.phase ?? '';
  }

  function rangeText(range) {
    if (!range) {
      return '';
    }
    const min = range.min ?? null;
    const max = range.max ?? null;
    if (min !== null && max !== null) {
      return `${min} … ${max}`;
    }
    return min !== null ? `≥ ${min}` : max !== null ? `≤ ${max}` : '';
  }

  function renderChecks(checks) {
    $('checks').tBodies[0].replaceChildren(...checks.map((c) => el('tr', {},
      el('td', {}, `${c.name}`, el('span', { class: 'empty' }, ` ${c.kind.toLowerCase()}`)),
      el('td', { class: 'number' }, c.value === null || c.value === undefined ? '—' : formatValue(c.value)),
      el('td', {}, rangeText(c.range)),
      el('td', {}, c.verdict, c.verdict === 'Passed' ? null : el('div', { class: 'empty' }, c.message)))));
    $('no-checks').hidden = checks.length > 0;
  }

  function renderEvents(events) {
    $('events').tBodies[0].replaceChildren(...events.map((e) => el('tr', { class: e.type },
      el('td', {}, e.type),
      el('td', {}, e.reason),
      el('td', {}, e.message),
      el('td', { class: 'number' }, String(e.count)),
      el('td', {}, time(e.lastSeen)))));
    $('no-events').hidden = events.length > 0;
  }

  function operationText(o) {
    return `${o.kind}${o.detail ? ` ${o.detail}` : ''}${o.by ? ` by ${o.by}` : ''}`;
  }

  function renderHistory(entries) {
    $('history').tBodies[0].replaceChildren(...entries.slice(0, 40).map((e) => el('tr', { 'data-sequence': e.sequence },
      el('td', { class: 'number' }, String(e.sequence)),
      el('td', {}, time(e.at)),
      el('td', {}, phaseBadge(e.phase)),
      el('td', { class: 'nowrap' }, `${e.canaryWeight}% / ${e.primaryWeight}%`),
      el('td', { class: 'number' }, String(e.failedChecks)),
      el('td', {}, e.message),
      el('td', { class: 'ops' }, (e.operations ?? []).map(operationText).join(', ')))));
  }

  function formatValue(value) {
    if (Number.isInteger(value)) {
      return String(value);
    }
    return Math.abs(value) >= 100 ? value.toFixed(1) : Number(value.toPrecision(4)).toString();
  }

  // ---- charts ----

  // Ticks oldest first; x is the tick's place, so every chart of the canary lines up tick by tick.
  // Drawn at the container's own width, so one unit is one pixel and text and dots keep their size.
  function chartWidth(container) {
    return Math.max(480, Math.round(container.clientWidth || 760));
  }

  function xScale(count, width) {
    const right = width - 14;
    return (index) => (count <= 1 ? (LEFT + right) / 2 : LEFT + (index * (right - LEFT)) / (count - 1));
  }

  function timeAxis(ticks, x, width, height, bottom) {
    const group = svg('g', { class: 'time-axis' });
    group.append(svg('line', { class: 'axis', x1: LEFT, x2: width - 14, y1: bottom, y2: bottom }));
    if (ticks.length > 0) {
      const first = ticks[0].at;
      const last = ticks[ticks.length - 1].at;
      // Ticks over more than one day are labelled with their dates too.
      const label = (iso) => (first.slice(0, 10) === last.slice(0, 10) ? time(iso) : `${iso.slice(5, 10)} ${time(iso).slice(0, 5)}`);
      group.append(svg('text', { x: x(0), y: height - 4, 'text-anchor': 'start' }, label(first)));
      group.append(svg('text', { x: x(ticks.length - 1), y: height - 4, 'text-anchor': 'end' }, `${label(last)} UTC`));
    }
    return group;
  }

  function pathOf(points) {
    // A tick without a value breaks the line (M starts a new segment).
    let d = '';
    let pen = false;
    for (const point of points) {
      if (point === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${point[0].toFixed(1)},${point[1].toFixed(1)}`;
      pen = true;
    }
    return d;
  }

  function drawWeights(ticks) {
    const width = chartWidth($('weight-chart'));
    const height = 200;
    const top = 12;
    const bottom = height - 22;
    const x = xScale(ticks.length, width);
    const y = (weight) => bottom - ((bottom - top) * weight) / 100;
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'canary and primary weight per tick', 'data-ticks': ticks.length });
    for (const weight of [0, 25, 50, 75, 100]) {
      chart.append(svg('line', { class: 'grid', x1: LEFT, x2: width - 14, y1: y(weight), y2: y(weight) }));
      chart.append(svg('text', { x: LEFT - 8, y: y(weight) + 4, 'text-anchor': 'end' }, `${weight}%`));
    }
    chart.append(timeAxis(ticks, x, width, height, bottom));
    ticks.forEach((tick, index) => {
      if ((tick.operations ?? []).length > 0) {
        const nearRight = x(index) > width - 160;
        chart.append(svg('g', { class: 'operation', 'data-sequence': tick.sequence },
          svg('line', { x1: x(index), x2: x(index), y1: top, y2: bottom }),
          svg('text', { x: x(index) + (nearRight ? -4 : 4), y: top + 10, 'text-anchor': nearRight ? 'end' : 'start' },
            tick.operations.map(operationText).join(', '))));
      }
    });
    chart.append(svg('path', { class: 'line primary', d: pathOf(ticks.map((t, i) => [x(i), y(t.primaryWeight)])) }));
    chart.append(svg('path', { class: 'line canary', d: pathOf(ticks.map((t, i) => [x(i), y(t.canaryWeight)])) }));
    const radius = ticks.length > 120 ? 1.6 : 2.6;
    ticks.forEach((tick, index) => {
      const title = svg('title', {}, `tick ${tick.sequence} · ${time(tick.at)} · ${tick.phase ?? ''} · canary ${tick.canaryWeight}% / primary ${tick.primaryWeight}%`);
      chart.append(svg('g', {
        class: 'tick',
        'data-sequence': tick.sequence,
        'data-at': tick.at,
        'data-phase': tick.phase ?? '',
        'data-canary-weight': tick.canaryWeight,
        'data-primary-weight': tick.primaryWeight,
      },
      title,
      svg('circle', { class: 'primary', cx: x(index), cy: y(tick.primaryWeight), r: radius }),
      svg('circle', { class: 'canary', cx: x(index), cy: y(tick.canaryWeight), r: radius })));
    });
    $('weight-chart').replaceChildren(chart);
  }

  function metricSeries(ticks) {
    const names = [];
    for (const tick of ticks) {
      for (const check of tick.checks ?? []) {
        if (check.kind === 'Metric' && !names.includes(check.name)) {
          names.push(check.name);
        }
      }
    }
    return names.map((name) => ({
      name,
      points: ticks.map((tick) => (tick.checks ?? []).find((c) => c.kind === 'Metric' && c.name === name) ?? null),
    }));
  }

  function drawMetric(series, ticks) {
    const width = chartWidth($('metric-charts'));
    const height = 140;
    const top = 10;
    const bottom = height - 22;
    const x = xScale(ticks.length, width);
    const values = series.points.filter((c) => c !== null && typeof c.value === 'number').map((c) => c.value);
    const bounds = series.points.filter((c) => c?.range).flatMap((c) => [c.range.min, c.range.max]).filter((v) => typeof v === 'number');
    const all = values.concat(bounds);
    let lo = all.length ? Math.min(...all) : 0;
    let hi = all.length ? Math.max(...all) : 1;
    const pad = hi === lo ? Math.max(1, Math.abs(hi) * 0.05) : (hi - lo) * 0.1;
    lo -= pad;
    hi += pad;
    const y = (value) => bottom - ((bottom - top) * (value - lo)) / (hi - lo);
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${series.name} per tick against its threshold range`, class: 'metric-chart', 'data-metric': series.name });

    // The threshold range of the newest tick that had one, as a band of passing values.
    const range = [...series.points].reverse().find((c) => c?.range)?.range ?? null;
    if (range) {
      const bandTop = typeof range.max === 'number' ? y(range.max) : top;
      const bandBottom = typeof range.min === 'number' ? y(range.min) : bottom;
      chart.append(svg('rect', {
        class: 'band', x: LEFT, width: width - 14 - LEFT, y: bandTop, height: Math.max(0, bandBottom - bandTop),
        'data-min': range.min ?? '', 'data-max': range.max ?? '',
      }));
      for (const bound of [range.min, range.max]) {
        if (typeof bound === 'number') {
          chart.append(svg('line', { class: 'threshold', x1: LEFT, x2: width - 14, y1: y(bound), y2: y(bound) }));
        }
      }
    }
    // Labels for the range's bounds and the values' extremes, leaving out any that would overlap one drawn already.
    const labelled = [];
    for (const label of [range?.min, range?.max, values.length ? Math.min(...values) : null, values.length ? Math.max(...values) : null]) {
      if (typeof label === 'number' && labelled.every((other) => Math.abs(y(other) - y(label)) >= 12)) {
        labelled.push(label);
        chart.append(svg('text', { x: LEFT - 8, y: y(label) + 4, 'text-anchor': 'end' }, formatValue(label)));
      }
    }
    chart.append(timeAxis(ticks, x, width, height, bottom));
    chart.append(svg('path', {
      class: 'line value',
      d: pathOf(series.points.map((c, i) => (c !== null && typeof c.value === 'number' ? [x(i), y(c.value)] : null))),
    }));
    const radius = ticks.length > 120 ? 1.8 : 3;
    series.points.forEach((check, index) => {
      if (check === null || typeof check.value !== 'number') {
        return;
      }
      const tick = ticks[index];
      chart.append(svg('circle', {
        class: `point${check.verdict === 'Failed' ? ' failed' : ''}`,
        cx: x(index),
        cy: y(check.value),
        r: radius,
        'data-sequence': tick.sequence,
        'data-at': tick.at,
        'data-value': check.value,
        'data-min': check.range?.min ?? '',
        'data-max': check.range?.max ?? '',
        'data-verdict': check.verdict,
      }, svg('title', {}, `tick ${tick.sequence} · ${time(tick.at)} · ${check.name} ${formatValue(check.value)} (${rangeText(check.range)}) ${check.verdict}`)));
    });
    return el('div', { class: 'metric chart' }, el('h4', {}, series.name), chart);
  }

  function drawCharts(entries) {
    const ticks = [...entries].reverse();
    drawWeights(ticks);
    const series = metricSeries(ticks);
    $('metric-charts').replaceChildren(...series.map((s) => drawMetric(s, ticks)));
    $('no-metrics').hidden = series.length > 0;
  }

  // ---- refresh loop ----

  async function refreshDetail(canary) {
    const path = canaryPath(canary);
    const [detail, page, events] = await Promise.all([api(path), api(`${path}/history?pageSize=${Number($('ticks').value)}`), api(`${path}/events`)]);
    if (selected !== canary) {
      return; // another canary was picked meanwhile
    }
    if (detail.status !== 200) {
      $('detail').hidden = true;
      throw new Error(`${canary.namespace}/${canary.name}: ${refused(detail)}`);
    }
    $('detail').hidden = false;
    $('detail').dataset.namespace = canary.namespace;
    $('detail').dataset.name = canary.name;
    $('detail-title').textContent = `${canary.name}.${canary.namespace}`;
    renderSummary(detail.body);
    renderChecks(detail.body.lastChecks ?? []);
    if (page.status === 200) {
      drawCharts(page.body.entries);
      renderHistory(page.body.entries);
    }
    if (events.status === 200) {
      renderEvents(events.body);
    }
    // What could not be read stays as last shown, and the header says so.
    const failed = [['history', page], ['events', events]].filter(([, answer]) => answer.status !== 200);
    if (failed.length > 0) {
      throw new Error(failed.map(([what, answer]) => `${what}: ${refused(answer)}`).join('; '));
    }
  }

  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    clearTimeout(timer);
    try {
      if (document.hidden) {
        return; // nobody is looking; visibilitychange refreshes when the page is shown again
      }
      const list = await api('canaries');
      if (list.status !== 200) {
        $('canaries').tBodies[0].replaceChildren();
        $('detail').hidden = true;
        setStatus(list.status === 401 ? '401 Unauthorized: open the page with ?code=<the API key>' : refused(list), true);
        return;
      }
      const canaries = list.body;
      if (selected === null || !canaries.some((c) => c.namespace === selected.namespace && c.name === selected.name)) {
        const wanted = fromHash();
        const match = canaries.find((c) => wanted && c.namespace === wanted.namespace && c.name === wanted.name) ?? canaries[0];
        selected = match ? { namespace: match.namespace, name: match.name } : null;
      }
      renderCanaries(canaries);
      if (selected !== null) {
        await refreshDetail(selected);
      } else {
        $('detail').hidden = true;
      }
      setStatus(`updated ${time(new Date().toISOString())} UTC`, false);
      document.body.dataset.refreshedAt = new Date().toISOString();
    } catch (error) {
      setStatus(`could not refresh: ${error.message}`, true);
    } finally {
      refreshing = false;
      const seconds = Number($('refresh').value);
      if (again) {
        again = false;
        timer = setTimeout(refresh, 0);
      } else if (seconds > 0) {
        timer = setTimeout(refresh, seconds * 1000);
      }
    }
  }

  async function operate(button) {
    if (selected === null) {
      return;
    }
    const op = button.dataset.op;
    const gate = op === 'approve' ? `?gate=${encodeURIComponent($('gate').value)}` : '';
    const result = $('operation-result');
    button.disabled = true;
    try {
      const answer = await api(`${canaryPath(selected)}/${op}${gate}`, 'POST');
      result.dataset.status = answer.status;
      result.dataset.operation = op;
      result.className = answer.status === 202 ? 'accepted' : 'refused';
      result.textContent = answer.status === 202
        ? `${op}: 202 Accepted, operation #${answer.body.number}; the next tick applies it`
        : `${op}: ${refused(answer)}`;
    } catch (error) {
      result.className = 'refused';
      result.textContent = `${op}: ${error.message}`;
    } finally {
      button.disabled = false;
    }
    refresh();
  }

  $('operations').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-op]');
    if (button) {
      operate(button);
    }
  });
  $('refresh').addEventListener('change', refresh);
  $('ticks').addEventListener('change', refresh);
  window.addEventListener('hashchange', () => {
    const wanted = fromHash();
    if (wanted) {
      select(wanted);
    }
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) {
      refresh();
    }
  });

  refresh();
})();
