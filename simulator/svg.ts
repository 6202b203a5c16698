/**
 * Small inline-SVG charts for the simulator's HTML report: a line chart and a horizontal bar chart,
 * with axes, ticks, a legend and hover titles. No script, no external resource.
 */

/** Tableau 20's categorical colours, the strong ten first, cycled. */
const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5',
];
export const colour = (i: number): string => PALETTE[i % PALETTE.length]!;

export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Round tick values covering [0, max]: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out.at(-1)! < max) out.push(Number((out.at(-1)! + step).toPrecision(12)));
  return out;
}

export const formatTick = (v: number): string => {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
};

export interface Series {
  name: string;
  values: readonly number[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  x: readonly number[];
  series: readonly Series[];
  width?: number;
  height?: number;
}

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 820;
  const height = o.height ?? 380;
  const m = { left: 64, right: 210, top: 34, bottom: 46 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const xMin = o.x[0] ?? 0;
  const xMax = o.x.at(-1) ?? 1;
  const yTicks = ticks(Math.max(0, ...o.series.flatMap((s) => s.values.filter(Number.isFinite))));
  const yMax = yTicks.at(-1)!;
  const X = (x: number) => m.left + (xMax === xMin ? w / 2 : ((x - xMin) / (xMax - xMin)) * w);
  const Y = (y: number) => m.top + h - (y / yMax) * h;
  const xTicks = ticks(xMax - xMin, 8).map((t) => t + xMin).filter((t) => t <= xMax);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(o.title)}">`,
    `<text x="${m.left}" y="20" class="title">${escapeXml(o.title)}</text>`,
    ...yTicks.map((t) => `<line x1="${m.left}" x2="${m.left + w}" y1="${Y(t)}" y2="${Y(t)}" class="grid"/><text x="${m.left - 6}" y="${Y(t) + 4}" class="tick" text-anchor="end">${formatTick(t)}</text>`),
    ...xTicks.map((t) => `<text x="${X(t)}" y="${m.top + h + 16}" class="tick" text-anchor="middle">${formatTick(t)}</text>`),
    `<line x1="${m.left}" x2="${m.left + w}" y1="${m.top + h}" y2="${m.top + h}" class="axis"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + h}" class="axis"/>`,
    `<text x="${m.left + w / 2}" y="${height - 8}" class="label" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    `<text transform="translate(14 ${m.top + h / 2}) rotate(-90)" class="label" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  ];
  o.series.forEach((s, i) => {
    const points = s.values.map((v, k) => `${X(o.x[k]!).toFixed(1)},${Y(Number.isFinite(v) ? v : 0).toFixed(1)}`).join(' ');
    const last = s.values.at(-1) ?? 0;
    parts.push(`<polyline points="${points}" fill="none" stroke="${colour(i)}" stroke-width="2"><title>${escapeXml(`${s.name}: last ${formatTick(last)}`)}</title></polyline>`);
    const ly = m.top + 6 + i * 17;
    if (ly < height - 10) {
      parts.push(`<rect x="${m.left + w + 14}" y="${ly - 9}" width="12" height="12" fill="${colour(i)}"/><text x="${m.left + w + 31}" y="${ly + 1}" class="legend">${escapeXml(s.name.length > 26 ? `${s.name.slice(0, 25)}…` : s.name)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export interface BarChartOptions {
  title: string;
  labels: readonly string[];
  values: readonly number[];
  /** Draws a dashed reference line at this value (e.g. 1 = as much as an honest device). */
  reference?: { value: number; label: string };
  format?: (v: number) => string;
  width?: number;
}

export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 820;
  const bar = 20;
  const m = { left: 190, right: 90, top: 48, bottom: 30 };
  const h = o.labels.length * (bar + 6);
  const height = m.top + h + m.bottom;
  const w = width - m.left - m.right;
  const xTicks = ticks(Math.max(o.reference?.value ?? 0, ...o.values.filter(Number.isFinite)));
  const xMax = xTicks.at(-1)!;
  const X = (v: number) => m.left + (Math.max(0, v) / xMax) * w;
  const format = o.format ?? formatTick;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(o.title)}">`,
    `<text x="${m.left}" y="20" class="title">${escapeXml(o.title)}</text>`,
    ...xTicks.map((t) => `<line x1="${X(t)}" x2="${X(t)}" y1="${m.top}" y2="${m.top + h}" class="grid"/><text x="${X(t)}" y="${m.top + h + 16}" class="tick" text-anchor="middle">${formatTick(t)}</text>`),
  ];
  o.labels.forEach((label, i) => {
    const y = m.top + i * (bar + 6);
    const v = o.values[i] ?? 0;
    parts.push(
      `<text x="${m.left - 8}" y="${y + bar / 2 + 4}" class="legend" text-anchor="end">${escapeXml(label)}</text>`,
      `<rect x="${m.left}" y="${y}" width="${Math.max(0, X(v) - m.left).toFixed(1)}" height="${bar}" fill="${colour(i)}"><title>${escapeXml(`${label}: ${format(v)}`)}</title></rect>`,
      `<text x="${X(v) + 5}" y="${y + bar / 2 + 4}" class="tick">${escapeXml(format(v))}</text>`,
    );
  });
  if (o.reference) {
    const x = X(o.reference.value);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.top - 8}" y2="${m.top + h}" class="reference"/><text x="${x + 4}" y="${m.top - 10}" class="tick">${escapeXml(o.reference.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
