/**
 * The machinery every weight-holding KL anchor shares: a reference copy of the policy's parameters and
 * the swap that evaluates a forward pass with them.
 *
 * Copies are cheap: `tf.clone` shares the tensor's data until the optimizer assigns the variable a new
 * value, and swapping a variable's value (`assign`) moves a reference, not the data.
 */
import { noGrad, tf, type KlAnchor, type ParameterOwner } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

export abstract class ReferenceWeightsAnchor implements KlAnchor {
  abstract readonly name: string;
  protected policy: ReadonlyMap<string, Variable> | null = null;
  protected reference = new Map<string, Tensor>();

  attach(policy: ParameterOwner): void {
    this.policy = policy.namedParameters();
    this.snapshot();
  }

  onEpochStart(_epoch: number): void {}
  onStepEnd(_step: number): void {}

  /** reference ← policy (a snapshot). */
  protected snapshot(): void {
    this.replaceReference(() => this.live().map(([n, v]) => [n, tf.clone(v)] as [string, Tensor]));
  }

  /** reference ← a·policy + (1 − a)·reference. */
  protected mixIn(a: number): void {
    this.replaceReference(() =>
      this.live().map(([n, v]) => [n, tf.tidy(() => tf.add(tf.mul(v, a), tf.mul(this.reference.get(n)!, 1 - a)))] as [string, Tensor]),
    );
  }

  private live(): Array<[string, Variable]> {
    if (!this.policy) throw new Error(`KL anchor '${this.name}' is not attached to a policy`);
    return [...this.policy];
  }

  private replaceReference(make: () => Array<[string, Tensor]>): void {
    const next = new Map(make());
    for (const t of this.reference.values()) t.dispose();
    this.reference = next;
  }

  withReferenceWeights<T extends Tensor>(forward: () => T): T | null {
    const policy = this.live();
    return noGrad(() => {
      const saved = policy.map(([, v]) => tf.clone(v));
      try {
        for (const [n, v] of policy) v.assign(this.reference.get(n)!);
        return tf.tidy(forward);
      } finally {
        policy.forEach(([, v], i) => v.assign(saved[i]));
        tf.dispose(saved);
      }
    });
  }

  state(): Map<string, Tensor> {
    return new Map(this.reference);
  }

  loadState(state: ReadonlyMap<string, Tensor>): void {
    this.replaceReference(() =>
      this.live().map(([n]) => {
        const t = state.get(n);
        if (!t) throw new Error(`KL anchor '${this.name}': saved state has no reference for '${n}'`);
        return [n, tf.clone(t)] as [string, Tensor];
      }),
    );
  }

  dispose(): void {
    for (const t of this.reference.values()) t.dispose();
    this.reference.clear();
  }
}
