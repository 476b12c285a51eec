/**
 * Two gradient controls tfjs-core does not export.
 *
 * - `stopGradient(x)`: the value of `x`, treated as a constant by autodiff (torch's `detach`).
 * - `noGrad(f)`: runs `f` without recording anything on the active gradient tape (torch's
 *   `no_grad`), e.g. the KL anchor's reference forward inside a training step's loss closure.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from './tf';

const detach = tf.customGrad(((x: Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

export function stopGradient<T extends Tensor>(x: T): T {
  return detach(x) as T;
}

interface EngineState {
  gradientDepth: number;
}

export function noGrad<T>(f: () => T): T {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  const depth = state.gradientDepth;
  state.gradientDepth = 0;
  try {
    return f();
  } finally {
    state.gradientDepth = depth;
  }
}
