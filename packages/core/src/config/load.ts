import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigSchema, type DinoR1Config } from './schema';

/** A configuration that failed validation; `issues` name each bad field by its dotted path. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid config (${source}):\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue, prefix = ''): string {
  const parts = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
  const path = parts.length ? parts.join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path === '(root)' ? k : `${path}.${k}`));
    return `${keys.join(', ')}: unknown field`;
  }
  return `${path}: ${issue.message}`;
}

/** Validates a plain object (e.g. parsed JSON) and fills in defaults. `source` names it in errors. */
export function parseConfig(input: unknown, source = 'config'): DinoR1Config {
  const result = ConfigSchema.safeParse(input ?? {});
  if (!result.success)
    throw new ConfigError(
      source,
      result.error.issues.map((i) => describeIssue(i)),
    );
  return result.data;
}

/** Reads and validates a JSON config file; errors name the file. */
export function loadConfigFile(path: string): DinoR1Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [`cannot read file: ${(e as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [`not valid JSON: ${(e as Error).message}`]);
  }
  const config = parseConfig(json, path);
  // file paths are relative to the config file, so a config keeps working from any working directory
  const near = (p: string) => (isAbsolute(p) ? p : resolve(dirname(path), p));
  const nearOrNull = (p: string | null) => (p === null ? null : near(p));
  return {
    ...config,
    plugins: config.plugins.map(near),
    model: { ...config.model, backboneWeights: nearOrNull(config.model.backboneWeights), initFrom: nearOrNull(config.model.initFrom) },
  };
}

/**
 * Validates a free-form options record of the config (`model.options`, a reader's `options`, …) with a
 * plugin's own zod schema; errors are `ConfigError`s whose messages name the field by its full path
 * (`model.options.weights: unknown field`).
 */
export function parseConfigOptions<S extends z.ZodType>(schema: S, value: unknown, field: string, source = 'config'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success)
    throw new ConfigError(
      source,
      result.error.issues.map((i) => describeIssue(i, field)),
    );
  return result.data;
}
