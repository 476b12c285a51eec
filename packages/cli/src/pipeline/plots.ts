/**
 * Training plots: small SVG line charts of metrics over steps (one panel per group of series), written as
 * SVG and rasterised to PNG by sharp.
 */
import { writeFileSync } from 'node:fs';
import { sharp } from '@dino-r1/datasets';

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function nice(v: number): string {
  const a = Math.abs(v);
  return a === 0 ? '0' : a >= 1000 || a < 0.01 ? v.toExponential(1) : v.toPrecision(3).replace(/\.?0+$/, '');
}

export function lineChartSvg(title: string, series: readonly Series[], width = 520, height = 300): string {
  const pad = { l: 60, r: 150, t: 28, b: 36 };
  const pts = series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const xs = pts.map(([x]) => x);
  const ys = pts.map(([, y]) => y);
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (y1 - y0 < 1e-12) [y0, y1] = [y0 - 1, y1 + 1];
  const W = width - pad.l - pad.r;
  const H = height - pad.t - pad.b;
  const X = (x: number) => pad.l + ((x - x0) / Math.max(1e-12, x1 - x0)) * W;
  const Y = (y: number) => pad.t + H - ((y - y0) / (y1 - y0)) * H;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks
    .map((t) => {
      const y = y0 + t * (y1 - y0);
      const x = x0 + t * (x1 - x0);
      return `<line x1="${pad.l}" x2="${pad.l + W}" y1="${Y(y)}" y2="${Y(y)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${Y(y) + 4}" text-anchor="end" font-size="10">${nice(y)}</text><text x="${X(x)}" y="${pad.t + H + 14}" text-anchor="middle" font-size="10">${Math.round(x)}</text>`;
    })
    .join('');
  const lines = series
    .map((s, i) => {
      const c = PALETTE[i % PALETTE.length];
      const p = s.points.filter(([, y]) => Number.isFinite(y));
      const path = p.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
      const dots = p.length < 30 ? p.map(([x, y]) => `<circle cx="${X(x)}" cy="${Y(y)}" r="2.5" fill="${c}"/>`).join('') : '';
      return `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${path}"/>${dots}<rect x="${pad.l + W + 12}" y="${pad.t + i * 16}" width="10" height="10" fill="${c}"/><text x="${pad.l + W + 26}" y="${pad.t + i * 16 + 9}" font-size="11">${s.name}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="${pad.l}" y="18" font-size="13" font-weight="bold">${title}</text>${grid}<rect x="${pad.l}" y="${pad.t}" width="${W}" height="${H}" fill="none" stroke="#888"/><text x="${pad.l + W / 2}" y="${height - 6}" text-anchor="middle" font-size="10">step</text>${lines}</svg>`;
}

/** Writes `file.svg` and `file.png`. */
export async function writeChart(file: string, title: string, series: readonly Series[]): Promise<void> {
  const svg = lineChartSvg(title, series);
  writeFileSync(`${file}.svg`, svg);
  await sharp()(Buffer.from(svg)).png().toFile(`${file}.png`);
}

/** Series of `keys` from metrics records (`step` as x), smoothed by a running mean over `window` points. */
export function seriesOf(records: ReadonlyArray<Record<string, unknown>>, keys: readonly string[], window = 1): Series[] {
  return keys
    .map((k) => {
      const raw = records.filter((r) => typeof r[k] === 'number' && typeof r.step === 'number').map((r) => [r.step as number, r[k] as number] as const);
      const points = raw.map(([x], i) => {
        const from = Math.max(0, i - window + 1);
        const w = raw.slice(from, i + 1);
        return [x, w.reduce((a, [, y]) => a + y, 0) / w.length] as const;
      });
      return { name: k, points };
    })
    .filter((s) => s.points.length > 0);
}
