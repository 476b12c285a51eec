/**
 * Which parameters a loss does not reach: runs the loss under `tf.variableGrads` and returns the names
 * whose gradient is missing or exactly zero everywhere. Disposes everything it made, so it can be called
 * between steps of a memory-flatness check. Used to find disconnected parameters in new modules.
 */
import type { Scalar, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../backend/tf';

export function parametersWithoutGradient(loss: () => Scalar, params: Iterable<readonly [string, Variable]>): string[] {
  const named = [...params];
  const { value, grads } = tf.variableGrads(
    loss,
    named.map(([, v]) => v),
  );
  try {
    return named
      .filter(([, v]) => {
        const g = grads[v.name];
        return !g || tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) === 0;
      })
      .map(([n]) => n);
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}
