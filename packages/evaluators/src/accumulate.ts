/**
 * Precision and recall of one category × area range (× maxDets) from its per-image evaluations, as
 * pycocotools `accumulate` / lvis-api `accumulate`: detections of all images (ascending image id, each
 * image's first `maxDet` in score order) stable-sorted by score, TP/FP cumulated (ignored ones count in
 * neither), precision made non-increasing from the right and read at the recall thresholds with
 * `searchsorted(…, side='left')`, 0 past the end.
 */
import type { ImageEval } from './match';

const EPS = 2.220446049250313e-16; // np.spacing(1)

export interface PrecisionRecall {
  /** `[T·R]` */
  readonly precision: Float64Array;
  /** `[T]` */
  readonly recall: Float64Array;
}

/** Returns null where the tools leave -1: no evaluated image, or no non-ignored GT. */
export function precisionRecall(
  evals: ReadonlyArray<ImageEval | null>,
  maxDet: number,
  T: number,
  recThrs: readonly number[],
): PrecisionRecall | null {
  const E = evals.filter((e): e is ImageEval => e !== null);
  if (E.length === 0) return null;
  let npig = 0;
  for (const e of E) for (let g = 0; g < e.gtIgnore.length; g++) if (e.gtIgnore[g] === 0) npig++;
  if (npig === 0) return null;

  // gather (image, position) of every kept detection, then stable-sort by score
  let n = 0;
  for (const e of E) n += Math.min(maxDet, e.dtScores.length);
  const scores = new Float64Array(n);
  const owner = new Int32Array(n);
  const position = new Int32Array(n);
  let k = 0;
  E.forEach((e, i) => {
    const m = Math.min(maxDet, e.dtScores.length);
    for (let d = 0; d < m; d++, k++) {
      scores[k] = e.dtScores[d];
      owner[k] = i;
      position[k] = d;
    }
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);

  const R = recThrs.length;
  const precision = new Float64Array(T * R);
  const recall = new Float64Array(T);
  const rc = new Float64Array(n);
  const pr = new Float64Array(n);
  for (let t = 0; t < T; t++) {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i++) {
      const e = E[owner[order[i]]];
      const D = e.dtScores.length;
      const at = t * D + position[order[i]];
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
      let a = recThrs[r] >= (r > 0 ? recThrs[r - 1] : -Infinity) ? lo : 0;
      let b = n;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (rc[mid] < recThrs[r]) a = mid + 1;
        else b = mid;
      }
      lo = a;
      if (a < n) precision[t * R + r] = pr[a];
      else stopped = true;
    }
  }
  return { precision, recall };
}
