/**
 * DINOv2 checkpoints: the official (torch hub) key names are our parameter names; Hugging Face
 * `Dinov2Model` / `Dinov2WithRegistersModel` names are mapped to them, with HF's separate q/k/v fused into
 * the official `qkv` (q rows, then k, then v). What the shapes tell (width, depth, grid, patch, registers,
 * FFN kind and ratio) is inferred; the number of heads and the interpolation flags must come from a preset
 * or a config.
 */
import { loadTensors, tf, type StateDictReport } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { DinoV2Config, DinoVisionTransformer } from './dinov2';

const HF_SIMPLE: Array<[RegExp, string]> = [
  [/^embeddings\.cls_token$/, 'cls_token'],
  [/^embeddings\.mask_token$/, 'mask_token'],
  [/^embeddings\.register_tokens$/, 'register_tokens'],
  [/^embeddings\.position_embeddings$/, 'pos_embed'],
  [/^embeddings\.patch_embeddings\.projection\.(weight|bias)$/, 'patch_embed.proj.$1'],
  [/^encoder\.layer\.(\d+)\.norm([12])\.(weight|bias)$/, 'blocks.$1.norm$2.$3'],
  [/^encoder\.layer\.(\d+)\.attention\.output\.dense\.(weight|bias)$/, 'blocks.$1.attn.proj.$2'],
  [/^encoder\.layer\.(\d+)\.layer_scale([12])\.lambda1$/, 'blocks.$1.ls$2.gamma'],
  [/^encoder\.layer\.(\d+)\.mlp\.(fc[12])\.(weight|bias)$/, 'blocks.$1.mlp.$2.$3'],
  [/^encoder\.layer\.(\d+)\.mlp\.weights_in\.(weight|bias)$/, 'blocks.$1.mlp.w12.$2'],
  [/^encoder\.layer\.(\d+)\.mlp\.weights_out\.(weight|bias)$/, 'blocks.$1.mlp.w3.$2'],
  [/^layernorm\.(weight|bias)$/, 'norm.$1'],
];
const HF_QKV = /^encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.(weight|bias)$/;

export function isHuggingFaceNaming(keys: Iterable<string>): boolean {
  for (const k of keys) if (k.startsWith('embeddings.') || k.startsWith('encoder.layer.')) return true;
  return false;
}

/** HF names → official names (new tensors for fused qkv; other entries are passed through). Unknown keys stay as they are, so a strict load reports them. */
export function fromHuggingFace(state: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const qkv = new Map<string, Partial<Record<'query' | 'key' | 'value', Tensor>>>();
  for (const [k, t] of state) {
    const m = HF_QKV.exec(k);
    if (m) {
      const key = `blocks.${m[1]}.attn.qkv.${m[3]}`;
      const parts = qkv.get(key) ?? {};
      parts[m[2] as 'query' | 'key' | 'value'] = t;
      qkv.set(key, parts);
      continue;
    }
    const rule = HF_SIMPLE.find(([re]) => re.test(k));
    out.set(rule ? k.replace(rule[0], rule[1]) : k, t);
  }
  for (const [key, parts] of qkv) {
    if (!parts.query || !parts.key || !parts.value) {
      throw new Error(`Hugging Face checkpoint: ${key} needs query, key and value; found ${Object.keys(parts).join(', ')}`);
    }
    out.set(key, tf.concat([parts.query, parts.key, parts.value], 0));
  }
  return out;
}

/** What the official-named shapes say about the architecture. */
export function inferDinov2Config(shapes: ReadonlyMap<string, readonly number[]>): Partial<DinoV2Config> {
  const get = (k: string) => {
    const s = shapes.get(k);
    if (!s) throw new Error(`cannot infer the DINOv2 architecture: no '${k}' in the checkpoint`);
    return s;
  };
  const [D, , patch] = get('patch_embed.proj.weight');
  const gridEntries = get('pos_embed')[1] - 1;
  const depth = [...shapes.keys()].filter((k) => /^blocks\.\d+\.norm1\.weight$/.test(k)).length;
  const swiglu = shapes.has('blocks.0.mlp.w12.weight');
  const hidden = swiglu ? get('blocks.0.mlp.w12.weight')[0] / 2 : get('blocks.0.mlp.fc1.weight')[0];
  return {
    embed_dim: D,
    patch_size: patch,
    img_size: Math.round(Math.sqrt(gridEntries)) * patch,
    depth,
    num_register_tokens: shapes.get('register_tokens')?.[1] ?? 0,
    ffn_layer: swiglu ? 'swiglufused' : 'mlp',
    mlp_ratio: swiglu ? 4 : hidden / D,
  };
}

/** A checkpoint read into memory under the official names (Hugging Face names mapped). */
export interface Dinov2Checkpoint {
  readonly path: string;
  readonly state: ReadonlyMap<string, Tensor>;
  readonly metadata: Readonly<Record<string, string>>;
  dispose(): void;
}

export function readDinov2Checkpoint(path: string): Dinov2Checkpoint {
  const { tensors, metadata } = loadTensors(path);
  const state = isHuggingFaceNaming(tensors.keys()) ? fromHuggingFace(tensors) : tensors;
  return {
    path,
    state,
    metadata,
    dispose: () => {
      for (const t of new Set([...tensors.values(), ...state.values()])) t.dispose();
    },
  };
}

/**
 * Loads a safetensors checkpoint (official or Hugging Face names) into `model`; strict by default, so a
 * missing, unexpected or mis-shaped key fails with a message naming it.
 */
export function loadDinov2Checkpoint(path: string, model: DinoVisionTransformer, { strict = true } = {}): StateDictReport {
  const ckpt = readDinov2Checkpoint(path);
  try {
    return model.loadStateDict(ckpt.state, { strict, source: path });
  } finally {
    ckpt.dispose();
  }
}
