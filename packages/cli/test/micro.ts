/**
 * A micro training configuration of the real pipeline (the `tiny` detector narrowed further, a ViT with
 * stochastic depth, 64² synthetic images) for tests that compare whole training runs: a few steps take
 * about a second.
 */
import { parseConfig, type DinoR1Config, type DinoR1ConfigInput } from '@dino-r1/core';

export const MICRO_DETECTOR = { dModel: 32, numQueries: 20, numHeads: 4, numPoints: 2, ffnDim: 64, gnGroups: 8, encoderLayers: 1, decoderLayers: 2 };
export const MICRO_BACKBONE = { img_size: 64, patch_size: 16, embed_dim: 32, depth: 2, num_heads: 2, drop_path_rate: 0.2 };

export const MICRO: DinoR1ConfigInput = {
  seed: 0,
  model: { preset: 'tiny', backbone: 'dinov2', options: { ...MICRO_BACKBONE, detector: MICRO_DETECTOR } },
  objective: 'sft+grqo',
  optim: { lr: 1e-3 },
  train: { steps: 3, batchSize: 2, logEvery: 1 },
  data: {
    train: { reader: 'synthetic', source: 'train', options: { images: 8, width: 64, height: 64, numCategories: 3 } },
    eval: { reader: 'synthetic', source: 'val', options: { images: 4, width: 64, height: 64, numCategories: 3 } },
    maxSize: 64,
    bankImages: 0,
  },
};

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `base` with `over` merged in (objects merged key by key, everything else replaced). */
export function merge<T>(base: T, over: unknown): T {
  if (!isPlain(base) || !isPlain(over)) return over as T;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out as T;
}

/** The micro config with `over` merged in, resolved. */
export function micro(over: DinoR1ConfigInput = {}): DinoR1Config {
  return parseConfig(merge(MICRO, over));
}
