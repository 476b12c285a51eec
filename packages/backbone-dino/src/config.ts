/**
 * DINOv2 configs under the official constructor argument names, from JSON (typed values) or from a
 * safetensors `__metadata__` (every value a JSON string). Unknown keys are ignored; bad values are
 * errors naming the field.
 */
import { DINOV2_DEFAULTS, type DinoV2Config } from './dinov2';

const NUMBER_KEYS = [
  'img_size',
  'patch_size',
  'in_chans',
  'embed_dim',
  'depth',
  'num_heads',
  'mlp_ratio',
  'drop_path_rate',
  'init_values',
  'num_register_tokens',
  'interpolate_offset',
] as const;
const BOOLEAN_KEYS = ['qkv_bias', 'ffn_bias', 'proj_bias', 'drop_path_uniform', 'interpolate_antialias'] as const;

/** The given keys only (validated), for layering over a preset. */
export function dinov2ConfigOverrides(raw: Record<string, unknown>, source = 'config'): Partial<DinoV2Config> {
  const full = dinov2Config(raw, source, false);
  return Object.fromEntries(Object.entries(full).filter(([k]) => raw[k] !== undefined)) as Partial<DinoV2Config>;
}

export function dinov2Config(raw: Record<string, unknown>, source = 'config', checkHeads = true): DinoV2Config {
  const value = (k: string): unknown => {
    const v = raw[k];
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  };
  const out: DinoV2Config = { ...DINOV2_DEFAULTS };
  for (const k of NUMBER_KEYS) {
    const v = value(k);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: ${k} must be a number (got ${JSON.stringify(raw[k])})`);
    out[k] = v;
  }
  for (const k of BOOLEAN_KEYS) {
    const v = value(k);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') throw new Error(`${source}: ${k} must be true or false (got ${JSON.stringify(raw[k])})`);
    out[k] = v;
  }
  const ffn = value('ffn_layer');
  if (ffn !== undefined) {
    if (ffn !== 'mlp' && ffn !== 'swiglu' && ffn !== 'swiglufused')
      throw new Error(`${source}: ffn_layer must be mlp, swiglu or swiglufused (got ${JSON.stringify(raw.ffn_layer)})`);
    out.ffn_layer = ffn;
  }
  if (checkHeads && out.embed_dim % out.num_heads) throw new Error(`${source}: embed_dim ${out.embed_dim} is not divisible by num_heads ${out.num_heads}`);
  return out;
}
