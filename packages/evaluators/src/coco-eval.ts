/**
 * COCO bbox evaluation with the semantics of pycocotools `COCOeval(iouType='bbox')`: `evaluate`,
 * `accumulate` and `summarize`, for any params. Streaming (`add` per image) or whole-file use.
 */
import type { EvaluationSummary } from '@dino-r1/core';
import { precisionRecall } from './accumulate';
import type { GroundTruth } from './data';
import { DetectionEvaluator } from './detection-store';
import { AREA_LABELS, DEFAULT_AREA_RNG, DEFAULT_IOU_THRS, DEFAULT_REC_THRS } from './linspace';
import { boxIou, byScore, evaluateImage, type ImageEval } from './match';
import { cocoSummaryText } from './summary-table';

/** `COCOeval.params` fields, under pycocotools' names. */
export interface CocoParams {
  readonly imgIds?: readonly number[];
  readonly catIds?: readonly number[];
  readonly iouThrs?: readonly number[];
  readonly recThrs?: readonly number[];
  readonly maxDets?: readonly number[];
  readonly areaRng?: ReadonlyArray<readonly [number, number]>;
  readonly useCats?: 0 | 1 | boolean;
}

export interface CocoEvalResult {
  /** The 12 numbers of `COCOeval.stats`. */
  readonly stats: number[];
  /** AP per category id (mean of precision[:, :, k, area all, last maxDets] over entries > −1), −1 if none. */
  readonly perCategoryAp: Map<number, number>;
  /** `[T,R,K,A,M]` row-major, −1 where undefined. */
  readonly precision: Float64Array;
  /** `[T,K,A,M]` */
  readonly recall: Float64Array;
  readonly shape: { T: number; R: number; K: number; A: number; M: number };
  readonly params: Required<{ [K in keyof CocoParams]-?: NonNullable<CocoParams[K]> }>;
}

function uniqueSorted(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** image id → category id → items, in input order. */
export function groupByImageCategory<T extends { imageId: number; categoryId: number }>(items: Iterable<T>): Map<number, Map<number, T[]>> {
  const out = new Map<number, Map<number, T[]>>();
  for (const it of items) {
    let perCat = out.get(it.imageId);
    if (!perCat) out.set(it.imageId, (perCat = new Map()));
    const list = perCat.get(it.categoryId);
    if (list) list.push(it);
    else perCat.set(it.categoryId, [it]);
  }
  return out;
}

/**
 * numpy advanced indexing `s[..., aind, mind]` with two index lists: broadcast against each other
 * (a list of one pairs with every entry of the other), else zipped.
 */
function indexPairs(as: number[], ms: number[]): Array<[number, number]> {
  if (as.length === 0 || ms.length === 0) return [];
  if (as.length === 1) return ms.map((m) => [as[0], m]);
  if (ms.length === 1) return as.map((a) => [a, ms[0]]);
  if (as.length !== ms.length) throw new Error(`cannot pair ${as.length} area ranges with ${ms.length} maxDets entries`);
  return as.map((a, i) => [a, ms[i]]);
}

export class CocoEvaluator extends DetectionEvaluator {
  readonly name = 'coco';

  constructor(
    gt: GroundTruth,
    readonly params: CocoParams = {},
  ) {
    super(gt);
  }

  summarize(): EvaluationSummary {
    const r = this.evaluate();
    const names = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];
    return { stats: r.stats, named: Object.fromEntries(names.map((n, i) => [n, r.stats[i]])), perCategory: r.perCategoryAp, text: cocoSummaryText(r) };
  }

  evaluate(): CocoEvalResult {
    const useCats = this.params.useCats === undefined ? true : Boolean(this.params.useCats);
    const imgIds = uniqueSorted(this.params.imgIds ?? this.gt.sortedImageIds());
    const rawCatIds = [...(this.params.catIds ?? this.gt.sortedCategoryIds())];
    const catIds = useCats ? uniqueSorted(rawCatIds) : rawCatIds;
    const iouThrs = [...(this.params.iouThrs ?? DEFAULT_IOU_THRS)];
    const recThrs = [...(this.params.recThrs ?? DEFAULT_REC_THRS)];
    const maxDets = [...(this.params.maxDets ?? [1, 10, 100])].sort((a, b) => a - b);
    const areaRng = (this.params.areaRng ?? DEFAULT_AREA_RNG).map((r) => [r[0], r[1]] as [number, number]);
    const maxDet = maxDets[maxDets.length - 1];
    const T = iouThrs.length;
    const R = recThrs.length;
    const A = areaRng.length;
    const M = maxDets.length;
    const evalCats = useCats ? catIds : [-1];
    const K = evalCats.length;

    // _prepare: GT and detections per (image, category), file order; only the evaluated images
    const imgSet = new Set(imgIds);
    const catSet = new Set(catIds);
    const keep = (imageId: number, categoryId: number) => imgSet.has(imageId) && (!useCats || catSet.has(categoryId));
    const gtBy = groupByImageCategory(this.gt.annotations.filter((a) => keep(a.imageId, a.categoryId)));
    const dtBy = groupByImageCategory(this.detections.filter((d) => keep(d.imageId, d.categoryId)));
    const pooled = <T>(by: Map<number, Map<number, T[]>>, img: number, cat: number): T[] => {
      const perCat = by.get(img);
      if (!perCat) return [];
      return useCats ? (perCat.get(cat) ?? []) : catIds.flatMap((c) => perCat.get(c) ?? []);
    };

    // evaluate: evalImgs[k][i], every area range packed in one entry
    const evalImgs: Array<Array<ImageEval | null>> = evalCats.map((cat) =>
      imgIds.map((img) => {
        const gts = pooled(gtBy, img, cat);
        const all = pooled(dtBy, img, cat);
        if (gts.length === 0 && all.length === 0) return null;
        const dts = byScore(all).slice(0, maxDet);
        return evaluateImage(dts, gts, boxIou(dts, gts, true), { iouThrs, areaRngs: areaRng, crowd: true });
      }),
    );

    // accumulate
    const precision = new Float64Array(T * R * K * A * M).fill(-1);
    const recall = new Float64Array(T * K * A * M).fill(-1);
    for (let k = 0; k < K; k++) {
      for (let m = 0; m < M; m++) {
        precisionRecall(evalImgs[k], maxDets[m], T, A, recThrs).forEach((pr, a) => {
          if (!pr) return;
          for (let t = 0; t < T; t++) {
            recall[((t * K + k) * A + a) * M + m] = pr.recall[t];
            for (let r = 0; r < R; r++) precision[(((t * R + r) * K + k) * A + a) * M + m] = pr.precision[t * R + r];
          }
        });
      }
    }

    // summarize
    const meanOver = (values: number[]): number => {
      const v = values.filter((x) => x > -1);
      return v.length ? v.reduce((s, x) => s + x, 0) / v.length : -1;
    };
    const tIndex = (thr?: number) => (thr === undefined ? iouThrs.map((_, i) => i) : iouThrs.flatMap((x, i) => (x === thr ? [i] : [])));
    const aIndex = (label: string) => AREA_LABELS.flatMap((l, i) => (l === label && i < A ? [i] : []));
    const mIndex = (md: number) => maxDets.flatMap((x, i) => (x === md ? [i] : []));
    const ap = (thr: number | undefined, area: string, md: number): number => {
      const vals: number[] = [];
      const pairs = indexPairs(aIndex(area), mIndex(md));
      for (const t of tIndex(thr))
        for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) for (const [a, m] of pairs) vals.push(precision[(((t * R + r) * K + k) * A + a) * M + m]);
      return meanOver(vals);
    };
    const ar = (area: string, md: number): number => {
      const vals: number[] = [];
      const pairs = indexPairs(aIndex(area), mIndex(md));
      for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) for (const [a, m] of pairs) vals.push(recall[((t * K + k) * A + a) * M + m]);
      return meanOver(vals);
    };
    const stats = [
      ap(undefined, 'all', 100),
      ap(0.5, 'all', maxDets[2]),
      ap(0.75, 'all', maxDets[2]),
      ap(undefined, 'small', maxDets[2]),
      ap(undefined, 'medium', maxDets[2]),
      ap(undefined, 'large', maxDets[2]),
      ar('all', maxDets[0]),
      ar('all', maxDets[1]),
      ar('all', maxDets[2]),
      ar('small', maxDets[2]),
      ar('medium', maxDets[2]),
      ar('large', maxDets[2]),
    ];

    const perCategoryAp = new Map<number, number>();
    evalCats.forEach((cat, k) => {
      const vals: number[] = [];
      for (let t = 0; t < T; t++) for (let r = 0; r < R; r++) vals.push(precision[(((t * R + r) * K + k) * A + 0) * M + (M - 1)]);
      perCategoryAp.set(cat, meanOver(vals));
    });

    return {
      stats,
      perCategoryAp,
      precision,
      recall,
      shape: { T, R, K, A, M },
      params: { imgIds, catIds, iouThrs, recThrs, maxDets, areaRng, useCats: useCats ? 1 : 0 },
    };
  }
}
