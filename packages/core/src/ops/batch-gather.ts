/**
 * `out[b, q, …] = x[b, indices[b, q], …]`: per-image gather along axis 1 (query selection, reference
 * points, …). Written as one flat `gather` (differentiable) because tfjs has no gradient for `gatherND`.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import { noGrad } from '../backend/gradient-control';
import { tf } from '../backend/tf';

export function batchGather(x: Tensor, indices: Tensor): Tensor {
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const Q = indices.shape[1];
    // Indices carry no gradient; computing them off the tape also cuts them from wherever they came
    // from (e.g. `topk` of a logit with gradient), which tfjs would otherwise try to differentiate.
    const flat = noGrad(() => {
      const offsets = tf.range(0, B * (T as number), T as number, 'int32');
      return tf.reshape(tf.add(tf.cast(indices, 'int32'), tf.reshape(offsets, [B, 1])), [-1]);
    });
    const rows = tf.gather(tf.reshape(x, [B * (T as number), ...x.shape.slice(2)]), flat);
    return tf.reshape(rows, [B, Q as number, ...x.shape.slice(2)]);
  });
}
