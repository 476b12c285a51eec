import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { initBackend, loadTensors, silentLogger } from '@dino-r1/core';
import { interpolatePosEncoding } from '../src/pos-embed';

const PATH = resolve(__dirname, '../../../../shared/fixtures/dinov2/pos_embed_interp.safetensors');

describe('interpolate_pos_encoding', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('matches the official float32 results for every flag combination and grid (atol 1e-5)', () => {
    if (!existsSync(PATH)) throw new Error(`missing fixture ${PATH}: the tests need ../shared beside the repository`);
    const { tensors, metadata } = loadTensors(PATH);
    const keys: string[] = JSON.parse(metadata.keys);
    expect(keys.length).toBeGreaterThanOrEqual(16);
    for (const key of keys) {
      const m = /^interp\.aa([01])_off([\d.]+)\.(\d+)x(\d+)$/.exec(key)!;
      const [gh, gw] = [Number(m[3]), Number(m[4])];
      const got = interpolatePosEncoding(tensors.get('pos_embed')!, gh * 14, gw * 14, 14, { antialias: m[1] === '1', offset: Number(m[2]) });
      const exp = tensors.get(key)!;
      expect(got.shape).toEqual(exp.shape);
      const g = got.dataSync();
      const e = exp.dataSync();
      for (let i = 0; i < e.length; i++) {
        if (!(Math.abs(g[i] - e[i]) <= 1e-5)) throw new Error(`${key}[${i}]: got ${g[i]}, expected ${e[i]}`);
      }
    }
  });
});
