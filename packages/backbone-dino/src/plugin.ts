/** The package's plugin: the `dinov2` backbone, built from `config.model.options` (official argument names or `preset`). */
import { definePlugin, TOKENS } from '@dino-r1/core';
import { DinoV2Backbone } from './backbone';
import { dinov2ConfigOverrides } from './config';
import { DINOV2_PRESETS } from './presets';

export const backboneDinoPlugin = definePlugin('@dino-r1/backbone-dino', (b) => {
  b.bindNamed(TOKENS.Backbone, 'dinov2', {
    factory: (ctx) => {
      const { options } = ctx.get(TOKENS.Config).model;
      const preset = typeof options.preset === 'string' ? DINOV2_PRESETS[options.preset] : {};
      if (options.preset !== undefined && !preset) {
        throw new Error(
          `config field model.options.preset: unknown DINOv2 preset '${String(options.preset)}'; known: ${Object.keys(DINOV2_PRESETS).join(', ')}`,
        );
      }
      return new DinoV2Backbone({ ...preset, ...dinov2ConfigOverrides(options, 'config model.options') });
    },
  });
});
