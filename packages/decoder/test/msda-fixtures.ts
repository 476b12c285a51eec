/** The MSDA parity fixtures of `../shared/fixtures/msda` and the README's tolerances. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadTensors } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export const DIR = resolve(__dirname, '../../../../shared/fixtures/msda');

export function load(name: string) {
  const path = resolve(DIR, `${name}.safetensors`);
  if (!existsSync(path)) throw new Error(`missing fixture ${path}: the tests need ../shared beside the repository`);
  return loadTensors(path);
}

/** The README's per-tensor tolerances: |got − exp| ≤ atol + rtol·|exp|. */
export const TOL: Record<string, [number, number]> = {
  output: [1e-5, 1e-4],
  grad_value: [1e-5, 1e-4],
  grad_attention_weights: [5e-5, 1e-4],
  grad_sampling_locations: [2e-4, 1e-4],
};

export function expectClose(got: Tensor, exp: Tensor, what: keyof typeof TOL): void {
  expect(got.shape).toEqual(exp.shape);
  const [atol, rtol] = TOL[what];
  const g = got.dataSync();
  const e = exp.dataSync();
  let bad = 0;
  let worst = '';
  for (let i = 0; i < e.length; i++) {
    if (!(Math.abs(g[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) {
      bad++;
      worst ||= `[${i}] got ${g[i]} expected ${e[i]}`;
    }
  }
  if (bad) throw new Error(`${what}: ${bad}/${e.length} out of tolerance, first ${worst}`);
}

export const CORE = ['core_2level', 'core_3level'];
