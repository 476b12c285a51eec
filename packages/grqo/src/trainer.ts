/**
 * The trainer: one optimizer step = forward, objective (`sft`, `grqo` or `sft+grqo`), backward over
 * `gradAccumulation` micro-batches, global-norm clipping, AdamW with per-parameter learning-rate
 * multipliers and the warm-up/step-decay schedule, KL-anchor bookkeeping, metrics, checkpoints.
 * Everything a step allocates is released: `tf.memory().numTensors` is the same after every step.
 */
import {
  tf,
  type AdvantageNormaliser,
  type DinoR1Config,
  type KlAnchor,
  type MetricsRecord,
  type MetricsSink,
  type Module,
  type WeightedReward,
} from '@dino-r1/core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint, type CheckpointSidecar } from './checkpoint';
import { grqoLoss } from './grqo-loss';
import { AdamW, clipByGlobalNorm, learningRate } from './optim';
import type { PolicyBatch, PolicyModel } from './policy';
import { sftLoss } from './sft-loss';

export interface TrainerOptions<B extends PolicyBatch> {
  readonly config: DinoR1Config;
  readonly model: Module & PolicyModel<B>;
  readonly anchor: KlAnchor;
  readonly rewards: readonly WeightedReward[];
  readonly normaliser: AdvantageNormaliser;
  readonly sinks?: readonly MetricsSink[];
  /** Where checkpoints go (required for `checkpointEvery` and `resume`). */
  readonly runDir?: string;
  /** Called every `evalEvery` steps; its numbers are logged as `eval.<name>`. */
  readonly evaluate?: (step: number) => Promise<Record<string, number>> | Record<string, number>;
}

export interface StepReport {
  readonly step: number;
  readonly loss: number;
  readonly parts: Record<string, number>;
  readonly stats: Record<string, number>;
  readonly lr: number;
  readonly gradNorm: number;
  readonly seconds: number;
}

export class Trainer<B extends PolicyBatch> {
  /** Optimizer steps completed. */
  step = 0;
  readonly optimizer: AdamW;
  private readonly params: Map<string, Variable>;
  private readonly byVariable = new Map<string, string>();

  constructor(private readonly opts: TrainerOptions<B>) {
    const { model, config } = opts;
    this.params = model.trainableParameters();
    for (const [name, v] of this.params) this.byVariable.set(v.name, name);
    this.optimizer = new AdamW(this.params, model.parameterLrMultipliers(), {
      betas: config.optim.betas,
      eps: config.optim.eps,
      weightDecay: config.optim.weightDecay,
    });
    opts.anchor.attach(model);
  }

  /** The objective of one micro-batch; returns the total and keeps named scalars in `out`. */
  private objective(batch: B, out: Map<string, Scalar>): Scalar {
    const { config, model, anchor } = this.opts;
    const o = model.forward(batch, true);
    const terms: Scalar[] = [];
    if (config.objective !== 'grqo') {
      const sft = sftLoss(
        {
          predLogits: o.predLogits,
          predBoxes: o.predBoxes,
          proposalLogits: o.proposalLogits,
          proposalBoxes: o.proposalBoxes,
          denoising: o.denoising,
          gts: batch.gts,
        },
        { promptMask: batch.promptMask },
      );
      terms.push(sft.loss);
      for (const [k, v] of Object.entries(sft.parts)) out.set(k, tf.keep(v));
      out.set('sft', tf.keep(sft.loss));
    }
    if (config.objective !== 'sft') {
      const ref = anchor.withReferenceWeights(() => model.selectionLogitsAt(batch, o.selectedIndices));
      const g = grqoLoss(
        { selLogits: o.selectionLogits, refSelLogits: ref, predLogits: o.predLogits, predBoxes: o.predBoxes, gts: batch.gts },
        config.grqo,
        { rewards: this.opts.rewards, normaliser: this.opts.normaliser },
      );
      terms.push(g.loss);
      out.set('grqo', tf.keep(g.loss));
      const { mean: rm, variance: rv } = tf.moments(g.rewards);
      const { mean: am, variance: av } = tf.moments(g.advantages);
      out.set('reward_mean', tf.keep(rm as Scalar));
      out.set('reward_std', tf.keep(tf.sqrt(rv) as Scalar));
      out.set('advantage_mean', tf.keep(am as Scalar));
      out.set('advantage_std', tf.keep(tf.sqrt(av) as Scalar));
      out.set('kl', tf.keep(tf.mean(g.kl) as Scalar));
    }
    // a new tensor even for one term: the caller disposes the total, the named parts are kept apart
    return (terms.length === 1 ? tf.clone(terms[0]) : tf.addN(terms)) as Scalar;
  }

  /** One optimizer step over `microBatches` (length = `gradAccumulation`). */
  trainStep(microBatches: readonly B[]): StepReport {
    const { config, anchor } = this.opts;
    const t0 = process.hrtime.bigint();
    if (this.step % config.train.stepsPerEpoch === 0) anchor.onEpochStart(this.step / config.train.stepsPerEpoch);
    const vars = [...this.params.values()];
    const summed = new Map<string, Tensor>();
    const named = new Map<string, number>();
    let loss = 0;
    for (const batch of microBatches) {
      const kept = new Map<string, Scalar>();
      const { value, grads } = tf.variableGrads(() => this.objective(batch, kept), vars);
      loss += value.dataSync()[0] / microBatches.length;
      value.dispose();
      for (const [varName, g] of Object.entries(grads)) {
        const name = this.byVariable.get(varName)!;
        const scaled = tf.mul(g, 1 / microBatches.length);
        g.dispose();
        const prev = summed.get(name);
        summed.set(name, prev ? tf.add(prev, scaled) : scaled);
        if (prev) {
          prev.dispose();
          scaled.dispose();
        }
      }
      for (const [k, t] of kept) {
        named.set(k, (named.get(k) ?? 0) + t.dataSync()[0] / microBatches.length);
        t.dispose();
      }
    }
    const { grads, norm } = clipByGlobalNorm(summed, config.optim.clipNorm);
    tf.dispose([...summed.values()]);
    const lr = learningRate(this.step, config.optim);
    this.optimizer.step(grads, lr);
    tf.dispose([...grads.values()]);
    this.step++;
    anchor.onStepEnd(this.step);

    const stats: Record<string, number> = {};
    const parts: Record<string, number> = {};
    for (const [k, v] of named) (/^(reward|advantage|kl)/.test(k) ? stats : parts)[k] = v;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { step: this.step, loss, parts, stats, lr, gradNorm: norm, seconds };
  }

  /** Writes one record to every metrics sink. */
  log(record: MetricsRecord): void {
    for (const sink of this.opts.sinks ?? []) sink.write(record);
  }

  /** Trains until `config.train.steps` (or `untilStep`) steps are done; `batchesFor(step)` gives the micro-batches. */
  async fit(batchesFor: (step: number) => B[], untilStep = this.opts.config.train.steps): Promise<StepReport[]> {
    const { train } = this.opts.config;
    const reports: StepReport[] = [];
    while (this.step < untilStep) {
      const batches = batchesFor(this.step);
      if (batches.length !== train.gradAccumulation) {
        throw new Error(`batchesFor(${this.step}) gave ${batches.length} micro-batches; config.train.gradAccumulation is ${train.gradAccumulation}`);
      }
      const r = this.trainStep(batches);
      reports.push(r);
      if (r.step % train.logEvery === 0 || r.step === untilStep) {
        this.log({ step: r.step, loss: r.loss, ...r.parts, ...r.stats, lr: r.lr, grad_norm: r.gradNorm, step_time_s: r.seconds });
      }
      if (this.opts.evaluate && train.evalEvery > 0 && r.step % train.evalEvery === 0) {
        const ev = await this.opts.evaluate(r.step);
        this.log({ step: r.step, ...Object.fromEntries(Object.entries(ev).map(([k, v]) => [`eval.${k}`, v])) });
      }
      if (this.opts.runDir && train.checkpointEvery > 0 && r.step % train.checkpointEvery === 0) this.checkpoint();
    }
    return reports;
  }

  checkpoint(): CheckpointSidecar {
    if (!this.opts.runDir) throw new Error('Trainer.checkpoint: no runDir was given');
    const { model, anchor, config } = this.opts;
    return saveCheckpoint(this.opts.runDir, this.step, { model, optimizer: this.optimizer, anchor }, config);
  }

  /** Continues from the newest complete checkpoint in `runDir`; returns its step, or null if there is none. */
  resume(): number | null {
    if (!this.opts.runDir) throw new Error('Trainer.resume: no runDir was given');
    const sidecar = latestCheckpoint(this.opts.runDir);
    if (!sidecar) return null;
    const { model, anchor } = this.opts;
    this.step = loadCheckpoint(this.opts.runDir, sidecar, { model, optimizer: this.optimizer, anchor });
    return this.step;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.opts.anchor.dispose();
  }
}
