/** The composite reward R = Σ_k w_k R_k (DESIGN.md §6.1; paper weights cls 2, l1 5, giou 2). */
import { tf, type QueryPredictions, type RewardTargets, type WeightedReward } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export function compositeReward(rewards: readonly WeightedReward[], pred: QueryPredictions, gt: RewardTargets): Tensor {
  if (rewards.length === 0) throw new Error('compositeReward: no rewards configured');
  return tf.tidy(() => tf.addN(rewards.map(({ reward, weight }) => tf.mul(reward.matrix(pred, gt), weight))));
}
