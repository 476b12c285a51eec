/**
 * The official DINOv2 architectures (torch hub `dinov2_vit{s,b,l,g}14[_reg]`): 518-px position grid,
 * patch 14, LayerScale init 1; registers models use 4 registers, antialiased interpolation and offset 0.
 */
import type { DinoV2Config } from './dinov2';

const base = { img_size: 518, patch_size: 14, init_values: 1, mlp_ratio: 4 };
const sizes = {
  vits14: { embed_dim: 384, depth: 12, num_heads: 6, ffn_layer: 'mlp' as const },
  vitb14: { embed_dim: 768, depth: 12, num_heads: 12, ffn_layer: 'mlp' as const },
  vitl14: { embed_dim: 1024, depth: 24, num_heads: 16, ffn_layer: 'mlp' as const },
  vitg14: { embed_dim: 1536, depth: 40, num_heads: 24, ffn_layer: 'swiglufused' as const },
};
const plain = { num_register_tokens: 0, interpolate_antialias: false, interpolate_offset: 0.1 };
const reg = { num_register_tokens: 4, interpolate_antialias: true, interpolate_offset: 0 };

export const DINOV2_PRESETS: Record<string, Partial<DinoV2Config>> = Object.fromEntries(
  Object.entries(sizes).flatMap(([name, s]) => [
    [name, { ...base, ...s, ...plain }],
    [`${name}_reg`, { ...base, ...s, ...reg }],
  ]),
);
