/**
 * Hungarian matching of queries to GT boxes with DINO's cost (DESIGN.md §5):
 *   C(i,j) = 2·focal_cost(i,c_j) + 5·‖b_i − g_j‖₁ − 2·GIoU(b_i, g_j),
 * which is exactly the negative of the paper's composite reward (classification 2, l1 5, giou 2), so it is
 * computed by the same reward plugins. Host-side, no gradient; one assignment per layer and image.
 */
import { linearSumAssignment, stopGradient, tf, type Reward, type WeightedReward } from '@dino-r1/core';
import { compositeReward } from '@dino-r1/rewards';
import type { Tensor } from '@tensorflow/tfjs-core';

export interface MatchCostWeights {
  readonly class: number;
  readonly bbox: number;
  readonly giou: number;
}

export const DINO_MATCH_COST: MatchCostWeights = { class: 2, bbox: 5, giou: 2 };

/** Matched pairs of one (layer, image): query indices and the GT index of each. */
export interface Match {
  readonly queries: Int32Array;
  readonly targets: Int32Array;
}

/**
 * The matching cost as weighted rewards (cost = −Σ w·R). `reward(name)` gives the `classification`, `l1`
 * and `giou` rewards — from the container (`resolveNamed(container, TOKENS.Reward, name)`), so a plugin
 * that rebinds one of them changes the matching too.
 */
export function matchRewards(reward: (name: 'classification' | 'l1' | 'giou') => Reward, weights: MatchCostWeights = DINO_MATCH_COST): WeightedReward[] {
  return [
    { reward: reward('classification'), weight: weights.class },
    { reward: reward('l1'), weight: weights.bbox },
    { reward: reward('giou'), weight: weights.giou },
  ];
}

/**
 * Matches for every layer and image.
 * @param logits `[L,B,Q,K]`, @param boxes `[L,B,Q,4]`; returns `matches[l][b]`.
 */
export function hungarianMatch(
  logits: Tensor,
  boxes: Tensor,
  gts: ReadonlyArray<{ readonly boxes: Tensor; readonly labels: Tensor }>,
  rewards: readonly WeightedReward[],
): Match[][] {
  const [L, B, Q] = logits.shape as [number, number, number, number];
  const matches: Match[][] = Array.from({ length: L }, () => []);
  for (let b = 0; b < B; b++) {
    const G = gts[b].boxes.shape[0];
    if (G === 0) {
      for (let l = 0; l < L; l++) matches[l][b] = { queries: new Int32Array(0), targets: new Int32Array(0) };
      continue;
    }
    const reward = tf.tidy(() =>
      compositeReward(
        rewards,
        {
          logits: stopGradient(tf.squeeze(tf.slice(logits, [0, b, 0, 0], [-1, 1, -1, -1]), [1])),
          boxes: stopGradient(tf.squeeze(tf.slice(boxes, [0, b, 0, 0], [-1, 1, -1, -1]), [1])),
        },
        gts[b],
      ),
    ); // [L,Q,G]
    const r = reward.dataSync();
    reward.dispose();
    const cost = new Float64Array(Q * G);
    for (let l = 0; l < L; l++) {
      for (let k = 0; k < Q * G; k++) cost[k] = -r[l * Q * G + k];
      const a = linearSumAssignment(cost, Q, G);
      matches[l][b] = { queries: a.rows, targets: a.cols };
    }
  }
  return matches;
}
