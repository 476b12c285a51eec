import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { ImageBatch } from './tensors';
import type { ParameterOwner } from './parameter-owner';

/** Multi-scale features: one NHWC map per level, finest first. */
export interface FeaturePyramid {
  /** `[B,h_l,w_l,C_l]` per level. */
  readonly levels: Tensor4D[];
  /** Stride of every level in input pixels. */
  readonly strides: number[];
}

/** Image encoder (DESIGN.md §4.1): DINOv2 ViT plus a simple feature pyramid, or any replacement. */
export interface Backbone extends ParameterOwner {
  /** Channel count of every pyramid level, known before any forward pass (the neck is built from it). */
  readonly outChannels: readonly number[];
  readonly strides: readonly number[];
  forward(images: ImageBatch, training: boolean): FeaturePyramid;
  /** Restarts the train-time randomness (stochastic depth, …) from `seed`; absent when there is none. */
  reseedNoise?(seed: number): void;
  /**
   * Initialises from a pretrained checkpoint file (`model.backboneWeights`, `--backbone-weights`). Refuses a
   * file of another architecture with an error naming the mismatching tensors; absent when the backbone has
   * no pretrained form.
   */
  loadPretrained?(path: string): PretrainedReport;
}

/** What a pretrained initialisation did, tensor by tensor (own parameter names). */
export interface PretrainedReport {
  readonly source: string;
  /** Parameters set from the file as they were. */
  readonly loaded: string[];
  /** Parameters set from the file after a resize (e.g. a position grid resampled), with both shapes. */
  readonly reshaped: Array<{ name: string; from: number[]; to: number[] }>;
  /** Parameters the file does not have: left at their initialisation (new layers). */
  readonly initialised: string[];
  /** Entries of the file the model has no use for. */
  readonly unused: string[];
}
