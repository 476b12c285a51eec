import type { Tensor } from '@tensorflow/tfjs-core';

/** Predictions of a set of queries; leading dimensions (layers, …) pass through to the reward. */
export interface QueryPredictions {
  /** `[..., Q, K]` class logits over the prompts. */
  readonly logits: Tensor;
  /** `[..., Q, 4]` normalised cxcywh boxes. */
  readonly boxes: Tensor;
}

/** Ground truth of one image: `[G,4]` normalised cxcywh boxes and `[G]` int32 prompt indices. */
export interface RewardTargets {
  readonly boxes: Tensor;
  readonly labels: Tensor;
}

/**
 * A verifiable reward (DESIGN.md §6.1): scores every query against every GT box of one image.
 * Higher is better. The result is `[..., Q, G]`. Rewards are computed without gradient by GRQO except in
 * the `direct` surrogate, so an implementation must be written in differentiable tfjs ops.
 */
export interface Reward {
  /** The name a config uses to pick and weight this reward (`classification`, `l1`, `giou`, …). */
  readonly name: string;
  matrix(predictions: QueryPredictions, targets: RewardTargets): Tensor;
}

/** A reward together with its weight in the composite `R = Σ_k w_k R_k`. */
export interface WeightedReward {
  readonly reward: Reward;
  readonly weight: number;
}
