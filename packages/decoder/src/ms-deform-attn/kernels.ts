/**
 * Registers the forward and gradient kernels on the cpu and wasm backends. Both run the JS kernels of
 * `kernels-js.ts` on the backend's own memory: the cpu backend's typed arrays, or views of the wasm heap
 * (outputs are allocated before any view is taken: allocation may grow, and so detach, the heap).
 */
import { getKernel, registerKernel, type KernelBackend, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MsdaDims } from './geometry';
import { MS_DEFORM_ATTN, MS_DEFORM_ATTN_GRAD, type MsdaAttrs } from './kernel-names';
import { msdaBackward, msdaForward } from './kernels-js';
import { msdaBackwardThreaded, msdaForwardThreaded, useThreads } from './threads';

interface Memory {
  /** Allocates a zero-filled float32 output. */
  alloc(shape: number[]): TensorInfo;
  /** The float32 data of a tensor (a view where the backend allows, else a copy). */
  view(t: TensorInfo): Float32Array;
}

function memoryOf(backendName: string, backend: KernelBackend): Memory {
  if (backendName === 'wasm') {
    const b = backend as KernelBackend & {
      makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
      typedArrayFromHeap(t: TensorInfo): Float32Array;
    };
    return {
      alloc: (shape) => {
        const out = b.makeOutput(shape, 'float32');
        b.typedArrayFromHeap(out).fill(0);
        return out;
      },
      view: (t) => b.typedArrayFromHeap(t),
    };
  }
  const b = backend as KernelBackend & {
    data: { get(id: object): { values: Float32Array } };
    makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  };
  return {
    alloc: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((x, y) => x * y, 1))),
    view: (t) => b.data.get(t.dataId).values,
  };
}

export function dimsOf(value: TensorInfo, loc: TensorInfo, attrs: MsdaAttrs): MsdaDims {
  const [N, S, M, D] = value.shape;
  const [, Lq, , L, P] = loc.shape;
  return { N, S, M, D, Lq, L, P, shapes: attrs.shapes, starts: attrs.starts };
}

function forwardKernel(backendName: string): KernelConfig {
  return {
    kernelName: MS_DEFORM_ATTN,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { value, samplingLocations: loc, attentionWeights: attn } = inputs as Record<string, TensorInfo>;
      const g = dimsOf(value, loc, attrs as unknown as MsdaAttrs);
      const mem = memoryOf(backendName, backend as KernelBackend);
      const out = mem.alloc([g.N, g.Lq, g.M * g.D]);
      (useThreads(g) ? msdaForwardThreaded : msdaForward)(mem.view(value), mem.view(loc), mem.view(attn), g, mem.view(out));
      return out;
    },
  };
}

function gradKernel(backendName: string): KernelConfig {
  return {
    kernelName: MS_DEFORM_ATTN_GRAD,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, value, samplingLocations: loc, attentionWeights: attn } = inputs as Record<string, TensorInfo>;
      const g = dimsOf(value, loc, attrs as unknown as MsdaAttrs);
      const mem = memoryOf(backendName, backend as KernelBackend);
      const gValue = mem.alloc([...value.shape]);
      const gLoc = mem.alloc([...loc.shape]);
      const gAttn = mem.alloc([...attn.shape]);
      (useThreads(g) ? msdaBackwardThreaded : msdaBackward)(
        mem.view(dy),
        mem.view(value),
        mem.view(loc),
        mem.view(attn),
        g,
        mem.view(gValue),
        mem.view(gLoc),
        mem.view(gAttn),
      );
      return [gValue, gLoc, gAttn];
    },
  };
}

/** Backends with hand-written kernels. */
export const KERNEL_BACKENDS = ['cpu', 'wasm'] as const;

/** Registers the kernels (idempotent); other backends use the composed implementation. */
export function registerMsdaKernels(): void {
  for (const b of KERNEL_BACKENDS) {
    if (getKernel(MS_DEFORM_ATTN, b) == null) registerKernel(forwardKernel(b));
    if (getKernel(MS_DEFORM_ATTN_GRAD, b) == null) registerKernel(gradKernel(b));
  }
}

export type { NamedAttrMap };
