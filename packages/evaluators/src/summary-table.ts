/** The familiar human-readable summaries of pycocotools and lvis-api. */
import type { CocoEvalResult } from './coco-eval';
import type { OdinwSummary } from './odinw-eval';

const fmt = (v: number) => (v < 0 ? '-1.000' : v.toFixed(3));

export function cocoSummaryText(r: CocoEvalResult): string {
  const [t0, tN] = [r.params.iouThrs[0], r.params.iouThrs[r.params.iouThrs.length - 1]];
  const md = r.params.maxDets;
  const rows: Array<[string, string, string, string, number]> = [
    ['Average Precision', '(AP)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'all', 100],
    ['Average Precision', '(AP)', '0.50', 'all', md[2]],
    ['Average Precision', '(AP)', '0.75', 'all', md[2]],
    ['Average Precision', '(AP)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'small', md[2]],
    ['Average Precision', '(AP)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'medium', md[2]],
    ['Average Precision', '(AP)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'large', md[2]],
    ['Average Recall', '(AR)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'all', md[0]],
    ['Average Recall', '(AR)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'all', md[1]],
    ['Average Recall', '(AR)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'all', md[2]],
    ['Average Recall', '(AR)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'small', md[2]],
    ['Average Recall', '(AR)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'medium', md[2]],
    ['Average Recall', '(AR)', `${t0.toFixed(2)}:${tN.toFixed(2)}`, 'large', md[2]],
  ];
  return rows
    .map(
      ([title, kind, iou, area, m], i) =>
        ` ${title.padEnd(18)} ${kind} @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(m).padStart(3)} ] = ${fmt(r.stats[i])}`,
    )
    .join('\n');
}

export function lvisSummaryText(results: Record<string, number>): string {
  return Object.entries(results)
    .map(([k, v]) => ` ${k.padEnd(8)} = ${fmt(v)}`)
    .join('\n');
}

export function odinwSummaryText(s: OdinwSummary): string {
  const lines = [' dataset                        AP     AP50   AP75'];
  for (const d of s.datasets) lines.push(` ${d.name.padEnd(28)} ${fmt(d.stats[0])}  ${fmt(d.stats[1])}  ${fmt(d.stats[2])}`);
  for (const [label, key] of [
    ['ODinW-13', 'odinw13'],
    ['ODinW-35', 'odinw35'],
    ['all evaluated', 'all'],
  ] as const) {
    const m = s.means[key];
    lines.push(
      ` mean ${label}: ${fmt(m.mean)} over ${m.present.length} dataset(s)${m.missing.length && key !== 'all' ? `; missing ${m.missing.length}: ${m.missing.join(', ')}` : ''}`,
    );
  }
  return lines.join('\n');
}
