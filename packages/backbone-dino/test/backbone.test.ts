import { createContainer, initBackend, parametersWithoutGradient, silentLogger, tf, TOKENS, type Backbone } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { backboneDinoPlugin, DinoV2Backbone, DINOV2_PRESETS } from '../src';

const tiny = { img_size: 56, patch_size: 14, embed_dim: 32, depth: 2, num_heads: 2 };

describe('DINOv2 backbone with the simple feature pyramid', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('gives 4 NHWC levels with the reported channels and strides', () => {
    const bb = new DinoV2Backbone(tiny);
    expect(bb.outChannels).toEqual([8, 16, 32, 32]);
    expect(bb.strides).toEqual([3.5, 7, 14, 28]);
    const pixels = tf.randomNormal([2, 56, 84, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const { levels } = bb.forward(
      {
        pixels,
        mask: tf.zeros([2, 56, 84]) as tf.Tensor3D,
        sizes: [
          [56, 84],
          [56, 84],
        ],
      },
      false,
    );
    expect(levels.map((l) => l.shape)).toEqual([
      [2, 16, 24, 8],
      [2, 8, 12, 16],
      [2, 4, 6, 32],
      [2, 2, 3, 32],
    ]);
    expect([...bb.stateDictShapes().keys()]).toEqual(
      expect.arrayContaining(['vit.pos_embed', 'pyramid.simfp_2.0.weight', 'pyramid.simfp_2.1.weight', 'pyramid.simfp_2.3.weight', 'pyramid.simfp_3.0.bias']),
    );
    expect(bb.stateDictShapes().get('pyramid.simfp_2.0.weight')!.shape).toEqual([32, 16, 2, 2]); // torch ConvTranspose [in,out,kh,kw]
  });

  it('trains end to end: every parameter but mask_token gets a gradient; memory is flat', () => {
    const bb = new DinoV2Backbone(tiny);
    const pixels = tf.randomNormal([1, 56, 56, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const batch = { pixels, mask: tf.zeros([1, 56, 56]) as tf.Tensor3D, sizes: [[56, 56]] as Array<[number, number]> };
    const params = [...bb.namedParameters()].filter(([n]) => !n.endsWith('mask_token'));
    const step = () =>
      parametersWithoutGradient(() => {
        const { levels } = bb.forward(batch, true);
        return tf.addN(levels.map((l: Tensor) => tf.sum(tf.square(l)))) as tf.Scalar;
      }, params);
    expect(step()).toEqual([]);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is the dinov2 plugin, built from config options and presets', () => {
    const c = createContainer({ model: { backbone: 'dinov2', options: { ...tiny, num_register_tokens: 2 } } }, [backboneDinoPlugin], { logger: silentLogger });
    const bb = c.get<Backbone>(TOKENS.ActiveBackbone) as DinoV2Backbone;
    expect(bb.vit.config.num_register_tokens).toBe(2);
    expect(DINOV2_PRESETS.vits14_reg).toMatchObject({
      embed_dim: 384,
      num_heads: 6,
      num_register_tokens: 4,
      interpolate_antialias: true,
      interpolate_offset: 0,
    });
    const bad = createContainer({ model: { options: { preset: 'vitx14' } } }, [backboneDinoPlugin], { logger: silentLogger });
    expect(() => bad.get(TOKENS.ActiveBackbone)).toThrow(/model\.options\.preset: Invalid option: expected one of "vits14"/);
  });
});
