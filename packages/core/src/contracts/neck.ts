import type { Tensor3D } from '@tensorflow/tfjs-core';
import type { FeaturePyramid } from './backbone';
import type { ParameterOwner } from './parameter-owner';

/** Flattened multi-level memory as consumed by multi-scale deformable attention. */
export interface MultiScaleMemory {
  /** `[B,S,d]`, all levels flattened row-major and concatenated, S = Σ h_l·w_l. */
  readonly memory: Tensor3D;
  /** `[B,S,d]` sine position encoding plus level embedding. */
  readonly positions: Tensor3D;
  /** `[B,S]` 1 on padding tokens (as a 3-d tensor `[B,S,1]` where broadcasting is convenient). */
  readonly paddingMask: Tensor3D;
  /** `[h_l, w_l]` of every level. */
  readonly spatialShapes: ReadonlyArray<readonly [number, number]>;
  /** Offset of every level inside S. */
  readonly levelStartIndex: readonly number[];
  /** `[B,L,2]` fraction of every level's width/height that is real (not padding). */
  readonly validRatios: Tensor3D;
}

/** Channel mapper + position encoding (DESIGN.md §4.2). */
export interface Neck extends ParameterOwner {
  readonly dModel: number;
  forward(features: FeaturePyramid, pixelMask: Tensor3D): MultiScaleMemory;
}
