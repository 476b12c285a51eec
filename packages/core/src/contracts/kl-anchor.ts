import type { Tensor } from '@tensorflow/tfjs-core';
import type { ParameterOwner } from './parameter-owner';

/**
 * The reference policy of the GRQO KL term (DESIGN.md §6 "KL anchors"). An anchor keeps its own copy of
 * the policy's weights (snapshots share tensor data until the policy changes, so a copy is cheap) and
 * evaluates any forward function with those weights in place of the policy's.
 */
export interface KlAnchor {
  readonly name: string;
  /** Called once before training with the live policy; takes the initial reference copy if it needs one. */
  attach(policy: ParameterOwner): void;
  /** Start of every epoch (0-based). */
  onEpochStart(epoch: number): void;
  /** After every optimizer step (`step` = number of steps done, 1-based). */
  onStepEnd(step: number): void;
  /**
   * Runs `forward` (typically `detector.selectionLogitsAt(…)`) with the reference weights swapped into
   * the policy, records nothing on the gradient tape, restores the policy's weights. `null` when the
   * anchor is `none` (no KL term).
   */
  withReferenceWeights<T extends Tensor>(forward: () => T): T | null;
  /** The reference weights by parameter name, for checkpoints (empty for `none`). */
  state(): Map<string, Tensor>;
  loadState(state: ReadonlyMap<string, Tensor>): void;
  dispose(): void;
}
