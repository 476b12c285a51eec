/** The gradient of the custom op: one call of the backward kernel gives all three input gradients. */
import { registerGradient, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import { tf } from '@dino-r1/core';
import { MS_DEFORM_ATTN, MS_DEFORM_ATTN_GRAD } from './kernel-names';

let registered = false;

export function registerMsdaGradient(): void {
  if (registered) return;
  registered = true;
  registerGradient({
    kernelName: MS_DEFORM_ATTN,
    inputsToSave: ['value', 'samplingLocations', 'attentionWeights'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [value, samplingLocations, attentionWeights] = saved;
      const [gValue, gLoc, gAttn] = tf
        .engine()
        .runKernel(MS_DEFORM_ATTN_GRAD, { dy: dy as Tensor, value, samplingLocations, attentionWeights }, attrs) as Tensor[];
      return { value: () => gValue, samplingLocations: () => gLoc, attentionWeights: () => gAttn };
    },
  });
}
