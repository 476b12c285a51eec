/**
 * `DinoR1Detector` (DESIGN.md §4): backbone → channel-mapper neck → flattened memory → deformable encoder →
 * visual prompt encoder → visual-guided query selection → decoder with iterative refinement → contrastive
 * class head and box head per decoder layer. Parameter names follow mmdetection's DINO where a counterpart
 * exists (`neck.*`, `encoder.*`, `decoder.*`, `level_embed`, `query_embedding.weight`, `memory_trans_*`,
 * `bbox_head.cls_branches.{l}`, `bbox_head.reg_branches.{l}`, with index L for the encoder's proposals).
 */
import {
  batchGather,
  lcg,
  Module,
  ModuleList,
  noGrad,
  subSeed,
  tf,
  type Backbone,
  type Detection,
  type Detector,
  type DetectorOutput,
  type ImageBatch,
  type RewardTargets,
  type PromptBatch,
} from '@dino-r1/core';
import type { Tensor, Tensor2D, Tensor3D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import { denoisingQueries } from './denoising';
import type { DetectorConfig } from './detector-config';
import { flattenLevels, type FlatMemory } from './memory';
import {
  DEFAULT_PARTS,
  type BoxHeadPart,
  type ClassHeadPart,
  type DecoderPart,
  type DetectorParts,
  type EncoderPart,
  type NeckPart,
  type PromptEncoderPart,
} from './parts';
import { encoderProposals, QuerySelection } from './query-selection';

/** mmdetection's `bbox_head`: one class and one box branch per decoder layer, and one more (index L) for the encoder's proposals. */
class BboxHead extends Module {
  readonly cls_branches: ModuleList<ClassHeadPart>;
  readonly reg_branches: ModuleList<BoxHeadPart>;
  constructor(c: DetectorConfig, parts: DetectorParts) {
    super();
    this.cls_branches = this.module('cls_branches', new ModuleList(Array.from({ length: c.decoderLayers + 1 }, () => parts.classHead(c))));
    this.reg_branches = this.module('reg_branches', new ModuleList(Array.from({ length: c.decoderLayers + 1 }, () => parts.boxHead(c))));
  }
}

interface Encoded {
  mem: FlatMemory;
  encoded: Tensor;
  prompts: Tensor;
}

export class DinoR1Detector extends Module implements Detector {
  readonly backbone: Backbone & Module;
  readonly neck: NeckPart;
  readonly level_embed: Variable;
  readonly encoder: EncoderPart;
  readonly prompt_encoder: PromptEncoderPart;
  readonly selection: QuerySelection;
  readonly query_embedding: Module & { weight: Variable };
  readonly decoder: DecoderPart;
  readonly bbox_head: BboxHead;
  readonly backbonePrefix = 'backbone.';
  /** Denoising noise: seeded, advanced by every training forward (reproducible runs). */
  private dnRandom = lcg(12345);

  /**
   * Restarts the denoising noise and the backbone's stochastic depth from `seed`. A training loop reseeds
   * per batch, so a resumed run draws the same noise, and the KL anchor's reference forward (reseeded
   * alike) sees the same stochastic-depth masks as the policy's forward.
   */
  reseedNoise(seed: number): void {
    this.dnRandom = lcg(subSeed(seed, 'denoising'));
    this.backbone.reseedNoise?.(subSeed(seed, 'backbone'));
  }

  get embeddingDim(): number {
    return this.config.dModel;
  }

  get padMultiple(): number {
    return Math.max(...this.backbone.strides);
  }

  /** `parts` replaces any of the default part factories (the container passes the bound ones). */
  constructor(
    backbone: Backbone & Module,
    readonly config: DetectorConfig,
    parts: Partial<DetectorParts> = {},
  ) {
    super();
    const c = config;
    if (c.numLevels < backbone.outChannels.length) throw new Error(`detector: ${c.numLevels} levels but the backbone gives ${backbone.outChannels.length}`);
    this.backbone = this.module('backbone', backbone);
    const p: DetectorParts = { ...DEFAULT_PARTS, ...parts };
    this.neck = this.module('neck', p.neck(backbone.outChannels, c));
    this.level_embed = this.param('level_embed', tf.randomNormal([c.numLevels, c.dModel]));
    this.encoder = this.module('encoder', p.encoder(c));
    this.prompt_encoder = this.module('prompt_encoder', p.promptEncoder(c));
    // mmdetection keeps memory_trans_fc/norm at the top level of the detector
    this.selection = new QuerySelection(c.dModel, c.numQueries);
    for (const [name, m] of [
      ['memory_trans_fc', this.selection.memory_trans_fc],
      ['memory_trans_norm', this.selection.memory_trans_norm],
    ] as const)
      this.module(name, m);
    const embedding = new (class extends Module {
      readonly weight = this.param('weight', tf.randomNormal([c.numQueries, c.dModel]));
    })();
    this.query_embedding = this.module('query_embedding', embedding);
    this.decoder = this.module('decoder', p.decoder(c));
    this.bbox_head = this.module('bbox_head', new BboxHead(c, p));
  }

  private encode(images: ImageBatch, prompts: PromptBatch, training: boolean): Encoded {
    const { levels } = this.backbone.forward(images, training);
    const maps = this.neck.forward(levels);
    const mem = flattenLevels(maps, images.mask, this.level_embed, { numFeats: this.config.dModel / 2, offset: 0, temperature: 20 });
    const encoded = this.encoder.forward(mem);
    const promptEmb = prompts.embeddings ?? this.encodePrompts(encoded, mem, prompts);
    tf.dispose([...levels, ...maps]);
    return { mem, encoded, prompts: promptEmb };
  }

  /** `[B,K,d]`: the box prompts through the prompt encoder, then the negatives' finished embeddings (no gradient). */
  private encodePrompts(encoded: Tensor, mem: FlatMemory, prompts: PromptBatch): Tensor {
    const negatives = prompts.negatives;
    if (!negatives) return this.prompt_encoder.forward(encoded, mem, prompts);
    const [B, K] = prompts.mask.shape;
    const N = negatives.shape[0];
    if (N > K) throw new Error(`detector: ${N} negative prompts but only ${K} prompt slots`);
    const boxPrompts: PromptBatch = {
      boxes: tf.slice(prompts.boxes, [0, 0, 0], [B, K - N, 4]),
      sourceImage: tf.slice(prompts.sourceImage, [0, 0], [B, K - N]),
      mask: tf.slice(prompts.mask, [0, 0], [B, K - N]),
      categoryIds: prompts.categoryIds.map((row) => row.slice(0, K - N)),
    };
    const own = this.prompt_encoder.forward(encoded, mem, boxPrompts);
    const fixed = tf.broadcastTo(
      tf.expandDims(
        noGrad(() => tf.clone(negatives)),
        0,
      ),
      [B, N, negatives.shape[1]],
    );
    return tf.concat([own, fixed], 1);
  }

  forward(images: ImageBatch, prompts: PromptBatch, training: boolean, targets?: readonly RewardTargets[]): DetectorOutput {
    const promptMask = prompts.mask.arraySync() as number[][];
    return tf.tidy(() => {
      const { mem, encoded, prompts: promptEmb } = this.encode(images, prompts, training);
      const L = this.config.decoderLayers;
      const heads = this.bbox_head;
      const sel = this.selection.forward(encoded, mem, promptEmb, prompts.mask, heads.cls_branches.items[L], heads.reg_branches.items[L]);
      const B = images.pixels.shape[0];
      const Q = this.config.numQueries;
      const query = tf.broadcastTo(tf.expandDims(this.query_embedding.weight, 0), [B, Q, this.config.dModel]);
      const dn = training && targets && this.config.denoising ? denoisingQueries(targets, promptEmb, promptMask, this.dnRandom, this.config.denoising) : null;
      const N = dn?.numQueries ?? 0;
      const dec = this.decoder.forward(
        dn ? tf.concat([dn.content, query], 1) : query,
        dn ? tf.concat([dn.references, sel.referenceBoxes], 1) : sel.referenceBoxes,
        encoded,
        mem,
        heads.reg_branches.items.slice(0, L),
        dn ? dn.attentionMask(Q) : null,
      );
      const logits = tf.stack(
        heads.cls_branches.items
          .slice(0, L)
          .map((h, l) => h.forward(tf.squeeze(tf.slice(dec.hidden, [l, 0, 0, 0], [1, -1, -1, -1]), [0]), promptEmb, prompts.mask)),
      );
      const part = (t: Tensor, from: number, n: number) => tf.slice(t, [0, 0, from, 0], [-1, -1, n, -1]) as Tensor4D;
      return {
        predLogits: part(logits, N, Q),
        predBoxes: part(dec.boxes, N, Q),
        denoising: dn ? { predLogits: part(logits, 0, N), predBoxes: part(dec.boxes, 0, N), pairs: dn.pairs } : undefined,
        proposalLogits: sel.proposalLogits as Tensor3D,
        proposalBoxes: sel.proposalBoxes as Tensor3D,
        selectedIndices: sel.selectedIndices as Tensor2D,
        selectionLogits: sel.selectionLogits as Tensor2D,
        ...(training ? { objectness: sel.objectness as Tensor2D, promptEmbeddings: promptEmb as Tensor3D } : {}),
      };
    }) as DetectorOutput;
  }

  /** `[B,K,d]` embeddings of the prompt boxes (what a prompt bank averages per category). */
  promptEmbeddings(images: ImageBatch, prompts: PromptBatch): Tensor3D {
    return tf.tidy(() => this.encode(images, { ...prompts, embeddings: undefined }, false).prompts as Tensor3D);
  }

  /**
   * The objectness logits at `indices` (`[B,Q]`), as `forward` with the same `training` flag computes them;
   * in training mode the train-time noise is drawn as in `forward` (reseed both alike to get the same masks).
   */
  selectionLogitsAt(images: ImageBatch, prompts: PromptBatch, indices: Tensor2D, training = false): Tensor2D {
    return tf.tidy(() => {
      const { mem, encoded, prompts: promptEmb } = this.encode(images, prompts, training);
      const { valid } = encoderProposals(mem);
      const { objectness } = this.selection.objectness(
        encoded,
        mem,
        valid,
        promptEmb,
        prompts.mask,
        this.bbox_head.cls_branches.items[this.config.decoderLayers],
      );
      return batchGather(objectness, indices) as Tensor2D;
    });
  }

  /** Top-k over queries × prompts of the last layer's scores; boxes as pixel xyxy of each image's real size. */
  postProcess(output: DetectorOutput, prompts: PromptBatch, images: ImageBatch, topK: number): Detection[] {
    return noGrad(() => {
      const L = output.predLogits.shape[0];
      const scores = tf.tidy(() => tf.sigmoid(tf.squeeze(tf.slice(output.predLogits, [L - 1, 0, 0, 0], [1, -1, -1, -1]), [0])).arraySync() as number[][][]);
      const boxes = tf.tidy(() => tf.squeeze(tf.slice(output.predBoxes, [L - 1, 0, 0, 0], [1, -1, -1, -1]), [0]).arraySync() as number[][][]);
      const out: Detection[] = [];
      scores.forEach((perQuery, b) => {
        const [h, w] = images.sizes[b];
        const cands: Array<[number, number, number]> = [];
        perQuery.forEach((row, q) => row.forEach((s, k) => prompts.categoryIds[b][k] >= 0 && cands.push([s, q, k])));
        cands.sort((x, y) => y[0] - x[0]);
        for (const [s, q, k] of cands.slice(0, topK)) {
          const [cx, cy, bw, bh] = boxes[b][q];
          out.push({
            imageIndex: b,
            categoryId: prompts.categoryIds[b][k],
            score: s,
            boxXyxy: [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h],
          });
        }
      });
      return out;
    });
  }
}
