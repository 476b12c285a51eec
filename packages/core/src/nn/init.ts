/** Parameter initialisations with PyTorch's definitions (`torch.nn.init`), on our `[in, out]` layouts. */
import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../backend/tf';

/** U(−b, b) with b = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform(shape: [number, number], gain = 1, seed?: number): Tensor {
  const [fanIn, fanOut] = shape;
  const b = gain * Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -b, b, 'float32', seed);
}

/** `nn.Linear`'s default: kaiming_uniform(a=√5) for the weight, i.e. U(−1/√fan_in, 1/√fan_in); same bound for the bias. */
export function linearDefault(shape: readonly number[], fanIn: number, seed?: number): Tensor {
  const b = 1 / Math.sqrt(fanIn);
  return tf.randomUniform([...shape], -b, b, 'float32', seed);
}
