import { initBackend, silentLogger, tf } from '@dino-r1/core';
import { BoxHead, ContrastiveClassHead, encoderProposals, flattenLevels, QuerySelection } from '../src';

const d = 16;

function memory(seed: number) {
  // 8×8 and 4×4 levels of an image whose bottom quarter is padding
  const mask = tf.tensor3d([Array.from({ length: 16 }, (_, i) => Array.from({ length: 16 }, () => (i >= 12 ? 1 : 0)))]);
  const levels = [tf.randomNormal([1, 8, 8, d], 0, 1, 'float32', seed), tf.randomNormal([1, 4, 4, d], 0, 1, 'float32', seed + 1)];
  return flattenLevels(levels, mask, tf.zeros([2, d]), { numFeats: d / 2 });
}

describe('query selection', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('proposes pixel-centre boxes of size 0.05·2^level on the valid extent; padding and border tokens are invalid', () => {
    const mem = memory(1);
    const { proposals, valid } = encoderProposals(mem);
    const p = tf.sigmoid(proposals).arraySync() as number[][][];
    // token (row 2, col 3) of level 0: x = 3.5/8, y = 2.5/6 (6 real rows of 8), w = h = 0.05
    [3.5 / 8, 2.5 / 6, 0.05, 0.05].forEach((v, i) => expect(p[0][2 * 8 + 3][i]).toBeCloseTo(v, 5));
    [1.5 / 4, 0.5 / 3, 0.1, 0.1].forEach((v, i) => expect(p[0][64 + 1][i]).toBeCloseTo(v, 5));
    const v = valid.arraySync() as boolean[][] | number[][];
    expect(v[0][7 * 8 + 0]).toBeFalsy(); // a padding row
    expect(v[0][2 * 8 + 3]).toBeTruthy();
  });

  it('selects the top-Q valid tokens by objectness, in order, never padding', () => {
    const mem = memory(2);
    const qs = new QuerySelection(d, 10);
    const prompts = tf.randomNormal([1, 3, d], 0, 1, 'float32', 3);
    const sel = qs.forward(mem.memory, mem, prompts, tf.tensor2d([[0, 0, 1]]), new ContrastiveClassHead(d), new BoxHead(d));
    const logits = sel.selectionLogits.arraySync() as number[][];
    for (let i = 1; i < 10; i++) expect(logits[0][i]).toBeLessThanOrEqual(logits[0][i - 1]);
    const pad = mem.paddingMask.arraySync() as number[][];
    (sel.selectedIndices.arraySync() as number[][])[0].forEach((t) => expect(pad[0][t]).toBe(0));
    // objectness = max over the real prompts of the selected proposals' logits
    const pl = sel.proposalLogits.arraySync() as number[][][];
    pl[0].forEach((row, q) => expect(Math.max(row[0], row[1])).toBeCloseTo(logits[0][q], 5));
    expect(sel.proposalBoxes.shape).toEqual([1, 10, 4]);
  });

  it('the policy logits carry gradient to the selection layers; tensors stay flat', () => {
    const mem = memory(4);
    const qs = new QuerySelection(d, 6);
    const cls = new ContrastiveClassHead(d);
    const box = new BoxHead(d);
    const prompts = tf.randomNormal([1, 2, d], 0, 1, 'float32', 5);
    const vars = [...qs.namedParameters().values(), cls.bias];
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const s = qs.forward(mem.memory, mem, prompts, null, cls, box);
        return tf.add(tf.sum(s.selectionLogits), tf.sum(s.proposalBoxes)) as tf.Scalar;
      }, vars);
      const ok = vars.every((v) => grads[v.name] && tf.tidy(() => tf.all(tf.isFinite(grads[v.name])).arraySync()) === 1);
      tf.dispose([value, ...Object.values(grads)]);
      return ok;
    };
    expect(step()).toBe(true);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
