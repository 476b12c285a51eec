/**
 * Multi-scale deformable attention as a composition of standard tfjs ops (gather-based bilinear
 * sampling), differentiable by tfjs's autodiff. Used on backends without the hand-written kernels
 * (tfjs-node, webgl, webgpu) and as an independent check of those kernels.
 */
import { noGrad, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { MsdaAttrs } from './kernel-names';

export function msDeformAttnComposed(value: Tensor, samplingLocations: Tensor, attentionWeights: Tensor, attrs: MsdaAttrs): Tensor {
  return tf.tidy(() => {
    const [N, , M, D] = value.shape;
    const [, Lq, , L, P] = samplingLocations.shape;
    let out: Tensor | null = null;
    for (let l = 0; l < L; l++) {
      const H = attrs.shapes[2 * l];
      const W = attrs.shapes[2 * l + 1];
      // value of this level as rows [(n·M + m)·H·W + y·W + x, D]
      const vl = tf.reshape(tf.transpose(tf.slice(value, [0, attrs.starts[l], 0, 0], [N, H * W, M, D]), [0, 2, 1, 3]), [N * M * H * W, D]);
      const locL = tf.squeeze(tf.slice(samplingLocations, [0, 0, 0, l, 0, 0], [N, Lq, M, 1, P, 2]), [3]); // [N,Lq,M,P,2]
      const [lx, ly] = tf.unstack(locL, -1);
      const px = tf.sub(tf.mul(lx, W), 0.5);
      const py = tf.sub(tf.mul(ly, H), 0.5);
      const x0 = tf.floor(px);
      const y0 = tf.floor(py);
      const fx = tf.sub(px, x0);
      const fy = tf.sub(py, y0);
      let sampled: Tensor | null = null;
      for (let k = 0; k < 4; k++) {
        const dx = k & 1;
        const dyk = k >> 1;
        // indices and validity carry no gradient
        const { index, valid } = noGrad(() => {
          // integer arithmetic in float32 (exact below 2^24) and one cast at the end: the wasm backend's
          // int32 clipByValue is not reliable
          const xi = tf.add(x0, dx);
          const yi = tf.add(y0, dyk);
          const ok = tf.logicalAnd(tf.logicalAnd(tf.greaterEqual(xi, 0), tf.less(xi, W)), tf.logicalAnd(tf.greaterEqual(yi, 0), tf.less(yi, H)));
          const nm = tf.add(tf.mul(tf.reshape(tf.range(0, N, 1, 'float32'), [N, 1, 1, 1]), M), tf.reshape(tf.range(0, M, 1, 'float32'), [1, 1, M, 1]));
          const pixel = tf.add(tf.mul(tf.clipByValue(yi, 0, H - 1), W), tf.clipByValue(xi, 0, W - 1));
          const flat = tf.add(tf.mul(nm, H * W), pixel);
          return { index: tf.cast(tf.reshape(flat, [-1]), 'int32'), valid: tf.cast(ok, 'float32') };
        });
        const w = tf.mul(tf.mul(dx ? fx : tf.sub(1, fx), dyk ? fy : tf.sub(1, fy)), valid); // [N,Lq,M,P]
        const v = tf.reshape(tf.gather(vl, index), [N, Lq, M, P, D]);
        const term = tf.mul(v, tf.expandDims(w, -1));
        sampled = sampled ? tf.add(sampled, term) : term;
      }
      const attnL = tf.squeeze(tf.slice(attentionWeights, [0, 0, 0, l, 0], [N, Lq, M, 1, P]), [3]); // [N,Lq,M,P]
      const level = tf.sum(tf.mul(sampled!, tf.expandDims(attnL, -1)), 3); // [N,Lq,M,D]
      out = out ? tf.add(out, level) : level;
    }
    return tf.reshape(out!, [N, Lq, M * D]);
  });
}
