/** The KL anchors of DESIGN.md §6: which weights the reference policy π_ref uses. */
import type { KlAnchor, ParameterOwner } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ReferenceWeightsAnchor } from './reference-weights';

/**
 * The paper's: a frozen copy of the model taken at the start of every data epoch (the trainer calls
 * `onEpochStart` when the loader's epoch changes). With `every` = N it is instead taken every N optimizer
 * steps, whatever the data epoch (for runs shorter than an epoch).
 */
export class EpochSnapshotAnchor extends ReferenceWeightsAnchor {
  readonly name = 'epoch-snapshot';
  constructor(readonly every: number | null = null) {
    super();
    if (every !== null && !(Number.isInteger(every) && every >= 1)) throw new Error(`epoch-snapshot: 'every' must be an integer ≥ 1 (got ${every})`);
  }
  override onEpochStart(_epoch: number): void {
    if (this.every === null) this.snapshot();
  }
  override onStepEnd(step: number): void {
    if (this.every !== null && step % this.every === 0) this.snapshot();
  }
}

/** The model as it was when training started, for the whole run. */
export class FrozenInitialAnchor extends ReferenceWeightsAnchor {
  readonly name = 'frozen-initial';
}

/** Every τ steps θ_ref ← a·θ + (1 − a)·θ_ref (TR-DPO's soft update). */
export class PeriodicMixupAnchor extends ReferenceWeightsAnchor {
  readonly name = 'periodic-mixup';
  constructor(
    readonly every: number,
    readonly mix: number,
  ) {
    super();
    if (!(every >= 1) || !(mix >= 0 && mix <= 1)) {
      throw new Error(`periodic-mixup: needs every >= 1 and 0 <= mix <= 1 (got every=${every}, mix=${mix})`);
    }
  }
  override onStepEnd(step: number): void {
    if (step % this.every === 0) this.mixIn(this.mix);
  }
}

/** Exponential moving average: after every step θ_ref ← (1 − decay)·θ + decay·θ_ref. */
export class EmaAnchor extends ReferenceWeightsAnchor {
  readonly name = 'ema';
  constructor(readonly decay: number) {
    super();
    if (!(decay >= 0 && decay <= 1)) throw new Error(`ema: decay must be in [0, 1] (got ${decay})`);
  }
  override onStepEnd(_step: number): void {
    this.mixIn(1 - this.decay);
  }
}

/** No reference: GRQO runs without its KL term. */
export class NoAnchor implements KlAnchor {
  readonly name = 'none';
  attach(_policy: ParameterOwner): void {}
  onEpochStart(_epoch: number): void {}
  onStepEnd(_step: number): void {}
  withReferenceWeights<T extends Tensor>(_forward: () => T): T | null {
    return null;
  }
  state(): Map<string, Tensor> {
    return new Map();
  }
  loadState(_state: ReadonlyMap<string, Tensor>): void {}
  dispose(): void {}
}
