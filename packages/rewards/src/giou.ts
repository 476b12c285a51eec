/** GIoU reward (DESIGN.md §6.1): R_giou = GIoU(xyxy(b_i), xyxy(g_j)). */
import { cxcywhToXyxy, pairwiseGiou, tf, type QueryPredictions, type Reward, type RewardTargets } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export class GiouReward implements Reward {
  readonly name = 'giou';

  matrix(pred: QueryPredictions, gt: RewardTargets): Tensor {
    return tf.tidy(() => pairwiseGiou(cxcywhToXyxy(pred.boxes), cxcywhToXyxy(gt.boxes)));
  }
}
