/**
 * The trainer: one optimizer step = forward, objective (`sft`, `grqo` or `sft+grqo`), backward over
 * `gradAccumulation` micro-batches, global-norm clipping, AdamW with per-parameter learning-rate
 * multipliers (the backbone at `optim.backboneLrMultiplier`) and the warm-up/step-decay schedule.
 * `fit` is the one training loop (the CLI runs it too): it reads a batch stream, takes `grqo.iterations`
 * (μ) optimizer steps on every batch group — the first pass on-policy, the next μ−1 clipped against the
 * first pass's selection logits (TRL's `num_iterations`) — starts the KL anchor's data epochs, keeps the
 * negative-prompt pool, logs, evaluates and checkpoints.
 * Everything a step allocates is released: `tf.memory().numTensors` is the same after every step.
 */
import {
  batchGather,
  subSeed,
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
import { configHash, latestCheckpoint, loadCheckpoint, RESUMABLE_FIELDS, saveCheckpoint, type CheckpointSidecar } from './checkpoint';
import { join } from 'node:path';
import { grqoLoss } from './grqo-loss';
import type { NegativePromptSource } from './negative-prompts';
import { AdamW, clipByGlobalNorm, learningRate } from './optim';
import type { PolicyBatch, PolicyModel, PolicyOutput } from './policy';
import { sftLoss, sftOptionsFromConfig, type SftLossOptions } from './sft-loss';

export interface TrainerOptions<B extends PolicyBatch> {
  readonly config: DinoR1Config;
  readonly model: Module & PolicyModel<B>;
  readonly anchor: KlAnchor;
  /** GRQO's weighted rewards (the container's `ActiveRewards`). */
  readonly rewards: readonly WeightedReward[];
  /** The SFT matching cost as weighted rewards (`matchRewards(…)` with `config.sft.matchCost`). */
  readonly matchRewards: readonly WeightedReward[];
  readonly normaliser: AdvantageNormaliser;
  /** Adds `data.negativePrompts` negatives to every training batch (the detector's pool); none: batches as given. */
  readonly negatives?: NegativePromptSource<B>;
  readonly sinks?: readonly MetricsSink[];
  /** Where checkpoints go (required for `checkpointEvery` and `resume`). */
  readonly runDir?: string;
  /**
   * Called every `evalEvery` steps; its numbers are logged as `eval.<name>` (null: nothing to log, e.g. the
   * final step when the caller evaluates after training).
   */
  readonly evaluate?: (step: number) => Promise<Record<string, number> | null> | Record<string, number> | null;
}

/** The micro-batches of training, in order; micro-batch `n` belongs to data epoch `⌊n / batchesPerEpoch⌋`. */
export interface TrainingStream<B> {
  readonly batchesPerEpoch: number;
  /** Micro-batches from global index `start` on. */
  from(start: number): AsyncIterator<B> | Iterator<B>;
  /** Frees a micro-batch once the trainer is done with it. */
  release?(batch: B): void;
}

export interface FitHooks {
  /** After every optimizer step (progress bars). */
  onStep?(report: StepReport): void;
  /** Asked after every batch group: true stops training there (Ctrl-C), with a checkpoint. */
  shouldStop?(): boolean;
}

export interface StepReport {
  readonly step: number;
  readonly loss: number;
  readonly parts: Record<string, number>;
  readonly stats: Record<string, number>;
  readonly lr: number;
  readonly gradNorm: number;
  readonly seconds: number;
  /** Images in the step's micro-batches. */
  readonly images: number;
}

export interface StepContext {
  /** 0: on-policy (records the old policy); k ≥ 1: the k-th reuse of the same micro-batches, clipped. */
  readonly pass?: number;
  /** Train-time noise of this batch group: the policy and the reference forward are reseeded with it. */
  readonly noiseSeed?: number;
}

const STAT = /^(reward|advantage|kl|ratio|clip)/;

export class Trainer<B extends PolicyBatch> {
  /** Optimizer steps completed. */
  step = 0;
  readonly optimizer: AdamW;
  private readonly params: Map<string, Variable>;
  private readonly byVariable = new Map<string, string>();
  private readonly sft: SftLossOptions;
  /** `[B,S]` objectness of each micro-batch in the first pass of the current group: π_old. */
  private old: Tensor[] = [];

  constructor(private readonly opts: TrainerOptions<B>) {
    const { model, config } = opts;
    this.params = model.trainableParameters();
    for (const [name, v] of this.params) this.byVariable.set(v.name, name);
    this.optimizer = new AdamW(this.params, this.lrMultipliers(), {
      betas: config.optim.betas,
      eps: config.optim.eps,
      weightDecay: config.optim.weightDecay,
    });
    this.sft = sftOptionsFromConfig(config.sft, opts.matchRewards);
    opts.anchor.attach(model);
  }

  /** The modules' own multipliers, times `optim.backboneLrMultiplier` under the policy's backbone prefix. */
  private lrMultipliers(): Map<string, number> {
    const { model, config } = this.opts;
    const out = model.parameterLrMultipliers();
    const prefix = model.backbonePrefix;
    if (prefix) for (const [name, m] of out) if (name.startsWith(prefix)) out.set(name, m * config.optim.backboneLrMultiplier);
    return out;
  }

  /** The objective of one micro-batch; returns the total and keeps named scalars in `out`. */
  private objective(
    batch: B,
    out: Map<string, Scalar>,
    ctx: { pass: number; seed: number | null; old: Tensor | null; record: (o: PolicyOutput) => void },
  ): Scalar {
    const { config, model, anchor } = this.opts;
    if (ctx.seed !== null) model.reseedNoise?.(ctx.seed);
    const o = model.forward(batch, true, { denoising: config.sft.denoising });
    ctx.record(o);
    const terms: Scalar[] = [];
    if (config.objective !== 'grqo') {
      const sft = sftLoss(
        {
          predLogits: o.predLogits,
          predBoxes: o.predBoxes,
          proposalLogits: config.sft.encoderLoss ? o.proposalLogits : undefined,
          proposalBoxes: config.sft.encoderLoss ? o.proposalBoxes : undefined,
          denoising: config.sft.denoising ? o.denoising : undefined,
          gts: batch.gts,
        },
        { ...this.sft, promptMask: batch.promptMask },
      );
      terms.push(sft.loss);
      for (const [k, v] of Object.entries(sft.parts)) out.set(k, tf.keep(v));
      out.set('sft', tf.keep(sft.loss));
    }
    if (config.objective !== 'sft') {
      // the reference sees the policy's train-time noise (same seed), so KL = 0 right after a snapshot
      const ref = anchor.withReferenceWeights(() => {
        if (ctx.seed !== null) model.reseedNoise?.(ctx.seed);
        return model.selectionLogitsAt(batch, o.selectedIndices, true);
      });
      const oldSel = ctx.old ? batchGather(ctx.old, o.selectedIndices) : null;
      const g = grqoLoss(
        { selLogits: o.selectionLogits, refSelLogits: ref, oldSelLogits: oldSel, predLogits: o.predLogits, predBoxes: o.predBoxes, gts: batch.gts },
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
      if (g.ratioMean && g.clipFraction) {
        out.set('ratio_mean', tf.keep(g.ratioMean));
        out.set('clip_fraction', tf.keep(g.clipFraction));
      }
    }
    // a new tensor even for one term: the caller disposes the total, the named parts are kept apart
    return (terms.length === 1 ? tf.clone(terms[0]) : tf.addN(terms)) as Scalar;
  }

  /**
   * One optimizer step over `microBatches` (length = `gradAccumulation`). Pass 0 is on-policy and records
   * each micro-batch's objectness as the old policy; pass k ≥ 1 must get the same micro-batches and uses it
   * in the clipped surrogate (`grqo.clip`).
   */
  trainStep(microBatches: readonly B[], { pass = 0, noiseSeed }: StepContext = {}): StepReport {
    const { config } = this.opts;
    const t0 = process.hrtime.bigint();
    const usesOld = pass > 0 && config.objective !== 'sft';
    if (usesOld && this.old.length !== microBatches.length) {
      throw new Error(`trainStep: pass ${pass} needs the old policy of pass 0 on the same ${microBatches.length} micro-batch(es); run pass 0 first`);
    }
    if (pass === 0) this.forgetOldPolicy();
    const vars = [...this.params.values()];
    const summed = new Map<string, Tensor>();
    const named = new Map<string, number>();
    let loss = 0;
    microBatches.forEach((batch, i) => {
      const kept = new Map<string, Scalar>();
      const seed = noiseSeed === undefined ? null : subSeed(noiseSeed, `micro-batch ${i}`);
      const record = (o: PolicyOutput) => {
        if (pass !== 0) return;
        if (config.grqo.iterations > 1 && config.objective !== 'sft') {
          if (!o.objectness) throw new Error('grqo.iterations > 1 needs the objectness of every token from the model (PolicyOutput.objectness)');
          this.old.push(tf.keep(tf.clone(o.objectness)));
        }
        if (this.opts.negatives && o.promptEmbeddings) this.opts.negatives.observe(batch, o.promptEmbeddings);
      };
      const { value, grads } = tf.variableGrads(() => this.objective(batch, kept, { pass, seed, old: usesOld ? this.old[i] : null, record }), vars);
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
    });
    const { grads, norm } = clipByGlobalNorm(summed, config.optim.clipNorm);
    tf.dispose([...summed.values()]);
    const lr = learningRate(this.step, config.optim);
    this.optimizer.step(grads, lr);
    tf.dispose([...grads.values()]);
    this.step++;
    this.opts.anchor.onStepEnd(this.step);

    const stats: Record<string, number> = {};
    const parts: Record<string, number> = {};
    for (const [k, v] of named) (STAT.test(k) ? stats : parts)[k] = v;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const images = microBatches.reduce((n, b) => n + b.gts.length, 0);
    return { step: this.step, loss, parts, stats, lr, gradNorm: norm, seconds, images };
  }

  private forgetOldPolicy(): void {
    tf.dispose(this.old);
    this.old = [];
  }

  /** Writes one record to every metrics sink. */
  log(record: MetricsRecord): void {
    for (const sink of this.opts.sinks ?? []) sink.write(record);
  }

  /** Batch group of optimizer step `step` (0-based): μ consecutive steps share one. */
  private group(step: number): number {
    return Math.floor(step / this.opts.config.grqo.iterations);
  }

  /**
   * Trains until `untilStep` (default `train.steps`) optimizer steps are done, reading micro-batches from
   * `data`. Batch group g (micro-batches g·A … g·A+A−1, A = `gradAccumulation`) is trained on by μ steps.
   * The KL anchor's `onEpochStart(e)` comes before the first step whose group starts in data epoch e.
   * Checkpoints (`checkpointEvery`) and stops (`hooks.shouldStop`) wait for the end of a group, so a resumed
   * run repeats no pass of the old policy. Returns the reports and whether it was stopped.
   */
  async fit(data: TrainingStream<B>, untilStep = this.opts.config.train.steps, hooks: FitHooks = {}): Promise<{ reports: StepReport[]; stopped: boolean }> {
    const { config, anchor, negatives } = this.opts;
    const { train } = config;
    const mu = config.grqo.iterations;
    const A = train.gradAccumulation;
    if (!(data.batchesPerEpoch >= 1)) throw new Error(`fit: the training stream has ${data.batchesPerEpoch} batches per epoch`);
    const epochOf = (step: number) => Math.floor((this.group(step) * A) / data.batchesPerEpoch);
    const reports: StepReport[] = [];
    const stream = data.from(this.group(this.step) * A);
    let raw: B[] = [];
    let batches: B[] = [];
    let checkpointDue = false;
    let stopped = false;
    const releaseGroup = () => {
      if (negatives) batches.forEach((b) => negatives.release(b));
      raw.forEach((b) => data.release?.(b));
      raw = [];
      batches = [];
    };
    try {
      while (this.step < untilStep) {
        const group = this.group(this.step);
        const pass = this.step - group * mu;
        if (raw.length === 0) {
          for (let i = 0; i < A; i++) {
            const next = await stream.next();
            if (next.done) throw new Error(`fit: the training stream ended at micro-batch ${group * A + i}`);
            raw.push(next.value);
          }
          const groupSeed = subSeed(config.seed, `batch group ${group}`);
          batches = negatives ? raw.map((b, i) => negatives.add(b, subSeed(groupSeed, `negatives ${i}`))) : raw;
        }
        if (this.step === 0 || epochOf(this.step) !== epochOf(this.step - 1)) anchor.onEpochStart(epochOf(this.step));
        // a group resumed mid-way has no recorded old policy: its remaining passes start afresh from pass 0
        const r = this.trainStep(batches, { pass: pass > 0 && this.old.length === 0 ? 0 : pass, noiseSeed: subSeed(config.seed, `noise ${group}`) });
        reports.push(r);
        if (r.step % train.logEvery === 0 || r.step === untilStep) {
          this.log({
            step: r.step,
            loss: r.loss,
            ...r.parts,
            ...r.stats,
            lr: r.lr,
            grad_norm: r.gradNorm,
            step_time_s: r.seconds,
            images_per_s: r.images / r.seconds,
            tensors: tf.memory().numTensors,
          });
        }
        hooks.onStep?.(r);
        // a training step blocks the event loop; yield once per step so a Ctrl-C (SIGINT) gets delivered
        await new Promise((done) => setImmediate(done));
        if (this.opts.evaluate && train.evalEvery > 0 && r.step % train.evalEvery === 0) {
          const ev = await this.opts.evaluate(r.step);
          if (ev) this.log({ step: r.step, ...Object.fromEntries(Object.entries(ev).map(([k, v]) => [`eval.${k}`, v])) });
        }
        if (train.checkpointEvery > 0 && r.step % train.checkpointEvery === 0) checkpointDue = true;
        const groupDone = this.group(this.step) !== group;
        if (groupDone) {
          releaseGroup();
          this.forgetOldPolicy();
          if (this.opts.runDir && checkpointDue) {
            this.checkpoint();
            checkpointDue = false;
          }
          if (hooks.shouldStop?.()) {
            stopped = true;
            break;
          }
        }
      }
      if (this.opts.runDir && checkpointDue) this.checkpoint();
    } finally {
      releaseGroup();
      this.forgetOldPolicy();
    }
    return { reports, stopped };
  }

  checkpoint(): CheckpointSidecar {
    if (!this.opts.runDir) throw new Error('Trainer.checkpoint: no runDir was given');
    const { model, anchor, config, negatives } = this.opts;
    return saveCheckpoint(this.opts.runDir, this.step, { model, optimizer: this.optimizer, anchor, negatives }, config);
  }

  /** Continues from the newest complete checkpoint in `runDir`; returns its step, or null if there is none. */
  resume(): number | null {
    if (!this.opts.runDir) throw new Error('Trainer.resume: no runDir was given');
    const sidecar = latestCheckpoint(this.opts.runDir);
    if (!sidecar) return null;
    const { model, anchor, negatives, config } = this.opts;
    if (sidecar.configHash !== configHash(config))
      throw new Error(
        `${join(this.opts.runDir, `checkpoint-${sidecar.step}.json`)}: written with another config (hash ${sidecar.configHash}, this one ${configHash(config)}); only ${RESUMABLE_FIELDS.join(', ')} may change on resume`,
      );
    this.step = loadCheckpoint(this.opts.runDir, sidecar, { model, optimizer: this.optimizer, anchor, negatives });
    return this.step;
  }

  dispose(): void {
    this.forgetOldPolicy();
    this.optimizer.dispose();
    this.opts.anchor.dispose();
    this.opts.negatives?.dispose();
  }
}
