import { initBackend, silentLogger, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { grqoLoss } from '../src';
import { expectWithinTolerance, loadCase } from './fixtures';

const CASES = ['paper_small', 'paper_nogt_image', 'clipped_old_policy', 'direct_surrogate'];

describe.each(['cpu', 'wasm'] as const)('grqoLoss on %s reproduces the float64 reference', (backend) => {
  beforeAll(() => initBackend(backend, { logger: silentLogger }));

  it.each(CASES)('%s: loss, layer losses, rewards, advantages, KL', (name) => {
    const c = loadCase(name);
    const out = grqoLoss(c.inputs, c.config, c.options);
    expectWithinTolerance(tf.reshape(out.loss, [1]), c.expected.get('loss')!, 'loss');
    expectWithinTolerance(out.layerLosses, c.expected.get('layer_losses')!, 'layer_losses');
    expectWithinTolerance(out.rewards, c.expected.get('rewards')!, 'rewards');
    expectWithinTolerance(out.advantages, c.expected.get('advantages')!, 'advantages');
    expectWithinTolerance(out.kl, c.expected.get('kl')!, 'kl');
  });

  it.each(CASES)('%s: gradients', (name) => {
    const c = loadCase(name);
    const direct = c.config.surrogate === 'direct';
    const f = (sel: Tensor, logits: Tensor, boxes: Tensor) =>
      grqoLoss({ ...c.inputs, selLogits: sel, predLogits: logits, predBoxes: boxes }, c.config, c.options).loss;
    const [gSel, gLogits, gBoxes] = tf.grads(f)([c.inputs.selLogits, c.inputs.predLogits, c.inputs.predBoxes]);
    expectWithinTolerance(gSel, c.expected.get('grad_sel_logits')!, 'grad_sel_logits');
    if (direct) {
      expectWithinTolerance(gLogits, c.expected.get('grad_pred_logits')!, 'grad_pred_logits');
      expectWithinTolerance(gBoxes, c.expected.get('grad_pred_boxes')!, 'grad_pred_boxes');
    } else {
      // score-function surrogate: rewards are verifiable constants, no gradient reaches the predictions
      expect(tf.max(tf.abs(gLogits)).arraySync()).toBe(0);
      expect(tf.max(tf.abs(gBoxes)).arraySync()).toBe(0);
    }
  });
});
