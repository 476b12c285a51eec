/**
 * `Module`: a small base class owning named parameters, like `torch.nn.Module` without autograd magic.
 * Names are PyTorch `state_dict` keys (`blocks.0.attn.qkv.weight`), so checkpoints move both ways;
 * every parameter declares its layout (see `layouts.ts`) and state dicts are always in PyTorch layout.
 */
import { tf } from '../backend/tf';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ParameterOwner } from '../contracts/parameter-owner';
import { fromTorchLayout, toTorchLayout, torchShape, type Layout } from './layouts';

interface ParameterSlot {
  variable: Variable;
  layout: Layout;
  /** Buffers (running statistics, fixed embeddings) are saved but never trained. */
  buffer: boolean;
}

/** Result of `loadStateDict`: what did not line up, by name. */
export interface StateDictReport {
  readonly missing: string[];
  readonly unexpected: string[];
  readonly shapeMismatch: Array<{ name: string; expected: number[]; got: number[] }>;
}

export class StateDictError extends Error {
  constructor(
    readonly report: StateDictReport,
    source = 'state dict',
  ) {
    const parts: string[] = [];
    if (report.missing.length) parts.push(`missing keys: ${report.missing.join(', ')}`);
    if (report.unexpected.length) parts.push(`unexpected keys: ${report.unexpected.join(', ')}`);
    for (const m of report.shapeMismatch) {
      parts.push(`shape mismatch for ${m.name}: expected [${m.expected}] (PyTorch layout), got [${m.got}]`);
    }
    super(`cannot load ${source}:\n  ${parts.join('\n  ')}`);
    this.name = 'StateDictError';
  }
}

export class Module implements ParameterOwner {
  private readonly slots = new Map<string, ParameterSlot>();
  private readonly children = new Map<string, Module>();
  /** Multiplier on the learning rate of this module's parameters (the trainer reads it). */
  lrMultiplier = 1;

  /** Registers a parameter under `name` (no dots: nesting comes from child modules). */
  protected param(name: string, init: Tensor, layout: Layout = 'plain'): Variable {
    return this.addSlot(name, init, layout, false);
  }

  /** Registers a non-trainable tensor that is still part of the state dict. */
  protected buffer(name: string, init: Tensor, layout: Layout = 'plain'): Variable {
    return this.addSlot(name, init, layout, true);
  }

  private addSlot(name: string, init: Tensor, layout: Layout, buffer: boolean): Variable {
    if (name.includes('.')) throw new Error(`parameter name '${name}' must not contain '.'`);
    if (this.slots.has(name) || this.children.has(name)) throw new Error(`'${name}' is already registered`);
    const variable = tf.variable(init, !buffer);
    init.dispose();
    this.slots.set(name, { variable, layout, buffer });
    return variable;
  }

  /** Registers a child module; its parameters appear as `name.<child param>`. */
  protected module<M extends Module>(name: string, child: M): M {
    if (this.slots.has(name) || this.children.has(name)) throw new Error(`'${name}' is already registered`);
    this.children.set(name, child);
    return child;
  }

  private *walk(prefix = ''): Generator<[string, ParameterSlot, Module]> {
    for (const [n, s] of this.slots) yield [prefix + n, s, this];
    for (const [n, c] of this.children) yield* c.walk(`${prefix}${n}.`);
  }

  /** Trainable parameters (not buffers), by state-dict name. Frozen ones included. */
  namedParameters(): Map<string, Variable> {
    const out = new Map<string, Variable>();
    for (const [name, slot] of this.walk()) if (!slot.buffer) out.set(name, slot.variable);
    return out;
  }

  /** Parameters that currently receive gradients. */
  trainableParameters(): Map<string, Variable> {
    const out = new Map<string, Variable>();
    for (const [name, slot] of this.walk()) if (!slot.buffer && slot.variable.trainable) out.set(name, slot.variable);
    return out;
  }

  /** Learning-rate multiplier of every trainable parameter (product along the module path). */
  parameterLrMultipliers(): Map<string, number> {
    const out = new Map<string, number>();
    const visit = (m: Module, prefix: string, mult: number): void => {
      const own = mult * m.lrMultiplier;
      for (const [n, s] of m.slots) if (!s.buffer) out.set(prefix + n, own);
      for (const [n, c] of m.children) visit(c, `${prefix}${n}.`, own);
    };
    visit(this, '', 1);
    return out;
  }

  /** Number of parameter values (buffers excluded); `trainableOnly` skips frozen ones. */
  parameterCount(trainableOnly = false): number {
    let n = 0;
    for (const [, slot] of this.walk()) {
      if (slot.buffer || (trainableOnly && !slot.variable.trainable)) continue;
      n += slot.variable.size;
    }
    return n;
  }

  /** Freezes every parameter whose name starts with one of `prefixes` (all when none are given). */
  freeze(...prefixes: string[]): void {
    this.setTrainable(false, prefixes);
  }

  unfreeze(...prefixes: string[]): void {
    this.setTrainable(true, prefixes);
  }

  private setTrainable(trainable: boolean, prefixes: string[]): void {
    for (const [name, slot] of this.walk()) {
      if (slot.buffer) continue;
      if (prefixes.length === 0 || prefixes.some((p) => name === p || name.startsWith(p.endsWith('.') ? p : `${p}.`))) {
        slot.variable.trainable = trainable;
      }
    }
  }

  /** The state dict in PyTorch layout (new tensors: the caller disposes them). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [name, slot] of this.walk()) out.set(name, toTorchLayout(slot.variable, slot.layout));
    return out;
  }

  /** Names, PyTorch shapes and layouts of the state dict, without materialising it. */
  stateDictShapes(): Map<string, { shape: number[]; layout: Layout }> {
    const out = new Map<string, { shape: number[]; layout: Layout }>();
    for (const [name, slot] of this.walk()) {
      out.set(name, { shape: torchShape(slot.variable.shape, slot.layout), layout: slot.layout });
    }
    return out;
  }

  /**
   * Loads a PyTorch-layout state dict. Strict (default): any missing, unexpected or mis-shaped key
   * throws a `StateDictError` naming them all, and nothing is assigned. Non-strict: assigns what
   * matches and returns the report. The given tensors are not disposed.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor>, { strict = true, source }: { strict?: boolean; source?: string } = {}): StateDictReport {
    const own = new Map([...this.walk()].map(([n, s]) => [n, s] as const));
    const report: StateDictReport = { missing: [], unexpected: [], shapeMismatch: [] };
    for (const name of own.keys()) if (!state.has(name)) report.missing.push(name);
    for (const name of state.keys()) if (!own.has(name)) report.unexpected.push(name);
    const assignable: Array<[ParameterSlot, Tensor]> = [];
    for (const [name, slot] of own) {
      const t = state.get(name);
      if (!t) continue;
      const expected = torchShape(slot.variable.shape, slot.layout);
      if (expected.length !== t.shape.length || expected.some((d, i) => d !== t.shape[i])) {
        report.shapeMismatch.push({ name, expected, got: [...t.shape] });
        continue;
      }
      assignable.push([slot, t]);
    }
    const clean = !report.missing.length && !report.unexpected.length && !report.shapeMismatch.length;
    if (strict && !clean) throw new StateDictError(report, source);
    for (const [slot, t] of assignable) {
      const ours = tf.tidy(() => tf.cast(fromTorchLayout(t, slot.layout), slot.variable.dtype));
      slot.variable.assign(ours);
      ours.dispose();
    }
    return report;
  }

  /** Frees every parameter. */
  dispose(): void {
    for (const [, slot] of this.walk()) slot.variable.dispose();
  }
}

/** A list of child modules named `0`, `1`, … (PyTorch's `nn.ModuleList`: `layers.3.attn.weight`). */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];
  constructor(items: readonly M[]) {
    super();
    this.items = items.map((m, i) => this.module(String(i), m));
  }
}
