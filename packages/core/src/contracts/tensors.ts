/**
 * Tensor conventions shared by every contract (DESIGN.md §3–§4).
 *
 * - Images and feature maps are NHWC inside the project (`[B,H,W,C]`, the native tfjs layout); the
 *   PyTorch NCHW layout appears only at the borders (fixtures, checkpoints, CLI files).
 * - Boxes are normalised `cxcywh` in [0,1] unless a name says `xyxy` or `Pixels`.
 * - Padding masks are `1` where a pixel or a prompt is padding, `0` where it is real.
 */
import type { Tensor1D, Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';

/** A padded batch of normalised images. */
export interface ImageBatch {
  /** `[B,H,W,3]`, already normalised (ImageNet mean/std). */
  readonly pixels: Tensor4D;
  /** `[B,H,W]`, 1 on padding pixels. */
  readonly mask: Tensor3D;
  /** Unpadded size of every image, `[height, width]` in pixels of `pixels`. */
  readonly sizes: ReadonlyArray<readonly [number, number]>;
}

/** Ground truth of one image: boxes as normalised cxcywh and the prompt index each box answers to. */
export interface ImageTargets {
  /** `[G,4]` normalised cxcywh; `G` may be 0. */
  readonly boxes: Tensor2D;
  /** `[G]` int32 index into the batch's prompt list. */
  readonly labels: Tensor1D;
}

/** Visual prompts of a batch: boxes drawn on images of the batch. */
export interface PromptBatch {
  /** `[B,K,4]` normalised cxcywh prompt boxes on their source images. */
  readonly boxes: Tensor3D;
  /** `[B,K]` index of the image (in the batch) each prompt box lies on. */
  readonly sourceImage: Tensor2D;
  /** `[B,K]`, 1 where the prompt slot is padding. */
  readonly mask: Tensor2D;
  /** Category id of every prompt slot (`-1` for padding), host-side, `[B][K]`. */
  readonly categoryIds: ReadonlyArray<ReadonlyArray<number>>;
  /**
   * `[B,K,d]` ready prompt embeddings (a prompt bank at evaluation): when present the detector uses them
   * instead of encoding `boxes`, which are then ignored.
   */
  readonly embeddings?: Tensor3D;
  /**
   * `[N,d]` finished embeddings of negative prompts (categories absent from the batch, e.g. from a running
   * pool): they fill the last N of the K slots of every row, whose boxes are then ignored. They count as
   * real prompts in the class logits and the objectness, carry no gradient, and no GT label points at them.
   */
  readonly negatives?: Tensor2D;
}
