import 'reflect-metadata';
import { container as rootContainer, inject as tsInject, injectable as tsInjectable } from 'tsyringe';
import { bridgeToTsyringe, createContainer, definePlugin, silentLogger, TOKENS } from '../src';
import type { DinoR1Config, WeightedReward } from '../src';

@tsInjectable()
class AppService {
  constructor(
    @tsInject(TOKENS.ActiveRewards) readonly rewards: WeightedReward[],
    @tsInject(TOKENS.Config) readonly config: DinoR1Config,
  ) {}
}

describe('tsyringe bridge', () => {
  it('resolves @dino-r1 services, as the same singletons, from a tsyringe container', () => {
    const plugin = definePlugin('test', (b) => {
      b.bindNamed(TOKENS.Reward, 'l1', {
        factory: () => ({
          name: 'l1',
          matrix: () => {
            throw new Error('unused');
          },
        }),
      });
    });
    const inversify = createContainer({ seed: 42, grqo: { rewards: [{ name: 'l1', weight: 5 }] } }, [plugin], {
      logger: silentLogger,
    });
    const child = rootContainer.createChildContainer();
    const bridged = bridgeToTsyringe(inversify, child);
    expect(bridged).toContain(TOKENS.ActiveRewards);
    expect(bridged).not.toContain(TOKENS.Detector); // nothing bound it: not bridged

    const app = child.resolve(AppService);
    expect(app.config.seed).toBe(42);
    expect(app.rewards.map((r) => [r.reward.name, r.weight])).toEqual([['l1', 5]]);
    expect(child.resolve<WeightedReward[]>(TOKENS.ActiveRewards)).toBe(inversify.get(TOKENS.ActiveRewards));
  });
});
