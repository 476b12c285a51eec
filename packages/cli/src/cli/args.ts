/** Small helpers shared by the commands: required options, numbers, config from a file or a preset. */
import { loadConfigFile, parseConfig, type DinoR1Config, type DinoR1ConfigInput } from '@dino-r1/core';
import { resolve } from 'node:path';
import type { Plugin } from '@dino-r1/core';
import { loadPluginFiles } from '../pipeline/plugin-files';
import { RUN_PRESETS } from '../pipeline/presets';

export class UsageError extends Error {}

export function required(values: Record<string, unknown>, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new UsageError(`--${name} is required\n\n${usage}`);
  return v;
}

export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** A numeric flag: undefined when absent; NaN, non-integers (when asked) and values out of [min, max] are usage errors. */
export function number(value: string | undefined, name: string, bounds: NumberBounds = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  const { min, max } = bounds;
  const kind = bounds.integer ? 'an integer' : 'a number';
  const range = min !== undefined && max !== undefined ? ` in [${min}, ${max}]` : min !== undefined ? ` ≥ ${min}` : max !== undefined ? ` ≤ ${max}` : '';
  if (!Number.isFinite(n) || (bounds.integer && !Number.isInteger(n)) || (min !== undefined && n < min) || (max !== undefined && n > max))
    throw new UsageError(`--${name} must be ${kind}${range}, got '${value}'`);
  return n;
}

/** A non-negative integer flag. */
export function integer(value: string | undefined, name: string, min = 0): number | undefined {
  return number(value, name, { integer: true, min });
}

/** The options every command that builds a model takes: `--plugin FILE` (repeatable) and `--backend NAME`. */
export const MODEL_OPTIONS = {
  plugin: { type: 'string', multiple: true },
  backend: { type: 'string' },
} as const;

export const MODEL_OPTIONS_USAGE = `  --plugin FILE     load a plugin module (.js, .cjs, .mjs, .ts) exporting definePlugin(...) or a list
                    of them; repeatable; paths relative to the working directory
  --backend NAME    auto, tfjs-node-gpu, tfjs-node, wasm, cpu (over DINO_R1_BACKEND over the config's backend)
`;

/** The config with `--plugin` files added to its `plugins` (absolute paths, so `config.json` works from anywhere). */
export function withPluginFiles(c: DinoR1ConfigInput, files: readonly string[] | undefined): DinoR1ConfigInput {
  const known = c.plugins ?? [];
  const added = (files ?? []).map((f) => resolve(f)).filter((f) => !known.includes(f));
  return { ...c, plugins: [...known, ...added] };
}

/** The plugins named by `--plugin` flags, loaded relative to the working directory. */
export async function pluginsOf(values: { plugin?: string[] }): Promise<Plugin[]> {
  return loadPluginFiles(values.plugin ?? [], process.cwd());
}

/** `--config FILE` or `--preset NAME` (default `demo`), with command-line overrides merged on top. */
export function configFrom(values: { config?: string; preset?: string }, overrides: (c: DinoR1ConfigInput) => DinoR1ConfigInput): DinoR1Config {
  if (values.config && values.preset) throw new UsageError('give --config or --preset, not both');
  let base: DinoR1ConfigInput;
  if (values.config) base = loadConfigFile(values.config) as DinoR1ConfigInput;
  else {
    const name = values.preset ?? 'demo';
    const preset = RUN_PRESETS[name];
    if (!preset) throw new UsageError(`unknown preset '${name}'; known: ${Object.keys(RUN_PRESETS).join(', ')}`);
    base = structuredClone(preset);
  }
  return parseConfig(overrides(base));
}
