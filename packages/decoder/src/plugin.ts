/**
 * The package's plugin: `TOKENS.Detector` is a `DinoR1Detector` built around the config's backbone
 * (`TOKENS.ActiveBackbone`, so a plugin that binds another backbone changes it) with the preset named by
 * `config.model.preset` (`tiny` or `paper`) and overrides from `config.model.options.detector`.
 */
import { definePlugin, TOKENS, type Backbone, type Module } from '@dino-r1/core';
import { DETECTOR_PRESETS, DinoR1Detector, type DetectorConfig } from './detector';

export const decoderPlugin = definePlugin('@dino-r1/decoder', (b) => {
  b.bind(TOKENS.Detector)
    .toDynamicValue((ctx) => {
      const { model } = ctx.get(TOKENS.Config);
      const preset = DETECTOR_PRESETS[model.preset as keyof typeof DETECTOR_PRESETS];
      if (!preset) throw new Error(`config field model.preset: unknown detector preset '${model.preset}'; known: ${Object.keys(DETECTOR_PRESETS).join(', ')}`);
      const overrides = (model.options.detector ?? {}) as Partial<DetectorConfig>;
      return new DinoR1Detector(ctx.get(TOKENS.ActiveBackbone) as Backbone & Module, { ...preset, ...overrides });
    })
    .inSingletonScope();
});
