/**
 * Every field of the config schema changes what training does (issue 12: no silent no-ops). For each
 * field, a micro training run of the real pipeline (`trainRun`) with the field changed is compared with the
 * same run without the change, on what the field is about: the final weights, the logged metrics, the files
 * of the run directory, the evaluation, or the backend. A field added to the schema without a case here
 * fails the first test; `packages/grqo/README.md` lists the same fields with the tests that cover them.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configFieldPaths,
  definePlugin,
  initBackend,
  saveModule,
  silentLogger,
  tf,
  TOKENS,
  type DinoR1ConfigInput,
  type Module,
  type Plugin,
} from '@dino-r1/core';
import { DinoV2Backbone, DinoVisionTransformer } from '@dino-r1/backbone-dino';
import { syntheticDataset } from '@dino-r1/datasets';
import { buildModel } from '../src/pipeline/model';
import { trainRun } from '../src/pipeline/run';
import { merge, micro, MICRO_BACKBONE } from './micro';

interface Outcome {
  readonly weights: string;
  readonly metrics: string;
  readonly files: string;
  readonly eval: string;
  readonly backend: string;
}

type Aspect = keyof Outcome;

interface Case {
  readonly field: string;
  /** The change (merged into the micro config); a function when it needs files made once the backend is up. */
  readonly set: DinoR1ConfigInput | (() => DinoR1ConfigInput);
  /** What must differ from the run without the change. */
  readonly differs: Aspect;
  /** Merged into both runs (a field that only acts together with another). */
  readonly base?: DinoR1ConfigInput;
}

/** A second backbone and a second dataset reader, registered the way a user's plugin would. */
const userPlugins: Plugin[] = [
  definePlugin('test:one-block-vit', (b) =>
    b.bindNamed(TOKENS.Backbone, 'one-block-vit', { factory: () => new DinoV2Backbone({ ...MICRO_BACKBONE, depth: 1 }) }),
  ),
  definePlugin('test:reseeded-synthetic', (b) =>
    b.bindNamed(TOKENS.DatasetReader, 'reseeded-synthetic', {
      factory: () => ({
        name: 'reseeded-synthetic',
        read: async (source: string, options: Record<string, unknown> = {}) => syntheticDataset({ ...options, split: source, seed: 99 }),
      }),
    }),
  ),
];

const CASES: Case[] = [
  { field: 'seed', set: { seed: 1 }, differs: 'weights' },
  { field: 'backend', set: { backend: 'cpu' }, differs: 'backend' },
  // a plugin file whose MetricsSink writes losses.tsv into the run directory
  { field: 'plugins', set: { plugins: [join(__dirname, 'fixtures/plugins/loss-log.js')] }, differs: 'files' },
  { field: 'model.preset', set: { model: { preset: 'paper' } }, differs: 'weights' }, // sizes overridden: the denoising budget differs
  { field: 'model.backbone', set: { model: { backbone: 'one-block-vit' } }, differs: 'weights' },
  { field: 'model.options', set: { model: { options: { depth: 1 } } }, differs: 'weights' },
  // a pretrained ViT of the micro architecture (another seed); a whole detector checkpoint of another seed
  {
    field: 'model.backboneWeights',
    set: () => ({ model: { backboneWeights: savedOnce('vit', () => new DinoVisionTransformer(MICRO_BACKBONE)) } }),
    differs: 'weights',
  },
  {
    field: 'model.initFrom',
    set: () => ({ model: { initFrom: savedOnce('detector', () => buildModel(micro({ seed: 5 }), silentLogger).policy) } }),
    differs: 'weights',
  },
  { field: 'objective', set: { objective: 'sft' }, differs: 'metrics' },
  { field: 'grqo.alpha', set: { grqo: { alpha: 1 } }, differs: 'weights' },
  { field: 'grqo.beta', set: { grqo: { beta: 1 } }, differs: 'weights' },
  { field: 'grqo.muteFraction', set: { grqo: { muteFraction: 0 } }, differs: 'weights' },
  { field: 'grqo.surrogate', set: { grqo: { surrogate: 'direct' } }, differs: 'weights' },
  { field: 'grqo.clip', base: { grqo: { iterations: 2 }, optim: { lr: 0.05 } }, set: { grqo: { clip: [0.001, 0.001] } }, differs: 'weights' },
  { field: 'grqo.iterations', set: { grqo: { iterations: 2 } }, differs: 'metrics' },
  { field: 'grqo.rewards', set: { grqo: { rewards: [{ name: 'iou', weight: 1 }] } }, differs: 'weights' },
  { field: 'grqo.rewardReduction', set: { grqo: { rewardReduction: 'matched' } }, differs: 'weights' },
  { field: 'grqo.normaliser', set: { grqo: { normaliser: 'rank' } }, differs: 'weights' },
  { field: 'grqo.aggregation', set: { grqo: { aggregation: 'normalise-then-sum' } }, differs: 'weights' },
  { field: 'grqo.klAnchor.name', set: { grqo: { klAnchor: { name: 'none' } } }, differs: 'weights' },
  { field: 'grqo.klAnchor.options', set: { grqo: { klAnchor: { options: { every: 1 } } } }, differs: 'weights' },
  { field: 'sft.lossWeights.class', set: { sft: { lossWeights: { class: 3 } } }, differs: 'weights' },
  { field: 'sft.lossWeights.bbox', set: { sft: { lossWeights: { bbox: 1 } } }, differs: 'weights' },
  { field: 'sft.lossWeights.giou', set: { sft: { lossWeights: { giou: 0 } } }, differs: 'weights' },
  { field: 'sft.matchCost.class', set: { sft: { matchCost: { class: 50 } } }, differs: 'weights' },
  { field: 'sft.matchCost.bbox', set: { sft: { matchCost: { bbox: 0 } } }, differs: 'weights' },
  { field: 'sft.matchCost.giou', set: { sft: { matchCost: { giou: 50 } } }, differs: 'weights' },
  { field: 'sft.focalAlpha', set: { sft: { focalAlpha: 0.5 } }, differs: 'weights' },
  { field: 'sft.focalGamma', set: { sft: { focalGamma: 0 } }, differs: 'weights' },
  { field: 'sft.encoderLoss', set: { sft: { encoderLoss: false } }, differs: 'metrics' },
  { field: 'sft.denoising', set: { sft: { denoising: false } }, differs: 'metrics' },
  { field: 'optim.lr', set: { optim: { lr: 1e-2 } }, differs: 'weights' },
  { field: 'optim.weightDecay', set: { optim: { weightDecay: 0.5 } }, differs: 'weights' },
  { field: 'optim.betas', set: { optim: { betas: [0.5, 0.9] } }, differs: 'weights' },
  { field: 'optim.eps', set: { optim: { eps: 1e-2 } }, differs: 'weights' },
  { field: 'optim.clipNorm', set: { optim: { clipNorm: 0 } }, differs: 'weights' },
  { field: 'optim.backboneLrMultiplier', set: { optim: { backboneLrMultiplier: 1 } }, differs: 'weights' },
  { field: 'optim.warmupSteps', set: { optim: { warmupSteps: 3 } }, differs: 'weights' },
  { field: 'optim.decaySteps', set: { optim: { decaySteps: [1] } }, differs: 'weights' },
  { field: 'optim.decayRate', base: { optim: { decaySteps: [1] } }, set: { optim: { decayRate: 0.5 } }, differs: 'weights' },
  { field: 'train.steps', set: { train: { steps: 4 } }, differs: 'files' },
  { field: 'train.batchSize', set: { train: { batchSize: 3 } }, differs: 'weights' },
  { field: 'train.gradAccumulation', set: { train: { gradAccumulation: 2 } }, differs: 'weights' },
  { field: 'train.logEvery', set: { train: { logEvery: 2 } }, differs: 'metrics' },
  { field: 'train.checkpointEvery', set: { train: { checkpointEvery: 1 } }, differs: 'files' },
  { field: 'train.evalEvery', set: { train: { evalEvery: 1 } }, differs: 'metrics' },
  { field: 'data.train.reader', set: { data: { train: { reader: 'reseeded-synthetic' } } }, differs: 'weights' },
  { field: 'data.train.source', set: { data: { train: { source: 'other' } } }, differs: 'weights' },
  { field: 'data.train.options', set: { data: { train: { options: { noise: 40 } } } }, differs: 'weights' },
  { field: 'data.eval.reader', set: { data: { eval: { reader: 'reseeded-synthetic' } } }, differs: 'eval' },
  { field: 'data.eval.source', set: { data: { eval: { source: 'other' } } }, differs: 'eval' },
  { field: 'data.eval.options', set: { data: { eval: { options: { images: 6 } } } }, differs: 'eval' },
  { field: 'data.maxSize', set: { data: { maxSize: 48 } }, differs: 'weights' },
  { field: 'data.flip', set: { data: { flip: 0 } }, differs: 'weights' },
  { field: 'data.crop', set: { data: { crop: 1 } }, differs: 'weights' },
  { field: 'data.bankImages', set: { data: { bankImages: 5 } }, differs: 'eval' },
  // with 3 categories a batch of 2 shows nearly all of them: 6 leave some absent, so negatives exist
  {
    field: 'data.negativePrompts',
    base: { data: { train: { options: { images: 16, numCategories: 6 } }, eval: { options: { numCategories: 6 } } } },
    set: { data: { negativePrompts: 0 } },
    differs: 'weights',
  },
];

const made = new Map<string, string>();
/** Saves a module built by `make` once (in a temporary folder) and returns the file. */
function savedOnce(name: string, make: () => Module): string {
  if (!made.has(name)) {
    const file = join(mkdtempSync(join(tmpdir(), 'dino-r1-field-init-')), `${name}.safetensors`);
    const m = make();
    saveModule(file, m);
    m.dispose();
    made.set(name, file);
  }
  return made.get(name)!;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
/** Wall-clock fields differ between identical runs. */
const TIMING = new Set(['step_time_s', 'images_per_s', 'tensors']);

async function outcome(config: DinoR1ConfigInput): Promise<Outcome> {
  const dir = join(mkdtempSync(join(tmpdir(), 'dino-r1-field-')), 'run');
  await trainRun({ config: micro(config), outDir: dir, quiet: true, plots: false, plugins: userPlugins });
  const files = readdirSync(dir).sort();
  const last = Math.max(
    ...files
      .map((f) => /^checkpoint-(\d+)\.safetensors$/.exec(f))
      .filter((m) => m !== null)
      .map((m) => Number(m![1])),
  );
  const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l)).filter(([k]) => !TIMING.has(k)))))
    .join('\n');
  return {
    weights: sha(readFileSync(join(dir, `checkpoint-${last}.safetensors`))),
    metrics,
    files: files.join(' '),
    eval: readFileSync(join(dir, 'eval.json'), 'utf8'),
    backend: tf.getBackend(),
  };
}

describe('every config field changes what training does', () => {
  const baselines = new Map<string, Promise<Outcome>>();
  const baseline = (base: DinoR1ConfigInput = {}) => {
    const key = JSON.stringify(base);
    if (!baselines.has(key)) baselines.set(key, outcome(base));
    return baselines.get(key)!;
  };
  beforeAll(() => initBackend('auto', { logger: silentLogger }));

  it('has one case per schema field', () => {
    expect(CASES.map((c) => c.field).sort()).toEqual(configFieldPaths().sort());
  });

  it('identical configs give identical runs (the comparisons below mean something)', async () => {
    const a = await baseline();
    const b = await outcome({});
    expect(b).toEqual(a);
  }, 120000);

  // the backend case switches the backend: it runs last, and the next runs switch back
  it.each(
    CASES.filter((c) => c.field !== 'backend')
      .concat(CASES.filter((c) => c.field === 'backend'))
      .map((c) => [c.field, c] as const),
  )(
    '%s',
    async (_field, c) => {
      const base = await baseline(c.base);
      const changed = await outcome(merge(c.base ?? {}, typeof c.set === 'function' ? c.set() : c.set));
      expect(changed[c.differs]).not.toEqual(base[c.differs]);
    },
    120000,
  );
});
