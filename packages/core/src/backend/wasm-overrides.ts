/**
 * Faster kernels for the wasm backend, installed by `initBackend` when it picks `wasm`.
 *
 * Measured on the 2-core target machine (see `bench/wasm-overrides.ts`): the wasm `BatchMatMul` with
 * `transposeA`/`transposeB` falls off its XNNPACK fast path (0.7–2.8 vs ~28 GFLOP/s at 1024²), the
 * `Conv2DBackpropInput` kernel is a naive loop, and `Conv2DBackpropFilter` is not registered at all, so
 * a conv2d's weight gradient fails on wasm. Backprop is full of all three. Each override rewrites the
 * work as plain kernels of the same backend (explicit `Transpose`, then the fast `BatchMatMul`/`Conv2D`):
 *
 *   BatchMatMul(a, b, tA, tB)   = BatchMatMul(tA ? aᵀ : a, tB ? bᵀ : b)
 *   Conv2DBackpropInput(dy, W)  = Conv2D(dilate_s(dy), flip_hw(W)ᵀ, stride 1, pad k-1-p)
 *   Conv2DBackpropFilter(x, dy) = Conv2D(xᵀ[C,H,W,N], dyᵀ[Ho,Wo,N,Co], stride 1, dilation s, pad p)ᵀ
 *
 * Only NHWC, dilation-1 convolutions are rewritten; anything else goes to the original kernel (the
 * filter gradient has no original and throws a clear error).
 *
 * `Identity` (what `clone` runs, and what the gradient tape runs on every tensor it saves for backprop)
 * copies the data on wasm; the override shares it by reference count, as the cpu backend does — tensors
 * are immutable, so sharing is safe. In a detector training step this was ~12 % of the time.
 *
 * Kernels the wasm backend lacks and training needs are added: `Conv2DBackpropFilter` (above) and
 * `UnsortedSegmentSum` (the gradient of every `gather`), a direct scatter-add over the wasm heap.
 */
import {
  BatchMatMul,
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  Identity,
  PadV2,
  registerKernel,
  Reshape,
  Reverse,
  Slice,
  Transpose,
  UnsortedSegmentSum,
  unregisterKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';

interface WasmBackendLike extends KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Runs other wasm kernels directly and frees every intermediate they made. */
class KernelScope {
  private readonly made: TensorInfo[] = [];
  constructor(private readonly backend: WasmBackendLike) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, BACKEND);
    if (kernel == null) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
    this.made.push(out);
    return out;
  }

  /** Disposes every intermediate except `keep`, which is returned to the engine. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.made) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }
}

function transposeLastTwo(scope: KernelScope, x: TensorInfo): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return scope.run(Transpose, { x }, { perm });
}

function makeBatchMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original(args);
    const scope = new KernelScope(backend as WasmBackendLike);
    let a = inputs.a as TensorInfo;
    let b = inputs.b as TensorInfo;
    if (transposeA) a = transposeLastTwo(scope, a);
    if (transposeB) b = transposeLastTwo(scope, b);
    return scope.finish(scope.run(BatchMatMul, { a, b }, { transposeA: false, transposeB: false }));
  };
}

/** Inserts `s-1` zeros after every row and column of an NHWC tensor: `[N,H,W,C] → [N,H·s,W·s,C]`. */
function dilateSpatial(scope: KernelScope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  let y = scope.run(Reshape, { x }, { shape: [n * h, w, 1, c] });
  y = scope.run(
    PadV2,
    { x: y },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  y = scope.run(Reshape, { x: y }, { shape: [n, h, 1, w * sw * c] });
  y = scope.run(
    PadV2,
    { x: y },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  return scope.run(Reshape, { x: y }, { shape: [n, h * sh, w * sw, c] });
}

function makeConv2DBackpropInput(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
      strides: number | [number, number];
      pad: backend_util.PadInfo['type'] | number | backend_util.ExplicitPadding;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number];
    };
    if (dataFormat === 'NCHW') return original(args);
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad as never, dimRoundingMode);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight, inWidth } = info;
    const dyH = dy.shape[1] * sh;
    const dyW = dy.shape[2] * sw;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = inHeight + kh - 1 - top - dyH;
    const right = inWidth + kw - 1 - left - dyW;
    // The dilated dy carries s-1 trailing zero rows/cols; a negative bottom/right pad crops only those.
    if (top < 0 || left < 0 || bottom < -(sh - 1) || right < -(sw - 1)) return original(args);
    const scope = new KernelScope(backend as WasmBackendLike);
    let x = dilateSpatial(scope, dy, sh, sw);
    if (bottom < 0 || right < 0) {
      const size = [x.shape[0], dyH + Math.min(bottom, 0), dyW + Math.min(right, 0), x.shape[3]];
      x = scope.run(Slice, { x }, { begin: [0, 0, 0, 0], size });
    }
    const flipped = scope.run(Reverse, { x: filter }, { dims: [0, 1] });
    const f = scope.run(Transpose, { x: flipped }, { perm: [0, 1, 3, 2] });
    const explicit: backend_util.ExplicitPadding = [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ];
    const dx = scope.run(Conv2D, { x, filter: f }, { strides: 1, pad: explicit, dataFormat: 'NHWC', dilations: 1, dimRoundingMode } as unknown as NamedAttrMap);
    return scope.finish(dx);
  };
}

function conv2DBackpropFilter(args: Parameters<KernelFunc>[0]): TensorInfo {
  const { inputs, attrs, backend } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: never;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW') {
    throw new Error('Conv2DBackpropFilter on wasm supports NHWC only; use the cpu backend for NCHW');
  }
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw] = filterShape;
  const scope = new KernelScope(backend as WasmBackendLike);
  const xT = scope.run(Transpose, { x }, { perm: [3, 1, 2, 0] }); // [Ci,H,W,N]
  const dyT = scope.run(Transpose, { x: dy }, { perm: [1, 2, 0, 3] }); // [Ho,Wo,N,Co] as a filter
  const p = info.padInfo;
  const explicit: backend_util.ExplicitPadding = [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
  const full = scope.run(Conv2D, { x: xT, filter: dyT }, {
    strides: 1,
    pad: explicit,
    dataFormat: 'NHWC',
    dilations: [info.strideHeight, info.strideWidth],
  } as unknown as NamedAttrMap); // [Ci, ≥kh, ≥kw, Co]
  const cropped =
    full.shape[1] === kh && full.shape[2] === kw ? full : scope.run(Slice, { x: full }, { begin: [0, 0, 0, 0], size: [full.shape[0], kh, kw, full.shape[3]] });
  return scope.finish(scope.run(Transpose, { x: cropped }, { perm: [1, 2, 0, 3] }));
}

/** out[segmentIds[n], …] += x[n, …]; ids outside [0, numSegments) are dropped, as TensorFlow does. */
function unsortedSegmentSum(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const ids = args.inputs.segmentIds as TensorInfo;
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const n = ids.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(ids.shape.length).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(ids.shape.length)], x.dtype as 'float32' | 'int32');
  const xs = backend.typedArrayFromHeap(x);
  const idv = backend.typedArrayFromHeap(ids);
  const o = backend.typedArrayFromHeap(out);
  o.fill(0);
  for (let k = 0; k < n; k++) {
    const seg = idv[k];
    if (seg < 0 || seg >= numSegments) continue;
    const src = k * inner;
    const dst = seg * inner;
    for (let t = 0; t < inner; t++) o[dst + t] += xs[src + t];
  }
  return out;
}

function makeIdentity(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return original(args);
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

let installed: KernelConfig[] | null = null;

function replace(kernelName: string, make: (original: KernelFunc) => KernelFunc): KernelConfig {
  const original = getKernel(kernelName, BACKEND);
  if (original == null) throw new Error(`cannot override wasm kernel ${kernelName}: not registered`);
  unregisterKernel(kernelName, BACKEND);
  registerKernel({ kernelName, backendName: BACKEND, kernelFunc: make(original.kernelFunc) });
  return original;
}

/** Installs the overrides (idempotent). Call after the wasm backend is registered. */
export function installWasmOverrides(): void {
  if (installed) return;
  const originals = [replace(BatchMatMul, makeBatchMatMul), replace(Conv2DBackpropInput, makeConv2DBackpropInput), replace(Identity, makeIdentity)];
  const missing: Array<[string, KernelFunc]> = [
    [Conv2DBackpropFilter, conv2DBackpropFilter],
    [UnsortedSegmentSum, unsortedSegmentSum],
  ];
  for (const [kernelName, kernelFunc] of missing) {
    if (getKernel(kernelName, BACKEND) == null) registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
  }
  installed = originals;
}

/** Restores the original kernels (the benchmark and the parity test compare both in one process). */
export function uninstallWasmOverrides(): void {
  if (!installed) return;
  for (const original of installed) {
    unregisterKernel(original.kernelName, BACKEND);
    registerKernel(original);
  }
  installed = null;
}

export function wasmOverridesInstalled(): boolean {
  return installed !== null;
}
