/**
 * Classification reward (DESIGN.md §6.1): the negative of DINO's focal matching cost for the GT's prompt,
 *   p = σ(z[i, c_j]),  R_cls = −( 0.25·(1−p)²·(−log(p+1e−8)) − 0.75·p²·(−log(1−p+1e−8)) ).
 */
import { tf, type QueryPredictions, type Reward, type RewardTargets } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

const ALPHA = 0.25;
const EPS = 1e-8;

export class ClassificationReward implements Reward {
  readonly name = 'classification';

  matrix(pred: QueryPredictions, gt: RewardTargets): Tensor {
    return tf.tidy(() => {
      const z = tf.gather(pred.logits, gt.labels, pred.logits.rank - 1); // [..., Q, G]
      const p = tf.sigmoid(z);
      const q = tf.sub(1, p);
      const pos = tf.mul(tf.mul(ALPHA, tf.square(q)), tf.neg(tf.log(tf.add(p, EPS))));
      const neg = tf.mul(tf.mul(1 - ALPHA, tf.square(p)), tf.neg(tf.log(tf.add(q, EPS))));
      return tf.neg(tf.sub(pos, neg));
    });
  }
}
