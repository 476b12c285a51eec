import {
  BACKEND_ORDER,
  backendChoice,
  backendPreference,
  initBackend,
  installWasmOverrides,
  tf,
  uninstallWasmOverrides,
  wasmOverridesInstalled,
  type Logger,
} from '../src';
import type { Tensor } from '@tensorflow/tfjs-core';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(`warn: ${m}`) };
}

/** Runs `f` on a backend and returns its results as plain arrays. */
async function on(backend: 'cpu' | 'wasm', f: () => Tensor[]): Promise<Float32Array[]> {
  await initBackend(backend, { logger: recorder() });
  return tf.tidy(f).map((t) => {
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  });
}

function expectClose(a: Float32Array, b: Float32Array, rtol = 2e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(worst).toBeLessThanOrEqual(rtol * Math.max(1, scale));
}

/** Whether an optional backend package is installed here (tfjs-node downloads libtensorflow: often not). */
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  it('takes the first usable backend of tfjs-node-gpu, tfjs-node, wasm, cpu and logs why each before it was skipped', async () => {
    const log = recorder();
    const name = await initBackend('auto', { logger: log });
    // not pinned: on a machine with tfjs-node installed, it wins
    expect(BACKEND_ORDER).toContain(name);
    const before = BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(name));
    expect(backendChoice()?.skipped.map((s) => s.name)).toEqual(before);
    for (const s of backendChoice()!.skipped) if (!installed(`@tensorflow/${s.name}`)) expect(s.reason).toBe('package not installed (optional peer)');
    expect(log.lines[0]).toMatch(new RegExp(`^backend: ${name}${before.length ? ' — skipped ' : '$'}`));
    if (name === 'wasm') expect(wasmOverridesInstalled()).toBe(true);
  });

  it('can force a backend and fails clearly when a forced one is unavailable', async () => {
    const log = recorder();
    expect(await initBackend('cpu', { logger: log })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(log.lines).toEqual(['backend: cpu (forced)']);
    if (installed('@tensorflow/tfjs-node')) expect(await initBackend('tfjs-node', { logger: log })).toBe('tfjs-node');
    else
      await expect(initBackend('tfjs-node', { logger: log })).rejects.toThrow(
        "backend 'tfjs-node' was requested but cannot be used: package not installed (optional peer)",
      );
    await expect(initBackend('webgpu' as never)).rejects.toThrow(/unknown backend 'webgpu'/);
  });
});

describe('backendPreference: --backend over DINO_R1_BACKEND over the config over auto', () => {
  const saved = process.env.DINO_R1_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.DINO_R1_BACKEND;
    else process.env.DINO_R1_BACKEND = saved;
  });

  it('orders the sources and names the one that is wrong', () => {
    delete process.env.DINO_R1_BACKEND;
    expect(backendPreference()).toBe('auto');
    expect(backendPreference(undefined, 'cpu')).toBe('cpu');
    expect(backendPreference('wasm', 'cpu')).toBe('wasm');
    process.env.DINO_R1_BACKEND = 'tfjs-node';
    expect(backendPreference(undefined, 'cpu')).toBe('tfjs-node');
    expect(backendPreference('cpu', 'wasm')).toBe('cpu');
    process.env.DINO_R1_BACKEND = '';
    expect(backendPreference(undefined, 'cpu')).toBe('cpu'); // an empty variable is unset
    process.env.DINO_R1_BACKEND = 'tpu';
    expect(() => backendPreference(undefined, 'cpu')).toThrow(
      "DINO_R1_BACKEND: unknown backend 'tpu'; choose one of auto, tfjs-node-gpu, tfjs-node, wasm, cpu",
    );
    expect(() => backendPreference('gpu')).toThrow("--backend: unknown backend 'gpu'");
    delete process.env.DINO_R1_BACKEND;
    expect(() => backendPreference(undefined, 'x' as never)).toThrow("config field backend: unknown backend 'x'");
  });
});

describe('wasm kernel overrides give the same numbers as the reference kernels', () => {
  const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

  it('transposed BatchMatMul (values and gradients)', async () => {
    const f = () => {
      const out: Tensor[] = [];
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const a = seeded(ta ? [3, 40, 33] : [3, 33, 40], 1);
        const b = seeded(tb ? [3, 25, 40] : [3, 40, 25], 2);
        out.push(tf.matMul(a, b, ta, tb));
        const [ga, gb] = tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([a, b]);
        out.push(ga, gb);
      }
      return out;
    };
    const ref = await on('cpu', f);
    await initBackend('wasm', { logger: recorder() });
    uninstallWasmOverrides();
    const plain = await on('wasm', f);
    installWasmOverrides();
    const fast = await on('wasm', f);
    ref.forEach((r, i) => {
      expectClose(fast[i], r);
      expectClose(plain[i], r);
    });
  });

  it.each([
    ['3×3 stride 1 same', [2, 9, 11, 5], [3, 3, 5, 7], 1, 'same'],
    ['3×3 stride 2 same', [2, 9, 11, 5], [3, 3, 5, 7], 2, 'same'],
    ['3×3 stride 2 valid', [1, 10, 9, 4], [3, 3, 4, 6], 2, 'valid'],
    ['1×1 stride 1', [2, 6, 7, 8], [1, 1, 8, 4], 1, 'valid'],
    ['4×4 stride 4 (patch embedding)', [1, 16, 12, 3], [4, 4, 3, 8], 4, 'valid'],
    ['2×2 stride 2', [2, 8, 8, 6], [2, 2, 6, 3], 2, 'valid'],
  ] as const)('conv2d input and filter gradients: %s', async (_label, xs, ws, stride, pad) => {
    const f = () => {
      const x = seeded([...xs], 3);
      const w = seeded([...ws], 4);
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
      const up = seeded(y.shape, 5);
      const [gx, gw] = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), up)))([x, w]);
      return [y, gx, gw];
    };
    const ref = await on('cpu', f);
    const fast = await on('wasm', f);
    ref.forEach((r, i) => expectClose(fast[i], r));
  });

  it('conv2dTranspose (the pyramid up-sampling) forward and gradients', async () => {
    const f = () => {
      const x = seeded([2, 5, 6, 8], 6);
      const w = seeded([2, 2, 4, 8], 7); // [kh, kw, out, in]
      const y = tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 12, 4], 2, 'valid');
      const [gx, gw] = tf.grads((a: Tensor, b: Tensor) =>
        tf.sum(tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 10, 12, 4], 2, 'valid'))),
      )([x, w]);
      return [y, gx, gw];
    };
    const ref = await on('cpu', f);
    const fast = await on('wasm', f);
    ref.forEach((r, i) => expectClose(fast[i], r));
  });

  it('does not leak tensors', async () => {
    await initBackend('wasm', { logger: recorder() });
    const x = seeded([1, 8, 8, 4], 1);
    const w = seeded([3, 3, 4, 4], 2);
    const step = () =>
      tf.tidy(() => tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w])).forEach((t) => t.dispose());
    step();
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
    tf.dispose([x, w]);
  });
});

describe('gradient control', () => {
  it('stopGradient keeps the value and blocks the gradient; noGrad records nothing', async () => {
    const { stopGradient, noGrad } = await import('../src');
    await initBackend('cpu', { logger: recorder() });
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: Tensor) => tf.sum(tf.add(tf.square(v), tf.mul(stopGradient(tf.square(v)), v))))(x);
    // d/dv [v² + c·v] with c = v² held constant = 2v + v²
    expect(g.arraySync()).toEqual([3, 8, 15]);
    const h = tf.grad((v: Tensor) =>
      tf.sum(
        tf.add(
          v,
          noGrad(() => tf.mul(v, v)),
        ),
      ),
    )(x);
    expect(h.arraySync()).toEqual([1, 1, 1]);
    expect(noGrad(() => 5)).toBe(5);
  });
});

describe('kernels the wasm backend lacks', () => {
  it('UnsortedSegmentSum (the gradient of gather) equals the cpu kernel', async () => {
    const f = () => {
      const x = tf.randomUniform([6, 3, 2], -1, 1, 'float32', 9);
      const ids = tf.tensor1d([2, 0, 2, 4, 1, 2], 'int32');
      const direct = tf.unsortedSegmentSum(x, ids, 5);
      const table = tf.randomUniform([7, 4], -1, 1, 'float32', 10);
      const g = tf.grad((t: Tensor) => tf.sum(tf.square(tf.gather(t, tf.tensor1d([3, 3, 0, 6, 3], 'int32')))))(table);
      return [direct, g];
    };
    const ref = await on('cpu', f);
    const fast = await on('wasm', f);
    ref.forEach((r, i) => expectClose(fast[i], r));
  });
});
