/** The official-tool reference cases of `../shared/fixtures/{coco,lvis}-eval`. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(__dirname, '../../../../shared/fixtures');

export function caseDirs(kind: 'coco-eval' | 'lvis-eval'): string[] {
  const dir = join(FIXTURES, kind);
  if (!existsSync(dir)) throw new Error(`missing ${dir}: the tests need ../shared beside the repository`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(dir, d.name));
}

export function expected(dir: string): {
  params: Record<string, unknown>;
  stats?: number[];
  results?: Record<string, number>;
  per_category_ap: Record<string, number>;
} {
  return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
}

/** Every number within 1e-9 absolute (−1 included), with a message naming the entry. */
export function expectParity(got: number, want: number, what: string): void {
  if (!(Math.abs(got - want) <= 1e-9)) throw new Error(`${what}: got ${got}, expected ${want} (|Δ| = ${Math.abs(got - want)})`);
}
