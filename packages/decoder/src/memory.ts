/**
 * Flattening multi-level maps into the memory that deformable attention reads (DESIGN.md §4.2):
 * tokens of all levels row-major and concatenated, sine positions plus a learned level embedding,
 * per-level padding masks (the pixel mask resized by nearest neighbour), and valid ratios — the
 * fraction of each level's width and height that is real image.
 */
import { noGrad, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { sinePositionEncoding, type SineEncodingOptions } from './position-encoding';

export interface FlatMemory {
  /** `[B,S,d]` */
  readonly memory: Tensor;
  /** `[B,S,d]` position encoding + level embedding */
  readonly positions: Tensor;
  /** `[B,S]` 1 on padding tokens */
  readonly paddingMask: Tensor;
  readonly spatialShapes: Array<[number, number]>;
  readonly levelStartIndex: number[];
  /** `[B,L,2]` (w, h) */
  readonly validRatios: Tensor;
}

/** `[B,H,W]` pixel mask → `[B,h,w]` by nearest neighbour (PyTorch `F.interpolate` default). */
export function resizeMask(mask: Tensor, h: number, w: number): Tensor {
  return tf.tidy(() => tf.squeeze(tf.image.resizeNearestNeighbor(tf.expandDims(tf.cast(mask, 'float32'), -1) as tf.Tensor4D, [h, w]), [3]));
}

/** mmdetection `get_valid_ratio`: real rows of the first column / H, real columns of the first row / W, as (w, h). */
export function validRatio(mask: Tensor): Tensor {
  return tf.tidy(() => {
    const [, H, W] = mask.shape as [number, number, number];
    const real = tf.sub(1, tf.cast(mask, 'float32'));
    const h = tf.div(tf.sum(tf.squeeze(tf.slice(real, [0, 0, 0], [-1, H, 1]), [2]), 1), H);
    const w = tf.div(tf.sum(tf.squeeze(tf.slice(real, [0, 0, 0], [-1, 1, W]), [1]), 1), W);
    return tf.stack([w, h], -1);
  });
}

export function flattenLevels(levels: readonly Tensor[], pixelMask: Tensor, levelEmbed: Tensor, pe: SineEncodingOptions = {}): FlatMemory {
  const spatialShapes = levels.map((l) => [l.shape[1], l.shape[2]] as [number, number]);
  const levelStartIndex: number[] = [];
  spatialShapes.reduce((s, [h, w]) => (levelStartIndex.push(s), s + h * w), 0);
  const out = tf.tidy(() => {
    const masks = noGrad(() => spatialShapes.map(([h, w]) => resizeMask(pixelMask, h, w)));
    const B = levels[0].shape[0];
    const d = levels[0].shape[3] as number;
    const memory = tf.concat(
      levels.map((l, i) => tf.reshape(l, [B, spatialShapes[i][0] * spatialShapes[i][1], d])),
      1,
    );
    const positions = tf.concat(
      masks.map((m, i) => {
        const pos = tf.reshape(sinePositionEncoding(m, pe), [B, -1, d]);
        return tf.add(pos, tf.reshape(tf.slice(levelEmbed, [i, 0], [1, d]), [1, 1, d]));
      }),
      1,
    );
    const paddingMask = tf.concat(
      masks.map((m) => tf.reshape(m, [B, -1])),
      1,
    );
    const validRatios = tf.stack(
      masks.map((m) => validRatio(m)),
      1,
    );
    return { memory, positions, paddingMask, validRatios };
  });
  return { ...out, spatialShapes, levelStartIndex };
}
