import { initBackend, silentLogger, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { AdamW, clipByGlobalNorm, learningRate } from '../src';

/** torch.optim.AdamW for one scalar parameter, float64, written from the PyTorch docs' algorithm. */
function torchAdamW(p0: number, grads: number[], lrs: number[], b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01): number {
  let p = p0;
  let m = 0;
  let v = 0;
  grads.forEach((g, i) => {
    const t = i + 1;
    p *= 1 - lrs[i] * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const mHat = m / (1 - b1 ** t);
    const vHat = v / (1 - b2 ** t);
    p -= (lrs[i] * mHat) / (Math.sqrt(vHat) + eps);
  });
  return p;
}

describe('optimisation', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('AdamW releases every tensor it made when disposed (the moments, and the zeros they start from)', () => {
    const a = tf.variable(tf.ones([3, 4]));
    const before = tf.memory().numTensors;
    const opt = new AdamW(new Map([['a', a]]), new Map(), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    expect(tf.memory().numTensors - before).toBe(2);
    opt.step(new Map([['a', tf.onesLike(a)]]), 1e-3);
    opt.dispose();
    expect(tf.memory().numTensors - before).toBe(1); // the gradient the test made
  });

  it('AdamW follows torch.optim.AdamW, with per-parameter lr multipliers', () => {
    const a = tf.variable(tf.tensor1d([0.5, -1.5]));
    const b = tf.variable(tf.tensor1d([2.0]));
    const opt = new AdamW(
      new Map([
        ['a', a],
        ['b', b],
      ]),
      new Map([
        ['a', 1],
        ['b', 0.1],
      ]),
      { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 },
    );
    const gA = [
      [0.3, -0.2],
      [0.1, 0.4],
      [-0.5, 0.05],
    ];
    const gB = [[1.0], [-2.0], [0.5]];
    const lrs = [1e-2, 5e-3, 2e-3];
    for (let s = 0; s < 3; s++) {
      const grads = new Map<string, Tensor>([
        ['a', tf.tensor1d(gA[s])],
        ['b', tf.tensor1d(gB[s])],
      ]);
      opt.step(grads, lrs[s]);
    }
    const av = a.dataSync();
    expect(av[0]).toBeCloseTo(
      torchAdamW(
        0.5,
        gA.map((g) => g[0]),
        lrs,
      ),
      6,
    );
    expect(av[1]).toBeCloseTo(
      torchAdamW(
        -1.5,
        gA.map((g) => g[1]),
        lrs,
      ),
      6,
    );
    expect(b.dataSync()[0]).toBeCloseTo(
      torchAdamW(
        2.0,
        gB.map((g) => g[0]),
        lrs.map((l) => l * 0.1),
      ),
      6,
    );
    expect(opt.stepCount).toBe(3);
    expect([...opt.state().keys()]).toEqual(['state.a.exp_avg', 'state.a.exp_avg_sq', 'state.b.exp_avg', 'state.b.exp_avg_sq']);
  });

  it('clips by global norm like clip_grad_norm_', () => {
    const grads = new Map<string, Tensor>([
      ['x', tf.tensor1d([3, 0])],
      ['y', tf.tensor1d([4])],
    ]);
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 6);
    const coef = 1 / (5 + 1e-6);
    expect(clipped.get('x')!.dataSync()[0]).toBeCloseTo(3 * coef, 6);
    expect(clipped.get('y')!.dataSync()[0]).toBeCloseTo(4 * coef, 6);
    const loose = clipByGlobalNorm(grads, 10);
    expect([...loose.grads.get('y')!.dataSync()]).toEqual([4]);
    expect([...clipByGlobalNorm(grads, 0).grads.get('x')!.dataSync()]).toEqual([3, 0]); // 0 disables
  });

  it('warms up linearly, then decays in steps', () => {
    const s = { lr: 1e-4, warmupSteps: 4, decaySteps: [10, 20], decayRate: 0.1 };
    [2.5e-5, 5e-5, 7.5e-5, 1e-4, 1e-4, 1e-4].forEach((e, k) => expect(learningRate([0, 1, 2, 3, 4, 9][k], s)).toBeCloseTo(e, 15));
    expect(learningRate(10, s)).toBeCloseTo(1e-5, 12);
    expect(learningRate(25, s)).toBeCloseTo(1e-6, 12);
  });
});
