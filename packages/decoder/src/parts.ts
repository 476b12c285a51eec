/**
 * The detector's replaceable parts (DESIGN.md §4). Each part is made by a factory bound in the container
 * under its own token, so a plugin swaps one part — say, the encoder — by rebinding that token; the
 * `DinoR1Detector` binding resolves every factory and assembles the model. The default factories build the
 * mmdetection-named modules of this package.
 */
import type { Module, PromptBatch, Token } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { Decoder, type DecoderOutput } from './decoder';
import { DeformableEncoder } from './encoder';
import { BoxHead, ContrastiveClassHead, type BoxRegressor, type ClassScorer } from './heads';
import type { FlatMemory } from './memory';
import { ChannelMapper } from './neck';
import { VisualPromptEncoder } from './prompt-encoder';
import type { DetectorConfig } from './detector-config';

/** Channel mapper: backbone levels → `numLevels` maps of `dModel` channels. */
export type NeckPart = Module & { forward(levels: readonly Tensor[]): Tensor[] };
/** Encoder over the flattened multi-level memory → `[B,S,d]`. */
export type EncoderPart = Module & { forward(mem: FlatMemory): Tensor };
/** Prompt boxes (or ready embeddings) → `[B,K,d]` prompt embeddings. */
export type PromptEncoderPart = Module & { forward(encoded: Tensor, mem: FlatMemory, prompts: PromptBatch): Tensor };
/** Decoder with iterative refinement through the given box heads. */
export type DecoderPart = Module & {
  forward(query: Tensor, reference: Tensor, memory: Tensor, mem: FlatMemory, boxHeads: readonly BoxHeadPart[], attnMask?: Tensor | null): DecoderOutput;
};
/** Contrastive classification: queries × prompts → logits (−∞ on padding prompts). */
export type ClassHeadPart = Module & ClassScorer;
/** Box regression relative to reference boxes (inverse-sigmoid deltas). */
export type BoxHeadPart = Module & BoxRegressor;

export interface DetectorParts {
  neck(inChannels: readonly number[], c: DetectorConfig): NeckPart;
  encoder(c: DetectorConfig): EncoderPart;
  promptEncoder(c: DetectorConfig): PromptEncoderPart;
  decoder(c: DetectorConfig): DecoderPart;
  /** Called once per decoder layer and once for the encoder proposals. */
  classHead(c: DetectorConfig): ClassHeadPart;
  boxHead(c: DetectorConfig): BoxHeadPart;
}

const layers = (c: DetectorConfig) => ({ dModel: c.dModel, numLevels: c.numLevels, numHeads: c.numHeads, numPoints: c.numPoints, ffnDim: c.ffnDim });

export const DEFAULT_PARTS: DetectorParts = {
  neck: (inChannels, c) => new ChannelMapper(inChannels, c.dModel, c.numLevels - inChannels.length, c.gnGroups),
  encoder: (c) => new DeformableEncoder({ ...layers(c), numLayers: c.encoderLayers }),
  promptEncoder: (c) => new VisualPromptEncoder({ ...layers(c), numLayers: c.promptLayers }),
  decoder: (c) => new Decoder({ ...layers(c), numLayers: c.decoderLayers }),
  classHead: (c) => new ContrastiveClassHead(c.dModel),
  boxHead: (c) => new BoxHead(c.dModel),
};

function partToken<K extends keyof DetectorParts>(name: K): Token<DetectorParts[K]> {
  return Symbol.for(`@dino-r1/decoder:part:${name}`) as Token<DetectorParts[K]>;
}

/** One token per part; the decoder plugin binds each to its `DEFAULT_PARTS` factory. */
export const PART_TOKENS: { readonly [K in keyof DetectorParts]: Token<DetectorParts[K]> } = {
  neck: partToken('neck'),
  encoder: partToken('encoder'),
  promptEncoder: partToken('promptEncoder'),
  decoder: partToken('decoder'),
  classHead: partToken('classHead'),
  boxHead: partToken('boxHead'),
};
