/**
 * Reading and validating evaluation inputs. Every error names the file, the record and the field
 * (`gt.json: annotations[12].bbox: …`).
 */
import { readFileSync } from 'node:fs';

export class EvalInputError extends Error {
  constructor(
    readonly source: string,
    readonly record: string,
    message: string,
  ) {
    super(`${source}: ${record ? `${record}: ` : ''}${message}`);
    this.name = 'EvalInputError';
  }
}

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EvalInputError(path, '', `cannot read file: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EvalInputError(path, '', `not valid JSON: ${(e as Error).message}`);
  }
}

/** Field readers that throw `EvalInputError` naming `source` and `record`. */
export class RecordReader {
  constructor(
    readonly source: string,
    readonly record: string,
    private readonly obj: Record<string, unknown>,
  ) {}

  static of(source: string, record: string, value: unknown): RecordReader {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new EvalInputError(source, record, 'must be an object');
    }
    return new RecordReader(source, record, value as Record<string, unknown>);
  }

  has(field: string): boolean {
    return this.obj[field] !== undefined;
  }

  fail(field: string, message: string): never {
    throw new EvalInputError(this.source, this.record ? `${this.record}.${field}` : field, message);
  }

  number(field: string, fallback?: number): number {
    const v = this.obj[field];
    if (v === undefined && fallback !== undefined) return fallback;
    if (v === undefined) this.fail(field, 'missing');
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `must be a finite number (got ${JSON.stringify(v)})`);
    return v;
  }

  id(field: string): number {
    const v = this.number(field);
    if (!Number.isInteger(v)) this.fail(field, `must be an integer id (got ${v})`);
    return v;
  }

  string(field: string, fallback?: string): string {
    const v = this.obj[field];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string') this.fail(field, `must be a string (got ${JSON.stringify(v)})`);
    return v;
  }

  boolish(field: string): boolean {
    const v = this.obj[field];
    if (v === undefined || v === null) return false;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    this.fail(field, `must be 0/1 or a boolean (got ${JSON.stringify(v)})`);
  }

  ids(field: string): number[] {
    const v = this.obj[field];
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) this.fail(field, 'must be an array of integer ids');
    return v as number[];
  }

  /** `[x, y, w, h]`, finite, `w, h >= 0` (zero-size boxes are kept, as pycocotools does). */
  bbox(field = 'bbox'): [number, number, number, number] {
    const v = this.obj[field];
    if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      this.fail(field, `must be [x, y, w, h] of 4 finite numbers (got ${JSON.stringify(v)})`);
    }
    if (v[2] < 0 || v[3] < 0) this.fail(field, `width and height must be >= 0 (got ${JSON.stringify(v)})`);
    return v as [number, number, number, number];
  }
}

export function arrayField(source: string, root: unknown, field: string): unknown[] {
  const r = RecordReader.of(source, '', root);
  const v = (root as Record<string, unknown>)[field];
  if (!Array.isArray(v)) r.fail(field, 'must be an array');
  return v as unknown[];
}
