/**
 * The one way the project imports TensorFlow.js.
 *
 * `@tensorflow/tfjs-core`'s Node bundle registers neither the gradients nor the chained ops
 * (`t.add(…)`); the union package's Node bundle registers both against the same core (it requires
 * `@tensorflow/tfjs-core` rather than bundling it), so loading it once here makes `tf.grad` work
 * everywhere. Every package imports `tf` from `@dino-r1/core` or from `@tensorflow/tfjs-core` after core.
 */
import * as tf from '@tensorflow/tfjs-core';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('@tensorflow/tfjs');

export { tf };
