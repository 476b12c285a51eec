/**
 * `dino-r1 eval coco|lvis|odinw`: evaluation from files with the official tools' semantics.
 *   coco  --gt GT.json --dt DT.json [--params PARAMS.json] [--json]   → {"stats": [12], "per_category_ap": {…}}
 *   lvis  --gt GT.json --dt DT.json [--params PARAMS.json] [--json]   → {"results": {…}, "per_category_ap": {…}}
 *   odinw --root DIR --dt DIR [--split test] [--json]                 → per dataset and the ODinW means
 */
import { parseArgs } from 'node:util';
import {
  cocoSummaryText,
  CocoEvaluator,
  evaluateOdinwFolder,
  GroundTruth,
  loadDetections,
  LvisEvaluator,
  lvisSummaryText,
  odinwSummaryText,
  readJsonFile,
  type CocoParams,
} from '@dino-r1/evaluators';

export const EVAL_USAGE = `usage:
  dino-r1 eval coco --gt GT.json --dt DT.json [--params PARAMS.json] [--json]
  dino-r1 eval lvis --gt GT.json --dt DT.json [--params PARAMS.json] [--json]
  dino-r1 eval odinw --root DIR --dt DIR [--split test] [--json]

PARAMS.json holds pycocotools Params fields (imgIds, catIds, iouThrs, recThrs, maxDets, areaRng,
useCats) for coco, or {"max_dets": N} for lvis. For odinw, DIR holds one COCO results file per dataset,
named <Dataset>.json, for the chosen split.
`;

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new Error(`--${name} is required\n\n${EVAL_USAGE}`);
  return v;
}

function paramsFrom(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  const p = readJsonFile(path);
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new Error(`${path}: params must be a JSON object`);
  return p as Record<string, unknown>;
}

const perCategory = (m: Map<number, number>) => Object.fromEntries([...m].map(([k, v]) => [String(k), v]));

export function evalCommand(args: string[]): number {
  const [kind, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      gt: { type: 'string' },
      dt: { type: 'string' },
      params: { type: 'string' },
      root: { type: 'string' },
      split: { type: 'string', default: 'test' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !kind) {
    process.stdout.write(EVAL_USAGE);
    return values.help ? 0 : 2;
  }
  switch (kind) {
    case 'coco': {
      const gt = GroundTruth.load(required(values, 'gt'));
      const ev = new CocoEvaluator(gt, paramsFrom(values.params) as CocoParams);
      ev.setDetections(loadDetections(required(values, 'dt'), gt));
      const r = ev.evaluate();
      process.stdout.write(values.json ? `${JSON.stringify({ stats: r.stats, per_category_ap: perCategory(r.perCategoryAp) })}\n` : `${cocoSummaryText(r)}\n`);
      return 0;
    }
    case 'lvis': {
      const gt = GroundTruth.load(required(values, 'gt'));
      const p = paramsFrom(values.params);
      const maxDets = p.max_dets === undefined ? 300 : Number(p.max_dets);
      if (!Number.isInteger(maxDets)) throw new Error(`${values.params}: max_dets must be an integer`);
      const ev = new LvisEvaluator(gt, { maxDets });
      ev.setDetections(loadDetections(required(values, 'dt'), gt));
      const r = ev.evaluate();
      process.stdout.write(
        values.json ? `${JSON.stringify({ results: r.results, per_category_ap: perCategory(r.perCategoryAp) })}\n` : `${lvisSummaryText(r.results)}\n`,
      );
      return 0;
    }
    case 'odinw': {
      const s = evaluateOdinwFolder(required(values, 'root'), required(values, 'dt'), values.split);
      process.stdout.write(values.json ? `${JSON.stringify(s)}\n` : `${odinwSummaryText(s)}\n`);
      return 0;
    }
    default:
      throw new Error(`unknown evaluation '${kind}'\n\n${EVAL_USAGE}`);
  }
}
