/**
 * safetensors (https://huggingface.co/docs/safetensors) reader and writer.
 *
 * Layout: `u64le N` · `N` bytes of JSON header `{name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__"?: {string: string}}` · the data buffer (offsets relative to its start).
 *
 * Floating types are returned as `Float32Array` (F16, BF16 and F64 converted), integer types as
 * `Int32Array` (I64 checked for range) or `Uint8Array` (U8, BOOL). Files are read tensor by tensor
 * with positioned reads, so a large file never needs twice its size in memory. Writing goes to a
 * temporary file that is renamed into place: a crash never leaves a half-written file.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';

export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<Dtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export type TensorData = Float32Array | Int32Array | Uint8Array;

export interface TensorInfo {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** `[begin, end)` byte offsets in the data buffer. */
  readonly dataOffsets: readonly [number, number];
}

export interface SafetensorsEntry {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** What the writer accepts: the dtype to store and values of a compatible array type. */
export interface TensorToWrite {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number> | BigInt64Array;
}

export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly tensor?: string,
  ) {
    super(`${file}${tensor ? ` (tensor '${tensor}')` : ''}: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** Largest header the format allows (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parses and validates a header against the size of the data buffer. */
export function parseHeader(headerJson: string, dataBytes: number, file: string): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  let raw: unknown;
  try {
    raw = JSON.parse(headerJson);
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid JSON: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SafetensorsError(file, 'header must be a JSON object');
  }
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new SafetensorsError(file, '__metadata__ must be an object of strings');
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new SafetensorsError(file, `__metadata__.${k} must be a string`);
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (v === null || typeof v !== 'object') throw new SafetensorsError(file, 'entry must be an object', name);
    if (typeof v.dtype !== 'string' || !(v.dtype in DTYPE_BYTES)) {
      throw new SafetensorsError(file, `unsupported dtype ${JSON.stringify(v.dtype)}`, name);
    }
    if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(file, `shape must be an array of non-negative integers`, name);
    }
    const off = v.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0) || off[0] > off[1]) {
      throw new SafetensorsError(file, `data_offsets must be [begin, end] with 0 <= begin <= end`, name);
    }
    const dtype = v.dtype as Dtype;
    const expected = numel(v.shape as number[]) * DTYPE_BYTES[dtype];
    if (off[1] - off[0] !== expected) {
      throw new SafetensorsError(file, `data_offsets span ${off[1] - off[0]} bytes but ${dtype}${JSON.stringify(v.shape)} needs ${expected}`, name);
    }
    if (off[1] > dataBytes) {
      throw new SafetensorsError(file, `data ends at byte ${off[1]} but the file holds ${dataBytes} data bytes (truncated?)`, name);
    }
    tensors.set(name, { dtype, shape: v.shape as number[], dataOffsets: [off[0], off[1]] });
  }
  // Tensors must tile the buffer without overlaps or holes (as the reference implementation checks).
  const spans = [...tensors.entries()].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  let end = 0;
  for (const [name, t] of spans) {
    if (t.dataOffsets[0] !== end) {
      throw new SafetensorsError(file, `data_offsets ${t.dataOffsets[0] < end ? 'overlap' : 'leave a hole'} at byte ${end}`, name);
    }
    end = t.dataOffsets[1];
  }
  if (end !== dataBytes) {
    throw new SafetensorsError(file, `tensors cover ${end} bytes but the data buffer has ${dataBytes}`);
  }
  return { tensors, metadata };
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Converts raw little-endian bytes of `dtype` to the array type the project computes with. */
export function decode(bytes: Uint8Array, dtype: Dtype, file: string, name: string): TensorData {
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new SafetensorsError(file, `I64 value ${v} at index ${i} does not fit in int32`, name);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'I32': {
      const out = new Int32Array(n);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    case 'I16': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'I8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return out;
    }
    case 'U8':
    case 'BOOL':
      return new Uint8Array(bytes);
  }
}

/** An open safetensors file: the header is parsed and checked; tensors are read on demand. */
export class SafetensorsFile {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly dataStart: number,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    this.fd = fd;
  }

  static open(path: string): SafetensorsFile {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < 8) throw new SafetensorsError(path, `file has ${size} bytes, fewer than the 8-byte header length`);
      const lenBuf = Buffer.alloc(8);
      readSync(fd, lenBuf, 0, 8, 0);
      const headerLen = lenBuf.readBigUInt64LE(0);
      if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) {
        throw new SafetensorsError(path, `header length ${headerLen} exceeds the file size ${size} (truncated or not safetensors)`);
      }
      const n = Number(headerLen);
      const header = Buffer.alloc(n);
      readSync(fd, header, 0, n, 8);
      const { tensors, metadata } = parseHeader(header.toString('utf8'), size - 8 - n, path);
      return new SafetensorsFile(path, fd, 8 + n, tensors, metadata);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  keys(): string[] {
    return [...this.tensors.keys()];
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new SafetensorsError(this.path, `no such tensor; the file holds ${this.keys().join(', ')}`, name);
    return t;
  }

  read(name: string): SafetensorsEntry {
    if (this.fd === null) throw new SafetensorsError(this.path, 'file is closed', name);
    const t = this.info(name);
    const [b, e] = t.dataOffsets;
    const bytes = new Uint8Array(e - b);
    let done = 0;
    while (done < bytes.byteLength) {
      const got = readSync(this.fd, bytes, done, bytes.byteLength - done, this.dataStart + b + done);
      if (got === 0) throw new SafetensorsError(this.path, 'unexpected end of file', name);
      done += got;
    }
    return { dtype: t.dtype, shape: t.shape, data: decode(bytes, t.dtype, this.path, name) };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Reads every tensor of a file (and its metadata). */
export function readSafetensors(path: string): {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
} {
  const file = SafetensorsFile.open(path);
  try {
    const tensors = new Map<string, SafetensorsEntry>();
    for (const name of file.keys()) tensors.set(name, file.read(name));
    return { tensors, metadata: { ...file.metadata } };
  } finally {
    file.close();
  }
}

function encode(t: TensorToWrite, name: string): Uint8Array {
  const n = numel(t.shape);
  if (t.data.length !== n) {
    throw new Error(`safetensors write: tensor '${name}' has ${t.data.length} values but shape ${JSON.stringify(t.shape)} needs ${n}`);
  }
  const out = new Uint8Array(n * DTYPE_BYTES[t.dtype]);
  const view = new DataView(out.buffer);
  const d = t.data;
  for (let i = 0; i < n; i++) {
    const v = d[i] as number | bigint;
    switch (t.dtype) {
      case 'F32':
        view.setFloat32(i * 4, Number(v), true);
        break;
      case 'F64':
        view.setFloat64(i * 8, Number(v), true);
        break;
      case 'F16':
        view.setUint16(i * 2, f32ToF16(Number(v)), true);
        break;
      case 'BF16':
        view.setUint16(i * 2, f32ToBf16(Number(v)), true);
        break;
      case 'I64':
        view.setBigInt64(i * 8, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)), true);
        break;
      case 'I32':
        view.setInt32(i * 4, Number(v), true);
        break;
      case 'I16':
        view.setInt16(i * 2, Number(v), true);
        break;
      case 'I8':
        view.setInt8(i, Number(v));
        break;
      case 'U8':
        view.setUint8(i, Number(v));
        break;
      case 'BOOL':
        view.setUint8(i, Number(v) ? 1 : 0);
        break;
    }
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → bfloat16 bits, round to nearest even (as torch). */
function f32ToBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 → float16 bits, round to nearest even. */
function f32ToF16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

function entriesOf(t: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>): [string, TensorToWrite][] {
  return t instanceof Map ? [...t.entries()] : Object.entries(t);
}

/**
 * The 8-byte length and the JSON header for `entries`, computed from shapes alone so that the data can
 * be streamed after it. The header is padded with spaces to a multiple of 8 bytes, as the reference writer.
 */
function headerBytes(entries: [string, TensorToWrite][], metadata: Record<string, string> | undefined): Buffer {
  const json: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) json.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error("safetensors write: '__metadata__' is not a tensor name");
    if (!(t.dtype in DTYPE_BYTES)) throw new Error(`safetensors write: tensor '${name}' has unsupported dtype ${t.dtype}`);
    const bytes = numel(t.shape) * DTYPE_BYTES[t.dtype];
    json[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(json);
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const body = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(body.byteLength));
  return Buffer.concat([len, body]);
}

/** Serialises tensors to one in-memory buffer. */
export function serializeSafetensors(tensors: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>, metadata?: Record<string, string>): Buffer {
  const entries = entriesOf(tensors);
  const header = headerBytes(entries, metadata);
  return Buffer.concat([header, ...entries.map(([name, t]) => encode(t, name))]);
}

/** Writes a safetensors file atomically: tensor by tensor into `path.tmp-<pid>`, then renamed. */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): void {
  const entries = entriesOf(tensors);
  const header = headerBytes(entries, metadata);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let open = true;
  try {
    writeSync(fd, header);
    for (const [name, t] of entries) writeSync(fd, encode(t, name));
    closeSync(fd);
    open = false;
    renameSync(tmp, path);
  } catch (e) {
    if (open) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}
