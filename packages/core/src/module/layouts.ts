/**
 * The one place where parameter layouts change between PyTorch `state_dict`s and our tfjs tensors.
 *
 * | layout           | PyTorch (state_dict)  | ours (tfjs)          |
 * |------------------|-----------------------|----------------------|
 * | `plain`          | any                   | same                 |
 * | `linear`         | `[out, in]`           | `[in, out]` (x @ W)  |
 * | `conv2d`         | `[out, in, kh, kw]`   | `[kh, kw, in, out]`  |
 * | `convTranspose2d`| `[in, out, kh, kw]`   | `[kh, kw, out, in]`  |
 */
import { tf } from '../backend/tf';
import type { Tensor } from '@tensorflow/tfjs-core';

export type Layout = 'plain' | 'linear' | 'conv2d' | 'convTranspose2d';

const TO_TORCH: Record<Exclude<Layout, 'plain'>, number[]> = {
  linear: [1, 0],
  conv2d: [3, 2, 0, 1],
  convTranspose2d: [3, 2, 0, 1],
};
const FROM_TORCH: Record<Exclude<Layout, 'plain'>, number[]> = {
  linear: [1, 0],
  conv2d: [2, 3, 1, 0],
  convTranspose2d: [2, 3, 1, 0],
};

/** Our tensor → PyTorch layout (a new tensor; the caller disposes it). */
export function toTorchLayout(t: Tensor, layout: Layout): Tensor {
  return layout === 'plain' ? t.clone() : tf.transpose(t, TO_TORCH[layout]);
}

/** PyTorch layout → ours (a new tensor; the caller disposes it). */
export function fromTorchLayout(t: Tensor, layout: Layout): Tensor {
  return layout === 'plain' ? t.clone() : tf.transpose(t, FROM_TORCH[layout]);
}

/** The PyTorch shape of a parameter with our shape `shape`. */
export function torchShape(shape: readonly number[], layout: Layout): number[] {
  return layout === 'plain' ? [...shape] : TO_TORCH[layout].map((i) => shape[i]);
}
