import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Turns per-query rewards into advantages (DESIGN.md §6.3). `rewards` is `[L,B,Q]`; `hasTargets` is `[B]`
 * (false for images without GT, whose advantages must be 0). Returns `[L,B,Q]`.
 */
export interface AdvantageNormaliser {
  readonly name: string;
  normalise(rewards: Tensor, hasTargets: readonly boolean[]): Tensor;
}
