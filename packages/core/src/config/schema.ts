/**
 * The run configuration: one typed, validated object. Every field has a default (the paper's setting
 * where the paper has one), unknown keys are errors, and messages name the bad field by its path.
 */
import { z } from 'zod';

const positive = () => z.number().finite().positive();
const nonNegative = () => z.number().finite().nonnegative();
const options = () => z.record(z.string(), z.unknown()).default({});

export const BACKENDS = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKENDS)[number];

const RewardEntrySchema = z.strictObject({
  name: z.string().min(1),
  weight: z.number().finite(),
});

const DataSpecSchema = z.strictObject({
  /** Registered `DatasetReader` name. */
  reader: z.string().min(1).default('synthetic'),
  /** Reader-specific source: a file, a folder, a seed spec. */
  source: z.string().default(''),
  options: options(),
});

export const ConfigSchema = z.strictObject({
  seed: z.number().int().nonnegative().default(0),
  /** The tfjs backend; a `--backend` flag and then `DINO_R1_BACKEND` take precedence. A run records the one it used. */
  backend: z.enum(BACKENDS).default('auto'),
  /**
   * Plugin files (`.js`, `.cjs`, `.mjs`, `.ts`) the `dino-r1` pipeline loads after the built-in plugins;
   * relative paths are resolved against the config file's folder when it is read.
   */
  plugins: z.array(z.string().min(1)).default([]),
  model: z
    .strictObject({
      preset: z.string().min(1).default('tiny'),
      /** Registered `Backbone` name. */
      backbone: z.string().min(1).default('dinov2'),
      /**
       * A pretrained checkpoint of the backbone (safetensors; for dinov2 official torch-hub or Hugging Face
       * names), loaded when a run starts; relative paths are resolved against the config file's folder.
       */
      backboneWeights: z.string().min(1).nullable().default(null),
      /** A whole detector checkpoint (this project's or PyTorch `state_dict` names) to fine-tune from; non-strict. */
      initFrom: z.string().min(1).nullable().default(null),
      options: options(),
    })
    .prefault({}),
  objective: z.enum(['sft', 'grqo', 'sft+grqo']).default('sft+grqo'),
  grqo: z
    .strictObject({
      alpha: nonNegative().default(0.01),
      beta: nonNegative().default(0.04),
      muteFraction: z
        .number()
        .min(0)
        .max(1)
        .default(1 / 3),
      surrogate: z.enum(['score-function', 'direct']).default('score-function'),
      /** `[ε_low, ε_high]` of the clipped surrogate, active on the passes 2…μ of `iterations`. */
      clip: z.tuple([nonNegative(), nonNegative()]).default([0.2, 0.28]),
      /**
       * μ (TRL's `num_iterations`): optimizer steps taken on the same batch and prompts. The first pass is
       * on-policy; its selection logits are the old policy π_old of the clipped surrogate for the next μ−1.
       */
      iterations: z.number().int().positive().default(1),
      rewards: z
        .array(RewardEntrySchema)
        .min(1)
        .default([
          { name: 'classification', weight: 2 },
          { name: 'l1', weight: 5 },
          { name: 'giou', weight: 2 },
        ]),
      rewardReduction: z.enum(['max', 'matched']).default('max'),
      normaliser: z.string().min(1).default('group'),
      aggregation: z.enum(['sum-then-normalise', 'normalise-then-sum']).default('sum-then-normalise'),
      /** Registered `KlAnchor` name; `options` are that anchor's (unknown keys are errors). */
      klAnchor: z.strictObject({ name: z.string().min(1).default('epoch-snapshot'), options: options() }).prefault({}),
    })
    .prefault({}),
  /** The supervised DINO losses (DESIGN.md §5). */
  sft: z
    .strictObject({
      /** Weights of the focal, L1 and GIoU terms (DINO: 1, 5, 2). */
      lossWeights: z.strictObject({ class: nonNegative().default(1), bbox: nonNegative().default(5), giou: nonNegative().default(2) }).prefault({}),
      /** Hungarian matching cost `class·focal + bbox·L1 − giou·GIoU` (DINO: 2, 5, 2). */
      matchCost: z.strictObject({ class: nonNegative().default(2), bbox: nonNegative().default(5), giou: nonNegative().default(2) }).prefault({}),
      /** α and γ of the sigmoid focal classification loss. */
      focalAlpha: z.number().min(0).max(1).default(0.25),
      focalGamma: nonNegative().default(2),
      /** The same losses on the encoder's selected proposals (two-stage). */
      encoderLoss: z.boolean().default(true),
      /** Denoising queries in training and their losses (the detector preset sets their budget and noise). */
      denoising: z.boolean().default(true),
    })
    .prefault({}),
  optim: z
    .strictObject({
      lr: positive().default(1e-4),
      weightDecay: nonNegative().default(1e-4),
      betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
      eps: positive().default(1e-8),
      /** Global-norm gradient clipping (paper 0.1); 0 disables. */
      clipNorm: nonNegative().default(0.1),
      backboneLrMultiplier: nonNegative().default(0.1),
      warmupSteps: z.number().int().nonnegative().default(0),
      decaySteps: z.array(z.number().int().positive()).default([]),
      decayRate: positive().default(0.1),
    })
    .prefault({}),
  train: z
    .strictObject({
      steps: z.number().int().positive().default(1000),
      batchSize: z.number().int().positive().default(2),
      gradAccumulation: z.number().int().positive().default(1),
      logEvery: z.number().int().positive().default(10),
      checkpointEvery: z.number().int().nonnegative().default(0),
      evalEvery: z.number().int().nonnegative().default(0),
    })
    .prefault({}),
  data: z
    .strictObject({
      train: DataSpecSchema.prefault({}),
      eval: DataSpecSchema.prefault({ source: 'val' }),
      /** Longer image side after resizing (keeping the ratio). */
      maxSize: z.number().int().positive().default(512),
      /** Training augmentation: horizontal flip and random crop probabilities. */
      flip: z.number().min(0).max(1).default(0.5),
      crop: z.number().min(0).max(1).default(0),
      /** Training images whose prompt embeddings are averaged into the prompt bank (0: all). */
      bankImages: z.number().int().nonnegative().default(256),
      /**
       * Negative prompts per training batch beyond the batch's own categories: embeddings of absent
       * categories from a running pool (the newest embedding seen of each category). Official DINO-R1: 20.
       */
      negativePrompts: z.number().int().nonnegative().default(20),
    })
    .prefault({}),
});

/** The resolved configuration (every default filled in). */
export type DinoR1Config = z.output<typeof ConfigSchema>;
/** What a user writes: every field optional. */
export type DinoR1ConfigInput = z.input<typeof ConfigSchema>;
