/** DETR's small MLP: Linear layers with ReLU between them, named `layers.{i}` (reference points, box positions). */
import { Linear, Module, ModuleList, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export class Mlp extends Module {
  readonly layers: ModuleList<Linear>;
  constructor(dims: readonly number[]) {
    super();
    this.layers = this.module('layers', new ModuleList(dims.slice(1).map((d, i) => new Linear(dims[i], d))));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.layers.items.reduce((y, lin, i) => (i === 0 ? lin.forward(y) : lin.forward(tf.relu(y))), x));
  }
}
