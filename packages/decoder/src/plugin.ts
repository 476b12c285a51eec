/**
 * The package's plugin: `TOKENS.Detector` is a `DinoR1Detector` built around the config's backbone
 * (`TOKENS.ActiveBackbone`, so a plugin that binds another backbone changes it) with the preset named by
 * `config.model.preset` and overrides from `config.model.options.detector`. Every part (neck, encoder,
 * prompt encoder, decoder, class head, box head) comes from its factory bound under `PART_TOKENS`:
 * a later plugin that rebinds one of those tokens replaces that part only.
 */
import { definePlugin, parseConfigOptions, TOKENS, z, type Backbone, type Module } from '@dino-r1/core';
import { DETECTOR_PRESETS, type DetectorConfig } from './detector-config';
import { DinoR1Detector } from './detector';
import { DEFAULT_PARTS, PART_TOKENS, type DetectorParts } from './parts';

const size = (min: number) => z.number().int().min(min).optional();

/** `model.options.detector`: overrides of the preset's sizes (unknown keys are errors). */
export const DetectorOptionsSchema = z.strictObject({
  dModel: size(1),
  numLevels: size(1),
  encoderLayers: size(0),
  decoderLayers: size(1),
  promptLayers: size(0),
  numQueries: size(1),
  numHeads: size(1),
  numPoints: size(1),
  ffnDim: size(1),
  gnGroups: size(1),
  denoising: z
    .strictObject({ budget: size(0), labelNoise: z.number().min(0).max(1).optional(), boxNoise: z.number().finite().nonnegative().optional() })
    .optional(),
});

export const decoderPlugin = definePlugin('@dino-r1/decoder', (b) => {
  for (const key of Object.keys(PART_TOKENS) as Array<keyof DetectorParts>) b.bind(PART_TOKENS[key]).toConstantValue(DEFAULT_PARTS[key] as never);
  b.bind(TOKENS.Detector)
    .toDynamicValue((ctx) => {
      const { model } = ctx.get(TOKENS.Config);
      const preset = DETECTOR_PRESETS[model.preset as keyof typeof DETECTOR_PRESETS];
      if (!preset) throw new Error(`config field model.preset: unknown detector preset '${model.preset}'; known: ${Object.keys(DETECTOR_PRESETS).join(', ')}`);
      const overrides: Partial<DetectorConfig> = parseConfigOptions(DetectorOptionsSchema, model.options.detector, 'model.options.detector');
      const parts = Object.fromEntries(
        (Object.keys(PART_TOKENS) as Array<keyof DetectorParts>).map((k) => [k, ctx.get(PART_TOKENS[k])]),
      ) as unknown as DetectorParts;
      return new DinoR1Detector(ctx.get(TOKENS.ActiveBackbone) as Backbone & Module, { ...preset, ...overrides }, parts);
    })
    .inSingletonScope();
});
