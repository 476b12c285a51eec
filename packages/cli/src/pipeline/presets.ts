/**
 * Run presets for `dino-r1 train --preset NAME` (a config file can say everything instead):
 * - `demo`: the main job — the `tiny` detector trained with SFT+GRQO on the synthetic dataset, evaluated
 *   with a prompt bank on the held-out synthetic split; sized to finish within 15 minutes on 2 CPU cores.
 * - `tiny`: the same model, longer training.
 * - `odinw`: fine-tuning recipe for a real COCO-format dataset (default: ODinW Aquarium from
 *   ../shared/data beside the repository; give yours with --data/--eval-data): the `tiny` detector at 192 px
 *   with flips and crops, evaluated on the `valid` split.
 * - `paper`: the paper's detector (ViT-S/14 DINOv2, d=256, 6+6 layers, 900 queries) for a GPU.
 */
import type { DinoR1ConfigInput } from '@dino-r1/core';

const TINY_BACKBONE = { img_size: 128, patch_size: 16, embed_dim: 96, depth: 3, num_heads: 3 };

const demo: DinoR1ConfigInput = {
  seed: 0,
  model: { preset: 'tiny', backbone: 'dinov2', options: TINY_BACKBONE },
  objective: 'sft+grqo',
  // a data epoch is 1000 steps here (4000 images / 4): the paper's per-epoch snapshot would never refresh
  // within the demo's 650 steps, so the reference is refreshed every 100 steps instead
  grqo: { klAnchor: { name: 'epoch-snapshot', options: { every: 100 } } },
  // from scratch (no pretrained backbone offline): the backbone learns at the full rate
  optim: { lr: 1e-3, warmupSteps: 30, decaySteps: [520], decayRate: 0.1, backboneLrMultiplier: 1, clipNorm: 0.1, weightDecay: 1e-4 },
  train: { steps: 650, batchSize: 4, logEvery: 10, evalEvery: 325, checkpointEvery: 325 },
  data: {
    train: { reader: 'synthetic', source: 'train', options: { images: 4000 } },
    eval: { reader: 'synthetic', source: 'val', options: { images: 200 } },
    maxSize: 128,
    flip: 0.5,
    bankImages: 256,
  },
};

export const RUN_PRESETS: Record<string, DinoR1ConfigInput> = {
  demo,
  tiny: { ...demo, optim: { ...demo.optim, decaySteps: [1600] }, train: { ...demo.train, steps: 2000, evalEvery: 500, checkpointEvery: 500 } },
  odinw: {
    ...demo,
    optim: { ...demo.optim, warmupSteps: 50, decaySteps: [800] },
    train: { steps: 1000, batchSize: 4, logEvery: 10, evalEvery: 250, checkpointEvery: 250 },
    data: {
      train: { reader: 'odinw', source: '../shared/data/odinw/Aquarium', options: { split: 'train' } },
      eval: { reader: 'odinw', source: '../shared/data/odinw/Aquarium', options: { split: 'valid' } },
      maxSize: 192,
      flip: 0.5,
      crop: 0.5,
      bankImages: 0,
    },
  },
  paper: {
    model: { preset: 'paper', backbone: 'dinov2', options: { preset: 'vits14' } },
    objective: 'sft+grqo',
    optim: { lr: 1e-4, backboneLrMultiplier: 0.1, clipNorm: 0.1, decaySteps: [33000] },
    train: { steps: 40000, batchSize: 2, logEvery: 50, evalEvery: 5000, checkpointEvery: 2000 },
    data: {
      train: { reader: 'synthetic', source: 'train', options: { images: 20000, width: 512, height: 512 } },
      eval: { reader: 'synthetic', source: 'val', options: { images: 500, width: 512, height: 512 } },
      maxSize: 512,
    },
  },
};
