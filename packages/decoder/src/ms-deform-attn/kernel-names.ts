/** Kernel names of the custom op (registered per backend, like tfjs's own kernels). */
export const MS_DEFORM_ATTN = 'DinoR1MsDeformAttn';
export const MS_DEFORM_ATTN_GRAD = 'DinoR1MsDeformAttnGrad';

/** Attributes of both kernels: the level layout, flattened. */
export interface MsdaAttrs {
  /** `[H_0, W_0, H_1, W_1, …]` */
  shapes: number[];
  /** Offset of every level inside S. */
  starts: number[];
}
