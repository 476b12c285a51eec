/**
 * Checkpoints (DESIGN.md §9): for step N, in the run directory,
 *   checkpoint-N.safetensors        the model's state dict (PyTorch names and layouts), metadata {step}
 *   checkpoint-N.optim.safetensors  AdamW moments (`state.<param>.exp_avg[_sq]`), the KL anchor's
 *                                   reference weights (`anchor.<param>`) and the negative-prompt pool
 *                                   (`negatives.<category id>`)
 *   checkpoint-N.json               the sidecar: step, config hash, file names — written last.
 * Every file is written to a temporary name and renamed, and the sidecar comes last, so a checkpoint
 * exists exactly when its sidecar does: a crash at any point leaves the previous one as the latest.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensors, tensorsToEntries, writeSafetensors, type KlAnchor, type Module } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { AdamW } from './optim';

export interface CheckpointSidecar {
  readonly step: number;
  readonly configHash: string;
  readonly model: string;
  readonly optimizer: string;
  readonly anchor: string;
  readonly savedAt: string;
}

export interface CheckpointParts {
  readonly model: Module;
  readonly optimizer: AdamW;
  readonly anchor: KlAnchor;
  readonly negatives?: { state(): Map<string, Tensor>; loadState(state: ReadonlyMap<string, Tensor>): void };
}

/**
 * Config fields a resumed run may change: `train.steps` (extending training is explicit and recorded),
 * `train.checkpointEvery` (when weights are saved, not what they are) and `backend` (where it runs, not
 * what it computes).
 */
export const RESUMABLE_FIELDS: readonly string[] = ['train.steps', 'train.checkpointEvery', 'backend'];

/** The config without the fields a resume may change. */
function withoutResumable(config: unknown): unknown {
  if (typeof config !== 'object' || config === null) return config;
  const c = structuredClone(config) as Record<string, unknown>;
  for (const path of RESUMABLE_FIELDS) {
    const keys = path.split('.');
    let o: Record<string, unknown> | undefined = c;
    for (const k of keys.slice(0, -1)) o = typeof o?.[k] === 'object' && o[k] !== null ? (o[k] as Record<string, unknown>) : undefined;
    if (o) delete o[keys[keys.length - 1]];
  }
  return c;
}

/** A short hash of what determines a run's result: the config minus `RESUMABLE_FIELDS`. */
export function configHash(config: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(withoutResumable(config)))
    .digest('hex')
    .slice(0, 16);
}

/** Writes a text file atomically (temporary name, then rename). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function saveCheckpoint(dir: string, step: number, parts: CheckpointParts, config: unknown): CheckpointSidecar {
  mkdirSync(dir, { recursive: true });
  const base = `checkpoint-${step}`;
  const sidecar: CheckpointSidecar = {
    step,
    configHash: configHash(config),
    model: `${base}.safetensors`,
    optimizer: `${base}.optim.safetensors`,
    anchor: parts.anchor.name,
    savedAt: new Date().toISOString(),
  };
  const state = parts.model.stateDict();
  try {
    writeSafetensors(join(dir, sidecar.model), tensorsToEntries(state), { step: String(step) });
  } finally {
    for (const t of state.values()) t.dispose();
  }
  const optim = new Map<string, Tensor>(parts.optimizer.state());
  for (const [name, t] of parts.anchor.state()) optim.set(`anchor.${name}`, t);
  for (const [name, t] of parts.negatives?.state() ?? []) optim.set(`negatives.${name}`, t);
  writeSafetensors(join(dir, sidecar.optimizer), tensorsToEntries(optim), {
    step: String(step),
    optimizerSteps: String(parts.optimizer.stepCount),
  });
  writeFileAtomic(join(dir, `${base}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);
  return sidecar;
}

/** The newest complete checkpoint of `dir` (sidecar present and its files present), or null. */
export function latestCheckpoint(dir: string): CheckpointSidecar | null {
  if (!existsSync(dir)) return null;
  const sidecars = readdirSync(dir)
    .map((f) => /^checkpoint-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), file: m[0] }))
    .sort((a, b) => b.step - a.step);
  for (const { file } of sidecars) {
    const path = join(dir, file);
    if (!statSync(path).isFile()) continue;
    let sidecar: CheckpointSidecar;
    try {
      sidecar = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`${path}: not a valid checkpoint sidecar: ${(e as Error).message}`);
    }
    if (existsSync(join(dir, sidecar.model)) && existsSync(join(dir, sidecar.optimizer))) return sidecar;
  }
  return null;
}

/** Restores model, optimizer and anchor from a checkpoint; returns its step. Strict about names. */
export function loadCheckpoint(dir: string, sidecar: CheckpointSidecar, parts: CheckpointParts): number {
  const model = loadTensors(join(dir, sidecar.model));
  try {
    parts.model.loadStateDict(model.tensors, { source: join(dir, sidecar.model) });
  } finally {
    for (const t of model.tensors.values()) t.dispose();
  }
  const optim = loadTensors(join(dir, sidecar.optimizer));
  try {
    const anchor = new Map<string, Tensor>();
    const negatives = new Map<string, Tensor>();
    for (const [k, t] of optim.tensors) {
      if (k.startsWith('anchor.')) anchor.set(k.slice(7), t);
      else if (k.startsWith('negatives.')) negatives.set(k.slice(10), t);
    }
    parts.optimizer.loadState(optim.tensors, Number(optim.metadata.optimizerSteps));
    if (parts.anchor.name !== sidecar.anchor) {
      throw new Error(`${join(dir, sidecar.optimizer)}: saved with KL anchor '${sidecar.anchor}', resuming with '${parts.anchor.name}'`);
    }
    parts.anchor.loadState(anchor);
    parts.negatives?.loadState(negatives);
  } finally {
    for (const t of optim.tensors.values()) t.dispose();
  }
  return sidecar.step;
}
