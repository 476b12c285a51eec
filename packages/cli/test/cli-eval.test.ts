/** `dino-r1 eval coco|lvis --json` prints the documented JSON, equal to the official tools on every reference case. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(__dirname, '../dist/cli/main.js');
const FIXTURES = resolve(__dirname, '../../../../shared/fixtures');

function cases(kind: string): string[] {
  const dir = join(FIXTURES, kind);
  if (!existsSync(dir)) throw new Error(`missing ${dir}: the tests need ../shared beside the repository`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(dir, d.name));
}

function run(kind: 'coco' | 'lvis', dir: string): Record<string, unknown> {
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const params = join(mkdtempSync(join(tmpdir(), 'dino-r1-cli-')), 'params.json');
  writeFileSync(params, JSON.stringify(expected.params));
  const out = execFileSync('node', [CLI, 'eval', kind, '--gt', join(dir, 'gt.json'), '--dt', join(dir, 'dt.json'), '--params', params, '--json'], {
    encoding: 'utf8',
  });
  const lines = out.trim().split('\n');
  expect(lines).toHaveLength(1); // one JSON object on stdout, nothing else
  return { got: JSON.parse(lines[0]), expected };
}

describe('dino-r1 eval', () => {
  it.each(cases('coco-eval'))('coco %s', (dir) => {
    const { got, expected } = run('coco', dir) as { got: { stats: number[] }; expected: { stats: number[] } };
    expect(got.stats).toHaveLength(12);
    got.stats.forEach((s, i) => expect(Math.abs(s - expected.stats[i])).toBeLessThanOrEqual(1e-9));
  });

  it.each(cases('lvis-eval'))('lvis %s', (dir) => {
    const { got, expected } = run('lvis', dir) as { got: { results: Record<string, number> }; expected: { results: Record<string, number> } };
    expect(Object.keys(got.results)).toEqual(Object.keys(expected.results));
    for (const [k, v] of Object.entries(expected.results)) expect(Math.abs(got.results[k] - v)).toBeLessThanOrEqual(1e-9);
  });

  it('names the file, record and field of bad input and exits non-zero', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-cli-bad-'));
    writeFileSync(
      join(dir, 'dt.json'),
      JSON.stringify([
        { image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 },
        { image_id: 1, category_id: 1, bbox: [0, 0, 1], score: 0.5 },
      ]),
    );
    const r = spawnSync('node', [CLI, 'eval', 'coco', '--gt', join(FIXTURES, 'coco-eval', 'tiny', 'gt.json'), '--dt', join(dir, 'dt.json')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'dt.json')}: [1].bbox: must be [x, y, w, h] of 4 finite numbers`);
  });
});
