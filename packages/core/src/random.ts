/**
 * A small seeded uniform generator for train-time noise (denoising jitter, stochastic-depth masks): the
 * same seed gives the same draws, so resumed runs and reference forwards reproduce a step's noise exactly.
 */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A seed derived from `seed` and a label (FNV-1a over both), for independent streams from one run seed. */
export function subSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
