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
 * Presets of DESIGN.md §4: `paper` for a GPU, `tiny` for minutes on 2 CPU cores. `tiny` is smaller than
 * the design's d≈128 / 2 encoder layers / 100 queries: at d=64, one encoder layer and 50 queries a training
 * step on 128² images costs ~0.9 s per batch of 4 on the wasm backend (d=128: ~3–4 s; two encoder layers:
 * ~1.15 s at the same AP per step), which is what lets the demo reach its AP within 15 minutes.
 */
export const DETECTOR_PRESETS: Record<'paper' | 'tiny', DetectorConfig> = {
  paper: {
    dModel: 256,
    numLevels: 4,
    encoderLayers: 6,
    decoderLayers: 6,
    promptLayers: 1,
    numQueries: 900,
    numHeads: 8,
    numPoints: 4,
    ffnDim: 2048,
    gnGroups: 32,
    denoising: { budget: 100, labelNoise: 0.5, boxNoise: 1 },
  },
  tiny: {
    dModel: 64,
    numLevels: 4,
    encoderLayers: 1,
    decoderLayers: 3,
    promptLayers: 1,
    numQueries: 50,
    numHeads: 4,
    numPoints: 4,
    ffnDim: 256,
    gnGroups: 8,
    denoising: { budget: 20, labelNoise: 0.5, boxNoise: 1 },
  },
};
