/**
 * Reusable work buffers. Allocating fresh multi-megabyte arrays on every call costs as much as the
 * kernels themselves (the OS maps and zeroes new pages on first touch), so buffers are kept per name
 * and grown when needed. Kernels are synchronous and not re-entrant, so one buffer per name suffices.
 */
const plain = new Map<string, Float32Array>();
const shared = new Map<string, Float32Array>();

function take(cache: Map<string, Float32Array>, name: string, length: number, isShared: boolean, zero: boolean): Float32Array {
  let buf = cache.get(name);
  if (!buf || buf.length < length) {
    buf = new Float32Array(isShared ? new SharedArrayBuffer(length * 4) : new ArrayBuffer(length * 4));
    cache.set(name, buf);
    return buf.subarray(0, length); // fresh memory is zero
  }
  const view = buf.subarray(0, length);
  if (zero) view.fill(0);
  return view;
}

/** A plain scratch array of `length` floats (zero-filled when `zero`). */
export function scratch(name: string, length: number, zero = false): Float32Array {
  return take(plain, name, length, false, zero);
}

/** A scratch array on a SharedArrayBuffer, for worker threads. */
export function sharedScratch(name: string, length: number, zero = false): Float32Array {
  return take(shared, name, length, true, zero);
}
