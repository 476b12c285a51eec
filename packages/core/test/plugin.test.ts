import 'reflect-metadata';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject, injectable } from 'inversify';
import * as core from '@dino-r1/core';
import type { Reward, WeightedReward, QueryPredictions, RewardTargets } from '@dino-r1/core';

const { createContainer, definePlugin, NotRegisteredError, TOKENS, tf } = core;

/**
 * A user's project outside the workspace: its own folder, `@dino-r1/core` installed in its node_modules
 * (a link to the built package, as `npm install` would give), and a plugin written in plain JavaScript.
 * Nothing in any workspace package knows about it.
 */
function writeExternalPlugin(): string {
  const project = mkdtempSync(join(tmpdir(), 'dino-r1-user-'));
  mkdirSync(join(project, 'node_modules', '@dino-r1'), { recursive: true });
  symlinkSync(resolve(__dirname, '..'), join(project, 'node_modules', '@dino-r1', 'core'), 'dir');
  writeFileSync(
    join(project, 'center-distance-reward.js'),
    `const { definePlugin, TOKENS, tf } = require('@dino-r1/core');
class CenterDistanceReward {
  constructor() { this.name = 'center-distance'; }
  // -|c_pred - c_gt|_2 for every query/GT pair: [..., Q, G]
  matrix(pred, gt) {
    return tf.tidy(() => {
      const p = tf.expandDims(tf.slice(pred.boxes, [0, 0], [-1, 2]), 1);
      const g = tf.expandDims(tf.slice(gt.boxes, [0, 0], [-1, 2]), 0);
      return tf.neg(tf.sqrt(tf.sum(tf.square(tf.sub(p, g)), -1)));
    });
  }
}
module.exports = definePlugin('user:center-distance', (b) => {
  b.bindNamed(TOKENS.Reward, 'center-distance', CenterDistanceReward);
});
`,
  );
  return join(project, 'center-distance-reward.js');
}

@injectable()
class ConstantReward implements Reward {
  readonly name = 'constant';
  constructor(@inject(TOKENS.Config) private readonly config: core.DinoR1Config) {}
  matrix(pred: QueryPredictions, gt: RewardTargets) {
    return tf.fill([pred.boxes.shape[0], gt.boxes.shape[0]], this.config.seed);
  }
}

const builtins = definePlugin('test:builtins', (b) => {
  b.bindNamed(TOKENS.Reward, 'constant', ConstantReward);
});

describe('plugin container', () => {
  beforeAll(() => core.initBackend('cpu', { logger: core.silentLogger }));

  it('picks up a user-defined reward registered from outside the workspace', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const external = require(writeExternalPlugin());
    const container = createContainer(
      {
        seed: 3,
        grqo: {
          rewards: [
            { name: 'center-distance', weight: 5 },
            { name: 'constant', weight: 2 },
          ],
        },
      },
      [builtins, external],
      { logger: core.silentLogger },
    );
    const rewards = container.get<WeightedReward[]>(TOKENS.ActiveRewards);
    expect(rewards.map((r) => [r.reward.name, r.weight])).toEqual([
      ['center-distance', 5],
      ['constant', 2],
    ]);
    const pred = {
      logits: tf.zeros([2, 1]),
      boxes: tf.tensor2d([
        [0.5, 0.5, 0.1, 0.1],
        [0.2, 0.1, 0.1, 0.1],
      ]),
    };
    const gt = { boxes: tf.tensor2d([[0.5, 0.2, 0.3, 0.3]]), labels: tf.tensor1d([0], 'int32') };
    const m = rewards[0].reward.matrix(pred, gt).arraySync() as number[][];
    expect(m[0][0]).toBeCloseTo(-0.3, 6);
    expect(m[1][0]).toBeCloseTo(-Math.hypot(0.3, 0.1), 6);
    // injection works for classes bound by name: the constant reward got the config
    expect(rewards[1].reward.matrix(pred, gt).arraySync()).toEqual([[3], [3]]);
  });

  it('lists what is registered when the config names something unknown', () => {
    const container = createContainer({ grqo: { rewards: [{ name: 'iuo', weight: 1 }] } }, [builtins], {
      logger: core.silentLogger,
    });
    expect(() => container.get(TOKENS.ActiveRewards)).toThrow(NotRegisteredError);
    expect(() => container.get(TOKENS.ActiveRewards)).toThrow(
      "no Reward named 'iuo' is registered (config field grqo.rewards.0.name); registered: 'constant' (from test:builtins)",
    );
    expect(() => container.get(TOKENS.ActiveKlAnchor)).toThrow(/no KlAnchor named 'epoch-snapshot' .*grqo\.klAnchor\.name.*registered: none/);
  });

  it('chooses named implementations by config and lets a later plugin override an earlier one', () => {
    const anchors = (label: string) =>
      definePlugin(`test:${label}`, (b) => {
        for (const name of ['ema', 'none']) {
          b.bindNamed(TOKENS.KlAnchor, name, { factory: () => ({ name: `${label}:${name}` }) as unknown as core.KlAnchor });
        }
      });
    const c1 = createContainer({ grqo: { klAnchor: { name: 'ema' } } }, [anchors('a')], { logger: core.silentLogger });
    expect(c1.get(TOKENS.ActiveKlAnchor).name).toBe('a:ema');
    const override = definePlugin('test:override', (b) => {
      b.unbindSync(TOKENS.KlAnchor);
      b.bindNamed(TOKENS.KlAnchor, 'ema', { factory: () => ({ name: 'mine' }) as unknown as core.KlAnchor });
    });
    const c2 = createContainer({ grqo: { klAnchor: { name: 'ema' } } }, [anchors('a'), override], {
      logger: core.silentLogger,
    });
    expect(c2.get(TOKENS.ActiveKlAnchor).name).toBe('mine');
  });

  it('validates the config before building anything', () => {
    expect(() => createContainer({ grqo: { alpha: 'high' } } as never, [])).toThrow(/grqo\.alpha/);
  });
});
