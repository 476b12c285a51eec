/**
 * The package's plugin: the `dinov2` backbone, built from `config.model.options` — the official DINOv2
 * constructor argument names and/or a `preset`. Unknown keys are errors (`detector` belongs to the
 * detector plugin and is checked there).
 */
import { definePlugin, parseConfigOptions, TOKENS, z } from '@dino-r1/core';
import { DinoV2Backbone } from './backbone';
import { dinov2ConfigOverrides } from './config';
import { DINOV2_PRESETS } from './presets';

const int = (min: number) => z.number().int().min(min).optional();

/** `model.options` of the `dinov2` backbone. */
export const DinoV2OptionsSchema = z.strictObject({
  preset: z.enum(Object.keys(DINOV2_PRESETS) as [string, ...string[]]).optional(),
  img_size: int(1),
  patch_size: int(1),
  in_chans: int(1),
  embed_dim: int(1),
  depth: int(1),
  num_heads: int(1),
  mlp_ratio: z.number().finite().positive().optional(),
  qkv_bias: z.boolean().optional(),
  ffn_bias: z.boolean().optional(),
  proj_bias: z.boolean().optional(),
  drop_path_rate: z.number().min(0).lt(1).optional(),
  drop_path_uniform: z.boolean().optional(),
  init_values: z.number().finite().nonnegative().optional(),
  num_register_tokens: int(0),
  ffn_layer: z.enum(['mlp', 'swiglu', 'swiglufused']).optional(),
  interpolate_antialias: z.boolean().optional(),
  interpolate_offset: z.number().finite().optional(),
  /** The detector's size overrides (validated by `@dino-r1/decoder`). */
  detector: z.unknown().optional(),
});

export const backboneDinoPlugin = definePlugin('@dino-r1/backbone-dino', (b) => {
  b.bindNamed(TOKENS.Backbone, 'dinov2', {
    factory: (ctx) => {
      const { detector: _detector, preset, ...args } = parseConfigOptions(DinoV2OptionsSchema, ctx.get(TOKENS.Config).model.options, 'model.options');
      return new DinoV2Backbone({ ...(preset ? DINOV2_PRESETS[preset] : {}), ...dinov2ConfigOverrides(args, 'config model.options') });
    },
  });
});
