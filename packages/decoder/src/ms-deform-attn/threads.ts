/**
 * Parallel execution of the kernels across the machine's cores with our own worker threads (tfjs's
 * wasm threads do not start under Node). Work is split by (n, m) blocks, which write disjoint parts of
 * every output, so threads never contend. Kernels are synchronous: the calling thread computes its
 * share and then blocks on `Atomics.wait` until the workers are done. The workers run the very same
 * functions (their source is shipped to the worker), on SharedArrayBuffer copies of the inputs.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MsdaDims } from './geometry';
import { msdaBackwardBlocks, msdaForwardBlocks, neighbours, swapSM } from './kernels-js';
import { sharedScratch } from './scratch';

/** Below this many sampling points a single thread is faster than the hand-off. */
const MIN_SAMPLES_FOR_THREADS = 50_000;

/** A positive integer from the environment, or `fallback` when unset; anything else is an error naming the variable. */
function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

/** `DINO_R1_MSDA_MIN_SAMPLES`: sampling points (N·Lq·M·L·P) from which the kernels use threads (default 50,000). */
function minSamples(): number {
  return envCount('DINO_R1_MSDA_MIN_SAMPLES', MIN_SAMPLES_FOR_THREADS);
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
${neighbours.toString()}
${msdaForwardBlocks.toString()}
${msdaBackwardBlocks.toString()}
parentPort.on('message', (job) => {
  const f = ([sab, length]) => new Float32Array(sab, 0, length);
  try {
    if (job.kind === 'forward') msdaForwardBlocks(f(job.v), f(job.loc), f(job.attn), job.g, f(job.out), job.b0, job.b1);
    else msdaBackwardBlocks(f(job.dy), f(job.v), f(job.loc), f(job.attn), job.g, f(job.gv), f(job.gLoc), f(job.gAttn), job.b0, job.b1);
  } finally {
    const done = new Int32Array(job.done);
    Atomics.add(done, 0, 1);
    Atomics.notify(done, 0);
  }
});
`;

let workers: Worker[] | null = null;

/** `DINO_R1_MSDA_THREADS`: threads including the calling one (default: the machine's parallelism). Read once. */
function threadCount(): number {
  return envCount('DINO_R1_MSDA_THREADS', Math.max(1, availableParallelism()));
}

function pool(): Worker[] {
  if (!workers) {
    workers = Array.from({ length: threadCount() - 1 }, () => {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      return w;
    });
  }
  return workers;
}

/** A shared copy of `src` in the scratch buffer `name`. */
function shared(name: string, src: Float32Array): Float32Array {
  const out = sharedScratch(name, src.length);
  out.set(src);
  return out;
}

/** What a worker needs to view a shared array. */
const ref = (a: Float32Array): [SharedArrayBuffer, number] => [a.buffer as SharedArrayBuffer, a.length];

/** Whether the kernels split this problem across threads (more than one thread, blocks to split, enough samples). */
export function useThreads(g: MsdaDims): boolean {
  return threadCount() > 1 && g.N * g.M > 1 && g.N * g.Lq * g.M * g.L * g.P >= minSamples();
}

/** Splits blocks [0, B) into `parts` contiguous ranges. */
function ranges(B: number, parts: number): Array<[number, number]> {
  return Array.from({ length: parts }, (_, i) => [Math.floor((i * B) / parts), Math.floor(((i + 1) * B) / parts)] as [number, number]);
}

/** Posts one job per worker with its range, runs range 0 here, waits for the rest. */
function fanOut(job: Record<string, unknown>, B: number, local: (b0: number, b1: number) => void): void {
  const ws = pool();
  const parts = ranges(B, ws.length + 1);
  const done = new Int32Array(new SharedArrayBuffer(4)); // counts workers done
  ws.forEach((w, i) => w.postMessage({ ...job, done: done.buffer, b0: parts[i + 1][0], b1: parts[i + 1][1] }));
  local(parts[0][0], parts[0][1]);
  while (Atomics.load(done, 0) < ws.length) Atomics.wait(done, 0, Atomics.load(done, 0));
}

export function msdaForwardThreaded(value: Float32Array, loc: Float32Array, attn: Float32Array, g: MsdaDims, out: Float32Array): void {
  const v = sharedScratch('value', value.length);
  swapSM(value, v, g.N, g.S, g.M, g.D, false);
  const l = shared('loc', loc);
  const a = shared('attn', attn);
  const o = sharedScratch('out', out.length);
  fanOut({ kind: 'forward', v: ref(v), loc: ref(l), attn: ref(a), out: ref(o), g }, g.N * g.M, (b0, b1) => msdaForwardBlocks(v, l, a, g, o, b0, b1));
  out.set(o);
}

export function msdaBackwardThreaded(
  dy: Float32Array,
  value: Float32Array,
  loc: Float32Array,
  attn: Float32Array,
  g: MsdaDims,
  gValue: Float32Array,
  gLoc: Float32Array,
  gAttn: Float32Array,
): void {
  const v = sharedScratch('value', value.length);
  swapSM(value, v, g.N, g.S, g.M, g.D, false);
  const d = shared('dy', dy);
  const l = shared('loc', loc);
  const a = shared('attn', attn);
  const gv = sharedScratch('gradValue', value.length, true);
  const gl = sharedScratch('gradLoc', loc.length);
  const ga = sharedScratch('gradAttn', attn.length);
  fanOut({ kind: 'backward', dy: ref(d), v: ref(v), loc: ref(l), attn: ref(a), gv: ref(gv), gLoc: ref(gl), gAttn: ref(ga), g }, g.N * g.M, (b0, b1) =>
    msdaBackwardBlocks(d, v, l, a, g, gv, gl, ga, b0, b1),
  );
  swapSM(gv, gValue, g.N, g.S, g.M, g.D, true);
  gLoc.set(gl);
  gAttn.set(ga);
}
