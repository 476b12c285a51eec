/**
 * Batching: samples are padded to a common size (a multiple of `padMultiple`, e.g. the patch size) with a
 * padding mask; boxes become normalised cxcywh of each image's real (unpadded) size; prompts become the
 * `PromptBatch` tensors (the same K prompts for every row) and GT labels their prompt indices.
 */
import { tf, type ImageBatch, type ImageTargets, type PromptBatch } from '@dino-r1/core';
import { normalisedCxcywh, type SampledPrompts } from './prompts';
import type { Sample } from './sample';

export interface Batch {
  readonly images: ImageBatch;
  readonly prompts: PromptBatch;
  readonly gts: ImageTargets[];
  /** The samples' image ids and original sizes, for mapping predictions back. */
  readonly imageIds: number[];
  readonly originalSizes: Array<readonly [number, number]>;
}

export function collateImages(samples: readonly Sample[], padMultiple = 1): ImageBatch {
  const up = (v: number) => Math.ceil(v / padMultiple) * padMultiple;
  const H = up(Math.max(...samples.map((s) => s.height)));
  const W = up(Math.max(...samples.map((s) => s.width)));
  const B = samples.length;
  const pixels = new Float32Array(B * H * W * 3);
  const mask = new Float32Array(B * H * W).fill(1);
  samples.forEach((s, b) => {
    for (let y = 0; y < s.height; y++) {
      pixels.set(s.pixels.subarray(y * s.width * 3, (y + 1) * s.width * 3), (b * H + y) * W * 3);
      mask.fill(0, (b * H + y) * W, (b * H + y) * W + s.width);
    }
  });
  return { pixels: tf.tensor4d(pixels, [B, H, W, 3]), mask: tf.tensor3d(mask, [B, H, W]), sizes: samples.map((s) => [s.height, s.width] as const) };
}

/** Prompts as tensors; `K` slots (≥ the sampled count, extra slots are padding). */
export function collatePrompts(p: SampledPrompts, B: number, K = Math.max(1, p.categoryIds.length)): PromptBatch {
  const n = p.categoryIds.length;
  const row = <T>(real: (k: number) => T, pad: T) => Array.from({ length: K }, (_, k) => (k < n ? real(k) : pad));
  return {
    boxes: tf.tensor3d(
      Array.from({ length: B }, () => row((k) => p.boxes[k], [0.5, 0.5, 0.1, 0.1])),
      [B, K, 4],
    ),
    sourceImage: tf.tensor2d(
      Array.from({ length: B }, () => row((k) => p.sourceImage[k], 0)),
      [B, K],
      'int32',
    ),
    mask: tf.tensor2d(
      Array.from({ length: B }, () => row(() => 0, 1)),
      [B, K],
    ),
    categoryIds: Array.from({ length: B }, () => row((k) => p.categoryIds[k], -1)),
  };
}

/** GT boxes and labels per image; boxes whose label is −1 (no prompt) are left out. */
export function collateTargets(samples: readonly Sample[], labels: readonly number[][]): ImageTargets[] {
  return samples.map((s, b) => {
    const keep = labels[b].map((l, j) => [l, j] as const).filter(([l]) => l >= 0);
    return {
      boxes: tf.tensor2d(
        keep.map(([, j]) => normalisedCxcywh(s.boxes[j], s.width, s.height)),
        [keep.length, 4],
      ),
      labels: tf.tensor1d(
        keep.map(([l]) => l),
        'int32',
      ),
    };
  });
}

export function collate(samples: readonly Sample[], prompts: SampledPrompts, padMultiple = 1): Batch {
  return {
    images: collateImages(samples, padMultiple),
    prompts: collatePrompts(prompts, samples.length),
    gts: collateTargets(samples, prompts.labels),
    imageIds: samples.map((s) => s.imageId),
    originalSizes: samples.map((s) => s.originalSize),
  };
}

export function disposeBatch(batch: Batch): void {
  tf.dispose([
    batch.images.pixels,
    batch.images.mask,
    batch.prompts.boxes,
    batch.prompts.sourceImage,
    batch.prompts.mask,
    ...(batch.prompts.embeddings ? [batch.prompts.embeddings] : []),
    ...batch.gts.flatMap((g) => [g.boxes, g.labels]),
  ]);
}
