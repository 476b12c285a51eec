/** The detector's sizes (DESIGN.md §4) and its presets. */
import type { DenoisingOptions } from './denoising';

export interface DetectorConfig {
  readonly dModel: number;
  readonly numLevels: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly promptLayers: number;
  readonly numQueries: number;
  readonly numHeads: number;
  readonly numPoints: number;
  readonly ffnDim: number;
  readonly gnGroups: number;
  /** Denoising queries in training (omit to disable). */
  readonly denoising?: DenoisingOptions;
}

/** Presets of DESIGN.md §4: `paper` for a GPU, `tiny` for minutes on 2 CPU cores. */
export const DETECTOR_PRESETS: Record<'paper' | 'tiny', DetectorConfig> = {
  paper: { dModel: 256, numLevels: 4, encoderLayers: 6, decoderLayers: 6, promptLayers: 1, numQueries: 900, numHeads: 8, numPoints: 4, ffnDim: 2048, gnGroups: 32, denoising: { budget: 100, labelNoise: 0.5, boxNoise: 1 } },
  tiny: { dModel: 128, numLevels: 4, encoderLayers: 2, decoderLayers: 3, promptLayers: 1, numQueries: 100, numHeads: 8, numPoints: 4, ffnDim: 512, gnGroups: 32, denoising: { budget: 30, labelNoise: 0.5, boxNoise: 1 } },
};
