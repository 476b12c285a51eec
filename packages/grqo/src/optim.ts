/**
 * Optimisation pieces of the trainer, with PyTorch semantics so runs compare with the reference code:
 * AdamW (decoupled weight decay, bias-corrected moments, per-parameter learning-rate multipliers),
 * clipping by global gradient norm, and the learning-rate schedule (linear warm-up, then step decay).
 */
import { tf } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
}

/** `torch.optim.AdamW` over named parameters; state names follow its `state_dict` (`exp_avg`, `exp_avg_sq`). */
export class AdamW {
  private readonly m = new Map<string, Variable>();
  private readonly v = new Map<string, Variable>();
  /** Number of steps taken. */
  stepCount = 0;

  constructor(
    private readonly params: ReadonlyMap<string, Variable>,
    private readonly lrMultipliers: ReadonlyMap<string, number>,
    private readonly opts: AdamWOptions,
  ) {
    for (const [name, p] of params) {
      // inside tidy: the zeros a variable starts from would otherwise outlive the optimizer
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
    }
  }

  /** One update with learning rate `lr` (times each parameter's multiplier). Grads by parameter name. */
  step(grads: ReadonlyMap<string, Tensor>, lr: number): void {
    this.stepCount++;
    const [b1, b2] = this.opts.betas;
    const bias1 = 1 - b1 ** this.stepCount;
    const bias2 = 1 - b2 ** this.stepCount;
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (!g) continue; // frozen or unused this step: no update, as torch with grad None
      const plr = lr * (this.lrMultipliers.get(name) ?? 1);
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        const decayed = tf.mul(p, 1 - plr * this.opts.weightDecay);
        const mNew = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(bias2)), this.opts.eps);
        const update = tf.mul(tf.div(mNew, denom), plr / bias1);
        m.assign(mNew);
        v.assign(vNew);
        p.assign(tf.sub(decayed, update));
      });
    }
  }

  /** Optimizer state as named tensors (views of the moment variables: do not dispose). */
  state(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const name of this.params.keys()) {
      out.set(`state.${name}.exp_avg`, this.m.get(name)!);
      out.set(`state.${name}.exp_avg_sq`, this.v.get(name)!);
    }
    return out;
  }

  /** Restores moments saved by `state()` and the step count; names must match exactly. */
  loadState(state: ReadonlyMap<string, Tensor>, stepCount: number): void {
    for (const name of this.params.keys()) {
      for (const [key, target] of [
        [`state.${name}.exp_avg`, this.m.get(name)!],
        [`state.${name}.exp_avg_sq`, this.v.get(name)!],
      ] as const) {
        const t = state.get(key);
        if (!t) throw new Error(`optimizer state is missing '${key}'`);
        if (t.shape.join() !== target.shape.join()) {
          throw new Error(`optimizer state '${key}' has shape [${t.shape}] but the parameter is [${target.shape}]`);
        }
        target.assign(t);
      }
    }
    this.stepCount = stepCount;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_:
 * coefficient `maxNorm / (norm + 1e−6)` when below 1). Returns new tensors and the norm before clipping.
 */
export function clipByGlobalNorm(grads: ReadonlyMap<string, Tensor>, maxNorm: number): { grads: Map<string, Tensor>; norm: number } {
  const norm = tf.tidy(() => (grads.size ? tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))).dataSync()[0] : 0));
  const coef = maxNorm > 0 ? maxNorm / (norm + 1e-6) : 1;
  const out = new Map<string, Tensor>();
  for (const [name, g] of grads) out.set(name, coef < 1 ? tf.mul(g, coef) : tf.clone(g));
  return { grads: out, norm };
}

export interface ScheduleOptions {
  readonly lr: number;
  readonly warmupSteps: number;
  readonly decaySteps: readonly number[];
  readonly decayRate: number;
}

/** Learning rate for the update that follows `step` completed steps (0-based). */
export function learningRate(step: number, s: ScheduleOptions): number {
  const warm = s.warmupSteps > 0 && step < s.warmupSteps ? (step + 1) / s.warmupSteps : 1;
  const decays = s.decaySteps.filter((d) => step >= d).length;
  return s.lr * warm * s.decayRate ** decays;
}
