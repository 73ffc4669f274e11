// The live page: one Server-Sent Events stream (/api/stream) pushes the figures every second; the
// history panel asks /api/history once a minute. Plain browser JavaScript over Chart.js (global
// `Chart`, served by the service itself), no build step.
'use strict';

(function () {
  /** Without a push for this long the stream is taken as dropped, whatever EventSource says. */
  const SILENCE_MS = 5000;
  const HISTORY_REFRESH_MS = 60000;
  const GREEN = '#1db954';
  const GRID = '#282828';
  const TEXT = '#b3b3b3';

  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat('en-US');
  const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
  const timeOfDay = (iso) => iso.slice(11, 16);

  Chart.defaults.color = TEXT;
  Chart.defaults.borderColor = GRID;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.display = false;

  const charts = {
    plays: new Chart($('chart-plays'), {
      type: 'line',
      data: { labels: [], datasets: [{ label: 'plays', data: [], borderColor: GREEN, backgroundColor: 'rgba(29,185,84,0.15)', fill: true, pointRadius: 0, tension: 0.25 }] },
      options: { scales: { y: { beginAtZero: true }, x: { ticks: { maxTicksLimit: 12 } } } },
    }),
    skips: new Chart($('chart-skips'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'skip rate', data: [], backgroundColor: '#f59b23' }] },
      options: { indexAxis: 'y', scales: { x: { min: 0, max: 1, ticks: { callback: (v) => percent.format(v) } } } },
    }),
    countries: new Chart($('chart-countries'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'plays', data: [], backgroundColor: '#509bf5' }] },
      options: { scales: { y: { beginAtZero: true } } },
    }),
    history: new Chart($('chart-history'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'listening hours', data: [], backgroundColor: GREEN }] },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'listening hours' } } } },
    }),
  };

  function setChart(chart, labels, values) {
    chart.data.labels = labels;
    chart.data.datasets[0].data = values;
    chart.update('none');
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    td.title = text;
    return td;
  }

  function fillTable(id, rows) {
    const body = $(id).querySelector('tbody');
    body.replaceChildren(
      ...rows.map((cells) => {
        const tr = document.createElement('tr');
        if (cells.key) tr.dataset.key = cells.key;
        tr.append(...cells.values);
        return tr;
      }),
    );
  }

  // A sketch's count is an upper bound: exact when its error is 0, a range otherwise, and only a bound
  // when the error could be all of it (nothing stands out of the sketch's error yet).
  const plays = (entry) => {
    if (entry.error === 0) return number.format(entry.plays);
    if (entry.plays - entry.error <= 0) return `≤ ${number.format(entry.plays)}`;
    return `${number.format(entry.plays)} ±${number.format(entry.error)}`;
  };

  function render(view) {
    const s = view.summary;
    $('kpi-plays').textContent = number.format(s.plays);
    $('kpi-hours').textContent = oneDecimal.format(s.listeningMinutes / 60);
    $('kpi-listeners').textContent = number.format(s.listeners.estimate);
    $('kpi-listeners-error').textContent = `HyperLogLog, ±${percent.format(s.listeners.relativeStandardError)} (1 σ)`;
    $('kpi-skip').textContent = percent.format(s.skipRate);
    $('kpi-rate').textContent = oneDecimal.format(view.status.eventsPerSecond);
    $('kpi-fresh').textContent = view.status.newestEventTime ? `newest event ${view.status.newestEventTime.slice(11, 19)} UTC` : 'no events yet';

    setChart(charts.plays, view.perMinute.map((m) => timeOfDay(m.start)), view.perMinute.map((m) => m.plays));
    setChart(charts.skips, s.byPlatform.map((p) => p.key), s.byPlatform.map((p) => p.skipRate));
    const countries = s.byCountry.slice(0, 15);
    setChart(charts.countries, countries.map((c) => c.key), countries.map((c) => c.plays));

    fillTable('top-tracks', view.topTracks.entries.map((e) => ({ key: e.key, values: [cell(String(e.rank)), cell(e.name), cell(e.artist || ''), cell(plays(e), 'num')] })));
    fillTable('top-artists', view.topArtists.entries.map((e) => ({ key: e.key, values: [cell(String(e.rank)), cell(e.name), cell(plays(e), 'num')] })));
    $('tracks-bound').textContent = `of ${number.format(view.topTracks.total)} plays; error ≤ ${number.format(Math.floor(view.topTracks.guaranteeThreshold))}`;
    $('artists-bound').textContent = `of ${number.format(view.topArtists.total)} plays; error ≤ ${number.format(Math.floor(view.topArtists.guaranteeThreshold))}`;
    fillTable('trending', view.trending.length === 0 ? [{ values: [cell('nothing rising clearly yet'), cell(''), cell(''), cell('')] }] : view.trending.map((t) => ({ key: t.trackUri, values: [cell(`${t.trackName}${t.artistName ? ` — ${t.artistName}` : ''}`), cell(number.format(t.playsLow), 'num'), cell(`≤ ${number.format(t.previousPlaysHigh)}`, 'num'), cell(oneDecimal.format(t.growth), 'num')] })));
    fillTable('content-types', s.byContentType.map((c) => ({ key: c.key, values: [cell(c.key), cell(number.format(c.plays), 'num'), cell(oneDecimal.format(c.listeningMinutes / 60), 'num')] })));
  }

  // ---- connection state: live, rebuilding, stale, disconnected --------------------------------
  let source;
  let lastPushAt = 0;
  let lastView;

  function showState() {
    const badge = $('connection');
    const banner = $('banner');
    const silent = Date.now() - lastPushAt > SILENCE_MS;
    let state = 'live';
    let message = '';
    if (!source || source.readyState !== EventSource.OPEN || silent) {
      state = 'disconnected';
      message = lastPushAt === 0 ? 'Not connected to the insights service yet — retrying…' : `Disconnected from the insights service since ${new Date(lastPushAt).toLocaleTimeString()} — the figures below are frozen; reconnecting…`;
    } else if (lastView && lastView.status.rebuilding) {
      state = 'rebuilding';
      message = 'The service is rebuilding its windows from Kafka: figures are still incomplete.';
    } else if (lastView && lastView.status.stale) {
      state = 'stale';
      const last = lastView.status.lastRecordAt;
      message = last ? `No new events for ${Math.round((Date.now() - Date.parse(last)) / 1000)} s (since ${last.slice(11, 19)} UTC): the data is stale.` : 'No events have arrived yet: nothing to show.';
    }
    badge.className = `badge ${state}`;
    badge.textContent = state;
    banner.className = message ? `banner ${state}` : 'banner hidden';
    banner.textContent = message;
    $('updated').textContent = lastPushAt ? `updated ${new Date(lastPushAt).toLocaleTimeString()}` : '';
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(`/api/stream?minutes=${$('period').value}`);
    source.addEventListener('live', (event) => {
      lastView = JSON.parse(event.data);
      lastPushAt = Date.now();
      render(lastView);
      showState();
    });
    // EventSource reconnects by itself (the server asks for 2 s); the state line shows the gap.
    source.addEventListener('error', showState);
  }

  // ---- history from the lake --------------------------------------------------------------------
  async function loadHistory() {
    let body;
    try {
      const response = await fetch('/api/history');
      body = await response.json();
    } catch (error) {
      body = { available: false, error: `the service did not answer (${error.message})`, last: null };
    }
    if (body.available) {
      $('history-error').className = 'error hidden';
      renderHistory(body);
      return;
    }
    $('history-error').textContent = `History unavailable: ${body.error}${body.last ? ` (showing the answer of ${body.last.fetchedAt})` : ''}`;
    $('history-error').className = 'error';
    if (body.last) renderHistory(body.last);
  }

  function renderHistory(history) {
    $('history-source').textContent = `${history.engine} over the Iceberg tables, since ${history.since}; as of ${history.fetchedAt.slice(11, 19)} UTC`;
    setChart(charts.history, history.days.map((d) => d.day), history.days.map((d) => d.hoursPlayed));
    fillTable('history-top', history.topTracks.map((t) => ({ values: [cell(t.day), cell(String(t.rank)), cell(`${t.trackName}${t.artistName ? ` — ${t.artistName}` : ''}`), cell(number.format(t.plays), 'num')] })));
  }

  $('period').addEventListener('change', connect);
  connect();
  setInterval(showState, 1000);
  void loadHistory();
  setInterval(() => void loadHistory(), HISTORY_REFRESH_MS);
})();
