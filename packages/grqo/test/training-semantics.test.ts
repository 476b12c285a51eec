/**
 * The training settings do what they say (issue 12), on the trainer's one loop (`fit`): `grqo.iterations`
 * (μ passes per batch, the clipped surrogate against the first pass), the epoch-snapshot anchor following the
 * stream's data epochs or a fixed `every`, and the clipped surrogate against a float64 hand computation.
 */
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
import { GroupNormaliser, L1Reward, rewardsPlugin } from '@dino-r1/rewards';
import { EpochSnapshotAnchor, grqoLoss, MemoryMetricsSink, Trainer } from '../src';
import { dinoMatchRewards } from './rewards';
import { disposeBatch, toyBatch, ToyPolicy, toyStream, type ToyBatch } from './toy-policy';

/** Records every `onEpochStart` with the trainer step it came before. */
class SpyAnchor extends EpochSnapshotAnchor {
  readonly starts: Array<[epoch: number, step: number]> = [];
  stepNow = 0;
  override onEpochStart(epoch: number): void {
    this.starts.push([epoch, this.stepNow]);
    super.onEpochStart(epoch);
  }
  override onStepEnd(step: number): void {
    this.stepNow = step;
    super.onStepEnd(step);
  }
}

function setup(overrides: DinoR1ConfigInput, anchor = new SpyAnchor()) {
  const config = parseConfig({ objective: 'sft+grqo', optim: { lr: 1e-2, clipNorm: 1 }, ...overrides, train: { logEvery: 1, ...overrides.train } });
  const c = createContainer(config, [rewardsPlugin], { logger: silentLogger });
  const model = new ToyPolicy(8, 32, 2, 8, 1);
  const sink = new MemoryMetricsSink();
  const trainer = new Trainer<ToyBatch>({
    config,
    model,
    anchor,
    matchRewards: dinoMatchRewards(),
    rewards: c.get<WeightedReward[]>(TOKENS.ActiveRewards),
    normaliser: c.get<AdvantageNormaliser>(TOKENS.ActiveAdvantageNormaliser),
    sinks: [sink],
  });
  return { trainer, model, sink, anchor };
}

const kl = (sink: MemoryMetricsSink) => sink.records.map((r) => r.kl as number);

describe('grqo.iterations (μ)', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('takes μ steps on every batch group: the first on-policy, the others clipped against it, with ratio and clip fraction logged', async () => {
    const { trainer, sink } = setup({ grqo: { iterations: 3 }, optim: { lr: 0.3, clipNorm: 0 } });
    const s = toyStream(100);
    const { reports } = await trainer.fit(s, 6);
    expect(reports).toHaveLength(6);
    expect(s.served).toEqual([0, 1]); // 2 groups × 3 passes
    const rec = sink.records;
    for (const i of [0, 3]) {
      expect(rec[i].ratio_mean).toBeUndefined();
      expect(rec[i].clip_fraction).toBeUndefined();
    }
    for (const i of [1, 2, 4, 5]) {
      expect(typeof rec[i].ratio_mean).toBe('number');
      expect(rec[i].ratio_mean).not.toBe(1); // the policy moved since the first pass
    }
    // by the third pass the policy has moved enough that some terms are clipped
    expect(Math.max(rec[2].clip_fraction as number, rec[5].clip_fraction as number)).toBeGreaterThan(0);
    trainer.dispose();
  });

  it('μ = 1 never uses the old policy (on-policy every step)', async () => {
    const { trainer, sink } = setup({});
    const s = toyStream(100);
    await trainer.fit(s, 3);
    expect(s.served).toEqual([0, 1, 2]);
    expect(sink.records.every((r) => r.ratio_mean === undefined)).toBe(true);
    trainer.dispose();
  });

  it('a pass k ≥ 1 without its pass 0 is refused', () => {
    const { trainer } = setup({ grqo: { iterations: 2 } });
    const b = toyBatch(0);
    expect(() => trainer.trainStep([b], { pass: 1 })).toThrow(/needs the old policy of pass 0/);
    disposeBatch(b);
    trainer.dispose();
  });
});

describe('the clipped surrogate equals DESIGN.md §6 by hand (float64)', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('L=1, B=1, Q=4, one GT, the L1 reward alone', () => {
    const boxes = [
      [0.5, 0.5, 0.2, 0.2],
      [0.4, 0.5, 0.2, 0.3],
      [0.7, 0.2, 0.1, 0.1],
      [0.5, 0.55, 0.25, 0.2],
    ];
    const gt = [0.5, 0.5, 0.2, 0.25];
    const sel = [2.0, 1.0, 0.0, -1.0];
    const old = [0.0, 1.5, 1.0, -1.0]; // ratios 1.76 (A > 0: clipped), 0.89, 0.68 (A < 0: clipped), 1 (muted)
    const ref = [1.5, 0.5, 0.2, -0.5];
    const [alpha, beta, epsLow, epsHigh] = [0.01, 0.04, 0.2, 0.28];
    const out = grqoLoss(
      {
        selLogits: tf.tensor2d([sel]),
        oldSelLogits: tf.tensor2d([old]),
        refSelLogits: tf.tensor2d([ref]),
        predLogits: tf.zeros([1, 1, 4, 1]),
        predBoxes: tf.tensor4d([[boxes]]),
        gts: [{ boxes: tf.tensor2d([gt]), labels: tf.tensor1d([0], 'int32') }],
      },
      { alpha, beta, muteFraction: 1 / 3, clip: [epsLow, epsHigh] },
      { rewards: [{ reward: new L1Reward(), weight: 1 }], normaliser: new GroupNormaliser() },
    );
    // by hand
    const r = boxes.map((b) => -b.reduce((s, v, k) => s + Math.abs(v - gt[k]), 0));
    const mean = r.reduce((a, b) => a + b) / 4;
    const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    const A = r.map((v, i) => (i === 3 ? 0 : (v - mean) / (std + 1e-6))); // ⌊4/3⌋ = 1 muted: the last
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const eps = 1e-8;
    let loss = 0;
    let clipped = 0;
    sel.forEach((s, i) => {
      const rho = (sig(s) + eps) / (sig(old[i]) + eps);
      const clip = Math.min(Math.max(rho, 1 - epsLow), 1 + epsHigh);
      const S = Math.min(rho * A[i], clip * A[i]);
      const pi = sig(s) + eps;
      const piRef = sig(ref[i]) + eps;
      const k3 = piRef / pi - Math.log(piRef) + Math.log(pi) - 1;
      loss += (-alpha * S + beta * k3) / 4;
      if ((rho < 1 - epsLow && A[i] < 0) || (rho > 1 + epsHigh && A[i] > 0)) clipped++;
    });
    expect(out.loss.arraySync()).toBeCloseTo(loss, 6);
    expect(out.clipFraction!.arraySync()).toBeCloseTo(clipped / 4, 6);
    expect(clipped).toBeGreaterThan(0);
    const ratioMean = sel.reduce((s, v, i) => s + (sig(v) + eps) / (sig(old[i]) + eps), 0) / 4;
    expect(out.ratioMean!.arraySync()).toBeCloseTo(ratioMean, 5);
  });
});

describe('the epoch-snapshot anchor follows the data epochs of the stream', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('one micro-batch per step: epochs start at steps 0, 3, 6 of a 3-batch epoch; KL is 0 right after each', async () => {
    const { trainer, anchor, sink } = setup({});
    await trainer.fit(toyStream(3), 8);
    expect(anchor.starts).toEqual([
      [0, 0],
      [1, 3],
      [2, 6],
    ]);
    const k = kl(sink); // logged after steps 1..8: the steps that began at 0..7
    for (const i of [0, 3, 6]) expect(Math.abs(k[i])).toBeLessThanOrEqual(1e-6);
    for (const i of [2, 5]) expect(k[i]).toBeGreaterThan(1e-6);
    trainer.dispose();
  });

  it('with gradAccumulation 2 an epoch starts at the step whose first micro-batch opens it', async () => {
    const { trainer, anchor } = setup({ train: { gradAccumulation: 2 } });
    await trainer.fit(toyStream(3), 6);
    // step s reads micro-batches 2s, 2s+1: epochs ⌊2s/3⌋ = 0,0,1,2,2,3
    expect(anchor.starts).toEqual([
      [0, 0],
      [1, 2],
      [2, 3],
      [3, 5],
    ]);
    trainer.dispose();
  });

  it('with μ = 2 the μ steps of a group share its epoch', async () => {
    const { trainer, anchor } = setup({ grqo: { iterations: 2 } });
    await trainer.fit(toyStream(3), 8);
    expect(anchor.starts).toEqual([
      [0, 0],
      [1, 6],
    ]);
    trainer.dispose();
  });

  it('option every: N snapshots every N steps whatever the data epoch', async () => {
    const { trainer, anchor, sink } = setup({}, new SpyAnchor(2));
    await trainer.fit(toyStream(3), 6);
    expect(anchor.starts.map(([e]) => e)).toEqual([0, 1]); // still told, but ignored
    const k = kl(sink);
    for (const i of [0, 2, 4]) expect(Math.abs(k[i])).toBeLessThanOrEqual(1e-6); // after the snapshots at steps 0, 2, 4
    for (const i of [1, 3, 5]) expect(k[i]).toBeGreaterThan(1e-6); // step 3 opens an epoch: no snapshot there
    trainer.dispose();
  });
});
