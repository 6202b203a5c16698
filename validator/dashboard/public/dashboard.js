// The validator dashboard's pages: plain DOM and inline SVG, no library, nothing from another origin.
// Every value from the API is put in the page as text (textContent, SVG attributes), never as markup:
// device names and reasons are a miner's words.
'use strict';

const CLASSES = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8'];
const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') node.className = v;
    else if (k === 'onclick') node.addEventListener('click', v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const fmt = (x) => (x === undefined || x === null ? '–' : x === 0 ? '0' : Math.abs(x) >= 0.01 ? Number(x.toPrecision(4)).toLocaleString('en-US') : x.toExponential(2));
const short = (h) => `${h.slice(0, 6)}…${h.slice(-4)}`;
const time = (ms) => (ms === undefined ? '–' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');
const share = (w) => (w === undefined ? '–' : `${(100 * w).toFixed(1)} %`);

async function api(path) {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${(await res.text()).trim()}`);
  return res.json();
}

function fail(container, error) {
  container.replaceChildren(el('p', { class: 'error' }, String(error && error.message ? error.message : error)));
}

/** A line chart of TFLOPS per class over time: one path per class, a gap where a bucket is empty. */
function lineChart(container, data, emptyText) {
  const W = 1000, H = 260, L = 64, R = 16, T = 24, B = 28;
  // data-span (ms) says which range is drawn: the range buttons change before the new data arrives.
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'TFLOPS per class over time', 'data-points': data.points.length, 'data-span': data.to - data.from });
  const max = Math.max(0, ...data.points.flatMap((p) => Object.values(p.tflops)));
  const x = (t) => L + ((t - data.from) / (data.to - data.from)) * (W - L - R);
  const y = (v) => H - B - (max > 0 ? v / max : 0) * (H - T - B);
  root.append(svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }), svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }));
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    root.append(svg('line', { class: 'axis grid', x1: L, y1: y(v), x2: W - R, y2: y(v) }), svg('text', { class: 'tick', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = data.from + ((data.to - data.from) * i) / 4;
    root.append(svg('text', { class: 'tick', x: x(t), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, time(t).slice(5, 16)));
  }
  if (data.points.length === 0) {
    root.append(svg('text', { class: 'empty', x: W / 2, y: H / 2, 'text-anchor': 'middle' }, emptyText));
  }
  data.classes.forEach((cls, i) => {
    let d = '';
    let previous;
    for (const p of data.points) {
      const v = p.tflops[cls];
      if (v === undefined) continue;
      const joined = previous !== undefined && p.t - previous <= data.bucketMs;
      d += `${joined ? 'L' : 'M'}${x(p.t + data.bucketMs / 2).toFixed(1)},${y(v).toFixed(1)}`;
      previous = p.t;
    }
    root.append(svg('path', { class: `series c-${cls}`, d, 'data-class': cls }));
    root.append(svg('rect', { class: `c-${cls}`, x: L + 10 + i * 120, y: 6, width: 10, height: 10 }), svg('text', { class: 'legend', x: L + 24 + i * 120, y: 15 }, `${cls} TFLOPS`));
  });
  container.replaceChildren(root);
}

function sparkline(values) {
  const root = svg('svg', { viewBox: '0 0 96 22', 'aria-label': 'recent verified TFLOPS' });
  if (values.length > 1) {
    const max = Math.max(...values) || 1;
    const points = values.map((v, i) => `${((i / (values.length - 1)) * 94 + 1).toFixed(1)},${(21 - (v / max) * 20).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { points }));
  }
  return root;
}

function rangeButtons(current, choose) {
  const box = document.getElementById('ranges');
  box.replaceChildren(...['1d', '7d', '30d'].map((r) => el('button', { class: r === current ? 'on' : '', onclick: () => choose(r), 'data-range': r }, r)));
}

function verdictCell(verdict, reason) {
  return el('td', { class: `verdict-${verdict} reason`, title: reason }, verdict === 'verified' ? 'verified' : `${verdict} (${reason})`);
}

// ---- overview ----

async function overview() {
  let range = '7d';
  let page = { offset: 0, limit: 50, sort: 'uid', order: 'asc' };
  let classes = [];

  async function summary() {
    const box = document.getElementById('summary');
    try {
      const s = await api('/api/summary');
      const item = (label, value) => el('div', { class: 'item' }, el('b', {}, value), el('span', {}, label));
      box.replaceChildren(
        item('subnet', s.netuid),
        item('validator', short(s.validator)),
        item('last round', `${s.round} @ block ${s.block ?? '–'}`),
        item('at', time(s.at)),
        item('miners verified', `${s.verifiedMiners} / ${s.miners}`),
        ...CLASSES.filter((c) => s.totals[c] !== undefined).map((c) => item(`${c} TFLOPS verified`, fmt(s.totals[c]))),
        item('last weights', s.weights ? `${s.weights.kind} @ block ${s.weights.block ?? '–'}` : 'none yet'),
      );
      box.dataset.loaded = 'true';
    } catch (e) {
      fail(box, e);
    }
  }

  async function capacity() {
    const box = document.getElementById('capacity-chart');
    rangeButtons(range, (r) => ((range = r), capacity()));
    try {
      lineChart(box, await api(`/api/capacity?range=${range}`), 'no verified results in this range');
    } catch (e) {
      fail(box, e);
    }
  }

  async function chain() {
    const box = document.getElementById('chain');
    try {
      const c = await api('/api/chain');
      if (c.error) {
        box.replaceChildren(el('p', { class: 'muted' }, `Chain not read: ${c.error}`));
        return;
      }
      const tf = (t) => CLASSES.filter((k) => t[k] !== undefined).map((k) => `${k} ${fmt(t[k])}`).join(', ') || 'none';
      const own = c.own
        ? `round ${c.own.round}, ${c.own.verifiedMiners} miners verified: ${tf(c.own.tflops)} TFLOPS (committed at block ${c.own.block})`
        : c.ownSkipped
          ? `not counted: ${c.ownSkipped}`
          : 'no commitment yet (start the validator with --publish-capacity)';
      const table = el('table', { class: 'miners', id: 'validators' },
        el('thead', {}, el('tr', {}, ...['uid', 'hotkey', 'stake (α)', 'block', 'round', 'miners', 'TFLOPS'].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...(c.validators || []).map((v) => el('tr', {},
          el('td', {}, v.uid), el('td', { title: v.hotkey }, short(v.hotkey)), el('td', { class: 'num' }, (Number(BigInt(v.stake) / 1000000n) / 1000).toFixed(3)),
          el('td', { class: 'num' }, v.block), el('td', { class: 'num' }, v.round), el('td', { class: 'num' }, v.verifiedMiners), el('td', {}, tf(v.tflops))))));
      box.replaceChildren(
        el('dl', { class: 'kv' },
          el('dt', {}, 'this validator’s commitment'), el('dd', { id: 'own-commitment' }, own),
          el('dt', {}, 'subnet capacity (stake-weighted median)'), el('dd', { id: 'subnet-capacity' }, `${tf(c.subnet.tflops)} TFLOPS over ${c.subnet.validators} validators with a permit`),
          el('dt', {}, 'read at'), el('dd', {}, `block ${c.block}, ${time(c.readAt)}`)),
        table,
      );
    } catch (e) {
      fail(box, e);
    }
  }

  async function miners() {
    const table = document.getElementById('miners');
    try {
      const q = new URLSearchParams({ offset: page.offset, limit: page.limit, sort: page.sort, order: page.order });
      const data = await api(`/api/miners?${q}`);
      classes = CLASSES.filter((c) => data.rows.some((r) => r.tflops[c] !== undefined));
      const sortable = (label, key, num) =>
        el('th', { class: `sortable${num ? ' num' : ''}`, 'data-sort': key, onclick: () => {
          page = { ...page, offset: 0, sort: key, order: page.sort === key && page.order === 'asc' ? 'desc' : 'asc' };
          miners();
        } }, label + (page.sort === key ? (page.order === 'asc' ? ' ▲' : ' ▼') : ''));
      table.tHead.replaceChildren(el('tr', {},
        sortable('uid', 'uid', true), el('th', {}, 'hotkey'), el('th', {}, 'device'),
        ...classes.map((c) => el('th', { class: 'num' }, `${c} TFLOPS`)),
        sortable('score', 'score', true), sortable('weight', 'weight', true), sortable('last verdict', 'verdict'), el('th', {}, 'trend')));
      table.tBodies[0].replaceChildren(...data.rows.map((r) => el('tr', { 'data-hotkey': r.hotkey },
        el('td', { class: 'num' }, r.uid),
        el('td', {}, el('a', { href: `/miner?hotkey=${encodeURIComponent(r.hotkey)}`, title: r.hotkey }, short(r.hotkey))),
        el('td', { class: 'device', title: r.device ? r.device.name : '' }, r.device ? `${r.device.name} (${r.device.backend})` : '–'),
        ...classes.map((c) => el('td', { class: 'num' }, fmt(r.tflops[c]))),
        el('td', { class: 'num' }, fmt(r.score)), el('td', { class: 'num' }, share(r.weight)),
        verdictCell(r.lastVerdict, r.lastReason),
        el('td', { class: 'trend' }, sparkline(r.trend)))));
      const pager = document.getElementById('pager');
      const last = Math.min(data.total, page.offset + page.limit);
      pager.replaceChildren(
        el('span', { class: 'muted' }, `${data.total ? page.offset + 1 : 0}–${last} of ${data.total}`),
        el('button', { onclick: () => ((page.offset = Math.max(0, page.offset - page.limit)), miners()), ...(page.offset === 0 ? { disabled: '' } : {}) }, '‹ prev'),
        el('button', { onclick: () => ((page.offset += page.limit), miners()), ...(last >= data.total ? { disabled: '' } : {}), 'data-next': '' }, 'next ›'),
      );
      table.dataset.loaded = 'true';
    } catch (e) {
      fail(table.tBodies[0], e);
    }
  }

  await Promise.all([summary(), capacity(), chain(), miners()]);
  document.body.dataset.ready = 'true';
  setInterval(() => { summary(); miners(); }, 30000);
}

// ---- one miner ----

async function minerPage() {
  const hotkey = new URLSearchParams(location.search).get('hotkey') || '';
  let range = '7d';
  let before;
  const head = document.getElementById('miner-head');

  async function load() {
    rangeButtons(range, (r) => ((range = r), (before = undefined), load()));
    try {
      const q = new URLSearchParams({ hotkey, range });
      if (before !== undefined) q.set('before', before);
      const m = await api(`/api/miner?${q}`);
      const s = m.standing;
      const item = (label, value) => el('div', { class: 'item' }, el('b', {}, value), el('span', {}, label));
      head.replaceChildren(
        item('uid', m.onSubnet ? s.uid : 'left the subnet'),
        item('hotkey', hotkey),
        item('device', m.device ? `${m.device.name} (${m.device.backend}, ${(m.device.memoryBytes / 2 ** 30).toFixed(1)} GiB)` : '–'),
        item('score', fmt(m.score)),
        item('weight', share(m.weight)),
        item('last verdict', s.lastVerdict === 'verified' ? `verified (round ${s.lastRound})` : `${s.lastVerdict}: ${s.lastReason} (round ${s.lastRound})`),
        ...CLASSES.filter((c) => s.tflops[c] !== undefined).map((c) => item(`${c} TFLOPS (last verified)`, fmt(s.tflops[c]))),
      );
      lineChart(document.getElementById('miner-chart'), m.history, 'no verified results in this range');
      document.getElementById('verdicts').replaceChildren(el('dl', { class: 'kv' }, ...Object.entries(m.verdicts).sort((a, b) => b[1] - a[1]).flatMap(([k, n]) => [el('dt', {}, k), el('dd', {}, n)])));
      const table = document.getElementById('results');
      table.tHead.replaceChildren(el('tr', {}, ...['round', 'block', 'time', 'class', 'GEMMs', 'window', 'TFLOPS', 'verdict', 'detail'].map((h) => el('th', {}, h))));
      table.tBodies[0].replaceChildren(...m.results.map((r) => el('tr', {},
        el('td', { class: 'num' }, r.round), el('td', { class: 'num' }, r.block), el('td', {}, time(r.startedAt)), el('td', {}, r.precision ?? '–'),
        el('td', { class: 'num' }, r.gemms === null ? '–' : `${r.gemms}/${r.m}`), el('td', { class: 'num' }, r.windowSeconds === null ? '–' : `${r.windowSeconds} s`),
        el('td', { class: 'num' }, fmt(r.tflops)), verdictCell(r.verdict, r.reason), el('td', { class: 'reason', title: r.detail ?? '' }, r.detail ?? ''))));
      document.getElementById('pager').replaceChildren(
        el('button', { onclick: () => ((before = undefined), load()), ...(before === undefined ? { disabled: '' } : {}) }, '« newest'),
        el('button', { onclick: () => ((before = m.next), load()), ...(m.next === undefined ? { disabled: '' } : {}), 'data-next': '' }, 'older ›'),
      );
      document.body.dataset.ready = 'true';
    } catch (e) {
      fail(head, e);
      document.body.dataset.ready = 'true';
    }
  }
  await load();
}

if (document.body.dataset.page === 'miner') minerPage();
else overview();
