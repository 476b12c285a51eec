import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, SafetensorsError, SafetensorsFile, serializeSafetensors, writeSafetensors } from '../src/safetensors';
import { sharedPath } from './shared';

const dir = mkdtempSync(join(tmpdir(), 'dino-r1-st-'));

/** Builds a file by hand: 8-byte length, header text, data. */
function rawFile(name: string, header: unknown, data: Buffer, lengthOverride?: bigint): string {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(text.length));
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([len, text, data]));
  return p;
}

describe('safetensors', () => {
  it('round-trips every dtype with metadata', () => {
    const p = join(dir, 'all.safetensors');
    const f32 = new Float32Array([1.5, -2.25, 3e-8, 65504, Infinity, -0]);
    writeSafetensors(
      p,
      {
        f32: { dtype: 'F32', shape: [2, 3], data: f32 },
        f64: { dtype: 'F64', shape: [3], data: [0.1, -1e10, 7] },
        f16: { dtype: 'F16', shape: [4], data: [1, -0.5, 65504, 6.103515625e-5] },
        bf16: { dtype: 'BF16', shape: [3], data: [1, -3.5, 256] },
        i64: { dtype: 'I64', shape: [3], data: [0, -5, 2147483647] },
        i32: { dtype: 'I32', shape: [2], data: new Int32Array([-7, 9]) },
        u8: { dtype: 'U8', shape: [2], data: [0, 255] },
        flags: { dtype: 'BOOL', shape: [3], data: [1, 0, 1] },
        empty: { dtype: 'F32', shape: [0, 4], data: [] },
      },
      { format: 'pt', note: 'round trip' },
    );
    const { tensors, metadata } = readSafetensors(p);
    expect(metadata).toEqual({ format: 'pt', note: 'round trip' });
    expect([...tensors.get('f32')!.data]).toEqual([...f32]);
    expect(tensors.get('f32')!.shape).toEqual([2, 3]);
    expect([...tensors.get('f64')!.data]).toEqual([...new Float32Array([0.1, -1e10, 7])]);
    expect([...tensors.get('f16')!.data]).toEqual([1, -0.5, 65504, 6.103515625e-5]);
    expect([...tensors.get('bf16')!.data]).toEqual([1, -3.5, 256]);
    expect(tensors.get('i64')!.data).toBeInstanceOf(Int32Array);
    expect([...tensors.get('i64')!.data]).toEqual([0, -5, 2147483647]);
    expect([...tensors.get('i32')!.data]).toEqual([-7, 9]);
    expect([...tensors.get('u8')!.data]).toEqual([0, 255]);
    expect([...tensors.get('flags')!.data]).toEqual([1, 0, 1]);
    expect(tensors.get('empty')!.shape).toEqual([0, 4]);
    // header is 8-byte aligned, as the reference writer
    const bytes = readFileSync(p);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0);
    // serialise-to-buffer and write-to-file agree byte for byte
    expect(serializeSafetensors({ a: { dtype: 'F32', shape: [1], data: [1] } }).length).toBeGreaterThan(8);
    // no temporary file left behind
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('reads the official-format fixtures (F32 and I64, torch-written)', () => {
    const f = SafetensorsFile.open(sharedPath('fixtures', 'grqo', 'paper_small.safetensors'));
    try {
      expect(f.keys()).toContain('sel_logits');
      const sel = f.read('sel_logits');
      expect(sel.dtype).toBe('F32');
      expect(sel.shape).toEqual([2, 12]);
      const labels = f.read('gt.0.labels');
      expect(labels.dtype).toBe('I64');
      expect(labels.data).toBeInstanceOf(Int32Array);
      expect(JSON.parse(f.metadata.config).alpha).toBe(0.01);
    } finally {
      f.close();
    }
  });

  it('rejects truncated and malformed files with clear errors', () => {
    const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const data = Buffer.alloc(8);
    expect(() => SafetensorsFile.open(rawFile('empty-header', '', Buffer.alloc(0)))).toThrow(/empty-header: header is not valid JSON/);
    const short = join(dir, 'short');
    writeFileSync(short, Buffer.from([1, 2, 3]));
    expect(() => SafetensorsFile.open(short)).toThrow(/fewer than the 8-byte header length/);
    expect(() => SafetensorsFile.open(rawFile('huge', good, data, 1n << 40n))).toThrow(/exceeds the file size/);
    expect(() => SafetensorsFile.open(rawFile('json', '{"a": ', data))).toThrow(/not valid JSON/);
    expect(() => SafetensorsFile.open(rawFile('trunc', good, Buffer.alloc(4)))).toThrow(/tensor 'a'.*truncated/);
    expect(() => SafetensorsFile.open(rawFile('dtype', { a: { dtype: 'Q8', shape: [2], data_offsets: [0, 8] } }, data))).toThrow(
      /tensor 'a'.*unsupported dtype "Q8"/,
    );
    expect(() => SafetensorsFile.open(rawFile('span', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data))).toThrow(/needs 12/);
    expect(() =>
      SafetensorsFile.open(
        rawFile('overlap', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data),
      ),
    ).toThrow(/overlap/);
    expect(() => SafetensorsFile.open(rawFile('hole', { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data))).toThrow(/hole/);
    expect(() => SafetensorsFile.open(rawFile('meta', { __metadata__: { a: 1 } }, Buffer.alloc(0)))).toThrow(/__metadata__.a must be a string/);
    expect(() => SafetensorsFile.open(rawFile('shape', { a: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, data))).toThrow(/shape must be/);
    expect(() => SafetensorsFile.open(rawFile('named', good, Buffer.alloc(2)))).toThrow(SafetensorsError);
    expect(() => SafetensorsFile.open(rawFile('named', good, Buffer.alloc(2)))).toThrow(/named \(tensor 'a'\)/);
  });

  it('reports I64 values that do not fit int32', () => {
    const d = Buffer.alloc(8);
    d.writeBigInt64LE(1n << 40n);
    const p = rawFile('big', { a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, d);
    expect(() => readSafetensors(p)).toThrow(/does not fit in int32/);
  });

  it('never leaves a half-written file when writing fails', () => {
    const p = join(dir, 'atomic.safetensors');
    writeSafetensors(p, { a: { dtype: 'F32', shape: [1], data: [1] } });
    const before = readFileSync(p);
    expect(() => writeSafetensors(p, { a: { dtype: 'F32', shape: [1], data: [2] }, b: { dtype: 'F32', shape: [3], data: [1] } })).toThrow(
      /has 1 values but shape \[3\] needs 3/,
    );
    expect(readFileSync(p).equals(before)).toBe(true);
    expect(existsSync(`${p}.tmp-${process.pid}`)).toBe(false);
  });
});
