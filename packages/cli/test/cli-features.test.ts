/** `dino-r1 features` reproduces the DINOv2 fixtures end to end (files in, files out) and decodes images. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSafetensors } from '@dino-r1/core';

const CLI = resolve(__dirname, '../dist/cli/main.js');
const SHARED = resolve(__dirname, '../../../../shared');
const DINO = join(SHARED, 'fixtures', 'dinov2');

function need(path: string): string {
  if (!existsSync(path)) throw new Error(`missing ${path}: the tests need ../shared beside the repository`);
  return path;
}

describe('dino-r1 features', () => {
  it.each(['vit_tiny_56', 'vit_reg4_70x84'])('%s: every output equals the official model (atol 1e-4, rtol 1e-4)', (name) => {
    const out = join(mkdtempSync(join(tmpdir(), 'dino-r1-feat-')), 'out.safetensors');
    const io = readSafetensors(need(join(DINO, `${name}.io.safetensors`)));
    const layers: number[] = JSON.parse(io.metadata.intermediate_layers);
    execFileSync(
      'node',
      [
        CLI,
        'features',
        '--weights',
        join(DINO, `${name}.weights.safetensors`),
        '--input',
        join(DINO, `${name}.io.safetensors`),
        '--out',
        out,
        '--layers',
        layers.join(','),
        '--backend',
        'wasm',
      ],
      { stdio: 'pipe' },
    );
    const got = readSafetensors(out).tensors;
    const keys = [...io.tensors.keys()].filter((k) => k !== 'image');
    expect([...got.keys()].sort()).toEqual(keys.sort());
    for (const k of keys) {
      const g = got.get(k)!;
      const e = io.tensors.get(k)!;
      expect(g.shape).toEqual(e.shape);
      e.data.forEach((v, i) => {
        if (!(Math.abs(g.data[i] - v) <= 1e-4 + 1e-4 * Math.abs(v))) throw new Error(`${k}[${i}]: got ${g.data[i]}, expected ${v}`);
      });
    }
  });

  it('decodes image files with sharp, resizes to the patch grid and normalises', () => {
    const dir = need(join(SHARED, 'data', 'odinw', 'Packages', 'test'));
    const img = join(dir, readdirSync(dir).find((f) => f.endsWith('.jpg'))!);
    const out = join(mkdtempSync(join(tmpdir(), 'dino-r1-feat-')), 'img.safetensors');
    execFileSync('node', [CLI, 'features', '--weights', join(DINO, 'vit_tiny_56.weights.safetensors'), '--input', img, '--out', out, '--layers', '1'], {
      stdio: 'pipe',
    });
    const { tensors, metadata } = readSafetensors(out);
    const [h, w] = JSON.parse(metadata.grid);
    expect(tensors.get('x_norm_patchtokens')!.shape).toEqual([1, h * w, 64]);
    expect(tensors.get('intermediate.1')!.shape).toEqual([1, 64, h, w]);
    expect(tensors.get('x_norm_clstoken')!.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('names what is wrong', () => {
    const r = spawnSync(
      'node',
      [CLI, 'features', '--weights', join(DINO, 'vit_tiny_56.weights.safetensors'), '--input', '/nonexistent.jpg', '--out', '/tmp/x.safetensors'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/nonexistent.jpg: cannot decode image');
    const bad = spawnSync(
      'node',
      [
        CLI,
        'features',
        '--weights',
        join(DINO, 'vit_tiny_56.weights.safetensors'),
        '--input',
        join(DINO, 'vit_tiny_56.io.safetensors'),
        '--out',
        '/tmp/x.safetensors',
        '--layers',
        '7',
      ],
      { encoding: 'utf8' },
    );
    expect(bad.stderr).toContain('--layers: block indices must be in 0..1');
  });
});
