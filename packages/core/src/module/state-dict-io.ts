/** State dicts ⇄ safetensors files (PyTorch names and layouts on disk). */
import { tf } from '../backend/tf';
import type { Tensor } from '@tensorflow/tfjs-core';
import { readSafetensors, writeSafetensors, type SafetensorsEntry, type TensorToWrite } from '../safetensors';
import type { Module, StateDictReport } from './module';

/** A safetensors entry as a tfjs tensor (float types float32, integer types int32, U8/BOOL int32). */
export function entryToTensor(entry: SafetensorsEntry): Tensor {
  const data = entry.data instanceof Uint8Array ? Int32Array.from(entry.data) : entry.data;
  return tf.tensor(data, [...entry.shape], data instanceof Float32Array ? 'float32' : 'int32');
}

/** Tensors → safetensors entries (float32 → F32, int32/bool → I32). Reads values synchronously. */
export function tensorsToEntries(tensors: ReadonlyMap<string, Tensor>): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const [name, t] of tensors) {
    const dtype = t.dtype === 'float32' ? 'F32' : 'I32';
    out.set(name, { dtype, shape: t.shape, data: t.dataSync() as Float32Array | Int32Array });
  }
  return out;
}

/** Reads a safetensors file into tfjs tensors (the caller disposes them). */
export function loadTensors(path: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = readSafetensors(path);
  const out = new Map<string, Tensor>();
  for (const [name, entry] of tensors) out.set(name, entryToTensor(entry));
  return { tensors: out, metadata };
}

/** Writes a module's state dict (PyTorch layout) atomically. */
export function saveModule(path: string, module: Module, metadata?: Record<string, string>): void {
  const state = module.stateDict();
  try {
    writeSafetensors(path, tensorsToEntries(state), metadata);
  } finally {
    for (const t of state.values()) t.dispose();
  }
}

/** Loads a safetensors state dict into a module; strict by default (see `Module.loadStateDict`). */
export function loadModule(path: string, module: Module, opts: { strict?: boolean } = {}): StateDictReport {
  const { tensors } = loadTensors(path);
  try {
    return module.loadStateDict(tensors, { ...opts, source: path });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
