/** Locates `../shared` (beside the repository) for tests; fails loudly when it is missing. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_DIR = resolve(__dirname, '../../../../shared');

export function sharedPath(...parts: string[]): string {
  const p = join(SHARED_DIR, ...parts);
  if (!existsSync(p)) {
    throw new Error(`required test data ${p} is missing: these tests need ../shared beside the repository`);
  }
  return p;
}
