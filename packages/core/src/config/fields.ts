/**
 * The leaf fields of the config schema by dotted path (`grqo.alpha`, `data.train.options`, …): objects are
 * walked, everything else (numbers, enums, tuples, arrays, free-form option records) is one field. Docs and
 * the test that every field changes training are checked against this list.
 */
import type { z } from 'zod';
import { ConfigSchema, type DinoR1Config } from './schema';

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

const def = (s: z.ZodType): Def => (s as unknown as { def: Def }).def;

function unwrap(s: z.ZodType): z.ZodType {
  let d = def(s);
  while (d.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly'].includes(d.type)) {
    s = d.innerType;
    d = def(s);
  }
  return s;
}

export function configFieldPaths(schema: z.ZodType = ConfigSchema, prefix = ''): string[] {
  const s = unwrap(schema);
  const d = def(s);
  if (d.type !== 'object') return [prefix];
  const shape = (s as unknown as { shape: Record<string, z.ZodType> }).shape;
  return Object.entries(shape).flatMap(([k, v]) => configFieldPaths(v, prefix ? `${prefix}.${k}` : k));
}

/** A field whose value differs between two configs. */
export interface ConfigDifference {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

function valueAt(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), config);
}

/** The leaf fields (by dotted path) whose values differ between `a` and `b`, except those in `ignore`. */
export function configDifferences(a: DinoR1Config, b: DinoR1Config, ignore: readonly string[] = []): ConfigDifference[] {
  return configFieldPaths()
    .filter((field) => !ignore.includes(field))
    .map((field) => ({ field, from: valueAt(a, field), to: valueAt(b, field) }))
    .filter((d) => JSON.stringify(d.from) !== JSON.stringify(d.to));
}
