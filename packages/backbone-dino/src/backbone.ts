/**
 * The `Backbone` plugin: DINOv2 ViT + simple feature pyramid, as the detector consumes it
 * (core contract: NHWC maps, finest first, with channel counts and strides known up front).
 */
import { type Backbone, type FeaturePyramid, type ImageBatch, Module, tf } from '@dino-r1/core';
import { DinoVisionTransformer, type DinoV2Config } from './dinov2';
import { SimpleFeaturePyramid } from './pyramid';

export class DinoV2Backbone extends Module implements Backbone {
  readonly vit: DinoVisionTransformer;
  readonly pyramid: SimpleFeaturePyramid;

  constructor(config: Partial<DinoV2Config> = {}) {
    super();
    this.vit = this.module('vit', new DinoVisionTransformer(config));
    this.pyramid = this.module('pyramid', new SimpleFeaturePyramid(this.vit.config.embed_dim, this.vit.config.patch_size));
  }

  get outChannels(): readonly number[] {
    return this.pyramid.outChannels;
  }

  get strides(): readonly number[] {
    return this.pyramid.strides;
  }

  forward(images: ImageBatch, training: boolean): FeaturePyramid {
    // padding pixels are zeroed first, so whatever they hold cannot influence any output
    const pixels = tf.tidy(() => tf.mul(images.pixels, tf.expandDims(tf.sub(1, tf.cast(images.mask, 'float32')), -1)));
    const f = this.vit.forwardFeatures(pixels, training);
    pixels.dispose();
    const [h, w] = f.grid;
    const map = tf.reshape(f.patchTokens, [f.patchTokens.shape[0], h, w, this.vit.config.embed_dim]);
    const levels = this.pyramid.forward(map) as tf.Tensor4D[];
    tf.dispose([f.clsToken, f.regTokens, f.patchTokens, map]);
    return { levels, strides: [...this.strides] };
  }

  reseedNoise(seed: number): void {
    this.vit.reseedNoise(seed);
  }
}
