/** Test helper: official DINOv2 names → Hugging Face names (the inverse of the package's mapping, written independently). */
import { tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export /** Renames official keys to Hugging Face `Dinov2WithRegistersModel` names, splitting qkv into q/k/v. */
function toHuggingFace(state: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of state) {
    let m: RegExpExecArray | null;
    if ((m = /^blocks\.(\d+)\.attn\.qkv\.(weight|bias)$/.exec(k))) {
      const [q, kk, v] = tf.split(t, 3, 0);
      out.set(`encoder.layer.${m[1]}.attention.attention.query.${m[2]}`, q);
      out.set(`encoder.layer.${m[1]}.attention.attention.key.${m[2]}`, kk);
      out.set(`encoder.layer.${m[1]}.attention.attention.value.${m[2]}`, v);
      continue;
    }
    const renamed = k
      .replace(/^cls_token$/, 'embeddings.cls_token')
      .replace(/^mask_token$/, 'embeddings.mask_token')
      .replace(/^register_tokens$/, 'embeddings.register_tokens')
      .replace(/^pos_embed$/, 'embeddings.position_embeddings')
      .replace(/^patch_embed\.proj\./, 'embeddings.patch_embeddings.projection.')
      .replace(/^blocks\.(\d+)\.attn\.proj\./, 'encoder.layer.$1.attention.output.dense.')
      .replace(/^blocks\.(\d+)\.ls([12])\.gamma$/, 'encoder.layer.$1.layer_scale$2.lambda1')
      .replace(/^blocks\.(\d+)\./, 'encoder.layer.$1.')
      .replace(/^norm\./, 'layernorm.');
    out.set(renamed, t);
  }
  return out;
}
