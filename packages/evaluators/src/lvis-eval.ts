/**
 * LVIS bbox evaluation with the semantics of lvis-api (`LVISResults` + `LVISEval.run()`): the top
 * `maxDets` detections per image across categories, the `0 < area` filter, federated rules (a detection
 * counts only for categories verified present or absent in its image; unmatched detections of
 * not-exhaustively annotated categories are ignored), no per-category cut, AP by frequency group.
 */
import type { EvaluationSummary } from '@dino-r1/core';
import { precisionRecall } from './accumulate';
import { groupByImageCategory } from './coco-eval';
import type { Detection, GroundTruth } from './data';
import { DetectionEvaluator } from './detection-store';
import { AREA_LABELS, DEFAULT_AREA_RNG, DEFAULT_IOU_THRS, DEFAULT_REC_THRS } from './linspace';
import { boxIou, byScore, evaluateImage } from './match';
import { lvisSummaryText } from './summary-table';

export interface LvisParams {
  /** Detections kept per image (lvis-api `max_dets`, default 300). */
  readonly maxDets?: number;
}

export interface LvisEvalResult {
  /** `AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@N, ARs@N, ARm@N, ARl@N` (lvis-api `get_results()`). */
  readonly results: Record<string, number>;
  readonly perCategoryAp: Map<number, number>;
  /** `[T,R,K,A]`, −1 where undefined. */
  readonly precision: Float64Array;
  /** `[T,K,A]` */
  readonly recall: Float64Array;
}

/**
 * `LVISResults.limit_dets_per_image`: images in order of first appearance; an image above `maxDets`
 * keeps its `maxDets` best (stable on ties), in score order; others keep file order. Ids are renumbered.
 */
export function limitDetsPerImage(dets: readonly Detection[], maxDets: number): Detection[] {
  const byImage = new Map<number, Detection[]>();
  for (const d of dets) {
    const list = byImage.get(d.imageId);
    if (list) list.push(d);
    else byImage.set(d.imageId, [d]);
  }
  const out: Detection[] = [];
  for (const list of byImage.values()) {
    const kept = maxDets >= 0 && list.length > maxDets ? byScore(list).slice(0, maxDets) : list;
    out.push(...kept);
  }
  return out.map((d, i) => ({ ...d, id: i + 1 }));
}

function meanOver(values: Iterable<number>): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v > -1) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : -1;
}

export class LvisEvaluator extends DetectionEvaluator {
  readonly name = 'lvis';

  constructor(
    gt: GroundTruth,
    readonly params: LvisParams = {},
  ) {
    super(gt);
  }

  summarize(): EvaluationSummary {
    const r = this.evaluate();
    return { stats: Object.values(r.results), named: r.results, perCategory: r.perCategoryAp, text: lvisSummaryText(r.results) };
  }

  evaluate(): LvisEvalResult {
    const maxDets = this.params.maxDets ?? 300;
    const iouThrs = DEFAULT_IOU_THRS;
    const recThrs = DEFAULT_REC_THRS;
    const areaRng = DEFAULT_AREA_RNG;
    const imgIds = this.gt.sortedImageIds();
    const catIds = this.gt.sortedCategoryIds();
    const T = iouThrs.length;
    const R = recThrs.length;
    const K = catIds.length;
    const A = areaRng.length;
    const dets = limitDetsPerImage(this.detections, maxDets);

    // _prepare: known categories and 0 < area < inf, per image in ascending id order, file order within
    const catSet = new Set(catIds);
    const kept = <T extends { categoryId: number; area: number }>(a: T) => catSet.has(a.categoryId) && a.area > 0 && a.area < Infinity;
    const gtKept = this.gt.annotations.filter(kept);
    const gtBy = groupByImageCategory(gtKept);
    const positive = new Map<number, Set<number>>();
    for (const a of gtKept) (positive.get(a.imageId) ?? positive.set(a.imageId, new Set()).get(a.imageId)!).add(a.categoryId);
    // federated: a detection counts only for categories verified present (GT) or absent (negative list)
    const dtBy = groupByImageCategory(
      dets.filter((d) => kept(d) && (this.gt.images.get(d.imageId)!.negCategoryIds.has(d.categoryId) || positive.get(d.imageId)?.has(d.categoryId))),
    );
    const notExhaustive = (d: Detection) => this.gt.images.get(d.imageId)!.notExhaustiveCategoryIds.has(d.categoryId);

    const precision = new Float64Array(T * R * K * A).fill(-1);
    const recall = new Float64Array(T * K * A).fill(-1);
    catIds.forEach((cat, k) => {
      const evals = imgIds.map((img) => {
        const gts = gtBy.get(img)?.get(cat) ?? [];
        const dts = byScore(dtBy.get(img)?.get(cat) ?? []);
        if (gts.length === 0 && dts.length === 0) return null;
        return evaluateImage(dts, gts, boxIou(dts, gts, false), { iouThrs, areaRngs: areaRng, crowd: false, ignoreUnmatched: notExhaustive });
      });
      precisionRecall(evals, Infinity, T, A, recThrs).forEach((pr, a) => {
        if (!pr) return;
        for (let t = 0; t < T; t++) {
          recall[(t * K + k) * A + a] = pr.recall[t];
          for (let r = 0; r < R; r++) precision[((t * R + r) * K + k) * A + a] = pr.precision[t * R + r];
        }
      });
    });

    const freqGroup = (f: 'r' | 'c' | 'f') => catIds.flatMap((c, k) => (this.gt.categories.get(c)!.frequency === f ? [k] : []));
    const allCats = catIds.map((_, k) => k);
    const areaIndex = (label: string) => AREA_LABELS.indexOf(label as (typeof AREA_LABELS)[number]);
    function* apValues(thr: number | undefined, area: string, cats: number[]): Generator<number> {
      const a = areaIndex(area);
      for (let t = 0; t < T; t++) {
        if (thr !== undefined && iouThrs[t] !== thr) continue;
        for (let r = 0; r < R; r++) for (const k of cats) yield precision[((t * R + r) * K + k) * A + a];
      }
    }
    function* arValues(area: string): Generator<number> {
      const a = areaIndex(area);
      for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) yield recall[(t * K + k) * A + a];
    }
    const results: Record<string, number> = {
      AP: meanOver(apValues(undefined, 'all', allCats)),
      AP50: meanOver(apValues(0.5, 'all', allCats)),
      AP75: meanOver(apValues(0.75, 'all', allCats)),
      APs: meanOver(apValues(undefined, 'small', allCats)),
      APm: meanOver(apValues(undefined, 'medium', allCats)),
      APl: meanOver(apValues(undefined, 'large', allCats)),
      APr: meanOver(apValues(undefined, 'all', freqGroup('r'))),
      APc: meanOver(apValues(undefined, 'all', freqGroup('c'))),
      APf: meanOver(apValues(undefined, 'all', freqGroup('f'))),
      [`AR@${maxDets}`]: meanOver(arValues('all')),
      [`ARs@${maxDets}`]: meanOver(arValues('small')),
      [`ARm@${maxDets}`]: meanOver(arValues('medium')),
      [`ARl@${maxDets}`]: meanOver(arValues('large')),
    };
    const perCategoryAp = new Map(catIds.map((c, k) => [c, meanOver(apValues(undefined, 'all', [k]))]));
    return { results, perCategoryAp, precision, recall };
  }
}
