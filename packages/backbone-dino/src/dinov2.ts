/**
 * `DinoVisionTransformer` with the official semantics (`dinov2/models/vision_transformer.py`): patch
 * embedding, cls token, position embedding (interpolated to the input grid), register tokens inserted
 * after it, pre-norm blocks, final norm. Parameter names are the official `state_dict` keys. Images are
 * NHWC `[B,H,W,3]` (already normalised), H and W multiples of the patch size.
 */
import { lcg, Module, ModuleList, LayerNorm, tf } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { Block } from './blocks';
import { interpolatePosEncoding } from './pos-embed';

/** The official constructor arguments (snake_case, as in checkpoints' configs and the fixtures). */
export interface DinoV2Config {
  img_size: number;
  patch_size: number;
  in_chans: number;
  embed_dim: number;
  depth: number;
  num_heads: number;
  mlp_ratio: number;
  qkv_bias: boolean;
  ffn_bias: boolean;
  proj_bias: boolean;
  drop_path_rate: number;
  drop_path_uniform: boolean;
  init_values: number;
  num_register_tokens: number;
  ffn_layer: 'mlp' | 'swiglu' | 'swiglufused';
  interpolate_antialias: boolean;
  interpolate_offset: number;
}

export const DINOV2_DEFAULTS: DinoV2Config = {
  img_size: 224,
  patch_size: 16,
  in_chans: 3,
  embed_dim: 768,
  depth: 12,
  num_heads: 12,
  mlp_ratio: 4,
  qkv_bias: true,
  ffn_bias: true,
  proj_bias: true,
  drop_path_rate: 0,
  drop_path_uniform: false,
  init_values: 1,
  num_register_tokens: 0,
  ffn_layer: 'mlp',
  interpolate_antialias: false,
  interpolate_offset: 0.1,
};

class Conv2d extends Module {
  readonly weight: Variable;
  readonly bias: Variable;
  constructor(inC: number, outC: number, k: number) {
    super();
    const b = 1 / Math.sqrt(inC * k * k);
    this.weight = this.param('weight', tf.randomUniform([k, k, inC, outC], -b, b), 'conv2d');
    this.bias = this.param('bias', tf.randomUniform([outC], -b, b));
  }
}

class PatchEmbed extends Module {
  readonly proj: Conv2d;
  constructor(
    readonly patchSize: number,
    inC: number,
    dim: number,
  ) {
    super();
    this.proj = this.module('proj', new Conv2d(inC, dim, patchSize));
  }
  /** `[B,H,W,C]` → `[B,h·w,D]` row-major over the patch grid. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const y = tf.add(tf.conv2d(x as tf.Tensor4D, this.proj.weight as tf.Tensor4D, this.patchSize, 'valid'), this.proj.bias);
      const [B, h, w, D] = y.shape;
      return tf.reshape(y, [B, h * w, D]);
    });
  }
}

export interface DinoV2Features {
  /** `[B,D]` */
  readonly clsToken: Tensor;
  /** `[B,R,D]` (R may be 0) */
  readonly regTokens: Tensor;
  /** `[B,h·w,D]` */
  readonly patchTokens: Tensor;
  readonly grid: readonly [number, number];
}

export class DinoVisionTransformer extends Module {
  readonly config: DinoV2Config;
  readonly cls_token: Variable;
  readonly pos_embed: Variable;
  readonly register_tokens: Variable | null;
  readonly mask_token: Variable;
  readonly patch_embed: PatchEmbed;
  readonly blocks: ModuleList<Block>;
  readonly norm: LayerNorm;

  constructor(config: Partial<DinoV2Config> = {}) {
    super();
    const c = (this.config = { ...DINOV2_DEFAULTS, ...config });
    const D = c.embed_dim;
    const M = Math.floor(c.img_size / c.patch_size);
    this.cls_token = this.param('cls_token', tf.mul(tf.randomNormal([1, 1, D]), 1e-6));
    this.pos_embed = this.param('pos_embed', tf.mul(tf.truncatedNormal([1, 1 + M * M, D]), 0.02));
    this.register_tokens = c.num_register_tokens > 0 ? this.param('register_tokens', tf.mul(tf.randomNormal([1, c.num_register_tokens, D]), 1e-6)) : null;
    this.mask_token = this.param('mask_token', tf.zeros([1, D]));
    this.patch_embed = this.module('patch_embed', new PatchEmbed(c.patch_size, c.in_chans, D));
    const rates = Array.from({ length: c.depth }, (_, i) => (c.drop_path_uniform ? c.drop_path_rate : (c.drop_path_rate * i) / Math.max(1, c.depth - 1)));
    this.blocks = this.module(
      'blocks',
      new ModuleList(
        rates.map(
          (dropPath) =>
            new Block({
              dim: D,
              numHeads: c.num_heads,
              mlpRatio: c.mlp_ratio,
              ffnLayer: c.ffn_layer,
              initValues: c.init_values,
              qkvBias: c.qkv_bias,
              projBias: c.proj_bias,
              ffnBias: c.ffn_bias,
              dropPath,
            }),
        ),
      ),
    );
    this.norm = this.module('norm', new LayerNorm(D, 1e-6));
  }

  /** Tokens before the blocks: cls + pos, registers (no pos), patches + pos. */
  prepareTokens(images: Tensor): { tokens: Tensor; grid: [number, number] } {
    const [B, H, W] = images.shape as [number, number, number, number];
    const p = this.config.patch_size;
    if (H % p || W % p) throw new Error(`DINOv2: image ${H}×${W} is not a multiple of the patch size ${p}`);
    const grid: [number, number] = [H / p, W / p];
    const tokens = tf.tidy(() => {
      const patches = this.patch_embed.forward(images);
      const D = this.config.embed_dim;
      let x = tf.concat([tf.broadcastTo(this.cls_token, [B, 1, D]), patches], 1);
      const pos = interpolatePosEncoding(this.pos_embed, H, W, p, { antialias: this.config.interpolate_antialias, offset: this.config.interpolate_offset });
      x = tf.add(x, pos);
      if (this.register_tokens) {
        const R = this.config.num_register_tokens;
        x = tf.concat([tf.slice(x, [0, 0, 0], [B, 1, D]), tf.broadcastTo(this.register_tokens, [B, R, D]), tf.slice(x, [0, 1, 0], [B, -1, D])], 1);
      }
      return x;
    });
    return { tokens, grid };
  }

  private split(x: Tensor, grid: readonly [number, number]): DinoV2Features {
    const R = this.config.num_register_tokens;
    const [B, N, D] = x.shape as [number, number, number];
    return {
      clsToken: tf.reshape(tf.slice(x, [0, 0, 0], [B, 1, D]), [B, D]),
      regTokens: tf.slice(x, [0, 1, 0], [B, R, D]),
      patchTokens: tf.slice(x, [0, 1 + R, 0], [B, N - 1 - R, D]),
      grid,
    };
  }

  /** Stochastic-depth masks in training come from here (seeded: see `reseedNoise`). */
  private noise = lcg(0);

  /** Restarts the stochastic-depth draws from `seed`. */
  reseedNoise(seed: number): void {
    this.noise = lcg(seed);
  }

  /** `forward_features`: every token normalised, split into cls, registers and patches. */
  forwardFeatures(images: Tensor, training = false): DinoV2Features {
    const { tokens, grid } = this.prepareTokens(images);
    const out = tf.tidy(() => {
      let x = tokens;
      for (const blk of this.blocks.items) x = blk.forward(x, training ? this.noise : null);
      return this.norm.forward(x);
    });
    tokens.dispose();
    const f = this.split(out, grid);
    out.dispose();
    return f;
  }

  /**
   * `get_intermediate_layers(n=layers, reshape=True, norm=True)`: outputs of the given blocks (0-based)
   * through the final norm, cls and registers dropped, as NHWC maps `[B,h,w,D]` (ours; the official
   * code returns NCHW).
   */
  getIntermediateLayers(images: Tensor, layers: readonly number[], { norm = true } = {}): Tensor[] {
    const { tokens, grid } = this.prepareTokens(images);
    const wanted = new Set(layers);
    const outs = new Map<number, Tensor>();
    let x = tokens;
    this.blocks.items.forEach((blk, i) => {
      const next = blk.forward(x);
      if (x !== tokens) x.dispose();
      x = next;
      if (wanted.has(i)) outs.set(i, tf.keep(x.clone()));
    });
    tokens.dispose();
    x.dispose();
    return layers.map((i) => {
      const t = outs.get(i);
      if (!t) throw new Error(`getIntermediateLayers: block ${i} does not exist (depth ${this.config.depth})`);
      const r = tf.tidy(() => {
        const y = norm ? this.norm.forward(t) : t;
        const [B, , D] = y.shape as [number, number, number];
        const patches = tf.slice(y, [0, 1 + this.config.num_register_tokens, 0], [B, -1, D]);
        return tf.reshape(patches, [B, grid[0], grid[1], D]);
      });
      t.dispose();
      return r;
    });
  }
}
