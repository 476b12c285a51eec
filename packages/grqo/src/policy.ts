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
  /** `[B,S]` objectness of every token: the old policy of `grqo.iterations > 1` is read from it. */
  readonly objectness?: Tensor;
  /** `[B,K,d]` the prompt embeddings used (a negative-prompt pool learns them). */
  readonly promptEmbeddings?: Tensor;
}

export interface PolicyForwardOptions {
  /** Denoising queries in a training forward (`config.sft.denoising`); default on. */
  readonly denoising?: boolean;
}

export interface PolicyModel<B extends PolicyBatch> {
  forward(batch: B, training: boolean, options?: PolicyForwardOptions): PolicyOutput;
  /** `[B,Q]` selection logits at `indices` (`[B,Q]` int32) for the same batch, in the given mode. */
  selectionLogitsAt(batch: B, indices: Tensor, training: boolean): Tensor;
  /** Restarts every train-time random draw from `seed` (absent: the model has none). */
  reseedNoise?(seed: number): void;
  /** Parameters whose name starts with this train at `optim.backboneLrMultiplier` × the learning rate. */
  readonly backbonePrefix?: string;
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
  readonly backbonePrefix?: string;
  constructor(readonly detector: Detector & Module) {
    super();
    this.backbonePrefix = detector.backbonePrefix === undefined ? undefined : `detector.${detector.backbonePrefix}`;
    this.module('detector', detector);
  }
  forward(batch: DetectorBatch, training: boolean, { denoising = true }: PolicyForwardOptions = {}): PolicyOutput {
    return this.detector.forward(batch.images, batch.prompts, training, training && denoising ? batch.gts : undefined);
  }
  selectionLogitsAt(batch: DetectorBatch, indices: Tensor, training: boolean): Tensor {
    return this.detector.selectionLogitsAt(batch.images, batch.prompts, indices as Tensor2D, training);
  }
  reseedNoise(seed: number): void {
    this.detector.reseedNoise(seed);
  }
}
