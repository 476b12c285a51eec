/** Small helpers shared by the commands: required options, numbers, config from a file or a preset. */
import { loadConfigFile, parseConfig, type DinoR1Config, type DinoR1ConfigInput } from '@dino-r1/core';
import { RUN_PRESETS } from '../pipeline/presets';

export class UsageError extends Error {}

export function required(values: Record<string, unknown>, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new UsageError(`--${name} is required\n\n${usage}`);
  return v;
}

export function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${value}'`);
  return n;
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
