import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { Detector } from './detector';
import type { ImageBatch, PromptBatch } from './tensors';

/**
 * The reference policy of the GRQO KL term (DESIGN.md §6 "KL anchors"). An anchor keeps its own copy of
 * whatever weights it needs and answers the reference selection logits at the policy's chosen tokens.
 */
export interface KlAnchor {
  readonly name: string;
  /** Called once before training with the live policy. */
  attach(policy: Detector): void;
  /** Start of every epoch (0-based). */
  onEpochStart(epoch: number): void;
  /** After every optimizer step (1-based count of steps done). */
  onStepEnd(step: number): void;
  /** `[B,Q]` reference logits at `indices` (`[B,Q]` int32), or `null` when there is no anchor. */
  referenceLogits(images: ImageBatch, prompts: PromptBatch, indices: Tensor2D): Tensor2D | null;
  dispose(): void;
}
