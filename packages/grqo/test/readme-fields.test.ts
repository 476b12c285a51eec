/**
 * The README's table of config fields is complete and honest: one row per schema field (no more, no
 * fewer), every row names the field-effect test, and every test file it names exists and contains the test
 * titles it quotes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFieldPaths } from '@dino-r1/core';

const ROOT = resolve(__dirname, '../../..');
const README = resolve(__dirname, '../README.md');

function rows(): Array<{ field: string; tests: string }> {
  return readFileSync(README, 'utf8')
    .split('\n')
    .map((l) => /^\| `([\w.]+)` \| .* \| ([^|]+) \|$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ field: m[1], tests: m[2] }));
}

describe('packages/grqo/README.md: config fields and their tests', () => {
  it('has exactly one row per schema field', () => {
    const fields = rows().map((r) => r.field);
    expect(fields).toEqual(configFieldPaths());
  });

  it('every row names the field-effect test; every named file exists and holds the quoted test titles', () => {
    for (const { field, tests } of rows()) {
      expect([field, tests.includes('`packages/cli/test/config-fields.test.ts`')]).toEqual([field, true]);
      for (const ref of tests.split(';').map((t) => t.trim())) {
        const m = /^`([^`]+)`(?: "(.+)")?$/.exec(ref);
        if (!m) throw new Error(`README row ${field}: cannot read test reference '${ref}' (expected \`path\` or \`path\` "title")`);
        const file = resolve(ROOT, m[1]);
        if (!existsSync(file)) throw new Error(`README row ${field}: ${m[1]} does not exist`);
        if (m[2] && !readFileSync(file, 'utf8').includes(m[2])) throw new Error(`README row ${field}: ${m[1]} has no test titled "${m[2]}…"`);
      }
    }
  });
});
