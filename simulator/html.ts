/**
 * `flopnet simulate --html FILE`: the run as one self-contained page (inline CSS and SVG, no script,
 * nothing fetched) that an owner can open, keep and share: who earns what per strategy over the
 * epochs, how each group compares with an honest device of its model, the subnet's verified capacity
 * per class, where the emission goes, and the tables behind the charts.
 */
import { PRECISIONS } from '../shared/challenge/types.js';
import type { SimulationReport } from './report.js';
import { barChart, escapeXml, formatTick, lineChart } from './svg.js';

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 880px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.15rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.meta { color: #555; } .note { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.6rem 0; } th, td { padding: 0.2rem 0.6rem; text-align: right; border-bottom: 1px solid #eee; }
th:first-child, td:first-child { text-align: left; } th { background: #f6f6f6; }
.split { display: flex; height: 28px; border-radius: 4px; overflow: hidden; margin: 0.5rem 0; } .split div { color: #fff; font-size: 0.8rem; padding: 5px 6px; white-space: nowrap; overflow: hidden; }
svg .title { font-weight: 600; font-size: 14px; } svg .tick { font-size: 11px; fill: #555; } svg .label { font-size: 12px; fill: #333; }
svg .legend { font-size: 12px; fill: #222; } svg .grid { stroke: #eee; } svg .axis { stroke: #999; } svg .reference { stroke: #c00; stroke-dasharray: 4 3; }
`;

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

function htmlTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cell = (tag: string) => (c: string) => `<${tag}>${escapeXml(c)}</${tag}>`;
  return `<table><thead><tr>${headers.map(cell('th')).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell('td')).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderHtml(r: SimulationReport): string {
  const epochs = Array.from({ length: r.epochs }, (_, i) => i + 1);
  const classes = PRECISIONS.filter((p) => r.capacityPerEpoch.some((c) => (c[p] ?? 0) > 0));
  const e = r.emission;
  const parts = [
    { name: 'miners', value: e.miners, colour: '#0072B2' },
    { name: 'validators', value: e.validators, colour: '#009E73' },
    { name: 'owner cut', value: e.ownerCut, colour: '#E69F00' },
    { name: 'burned', value: e.burned, colour: '#D55E00' },
  ].filter((p) => p.value > 0);
  const withHonest = r.groups.filter((g) => g.relativeToHonest !== null);
  const classColumns = PRECISIONS.filter((p) => r.groups.some((g) => (g.tflopsPerDevice[p] ?? 0) > 0));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>flopnet simulate: ${escapeXml(r.incentives.source)}</title><style>${STYLE}</style></head>
<body>
<h1>flopnet simulate</h1>
<p class="meta">Incentive config: <b>${escapeXml(r.incentives.source)}</b> · population: <b>${escapeXml(r.population.source)}</b><br>
${r.population.hotkeys} miner hotkeys in ${r.groups.length} groups, ${r.population.validators} validators, ${r.epochs} epochs (${r.rounds} validator rounds), seed ${r.seed}.
Totals leave out the first ${r.warmup} epochs, while scores build up from zero.</p>

<h2>Who earns what</h2>
${lineChart({
  title: 'Emission per device relative to an honest device of its model, per strategy',
  xLabel: 'epoch',
  yLabel: '× honest',
  x: epochs,
  series: r.strategies.flatMap((s) => (s.relativePerEpoch ? [{ name: `${s.strategy} (${s.relativeToHonest!.toFixed(2)}×)`, values: s.relativePerEpoch }] : [])),
})}
${lineChart({ title: 'Emission per honest device, by model', xLabel: 'epoch', yLabel: 'α per device per epoch', x: epochs, series: r.groups.filter((g) => g.strategy === 'honest' && g.hotkeysPerDevice === 1).map((g) => ({ name: g.label, values: g.perEpoch })) })}
${barChart({
  title: 'Emission per device relative to an honest device of the same model',
  labels: withHonest.map((g) => g.label),
  values: withHonest.map((g) => g.relativeToHonest!),
  reference: { value: 1, label: 'honest' },
  format: (v) => `${v.toFixed(3)}×`,
})}
<p class="note">A cheat that is caught earns nothing; emulation is not a cheat (docs/protocol.md, the accuracy contract): it is paid for the accurate throughput it shows.</p>

<h2>Verified capacity</h2>
${lineChart({ title: 'Verified TFLOPS per class (sum of the moving averages)', xLabel: 'epoch', yLabel: 'TFLOPS', x: epochs, series: classes.map((p) => ({ name: `${p} (${formatTick(r.capacity[p] ?? 0)})`, values: r.capacityPerEpoch.map((c) => c[p] ?? 0) })) })}

<h2>Where the emission goes</h2>
<div class="split">${parts.map((p) => `<div style="width:${(100 * p.value) / Math.max(e.minted, 1e-12)}%;background:${p.colour}" title="${p.name}: ${formatTick(p.value)} α">${p.name} ${pct(p.value / Math.max(e.minted, 1e-12))}</div>`).join('')}</div>
<p class="note">${formatTick(e.minted)} α minted over the measured epochs. The owner's cut is paid to the owner's hotkey; what the owner's uid receives as incentive (burn.uid) is burned.</p>

<h2>Groups</h2>
${htmlTable(
  ['group', 'devices', 'hotkeys/device', 'share', 'α per device', 'vs honest', ...classColumns.map((c) => `${c} TFLOPS`)],
  r.groups.map((g) => [g.label, String(g.devices), String(g.hotkeysPerDevice), pct(g.share), formatTick(g.emissionPerDevice), g.relativeToHonest === null ? '-' : g.relativeToHonest.toFixed(3), ...classColumns.map((c) => formatTick(g.tflopsPerDevice[c] ?? 0))]),
)}
<h2>Validators</h2>
${htmlTable(['uid', 'group', 'stake α', 'dividends α', 'vtrust'], r.validators.map((v) => [String(v.uid), v.label, formatTick(v.stake), formatTick(v.dividends), v.validatorTrust.toFixed(3)]))}
</body></html>
`;
}
