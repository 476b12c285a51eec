import { initBackend, silentLogger, tf } from '@dino-r1/core';
import { ChannelMapper, GroupNorm, sinePositionEncoding } from '../src';

describe('sine position encoding', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('equals a host float64 computation of mmdetection SinePositionalEncoding, padding included', () => {
    // 1 image 3×4 whose last column and row are padding
    const mask = [
      [0, 0, 0, 1],
      [0, 0, 0, 1],
      [1, 1, 1, 1],
    ];
    const F = 6;
    const T = 20;
    const got = sinePositionEncoding(tf.tensor3d([mask]), { numFeats: F, temperature: T }).arraySync() as number[][][][];
    const H = 3,
      W = 4,
      scale = 2 * Math.PI,
      eps = 1e-6;
    const cum = (axis: 'y' | 'x', i: number, j: number) => {
      let s = 0;
      if (axis === 'y') for (let k = 0; k <= i; k++) s += 1 - mask[k][j];
      else for (let k = 0; k <= j; k++) s += 1 - mask[i][k];
      return s;
    };
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const y = (cum('y', i, j) / (cum('y', H - 1, j) + eps)) * scale;
        const x = (cum('x', i, j) / (cum('x', i, W - 1) + eps)) * scale;
        for (let c = 0; c < 2 * F; c++) {
          const v = c < F ? y : x;
          const k = c % F;
          const d = T ** ((2 * Math.floor(k / 2)) / F);
          const want = k % 2 === 0 ? Math.sin(v / d) : Math.cos(v / d);
          expect(got[0][i][j][c]).toBeCloseTo(want, 5);
        }
      }
  });
});

describe('channel mapper neck', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('GroupNorm normalises over (H, W, C/groups) per sample and group', () => {
    const gn = new GroupNorm(2, 4);
    const x = tf.randomNormal([2, 3, 3, 4], 3, 2, 'float32', 1);
    const y = gn.forward(x).arraySync() as number[][][][];
    for (let b = 0; b < 2; b++)
      for (const [c0, c1] of [
        [0, 2],
        [2, 4],
      ]) {
        const vals = y[b].flat().flatMap((px) => px.slice(c0, c1));
        const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
        const variance = vals.reduce((s, v) => s + (v - mean) ** 2, 0) / vals.length;
        expect(mean).toBeCloseTo(0, 5);
        expect(variance).toBeCloseTo(1, 3);
      }
  });

  it('maps every level to d channels, adds an extra level, with mmdetection names', () => {
    const neck = new ChannelMapper([8, 16, 32], 32, 1, 8);
    const levels = [tf.randomNormal([1, 16, 16, 8]), tf.randomNormal([1, 8, 8, 16]), tf.randomNormal([1, 4, 4, 32])];
    expect(neck.forward(levels).map((t) => t.shape)).toEqual([
      [1, 16, 16, 32],
      [1, 8, 8, 32],
      [1, 4, 4, 32],
      [1, 2, 2, 32],
    ]);
    expect([...neck.stateDictShapes().keys()]).toEqual(
      expect.arrayContaining(['convs.0.conv.weight', 'convs.2.gn.bias', 'extra_convs.0.conv.weight', 'extra_convs.0.gn.weight']),
    );
    expect(neck.stateDictShapes().get('convs.1.conv.weight')!.shape).toEqual([32, 16, 1, 1]); // OIHW
  });
});
