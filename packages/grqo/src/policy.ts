/**
 * What the trainer needs from a model: a forward pass giving the DINO-R1 outputs and the selection
 * logits at given tokens (for the KL anchor). The full `DinoR1Detector` satisfies it through an adapter;
 * tests use small stand-in heads.
 */
import { Module, type Detector, type ImageBatch, type PromptBatch } from '@dino-r1/core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Match } from './matcher';

export interface PolicyBatch {
  /** Per image: `[G,4]` normalised cxcywh boxes, `[G]` int32 prompt indices. */
  readonly gts: ReadonlyArray<{ readonly boxes: Tensor; readonly labels: Tensor }>;
  /** `[B,K]`, 1 on padding prompts. */
  readonly promptMask?: Tensor;
}

export interface PolicyOutput {
  /** `[L,B,Q,K]`, `[L,B,Q,4]` */
  readonly predLogits: Tensor;
  readonly predBoxes: Tensor;
  /** `[B,Q]` selection logits of the selected tokens (with gradient), selection order. */
  readonly selectionLogits: Tensor;
  /** `[B,Q]` int32 indices of the selected tokens. */
  readonly selectedIndices: Tensor;
  readonly proposalLogits?: Tensor;
  readonly proposalBoxes?: Tensor;
  readonly denoising?: { readonly predLogits: Tensor; readonly predBoxes: Tensor; readonly pairs: ReadonlyArray<Match> };
}

export interface PolicyModel<B extends PolicyBatch> {
  forward(batch: B, training: boolean): PolicyOutput;
  /** `[B,Q]` selection logits at `indices` (`[B,Q]` int32) for the same batch. */
  selectionLogitsAt(batch: B, indices: Tensor): Tensor;
}

/** A batch for a full detector: images, prompts and targets. */
export interface DetectorBatch extends PolicyBatch {
  readonly images: ImageBatch;
  readonly prompts: PromptBatch;
}

/**
 * Adapts any core `Detector` that is a `Module` (e.g. `DinoR1Detector`) to the trainer. Parameter names
 * gain the prefix `detector.`; checkpoints of the detector itself are saved from `policy.detector`.
 */
export class DetectorPolicy extends Module implements PolicyModel<DetectorBatch> {
  constructor(readonly detector: Detector & Module) {
    super();
    this.module('detector', detector);
  }
  forward(batch: DetectorBatch, training: boolean): PolicyOutput {
    return this.detector.forward(batch.images, batch.prompts, training, batch.gts);
  }
  selectionLogitsAt(batch: DetectorBatch, indices: Tensor): Tensor {
    return this.detector.selectionLogitsAt(batch.images, batch.prompts, indices as Tensor2D);
  }
}
