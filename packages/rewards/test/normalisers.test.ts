import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createContainer, initBackend, loadTensors, silentLogger, tf, TOKENS, type AdvantageNormaliser } from '@dino-r1/core';
import { BatchNormaliser, GroupNormaliser, NoNormaliser, RankNormaliser, rewardsPlugin } from '../src';

function fixture(name: string) {
  const path = resolve(__dirname, '../../../../shared/fixtures/grqo', `${name}.safetensors`);
  if (!existsSync(path)) throw new Error(`missing fixture ${path}: the tests need ../shared beside the repository`);
  return loadTensors(path).tensors;
}

/** Host float64 reference: (r - mean) / (unbiased std + 1e-6). */
function hostGroup(r: number[]): number[] {
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1));
  return r.map((x) => (x - m) / (sd + 1e-6));
}

describe('advantage normalisers', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('the config picks the group normaliser by default', () => {
    const c = createContainer({}, [rewardsPlugin], { logger: silentLogger });
    expect(c.get<AdvantageNormaliser>(TOKENS.ActiveAdvantageNormaliser)).toBeInstanceOf(GroupNormaliser);
  });

  it('group normalisation + muting reproduces the advantages of the official GRQO fixtures', () => {
    for (const name of ['paper_small', 'paper_nogt_image']) {
      const f = fixture(name);
      const rewards = f.get('expected.rewards')!; // [L,B,Q]
      const [, B, Q] = rewards.shape;
      const hasTargets = Array.from({ length: B }, (_, b) => f.get(`gt.${b}.boxes`)!.shape[0] > 0);
      const adv = new GroupNormaliser().normalise(rewards, hasTargets).arraySync() as number[][][];
      const expected = f.get('expected.advantages')!.arraySync() as number[][][];
      const muted = Math.floor(Q / 3);
      for (let l = 0; l < expected.length; l++)
        for (let b = 0; b < B; b++)
          for (let q = 0; q < Q; q++) {
            const got = q >= Q - muted ? 0 : adv[l][b][q];
            const e = expected[l][b][q];
            expect(Math.abs(got - e)).toBeLessThanOrEqual(1e-5 + 1e-3 * Math.abs(e));
          }
    }
  });

  it('batch, none and rank follow their definitions; images without GT get 0', () => {
    const r = [
      [
        [1, 2, 3, 4],
        [5, 5, 0, 9],
        [7, 1, 1, 2],
      ],
    ];
    const t = tf.tensor3d(r);
    const has = [true, false, true];
    const batch = new BatchNormaliser().normalise(t, has).arraySync() as number[][][];
    const pooled = hostGroup([...r[0][0], ...r[0][2]]);
    expect(batch[0][0].map((x, i) => x - pooled[i]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    expect(batch[0][2].map((x, i) => x - pooled[4 + i]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    expect(batch[0][1]).toEqual([0, 0, 0, 0]);
    expect(new NoNormaliser().normalise(t, has).arraySync()).toEqual([
      [
        [1, 2, 3, 4],
        [0, 0, 0, 0],
        [7, 1, 1, 2],
      ],
    ]);
    const rank = new RankNormaliser().normalise(t, has).arraySync() as number[][][];
    expect(rank[0][0]).toEqual([-1, -1 / 3, 1 / 3, 1].map((x) => Math.fround(x)));
    // ties share their mean rank: [7,1,1,2] → ranks [3, 0.5, 0.5, 2] → 2·rank/3 − 1
    expect(rank[0][2].map((x) => +x.toFixed(6))).toEqual([1, -2 / 3, -2 / 3, 1 / 3].map((x) => +x.toFixed(6)));
    expect(rank[0][1]).toEqual([0, 0, 0, 0]);
    const group = new GroupNormaliser().normalise(t, has).arraySync() as number[][][];
    hostGroup(r[0][2]).forEach((e, i) => expect(group[0][2][i]).toBeCloseTo(e, 5));
  });
});
