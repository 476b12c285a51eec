/**
 * Per image and category: IoU of detections against GT and the greedy matching of pycocotools
 * `COCOeval.evaluateImg` / lvis-api `LVISEval.evaluate_img`, reproduced operation for operation
 * (the last digit of AP depends on every tie rule).
 */
import type { Detection, GtAnnotation } from './data';

/** Detections sorted by descending score, ties in input order (numpy's mergesort of −score). */
export function byScore(dts: readonly Detection[]): Detection[] {
  return dts.slice().sort((a, b) => b.score - a.score);
}

/**
 * `maskUtils.iou` for boxes (`bbIou` in the cocoapi C code): `[D·G]` row-major, D detections by G GT
 * in the given orders. Intersection 0 unless both overlaps are > 0; union `da + ga − i`, or `da` for a
 * crowd GT. Areas are w·h of the boxes (the `area` field is not used here).
 */
export function boxIou(dts: readonly Detection[], gts: readonly GtAnnotation[], crowd: boolean): Float64Array {
  const D = dts.length;
  const G = gts.length;
  const out = new Float64Array(D * G);
  for (let g = 0; g < G; g++) {
    const [gx, gy, gw, gh] = gts[g].bbox;
    const ga = gw * gh;
    const isCrowd = crowd && gts[g].iscrowd;
    for (let d = 0; d < D; d++) {
      const [dx, dy, dw, dh] = dts[d].bbox;
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (h <= 0) continue;
      const i = w * h;
      const da = dw * dh;
      out[d * G + g] = i / (isCrowd ? da : da + ga - i);
    }
  }
  return out;
}

/**
 * The result of one image × category for every area range (pycocotools' `evalImgs` entries of that
 * image and category, packed): `[a][t][d]` flags, row-major.
 */
export interface ImageEval {
  /** Detection scores in score order (the same for every area range). */
  readonly dtScores: Float64Array;
  /** `[A·T·D]`: 1 where the detection matched a GT whose id is non-zero (pycocotools tests the id). */
  readonly dtMatched: Uint8Array;
  /** `[A·T·D]` */
  readonly dtIgnore: Uint8Array;
  /** `[A]` number of GT that are not ignored in each area range. */
  readonly gtCounted: Int32Array;
}

export interface MatchOptions {
  readonly iouThrs: readonly number[];
  readonly areaRngs: ReadonlyArray<readonly [number, number]>;
  /** Crowd GT can match many detections and use the detection's area as union (COCO; LVIS has none). */
  readonly crowd: boolean;
  /** LVIS: an unmatched detection is also ignored when this says so (not-exhaustive categories). */
  readonly ignoreUnmatched?: (d: Detection) => boolean;
}

let gtMatchedScratch = new Float64Array(0);

/**
 * @param dts detections in score order (already cut where the tool cuts)
 * @param gts GT in their original order; `ious` is `[dts × gts]` in these orders
 */
export function evaluateImage(dts: readonly Detection[], gts: readonly GtAnnotation[], ious: Float64Array, o: MatchOptions): ImageEval {
  const G = gts.length;
  const D = dts.length;
  const T = o.iouThrs.length;
  const A = o.areaRngs.length;
  const dtMatched = new Uint8Array(A * T * D);
  const dtIgnore = new Uint8Array(A * T * D);
  const gtCounted = new Int32Array(A);
  if (gtMatchedScratch.length < T * G) gtMatchedScratch = new Float64Array(T * G);
  const gtMatchedBy = gtMatchedScratch; // dt id per (t, sorted gt), 0 = free
  const order = new Int32Array(G);
  const gtIgnore = new Uint8Array(G);
  const isCrowd = new Uint8Array(G);
  const unmatchedIgnoredByRule = o.ignoreUnmatched ? dts.map(o.ignoreUnmatched) : null;
  for (let a = 0; a < A; a++) {
    const [lo, hi] = o.areaRngs[a];
    // GT: ignore = crowd or area outside the range; stable order, non-ignored first
    let n = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let g = 0; g < G; g++) {
        const ig = (o.crowd && gts[g].iscrowd) || gts[g].area < lo || gts[g].area > hi ? 1 : 0;
        if (ig !== pass) continue;
        order[n] = g;
        gtIgnore[n] = ig;
        isCrowd[n] = o.crowd && gts[g].iscrowd ? 1 : 0;
        n++;
      }
      if (pass === 0) gtCounted[a] = n;
    }
    const base = a * T * D;
    if (G > 0 && D > 0) {
      gtMatchedBy.fill(0, 0, T * G);
      for (let t = 0; t < T; t++) {
        const thr = Math.min(o.iouThrs[t], 1 - 1e-10);
        for (let d = 0; d < D; d++) {
          let iou = thr;
          let m = -1;
          const row = d * G;
          for (let j = 0; j < G; j++) {
            if (gtMatchedBy[t * G + j] > 0 && !isCrowd[j]) continue;
            if (m > -1 && gtIgnore[m] === 0 && gtIgnore[j] === 1) break;
            const v = ious[row + order[j]];
            if (v < iou) continue;
            iou = v;
            m = j;
          }
          if (m === -1) continue;
          dtIgnore[base + t * D + d] = gtIgnore[m];
          dtMatched[base + t * D + d] = gts[order[m]].id !== 0 ? 1 : 0;
          gtMatchedBy[t * G + m] = dts[d].id;
        }
      }
    }
    // unmatched (in pycocotools' sense: matched id 0) detections outside the area range are ignored
    for (let d = 0; d < D; d++) {
      const det = dts[d];
      if (!(det.area < lo || det.area > hi || (unmatchedIgnoredByRule?.[d] ?? false))) continue;
      for (let t = 0; t < T; t++) if (!dtMatched[base + t * D + d]) dtIgnore[base + t * D + d] = 1;
    }
  }
  return { dtScores: Float64Array.from(dts, (d) => d.score), dtMatched, dtIgnore, gtCounted };
}
