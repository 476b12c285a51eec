/**
 * `DinoR1Detector` (DESIGN.md §4): backbone → channel-mapper neck → flattened memory → deformable encoder →
 * visual prompt encoder → visual-guided query selection → decoder with iterative refinement → contrastive
 * class head and box head per decoder layer. Parameter names follow mmdetection's DINO where a counterpart
 * exists (`neck.*`, `encoder.*`, `decoder.*`, `level_embed`, `query_embedding.weight`, `memory_trans_*`,
 * `bbox_head.cls_branches.{l}`, `bbox_head.reg_branches.{l}`, with index L for the encoder's proposals).
 */
import {
  batchGather,
  Module,
  ModuleList,
  noGrad,
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
import { Decoder } from './decoder';
import { denoisingQueries, lcg, type DenoisingOptions } from './denoising';
import { DeformableEncoder } from './encoder';
import { BoxHead, ContrastiveClassHead } from './heads';
import { flattenLevels, type FlatMemory } from './memory';
import { ChannelMapper } from './neck';
import { VisualPromptEncoder } from './prompt-encoder';
import { encoderProposals, QuerySelection } from './query-selection';

export interface DetectorConfig {
  readonly dModel: number;
  readonly numLevels: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly promptLayers: number;
  readonly numQueries: number;
  readonly numHeads: number;
  readonly numPoints: number;
  readonly ffnDim: number;
  readonly gnGroups: number;
  /** Denoising queries in training (omit to disable). */
  readonly denoising?: DenoisingOptions;
}

/** Presets of DESIGN.md §4: `paper` for a GPU, `tiny` for minutes on 2 CPU cores. */
export const DETECTOR_PRESETS: Record<'paper' | 'tiny', DetectorConfig> = {
  paper: { dModel: 256, numLevels: 4, encoderLayers: 6, decoderLayers: 6, promptLayers: 1, numQueries: 900, numHeads: 8, numPoints: 4, ffnDim: 2048, gnGroups: 32, denoising: { budget: 100, labelNoise: 0.5, boxNoise: 1 } },
  tiny: { dModel: 128, numLevels: 4, encoderLayers: 2, decoderLayers: 3, promptLayers: 1, numQueries: 100, numHeads: 8, numPoints: 4, ffnDim: 512, gnGroups: 32, denoising: { budget: 30, labelNoise: 0.5, boxNoise: 1 } },
};

class BboxHead extends Module {
  readonly cls_branches: ModuleList<ContrastiveClassHead>;
  readonly reg_branches: ModuleList<BoxHead>;
  constructor(d: number, layers: number) {
    super();
    this.cls_branches = this.module('cls_branches', new ModuleList(Array.from({ length: layers + 1 }, () => new ContrastiveClassHead(d))));
    this.reg_branches = this.module('reg_branches', new ModuleList(Array.from({ length: layers + 1 }, () => new BoxHead(d))));
  }
}

interface Encoded {
  mem: FlatMemory;
  encoded: Tensor;
  prompts: Tensor;
}

export class DinoR1Detector extends Module implements Detector {
  readonly backbone: Backbone & Module;
  readonly neck: ChannelMapper;
  readonly level_embed: Variable;
  readonly encoder: DeformableEncoder;
  readonly prompt_encoder: VisualPromptEncoder;
  readonly selection: QuerySelection;
  readonly query_embedding: Module & { weight: Variable };
  readonly decoder: Decoder;
  readonly bbox_head: BboxHead;
  /** Denoising noise: seeded, advanced once per training forward (reproducible runs). */
  private dnRandom = lcg(12345);

  constructor(backbone: Backbone & Module, readonly config: DetectorConfig) {
    super();
    const c = config;
    const extra = c.numLevels - backbone.outChannels.length;
    if (extra < 0) throw new Error(`detector: ${c.numLevels} levels but the backbone gives ${backbone.outChannels.length}`);
    this.backbone = this.module('backbone', backbone);
    this.neck = this.module('neck', new ChannelMapper(backbone.outChannels, c.dModel, extra, c.gnGroups));
    this.level_embed = this.param('level_embed', tf.randomNormal([c.numLevels, c.dModel]));
    this.encoder = this.module('encoder', new DeformableEncoder({ dModel: c.dModel, numLayers: c.encoderLayers, numLevels: c.numLevels, numHeads: c.numHeads, numPoints: c.numPoints, ffnDim: c.ffnDim }));
    this.prompt_encoder = this.module(
      'prompt_encoder',
      new VisualPromptEncoder({ dModel: c.dModel, numLevels: c.numLevels, numLayers: c.promptLayers, numHeads: c.numHeads, numPoints: c.numPoints, ffnDim: c.ffnDim }),
    );
    // mmdetection keeps memory_trans_fc/norm at the top level of the detector
    this.selection = new QuerySelection(c.dModel, c.numQueries);
    for (const [name, m] of [['memory_trans_fc', this.selection.memory_trans_fc], ['memory_trans_norm', this.selection.memory_trans_norm]] as const) this.module(name, m);
    const embedding = new (class extends Module {
      readonly weight = this.param('weight', tf.randomNormal([c.numQueries, c.dModel]));
    })();
    this.query_embedding = this.module('query_embedding', embedding);
    this.decoder = this.module('decoder', new Decoder({ dModel: c.dModel, numLayers: c.decoderLayers, numLevels: c.numLevels, numHeads: c.numHeads, numPoints: c.numPoints, ffnDim: c.ffnDim }));
    this.bbox_head = this.module('bbox_head', new BboxHead(c.dModel, c.decoderLayers));
  }

  private encode(images: ImageBatch, prompts: PromptBatch, training: boolean): Encoded {
    const { levels } = this.backbone.forward(images, training);
    const maps = this.neck.forward(levels);
    const mem = flattenLevels(maps, images.mask, this.level_embed, { numFeats: this.config.dModel / 2, offset: 0, temperature: 20 });
    const encoded = this.encoder.forward(mem);
    const promptEmb = this.prompt_encoder.forward(encoded, mem, prompts);
    tf.dispose([...levels, ...maps]);
    return { mem, encoded, prompts: promptEmb };
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
      const logits = tf.stack(heads.cls_branches.items.slice(0, L).map((h, l) => h.forward(tf.squeeze(tf.slice(dec.hidden, [l, 0, 0, 0], [1, -1, -1, -1]), [0]), promptEmb, prompts.mask)));
      const part = (t: Tensor, from: number, n: number) => tf.slice(t, [0, 0, from, 0], [-1, -1, n, -1]) as Tensor4D;
      return {
        predLogits: part(logits, N, Q),
        predBoxes: part(dec.boxes, N, Q),
        denoising: dn ? { predLogits: part(logits, 0, N), predBoxes: part(dec.boxes, 0, N), pairs: dn.pairs } : undefined,
        proposalLogits: sel.proposalLogits as Tensor3D,
        proposalBoxes: sel.proposalBoxes as Tensor3D,
        selectedIndices: sel.selectedIndices as Tensor2D,
        selectionLogits: sel.selectionLogits as Tensor2D,
      };
    }) as DetectorOutput;
  }

  selectionLogitsAt(images: ImageBatch, prompts: PromptBatch, indices: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const { mem, encoded, prompts: promptEmb } = this.encode(images, prompts, false);
      const { valid } = encoderProposals(mem);
      const { objectness } = this.selection.objectness(encoded, mem, valid, promptEmb, prompts.mask, this.bbox_head.cls_branches.items[this.config.decoderLayers]);
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
          out.push({ imageIndex: b, categoryId: prompts.categoryIds[b][k], score: s, boxXyxy: [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h] });
        }
      });
      return out;
    });
  }
}
