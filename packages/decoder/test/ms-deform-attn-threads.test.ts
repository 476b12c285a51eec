/**
 * The worker-thread MSDA kernels — what training runs whenever a call has ≥ 50,000 sampling points
 * (`DINO_R1_MSDA_MIN_SAMPLES`) — against the official fixtures (forced onto the threaded path with three
 * threads, so work is split even on a one-core machine) and, at a demo-like size where the default
 * threshold picks threads by itself, against a float64 reference written here from the fixture README's
 * sampling semantics (the composed tfjs implementation would take minutes for the gradients at that size).
 */
import { initBackend, silentLogger, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { msDeformAttn, type MsdaImplementation } from '../src';
import type { MsdaDims } from '../src/ms-deform-attn/geometry';
import { useThreads } from '../src/ms-deform-attn/threads';
import { CORE, expectClose, load } from './msda-fixtures';

const saved = { threads: process.env.DINO_R1_MSDA_THREADS, min: process.env.DINO_R1_MSDA_MIN_SAMPLES };
beforeAll(() => {
  process.env.DINO_R1_MSDA_THREADS = '3';
});
afterAll(() => {
  for (const [k, v] of [
    ['DINO_R1_MSDA_THREADS', saved.threads],
    ['DINO_R1_MSDA_MIN_SAMPLES', saved.min],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

function dims(value: Tensor, loc: Tensor, shapes: number[][]): MsdaDims {
  const [N, S, M, D] = value.shape;
  const [, Lq, , L, P] = loc.shape;
  const starts = shapes.map((_, l) => shapes.slice(0, l).reduce((a, [h, w]) => a + h * w, 0));
  return { N, S, M, D, Lq, L, P, shapes: shapes.flat(), starts };
}

/** Output and the three gradients of ⟨msDeformAttn(…), gradOutput⟩. */
function outputAndGrads(value: Tensor, shapes: Tensor | number[][], loc: Tensor, attn: Tensor, gradOutput: Tensor, impl: MsdaImplementation): Tensor[] {
  const levels = (Array.isArray(shapes) ? shapes : (shapes.arraySync() as number[][])).map(([h, w]) => [h, w] as const);
  const f = (v: Tensor, l: Tensor, a: Tensor) => msDeformAttn(v, levels, undefined, l, a, impl);
  const out = f(value, loc, attn);
  const grads = tf.grads((v: Tensor, l: Tensor, a: Tensor) => tf.sum(tf.mul(f(v, l, a), gradOutput)))([value, loc, attn]);
  return [out, ...grads];
}

/**
 * Float64 MSDA from the fixture README: px = x·W − 0.5, bilinear over the 4 neighbours, out-of-range
 * neighbours contribute zero; output and the gradients of ⟨output, dy⟩. Layouts as the op's.
 */
function reference(value: Float32Array, loc: Float32Array, attn: Float32Array, dy: Float32Array, g: MsdaDims) {
  const { N, S, M, D, Lq, L, P, shapes, starts } = g;
  const out = new Float64Array(N * Lq * M * D);
  const gv = new Float64Array(value.length);
  const gl = new Float64Array(loc.length);
  const ga = new Float64Array(attn.length);
  const vAt = (n: number, s: number, m: number, d: number) => (n * S + s) * M * D + m * D + d;
  for (let n = 0; n < N; n++)
    for (let q = 0; q < Lq; q++)
      for (let m = 0; m < M; m++)
        for (let l = 0; l < L; l++) {
          const [H, W] = [shapes[2 * l], shapes[2 * l + 1]];
          for (let p = 0; p < P; p++) {
            const ai = (((n * Lq + q) * M + m) * L + l) * P + p;
            const [px, py] = [loc[2 * ai] * W - 0.5, loc[2 * ai + 1] * H - 0.5];
            const [x0, y0] = [Math.floor(px), Math.floor(py)];
            const [fx, fy] = [px - x0, py - y0];
            const corners: Array<[number, number, number, number, number]> = [
              [x0, y0, (1 - fx) * (1 - fy), -(1 - fy), -(1 - fx)],
              [x0 + 1, y0, fx * (1 - fy), 1 - fy, -fx],
              [x0, y0 + 1, (1 - fx) * fy, -fy, 1 - fx],
              [x0 + 1, y0 + 1, fx * fy, fy, fx],
            ];
            const a = attn[ai];
            for (let d = 0; d < D; d++) {
              const oi = ((n * Lq + q) * M + m) * D + d;
              let sample = 0;
              let dSdx = 0;
              let dSdy = 0;
              for (const [x, y, w, wx, wy] of corners) {
                if (x < 0 || y < 0 || x >= W || y >= H) continue;
                const vi = vAt(n, starts[l] + y * W + x, m, d);
                sample += w * value[vi];
                dSdx += wx * value[vi];
                dSdy += wy * value[vi];
                gv[vi] += a * w * dy[oi];
              }
              out[oi] += a * sample;
              ga[ai] += dy[oi] * sample;
              gl[2 * ai] += a * W * dy[oi] * dSdx;
              gl[2 * ai + 1] += a * H * dy[oi] * dSdy;
            }
          }
        }
  return [out, gv, gl, ga].map((x) => Float32Array.from(x));
}

describe.each(['cpu', 'wasm'])('threaded MSDA kernels on %s', (backend) => {
  beforeAll(() => initBackend(backend as 'cpu' | 'wasm', { logger: silentLogger }));

  it.each(CORE)('%s through the threaded path: output and gradients equal the official reference', (name) => {
    process.env.DINO_R1_MSDA_MIN_SAMPLES = '1';
    try {
      const { tensors: t } = load(name);
      const shapes = t.get('spatial_shapes')!.arraySync() as number[][];
      expect(useThreads(dims(t.get('value')!, t.get('sampling_locations')!, shapes))).toBe(true);
      const [out, gv, gl, ga] = outputAndGrads(
        t.get('value')!,
        shapes,
        t.get('sampling_locations')!,
        t.get('attention_weights')!,
        t.get('grad_output')!,
        'kernel',
      );
      expectClose(out, t.get('expected.output')!, 'output');
      expectClose(gv, t.get('expected.grad_value')!, 'grad_value');
      expectClose(gl, t.get('expected.grad_sampling_locations')!, 'grad_sampling_locations');
      expectClose(ga, t.get('expected.grad_attention_weights')!, 'grad_attention_weights');
      tf.dispose([out, gv, gl, ga]);
    } finally {
      delete process.env.DINO_R1_MSDA_MIN_SAMPLES;
    }
  });

  it('a demo-sized encoder call (≥ 50,000 samples, default threshold) equals a float64 reference', () => {
    // the demo's 128² images: levels at strides 8, 16, 32, 64; 4 images, 4 heads, 4 levels, 4 points
    const shapes = [
      [16, 16],
      [8, 8],
      [4, 4],
      [2, 2],
    ];
    const S = shapes.reduce((a, [h, w]) => a + h * w, 0);
    const [N, M, D, L, P] = [4, 4, 16, 4, 4];
    const value = tf.randomUniform([N, S, M, D], -1, 1, 'float32', 1);
    const loc = tf.randomUniform([N, S, M, L, P, 2], -0.1, 1.1, 'float32', 2);
    const attn = tf.reshape(tf.softmax(tf.randomNormal([N, S, M, L * P], 0, 1, 'float32', 3)), [N, S, M, L, P]);
    const gradOutput = tf.randomNormal([N, S, M * D], 0, 1, 'float32', 4);
    const g = dims(value, loc, shapes);
    expect(g.N * g.Lq * g.M * g.L * g.P).toBeGreaterThanOrEqual(50_000);
    expect(useThreads(g)).toBe(true);
    const threaded = outputAndGrads(value, shapes, loc, attn, gradOutput, 'kernel');
    const expected = reference(
      value.dataSync() as Float32Array,
      loc.dataSync() as Float32Array,
      attn.dataSync() as Float32Array,
      gradOutput.dataSync() as Float32Array,
      g,
    );
    (['output', 'grad_value', 'grad_sampling_locations', 'grad_attention_weights'] as const).forEach((what, i) => {
      const exp = tf.tensor(expected[i], threaded[i].shape);
      expectClose(threaded[i], exp, what);
      exp.dispose();
    });
    tf.dispose([value, loc, attn, gradOutput, ...threaded]);
  }, 120000);

  it('an invalid DINO_R1_MSDA_MIN_SAMPLES is an error naming it', () => {
    process.env.DINO_R1_MSDA_MIN_SAMPLES = 'lots';
    try {
      expect(() => useThreads({ N: 2, S: 1, M: 2, D: 1, Lq: 1, L: 1, P: 1, shapes: [1, 1], starts: [0] })).toThrow(
        "DINO_R1_MSDA_MIN_SAMPLES must be a positive integer, got 'lots'",
      );
    } finally {
      delete process.env.DINO_R1_MSDA_MIN_SAMPLES;
    }
  });
});
