/**
 * The package's plugin: the KL anchors by name. Options come from `config.grqo.klAnchor.options`
 * (`periodic-mixup`: `every` (τ, steps) and `mix` (a); `ema`: `decay`).
 */
import { definePlugin, TOKENS, type DinoR1Config } from '@dino-r1/core';
import type { ResolutionContext } from 'inversify';
import { EmaAnchor, EpochSnapshotAnchor, FrozenInitialAnchor, NoAnchor, PeriodicMixupAnchor } from './kl-anchors';

function option(ctx: ResolutionContext, key: string, fallback: number): number {
  const config = ctx.get<DinoR1Config>(TOKENS.Config);
  const value = config.grqo.klAnchor.options[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`config field grqo.klAnchor.options.${key} must be a number (got ${JSON.stringify(value)})`);
  }
  return value;
}

export const grqoPlugin = definePlugin('@dino-r1/grqo', (b) => {
  b.bindNamed(TOKENS.KlAnchor, 'epoch-snapshot', EpochSnapshotAnchor);
  b.bindNamed(TOKENS.KlAnchor, 'frozen-initial', FrozenInitialAnchor);
  b.bindNamed(TOKENS.KlAnchor, 'none', NoAnchor);
  b.bindNamed(TOKENS.KlAnchor, 'periodic-mixup', {
    factory: (ctx) => new PeriodicMixupAnchor(option(ctx, 'every', 100), option(ctx, 'mix', 0.5)),
  });
  b.bindNamed(TOKENS.KlAnchor, 'ema', { factory: (ctx) => new EmaAnchor(option(ctx, 'decay', 0.999)) });
});
