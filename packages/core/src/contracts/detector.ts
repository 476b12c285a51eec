import type { Tensor, Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
import type { RewardTargets } from './reward';
import type { ImageBatch, PromptBatch } from './tensors';
import type { ParameterOwner } from './parameter-owner';

/** Everything the SFT and GRQO losses need from one forward pass (DESIGN.md §4, "Outputs"). */
export interface DetectorOutput {
  /** `[L,B,Q,K]` class logits of every decoder layer (padding prompts at -inf). */
  readonly predLogits: Tensor4D;
  /** `[L,B,Q,4]` normalised cxcywh boxes of every decoder layer. */
  readonly predBoxes: Tensor4D;
  /** `[B,Q,K]` and `[B,Q,4]` of the two-stage encoder proposals that were selected. */
  readonly proposalLogits: Tensor3D;
  readonly proposalBoxes: Tensor3D;
  /** `[B,Q]` int32 indices of the selected encoder tokens, in selection order (highest first). */
  readonly selectedIndices: Tensor2D;
  /** `[B,Q]` selection (objectness) logits of the selected tokens: the GRQO policy. */
  readonly selectionLogits: Tensor2D;
  /** `[B,S]` objectness logits of every encoder token (the policy before selection; training forwards). */
  readonly objectness?: Tensor2D;
  /** `[B,K,d]` the prompt embeddings the heads used (training forwards; a negative-prompt pool reads them). */
  readonly promptEmbeddings?: Tensor3D;
  /**
   * Denoising queries' outputs when DN is on in training, with the known (query, GT) pairs of every
   * image (no matching needed for them).
   */
  readonly denoising?: {
    readonly predLogits: Tensor4D;
    readonly predBoxes: Tensor4D;
    readonly pairs: ReadonlyArray<{ readonly queries: Int32Array; readonly targets: Int32Array }>;
  };
}

/** One detection after post-processing, boxes in image pixels (xyxy). */
export interface Detection {
  readonly imageIndex: number;
  readonly categoryId: number;
  readonly score: number;
  readonly boxXyxy: readonly [number, number, number, number];
}

/** The whole detector: backbone, neck, encoder, prompt encoder, query selection, decoder, heads. */
export interface Detector extends ParameterOwner {
  /** Width d of a prompt embedding (a prompt bank stores `[C,d]`). */
  readonly embeddingDim: number;
  /** Images are padded to a multiple of this many pixels (the coarsest backbone stride). */
  readonly padMultiple: number;
  /**
   * Parameters whose names start with this are the backbone's (they train at `optim.backboneLrMultiplier`
   * × the learning rate); absent when the detector has no separate backbone.
   */
  readonly backbonePrefix?: string;
  /** `targets` (training only) enable the denoising queries. */
  forward(images: ImageBatch, prompts: PromptBatch, training: boolean, targets?: readonly RewardTargets[]): DetectorOutput;
  /**
   * Selection logits a reference copy of the model gives for tokens chosen elsewhere
   * (the KL anchor evaluates `s_ref` at the policy's indices).
   */
  selectionLogitsAt(images: ImageBatch, prompts: PromptBatch, indices: Tensor2D, training?: boolean): Tensor2D;
  /**
   * Restarts every train-time random draw (denoising noise, stochastic depth) from `seed`: two training
   * forwards after the same seed see the same noise, so a reference forward reproduces the policy's.
   */
  reseedNoise(seed: number): void;
  /** `[B,K,d]` embeddings of the prompt boxes in evaluation mode (what a prompt bank averages per category). */
  promptEmbeddings(images: ImageBatch, prompts: PromptBatch): Tensor3D;
  postProcess(output: DetectorOutput, prompts: PromptBatch, images: ImageBatch, topK: number): Detection[];
}

export type { Tensor };
