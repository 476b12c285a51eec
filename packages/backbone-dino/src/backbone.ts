/**
 * The `Backbone` plugin: DINOv2 ViT + simple feature pyramid, as the detector consumes it
 * (core contract: NHWC maps, finest first, with channel counts and strides known up front).
 */
import { type Backbone, type FeaturePyramid, type ImageBatch, Module, type PretrainedReport, StateDictError, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { readDinov2Checkpoint } from './checkpoint-names';
import { DinoVisionTransformer, type DinoV2Config } from './dinov2';
import { interpolatePosEncoding } from './pos-embed';
import { SimpleFeaturePyramid } from './pyramid';

const describeVit = (c: DinoV2Config) =>
  `embed_dim ${c.embed_dim}, depth ${c.depth}, patch ${c.patch_size}, ${c.num_register_tokens} registers, ffn ${c.ffn_layer}, img_size ${c.img_size}`;

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

  /**
   * The ViT from a DINOv2 checkpoint (official torch-hub or Hugging Face names), strictly: any missing,
   * unexpected or mis-shaped ViT tensor refuses the file, naming them — except a position grid of another
   * size, which is resampled to this model's grid with the official interpolation (reported as reshaped).
   * Keep `img_size` equal to the checkpoint's (518 for the hub models, as the presets do) and the grid is
   * used as stored, interpolated to each input at forward time exactly as the official model does.
   * The feature pyramid is new: it keeps its initialisation.
   */
  loadPretrained(path: string): PretrainedReport {
    const ckpt = readDinov2Checkpoint(path);
    try {
      const state = new Map(ckpt.state);
      const reshaped: PretrainedReport['reshaped'] = [];
      const stored = state.get('pos_embed');
      const own = this.vit.pos_embed;
      let resampled: Tensor | null = null;
      if (stored && stored.shape.length === 3 && stored.shape[2] === own.shape[2] && stored.shape[1] !== own.shape[1]) {
        const side = Math.round(Math.sqrt(own.shape[1]! - 1)) * this.vit.config.patch_size;
        const { interpolate_antialias: antialias, interpolate_offset: offset } = this.vit.config;
        resampled = interpolatePosEncoding(stored, side, side, this.vit.config.patch_size, { antialias, offset });
        state.set('pos_embed', resampled);
        reshaped.push({ name: 'vit.pos_embed', from: [...stored.shape], to: [...resampled.shape] });
      }
      try {
        this.vit.loadStateDict(state, { source: path });
      } catch (e) {
        if (e instanceof StateDictError)
          throw new Error(`${path} is not a checkpoint of this backbone's architecture (${describeVit(this.vit.config)}): ${e.message}`);
        throw e;
      } finally {
        resampled?.dispose();
      }
      const reshapedNames = new Set(reshaped.map((r) => r.name));
      return {
        source: path,
        loaded: [...state.keys()].map((k) => `vit.${k}`).filter((k) => !reshapedNames.has(k)),
        reshaped,
        initialised: [...this.pyramid.namedParameters().keys()].map((k) => `pyramid.${k}`),
        unused: [],
      };
    } finally {
      ckpt.dispose();
    }
  }

  reseedNoise(seed: number): void {
    this.vit.reseedNoise(seed);
  }
}
