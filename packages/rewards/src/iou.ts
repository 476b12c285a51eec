/** IoU reward: R_iou = IoU(xyxy(b_i), xyxy(g_j)) (not in the paper's composite; an alternative). */
import { cxcywhToXyxy, pairwiseIou, tf, type QueryPredictions, type Reward, type RewardTargets } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export class IouReward implements Reward {
  readonly name = 'iou';

  matrix(pred: QueryPredictions, gt: RewardTargets): Tensor {
    return tf.tidy(() => pairwiseIou(cxcywhToXyxy(pred.boxes), cxcywhToXyxy(gt.boxes)));
  }
}
