/**
 * `msDeformAttn(value, spatialShapes, levelStartIndex, samplingLocations, attentionWeights)` — the core
 * of Deformable-DETR's multi-scale deformable attention (`ms_deform_attn_core_pytorch` semantics) in
 * PyTorch layouts: value [N,S,M,D], samplingLocations [N,Lq,M,L,P,2] (normalised x,y), attentionWeights
 * [N,Lq,M,L,P] → [N,Lq,M·D]. Differentiable w.r.t. all three tensors. On cpu and wasm it runs the
 * hand-written kernels; elsewhere the composition of standard ops.
 */
import { tf } from '@dino-r1/core';
import { getKernel, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import { msDeformAttnComposed } from './composed';
import { registerMsdaGradient } from './gradient';
import { MS_DEFORM_ATTN, type MsdaAttrs } from './kernel-names';
import { registerMsdaKernels } from './kernels';

export type MsdaImplementation = 'auto' | 'kernel' | 'composed';

/** Shapes and starts as plain numbers; tensors (e.g. I64 fixture data) are read. */
export function levelLayout(spatialShapes: ReadonlyArray<readonly [number, number]> | Tensor, levelStartIndex?: readonly number[] | Tensor): MsdaAttrs {
  const shapes = (Array.isArray(spatialShapes) ? spatialShapes : ((spatialShapes as Tensor).arraySync() as number[][])) as number[][];
  const flat = shapes.flat();
  let starts: number[];
  if (levelStartIndex === undefined) {
    starts = [];
    let s = 0;
    for (const [h, w] of shapes) {
      starts.push(s);
      s += h * w;
    }
  } else {
    starts = Array.isArray(levelStartIndex) ? [...levelStartIndex] : Array.from((levelStartIndex as Tensor).dataSync());
  }
  return { shapes: flat, starts };
}

export function msDeformAttn(
  value: Tensor,
  spatialShapes: ReadonlyArray<readonly [number, number]> | Tensor,
  levelStartIndex: readonly number[] | Tensor | undefined,
  samplingLocations: Tensor,
  attentionWeights: Tensor,
  implementation: MsdaImplementation = 'auto',
): Tensor {
  const attrs = levelLayout(spatialShapes, levelStartIndex);
  const L = attrs.starts.length;
  if (value.rank !== 4 || samplingLocations.rank !== 6 || attentionWeights.rank !== 5) {
    throw new Error(
      `msDeformAttn: expected value [N,S,M,D], samplingLocations [N,Lq,M,L,P,2], attentionWeights [N,Lq,M,L,P]; got [${value.shape}], [${samplingLocations.shape}], [${attentionWeights.shape}]`,
    );
  }
  const S = attrs.shapes.reduce((s, _, i) => (i % 2 ? s + attrs.shapes[i - 1] * attrs.shapes[i] : s), 0);
  if (value.shape[1] !== S || samplingLocations.shape[3] !== L) {
    throw new Error(`msDeformAttn: value has S=${value.shape[1]} and locations L=${samplingLocations.shape[3]}, but the ${L} levels give S=${S}`);
  }
  registerMsdaKernels();
  registerMsdaGradient();
  const useKernel = implementation === 'kernel' || (implementation === 'auto' && getKernel(MS_DEFORM_ATTN, tf.getBackend()) != null);
  if (!useKernel) return msDeformAttnComposed(value, samplingLocations, attentionWeights, attrs);
  return tf.engine().runKernel(MS_DEFORM_ATTN, { value, samplingLocations, attentionWeights }, attrs as unknown as NamedAttrMap) as Tensor;
}
