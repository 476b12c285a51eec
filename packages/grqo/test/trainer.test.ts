import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createContainer,
  initBackend,
  parseConfig,
  silentLogger,
  tf,
  TOKENS,
  type AdvantageNormaliser,
  type DinoR1ConfigInput,
  type WeightedReward,
} from '@dino-r1/core';
import { rewardsPlugin } from '@dino-r1/rewards';
import { EpochSnapshotAnchor, JsonlMetricsSink, latestCheckpoint, MemoryMetricsSink, Trainer, type TrainerOptions } from '../src';
import { dinoMatchRewards } from './rewards';
import { disposeBatch, toyBatch, ToyPolicy, toyStream, type ToyBatch } from './toy-policy';

function setup(overrides: DinoR1ConfigInput = {}, seed = 1, runDir?: string, extra: Partial<TrainerOptions<ToyBatch>> = {}) {
  const config = parseConfig({
    objective: 'sft+grqo',
    optim: { lr: 1e-2, clipNorm: 1, weightDecay: 1e-4 },
    train: { logEvery: 1 },
    grqo: { klAnchor: { name: 'epoch-snapshot' } },
    ...overrides,
  });
  const c = createContainer(config, [rewardsPlugin], { logger: silentLogger });
  const model = (extra.model as ToyPolicy | undefined) ?? new ToyPolicy(8, 32, 2, 8, seed);
  const sink = new MemoryMetricsSink();
  const trainer = new Trainer<ToyBatch>({
    config,
    model,
    anchor: extra.anchor ?? new EpochSnapshotAnchor(),
    matchRewards: dinoMatchRewards(),
    rewards: c.get<WeightedReward[]>(TOKENS.ActiveRewards),
    normaliser: c.get<AdvantageNormaliser>(TOKENS.ActiveAdvantageNormaliser),
    sinks: [sink, ...(extra.sinks ?? [])],
    runDir,
    evaluate: extra.evaluate,
  });
  return { config, model, trainer, sink };
}

/** Batches are a pure function of the step, so a resumed run sees the same data. */
const batchesFor = (step: number) => [toyBatch(step)];

function weights(model: ToyPolicy): Map<string, Float32Array> {
  return new Map([...model.namedParameters()].map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

describe('Trainer', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('trains a stand-in detector head with sft+grqo: the loss falls, tensors stay flat', async () => {
    const { trainer, model, sink } = setup();
    expect(model.parameterCount()).toBeGreaterThan(2000);
    expect(model.parameterCount()).toBeLessThan(10000);
    const counts: number[] = [];
    const losses: number[] = [];
    for (let s = 0; s < 150; s++) {
      const batches = batchesFor(s);
      const r = trainer.trainStep(batches);
      batches.forEach(disposeBatch);
      losses.push(r.loss);
      counts.push(tf.memory().numTensors);
    }
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last).toBeLessThan(first / 3);
    // memory: identical tensor count after every step once the first step has allocated the optimizer state
    expect(new Set(counts.slice(1)).size).toBe(1);
    trainer.dispose();
    model.dispose();
    expect(sink.records.length).toBe(0); // trainStep alone does not log; fit does
  });

  it('fit logs every loss by name, reward/advantage statistics, KL, lr and step time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-metrics-'));
    const jsonl = new JsonlMetricsSink(join(dir, 'metrics.jsonl'));
    const { trainer, model, sink } = setup({ train: { logEvery: 2 } }, 1, undefined, { sinks: [jsonl] });
    await trainer.fit(toyStream(), 4);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([2, 4]);
    for (const key of [
      'loss',
      'loss_cls',
      'loss_bbox',
      'loss_giou',
      'd0.loss_cls',
      'sft',
      'grqo',
      'reward_mean',
      'reward_std',
      'advantage_mean',
      'advantage_std',
      'kl',
      'lr',
      'grad_norm',
      'step_time_s',
    ]) {
      expect(typeof lines[0][key]).toBe('number');
    }
    expect(sink.records.length).toBe(2);
    trainer.dispose();
    model.dispose();
  });

  it('resume is bit-exact: N steps equal N/2 steps, a checkpoint, and N/2 more in a new process state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-resume-'));
    const full = setup({ train: { logEvery: 100 } }, 1);
    await full.trainer.fit(toyStream(), 8);
    const expected = weights(full.model);

    const half = setup({ train: { logEvery: 100, checkpointEvery: 4 } }, 1, dir);
    await half.trainer.fit(toyStream(), 4);
    half.trainer.dispose();
    half.model.dispose();

    // a fresh model with a different initialisation, restored from the checkpoint
    const resumed = setup({ train: { logEvery: 100 } }, 99, dir);
    expect(resumed.trainer.resume()).toBe(4);
    await resumed.trainer.fit(toyStream(), 8);
    const got = weights(resumed.model);
    for (const [name, w] of expected) expect(Buffer.from(got.get(name)!.buffer).equals(Buffer.from(w.buffer))).toBe(true);
    expect(resumed.trainer.optimizer.stepCount).toBe(8);

    // a checkpoint of another config (anything but the resumable fields) is refused, naming the sidecar
    const other = setup({ train: { logEvery: 100 }, grqo: { alpha: 0.5 } }, 1, dir);
    expect(() => other.trainer.resume()).toThrow(
      /checkpoint-\d+\.json: written with another config .*only train\.steps, train\.checkpointEvery, backend may change/,
    );
    other.trainer.dispose();
    other.model.dispose();
  });

  it('never leaves a half-written checkpoint: a failed save keeps the previous one as the latest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-ckpt-'));
    const { trainer } = setup({ train: { logEvery: 100 } }, 1, dir);
    await trainer.fit(toyStream(), 2);
    trainer.checkpoint();
    await trainer.fit(toyStream(), 3);
    // make the sidecar's final name unwritable (a directory): the save fails after the tensor files
    mkdirSync(join(dir, 'checkpoint-3.json'));
    expect(() => trainer.checkpoint()).toThrow();
    expect(latestCheckpoint(dir)?.step).toBe(2);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('Trainer options', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('objective sft has no GRQO terms; objective grqo has no SFT terms', () => {
    const sft = setup({ objective: 'sft' });
    const r1 = sft.trainer.trainStep(batchesFor(0));
    expect(r1.parts.sft).toBeDefined();
    expect(r1.parts.grqo).toBeUndefined();
    expect(r1.stats.kl).toBeUndefined();
    const grqo = setup({ objective: 'grqo' });
    const r2 = grqo.trainer.trainStep(batchesFor(0));
    expect(r2.parts.grqo).toBeDefined();
    expect(r2.parts.loss_cls).toBeUndefined();
    expect(r2.stats.kl).toBeCloseTo(0, 6); // the epoch snapshot was just taken: π_ref = π
  });

  it('gradient accumulation over two micro-batches averages their gradients', () => {
    // With SGD-like comparison: two identical micro-batches must give exactly the single-batch step.
    const one = setup({ objective: 'sft', train: { gradAccumulation: 1 } }, 3);
    const two = setup({ objective: 'sft', train: { gradAccumulation: 2 } }, 3);
    one.trainer.trainStep([toyBatch(0)]);
    two.trainer.trainStep([toyBatch(0), toyBatch(0)]);
    const a = weights(one.model);
    const b = weights(two.model);
    for (const [k, v] of a) b.get(k)!.forEach((x, i) => expect(x).toBeCloseTo(v[i], 6));
  });

  it('calls the evaluation hook every evalEvery steps and logs its numbers', async () => {
    const calls: number[] = [];
    const evaluate = (s: number) => {
      calls.push(s);
      return { AP50: s / 10 };
    };
    const { trainer, sink } = setup({ train: { evalEvery: 2, logEvery: 100 } }, 1, undefined, { evaluate });
    await trainer.fit(toyStream(), 4);
    expect(calls).toEqual([2, 4]);
    expect(sink.records.filter((r) => 'eval.AP50' in r).map((r) => r['eval.AP50'])).toEqual([0.2, 0.4]);
  });

  it('frozen parameters do not move', () => {
    const model = new ToyPolicy(8, 32, 2, 8, 1);
    model.freeze('enc');
    const before = weights(model);
    const { trainer } = setup({ objective: 'sft' }, 1, undefined, { model });
    trainer.trainStep(batchesFor(0));
    const after = weights(model);
    expect(Buffer.from(after.get('enc.weight')!.buffer).equals(Buffer.from(before.get('enc.weight')!.buffer))).toBe(true);
    expect(Buffer.from(after.get('embed.weight')!.buffer).equals(Buffer.from(before.get('embed.weight')!.buffer))).toBe(false);
  });
});
