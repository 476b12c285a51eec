/**
 * Sine position encoding of DETR / mmdetection `SinePositionalEncoding` (DINO: 128 features per axis,
 * normalised, temperature 20): cumulative counts of real (non-padding) pixels along each axis, scaled to
 * 2π, then sin on even and cos on odd channels of `pos / T^(2⌊c/2⌋/F)`; y channels first, then x.
 */
import { tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export interface SineEncodingOptions {
  readonly numFeats?: number;
  readonly temperature?: number;
  readonly normalize?: boolean;
  readonly scale?: number;
  readonly offset?: number;
  readonly eps?: number;
}

/** `mask` `[B,H,W]` (1 = padding) → `[B,H,W,2·numFeats]`. No gradient (a function of the mask only). */
export function sinePositionEncoding(mask: Tensor, o: SineEncodingOptions = {}): Tensor {
  const F = o.numFeats ?? 128;
  const T = o.temperature ?? 20;
  const scale = o.scale ?? 2 * Math.PI;
  const offset = o.offset ?? 0;
  const eps = o.eps ?? 1e-6;
  return tf.tidy(() => {
    const notMask = tf.sub(1, tf.cast(mask, 'float32'));
    let y = tf.cumsum(notMask, 1);
    let x = tf.cumsum(notMask, 2);
    const [B, H, W] = mask.shape as [number, number, number];
    if (o.normalize ?? true) {
      y = tf.mul(tf.div(tf.add(y, offset), tf.add(tf.slice(y, [0, H - 1, 0], [B, 1, W]), eps)), scale);
      x = tf.mul(tf.div(tf.add(x, offset), tf.add(tf.slice(x, [0, 0, W - 1], [B, H, 1]), eps)), scale);
    }
    const dimT = Float32Array.from({ length: F }, (_, c) => T ** ((2 * Math.floor(c / 2)) / F));
    const even = tf.tensor1d(Float32Array.from({ length: F }, (_, c) => (c % 2 === 0 ? 1 : 0)));
    const encode = (v: Tensor) => {
      const arg = tf.div(tf.expandDims(v, -1), tf.tensor1d(dimT)); // [B,H,W,F]
      return tf.add(tf.mul(tf.sin(arg), even), tf.mul(tf.cos(arg), tf.sub(1, even)));
    };
    return tf.concat([encode(y), encode(x)], -1);
  });
}
