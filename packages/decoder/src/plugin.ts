/**
 * The package's plugin: `TOKENS.Detector` is a `DinoR1Detector` built around the config's backbone
 * (`TOKENS.ActiveBackbone`, so a plugin that binds another backbone changes it) with the preset named by
 * `config.model.preset` and overrides from `config.model.options.detector`. Every part (neck, encoder,
 * prompt encoder, decoder, class head, box head) comes from its factory bound under `PART_TOKENS`:
 * a later plugin that rebinds one of those tokens replaces that part only.
 */
import { definePlugin, TOKENS, type Backbone, type Module } from '@dino-r1/core';
import { DETECTOR_PRESETS, type DetectorConfig } from './detector-config';
import { DinoR1Detector } from './detector';
import { DEFAULT_PARTS, PART_TOKENS, type DetectorParts } from './parts';

export const decoderPlugin = definePlugin('@dino-r1/decoder', (b) => {
  for (const key of Object.keys(PART_TOKENS) as Array<keyof DetectorParts>) b.bind(PART_TOKENS[key]).toConstantValue(DEFAULT_PARTS[key] as never);
  b.bind(TOKENS.Detector)
    .toDynamicValue((ctx) => {
      const { model } = ctx.get(TOKENS.Config);
      const preset = DETECTOR_PRESETS[model.preset as keyof typeof DETECTOR_PRESETS];
      if (!preset) throw new Error(`config field model.preset: unknown detector preset '${model.preset}'; known: ${Object.keys(DETECTOR_PRESETS).join(', ')}`);
      const overrides = (model.options.detector ?? {}) as Partial<DetectorConfig>;
      const parts = Object.fromEntries(
        (Object.keys(PART_TOKENS) as Array<keyof DetectorParts>).map((k) => [k, ctx.get(PART_TOKENS[k])]),
      ) as unknown as DetectorParts;
      return new DinoR1Detector(ctx.get(TOKENS.ActiveBackbone) as Backbone & Module, { ...preset, ...overrides }, parts);
    })
    .inSingletonScope();
});
