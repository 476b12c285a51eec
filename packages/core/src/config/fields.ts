/**
 * The leaf fields of the config schema by dotted path (`grqo.alpha`, `data.train.options`, …): objects are
 * walked, everything else (numbers, enums, tuples, arrays, free-form option records) is one field. Docs and
 * the test that every field changes training are checked against this list.
 */
import type { z } from 'zod';
import { ConfigSchema } from './schema';

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
