/**
 * Validation of annotation files: every problem names the file, the record (`annotations[12]`, `line 7`)
 * and the field, so a broken dataset is fixed in one look.
 */
import { readFileSync } from 'node:fs';

export class DatasetFormatError extends Error {
  constructor(
    readonly file: string,
    readonly record: string | null,
    readonly field: string | null,
    detail: string,
  ) {
    super(`${file}${record ? `: ${record}` : ''}${field ? `, field '${field}'` : ''}: ${detail}`);
    this.name = 'DatasetFormatError';
  }
}

export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DatasetFormatError(file, null, null, `cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DatasetFormatError(file, null, null, `not valid JSON (truncated or corrupt?): ${(e as Error).message}`);
  }
}

/** Typed access to one record's fields, failing with file/record/field. */
export class Fields {
  constructor(
    readonly file: string,
    readonly record: string,
    readonly value: unknown,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(null, `must be an object, got ${JSON.stringify(value)?.slice(0, 60)}`);
  }
  fail(field: string | null, detail: string): never {
    throw new DatasetFormatError(this.file, this.record, field, detail);
  }
  private get(field: string): unknown {
    return (this.value as Record<string, unknown>)[field];
  }
  has(field: string): boolean {
    return this.get(field) !== undefined && this.get(field) !== null;
  }
  number(field: string, check?: (v: number) => string | null): number {
    const v = this.get(field);
    if (v === undefined) this.fail(field, 'missing');
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `must be a finite number, got ${JSON.stringify(v)}`);
    const problem = check?.(v);
    if (problem) this.fail(field, problem);
    return v;
  }
  integer(field: string): number {
    return this.number(field, (v) => (Number.isInteger(v) ? null : `must be an integer, got ${v}`));
  }
  positive(field: string): number {
    return this.number(field, (v) => (v > 0 ? null : `must be > 0, got ${v}`));
  }
  string(field: string): string {
    const v = this.get(field);
    if (v === undefined) this.fail(field, 'missing');
    if (typeof v !== 'string') this.fail(field, `must be a string, got ${JSON.stringify(v)}`);
    return v;
  }
  numbers(field: string, length?: number): number[] {
    const v = this.get(field);
    if (v === undefined) this.fail(field, 'missing');
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
      this.fail(field, `must be a list of finite numbers, got ${JSON.stringify(v)?.slice(0, 60)}`);
    if (length !== undefined && v.length !== length) this.fail(field, `must have ${length} numbers, got ${v.length}`);
    return v as number[];
  }
  optionalIntegers(field: string): number[] | undefined {
    if (!this.has(field)) return undefined;
    const v = this.numbers(field);
    if (v.some((x) => !Number.isInteger(x))) this.fail(field, 'must be a list of integers');
    return v;
  }
  object(field: string): Fields {
    return new Fields(this.file, `${this.record}.${field}`, this.get(field));
  }
  raw(field: string): unknown {
    return this.get(field);
  }
}

export function arrayOf(file: string, root: unknown, field: string): unknown[] {
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new DatasetFormatError(file, null, null, 'top level must be a JSON object');
  const v = (root as Record<string, unknown>)[field];
  if (v === undefined) throw new DatasetFormatError(file, null, field, 'missing');
  if (!Array.isArray(v)) throw new DatasetFormatError(file, null, field, 'must be a list');
  return v;
}

/** A box `[x, y, w, h]` must have positive size and lie inside its image (1 px tolerance for rounding). */
export function checkBoxInside(f: Fields, field: string, [x, y, w, h]: readonly number[], width: number, height: number): void {
  if (!(w > 0 && h > 0)) f.fail(field, `box [${x}, ${y}, ${w}, ${h}] has non-positive size`);
  if (x < -1 || y < -1 || x + w > width + 1 || y + h > height + 1) f.fail(field, `box [${x}, ${y}, ${w}, ${h}] lies outside its ${width}×${height} image`);
}
