/**
 * `numpy.linspace(start, stop, num)` to the last bit: `i·step + start` with `step = (stop − start)/(num − 1)`,
 * the last value set to `stop`. The evaluation thresholds are these doubles (`iouThrs[8]` is
 * 0.8999999999999999, not 0.9), and "AP50"/"AP75" look them up by exact equality.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = new Array<number>(num);
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / (num - 1)) * (stop - start) + start : i * step + start;
  out[num - 1] = stop;
  return out;
}

/** The defaults of pycocotools `Params` / lvis-api `Params`. */
export const DEFAULT_IOU_THRS = linspace(0.5, 0.95, 10);
export const DEFAULT_REC_THRS = linspace(0, 1, 101);
export const DEFAULT_AREA_RNG: Array<[number, number]> = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
export const AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;
