import type { Tensor3D } from '@tensorflow/tfjs-core';
import type { MultiScaleMemory } from './neck';
import type { PromptBatch } from './tensors';
import type { ParameterOwner } from './parameter-owner';

/** Visual prompt encoder (DESIGN.md §4.4): prompt boxes → one embedding per prompt. */
export interface PromptEncoder extends ParameterOwner {
  /** Returns `[B,K,d]` prompt embeddings (padding slots are zero and must be masked downstream). */
  forward(memory: MultiScaleMemory, prompts: PromptBatch, training: boolean): Tensor3D;
}
