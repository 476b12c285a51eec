/**
 * Precision and recall of one category (for every area range) from its per-image evaluations, as
 * pycocotools `accumulate` / lvis-api `accumulate`: detections of all images (ascending image id, each
 * image's first `maxDet` in score order) stable-sorted by score, TP/FP cumulated (ignored ones count in
 * neither), precision made non-increasing from the right and read at the recall thresholds with
 * `searchsorted(…, side='left')`, 0 past the end. The score order does not depend on the area range, so
 * it is computed once per category and maxDets.
 */
import type { ImageEval } from './match';

const EPS = 2.220446049250313e-16; // np.spacing(1)

export interface PrecisionRecall {
  /** `[T·R]` */
  readonly precision: Float64Array;
  /** `[T]` */
  readonly recall: Float64Array;
}

/** Per area range: null where the tools leave −1 (no evaluated image, or no non-ignored GT). */
export function precisionRecall(
  evals: ReadonlyArray<ImageEval | null>,
  maxDet: number,
  T: number,
  A: number,
  recThrs: readonly number[],
): Array<PrecisionRecall | null> {
  const E = evals.filter((e): e is ImageEval => e !== null);
  if (E.length === 0) return new Array(A).fill(null);

  // (image, position) of every kept detection, stable-sorted by descending score
  let n = 0;
  for (const e of E) n += Math.min(maxDet, e.dtScores.length);
  const scores = new Float64Array(n);
  const owner = new Int32Array(n);
  const position = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < E.length; i++) {
    const m = Math.min(maxDet, E[i].dtScores.length);
    for (let d = 0; d < m; d++, k++) {
      scores[k] = E[i].dtScores[d];
      owner[k] = i;
      position[k] = d;
    }
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sorted = Array.prototype.slice.call(order) as number[];
  sorted.sort((a, b) => scores[b] - scores[a] || a - b);
  const ownerSorted = new Int32Array(n);
  const positionSorted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ownerSorted[i] = owner[sorted[i]];
    positionSorted[i] = position[sorted[i]];
  }

  const R = recThrs.length;
  const rc = new Float64Array(n);
  const pr = new Float64Array(n);
  const out: Array<PrecisionRecall | null> = [];
  for (let a = 0; a < A; a++) {
    let npig = 0;
    for (const e of E) npig += e.gtCounted[a];
    if (npig === 0) {
      out.push(null);
      continue;
    }
    const precision = new Float64Array(T * R);
    const recall = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let tp = 0;
      let fp = 0;
      for (let i = 0; i < n; i++) {
        const e = E[ownerSorted[i]];
        const at = (a * T + t) * e.dtScores.length + positionSorted[i];
        if (!e.dtIgnore[at]) {
          if (e.dtMatched[at]) tp++;
          else fp++;
        }
        rc[i] = tp / npig;
        pr[i] = tp / (fp + tp + EPS);
      }
      recall[t] = n ? rc[n - 1] : 0;
      for (let i = n - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
      let lo = 0;
      // pycocotools fills q[r] in a try-block: the first index past the end raises and leaves every
      // later entry at 0, even in range ones (possible with unsorted custom recThrs).
      let stopped = false;
      for (let r = 0; r < R && !stopped; r++) {
        // first i with rc[i] >= recThrs[r] (rc is non-decreasing; thresholds may be in any order)
        let x = r > 0 && recThrs[r] >= recThrs[r - 1] ? lo : 0;
        let y = n;
        while (x < y) {
          const mid = (x + y) >> 1;
          if (rc[mid] < recThrs[r]) x = mid + 1;
          else y = mid;
        }
        lo = x;
        if (x < n) precision[t * R + r] = pr[x];
        else stopped = true;
      }
    }
    out.push({ precision, recall });
  }
  return out;
}
