/** L1 reward (DESIGN.md §6.1): R_l1 = −‖b_i − g_j‖₁ on normalised cxcywh boxes. */
import { tf, type QueryPredictions, type Reward, type RewardTargets } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export class L1Reward implements Reward {
  readonly name = 'l1';

  matrix(pred: QueryPredictions, gt: RewardTargets): Tensor {
    return tf.tidy(() => {
      const diff = tf.sub(tf.expandDims(pred.boxes, -2), gt.boxes); // [..., Q, G, 4]
      return tf.neg(tf.sum(tf.abs(diff), -1));
    });
  }
}
