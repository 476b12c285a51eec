import { readFileSync } from 'node:fs';
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

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path === '(root)' ? k : `${path}.${k}`));
    return `${keys.join(', ')}: unknown field`;
  }
  return `${path}: ${issue.message}`;
}

/** Validates a plain object (e.g. parsed JSON) and fills in defaults. `source` names it in errors. */
export function parseConfig(input: unknown, source = 'config'): DinoR1Config {
  const result = ConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
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
  return parseConfig(json, path);
}
