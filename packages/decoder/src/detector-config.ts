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

/**
 * Presets of DESIGN.md §4: `paper` for a GPU, `tiny` for minutes on 2 CPU cores. `tiny` is narrower than
 * the design's d≈128 / 100 queries: at d=64, 50 queries a training step on 128² images costs ~1.1 s per
 * batch of 4 on the wasm backend (vs ~3–4 s at d=128), which is what lets the demo reach its AP in 15 minutes.
 */
export const DETECTOR_PRESETS: Record<'paper' | 'tiny', DetectorConfig> = {
  paper: { dModel: 256, numLevels: 4, encoderLayers: 6, decoderLayers: 6, promptLayers: 1, numQueries: 900, numHeads: 8, numPoints: 4, ffnDim: 2048, gnGroups: 32, denoising: { budget: 100, labelNoise: 0.5, boxNoise: 1 } },
  tiny: { dModel: 64, numLevels: 4, encoderLayers: 2, decoderLayers: 3, promptLayers: 1, numQueries: 50, numHeads: 4, numPoints: 4, ffnDim: 256, gnGroups: 8, denoising: { budget: 20, labelNoise: 0.5, boxNoise: 1 } },
};
