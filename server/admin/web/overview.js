// Version, uptime, listeners, relay addresses and draining from /v1/stats, polled every
// second, with uPlot charts of allocations, relayed traffic each way, authentication
// failures and drops (rates from the differences of the counters).

import {api, element, formatBytes, formatDuration} from './api.js';
import uPlot from './vendor/uPlot.esm.js';

const kPoints = 120;  // two minutes at one a second
const kPeriodMs = 1000;

const kCharts = [
  {title: 'Allocations', series: [['live', (s) => s.allocations]], rate: false},
  {
    title: 'Relayed bytes/s',
    series: [['to peers', (s) => s.relayed.bytes_to_peer], ['to clients', (s) => s.relayed.bytes_to_client]],
    rate: true,
    bytes: true,
  },
  {
    title: 'Relayed packets/s',
    series: [['to peers', (s) => s.relayed.packets_to_peer], ['to clients', (s) => s.relayed.packets_to_client]],
    rate: true,
  },
  {
    title: 'Auth failures and drops /s',
    series: [
      ['auth failures', (s) => s.counters.auth_failures ?? 0],
      ['dropped', (s) => Object.entries(s.counters)
                             .filter(([name]) => name.startsWith('dropped_'))
                             .reduce((sum, [, n]) => sum + n, 0)],
    ],
    rate: true,
  },
];
const kColors = ['#2f6fdb', '#d9822b', '#3c9a5f'];

export class Overview {
  constructor(root) {
    this.root = root;
    this.facts = root.querySelector('#facts');
    this.timer = null;
    this.charts = null;
    this.last = null;
    this.data = kCharts.map((c) => [[], ...c.series.map(() => [])]);
    if (!uPlot) {
      root.querySelector('#charts-note').textContent =
          'This ternd was built without charts (no npm at build time): numbers only.';
    }
  }

  show(onError) {
    this.onError = onError;
    this.tick();
    this.timer = setInterval(() => this.tick(), kPeriodMs);
  }

  hide() {
    clearInterval(this.timer);
    this.timer = null;
  }

  async tick() {
    let stats;
    try {
      stats = await api('GET', '/v1/stats');
    } catch (error) {
      if (!this.onError(error)) this.facts.replaceChildren(element('dd', `no stats: ${error.message}`));
      return;
    }
    if (this.timer === null) return;  // hidden meanwhile
    this.renderFacts(stats);
    this.addPoint(stats);
  }

  renderFacts(s) {
    const rows = [
      ['Version', s.version],
      ['Uptime', formatDuration(s.uptime)],
      ['Draining', s.draining ? 'yes: no new allocations' : 'no'],
      ['Allocations', s.allocations],
      ['Workers', s.workers],
      ['Listeners', (s.listeners ?? []).join(', ') || 'none'],
      ['Relay addresses', (s.relay_addresses ?? []).join(', ') || 'none'],
      ['Relayed', `${formatBytes(s.relayed.bytes_to_peer)} to peers, ` +
           `${formatBytes(s.relayed.bytes_to_client)} to clients`],
      ['Log level', s.log_level],
    ];
    const nodes = [];
    for (const [name, value] of rows) {
      nodes.push(element('dt', name), element('dd', value, {'data-test': `overview-${name.toLowerCase().replace(/ /g, '-')}`}));
    }
    this.facts.replaceChildren(...nodes);
  }

  addPoint(stats) {
    const now = Date.now() / 1000;
    kCharts.forEach((chart, i) => {
      const values = chart.series.map(([, read]) => read(stats));
      let point = values;
      if (chart.rate) {
        const before = this.last?.values[i];
        const dt = this.last ? now - this.last.time : 0;
        point = values.map((v, j) => (before && dt > 0 ? Math.max(0, (v - before[j]) / dt) : null));
      }
      const data = this.data[i];
      data[0].push(now);
      point.forEach((v, j) => data[j + 1].push(v));
      if (data[0].length > kPoints) data.forEach((column) => column.shift());
    });
    this.last = {time: now, values: kCharts.map((c) => c.series.map(([, read]) => read(stats)))};
    if (!uPlot) return;
    if (!this.charts) this.makeCharts();
    this.charts.forEach((plot, i) => plot.setData(this.data[i]));
  }

  makeCharts() {
    const box = this.root.querySelector('#charts');
    this.charts = kCharts.map((chart, i) => {
      const holder = element('div', undefined, {'data-test': `chart-${i}`});
      box.append(holder);
      const axisValues = chart.bytes ? (u, ticks) => ticks.map((t) => formatBytes(t)) : undefined;
      return new uPlot({
        title: chart.title,
        width: 420,
        height: 220,
        series: [{}, ...chart.series.map(([label], j) => ({label, stroke: kColors[j], width: 2}))],
        axes: [{}, {values: axisValues, size: 70}],
        scales: {y: {range: (u, min, max) => [0, Math.max(1, max)]}},
      }, this.data[i], holder);
    });
  }
}
