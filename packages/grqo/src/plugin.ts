/**
 * The package's plugin: the KL anchors by name. Options come from `config.grqo.klAnchor.options`
 * (`epoch-snapshot`: `every` (steps; default: each data epoch); `periodic-mixup`: `every` (τ, steps) and
 * `mix` (a); `ema`: `decay`); an option the chosen anchor does not know is an error.
 */
import { definePlugin, TOKENS, type DinoR1Config } from '@dino-r1/core';
import type { ResolutionContext } from 'inversify';
import { EmaAnchor, EpochSnapshotAnchor, FrozenInitialAnchor, NoAnchor, PeriodicMixupAnchor } from './kl-anchors';

/** The anchor's options, checked: only `known` keys, each a finite number. */
function anchorOptions(ctx: ResolutionContext, known: readonly string[]): Record<string, number | undefined> {
  const { name, options } = ctx.get<DinoR1Config>(TOKENS.Config).grqo.klAnchor;
  const out: Record<string, number | undefined> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) {
      throw new Error(
        `config field grqo.klAnchor.options.${key}: unknown option of KL anchor '${name}'${known.length ? `; it takes ${known.join(', ')}` : '; it takes none'}`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`config field grqo.klAnchor.options.${key} must be a number (got ${JSON.stringify(value)})`);
    }
    out[key] = value;
  }
  return out;
}

export const grqoPlugin = definePlugin('@dino-r1/grqo', (b) => {
  b.bindNamed(TOKENS.KlAnchor, 'epoch-snapshot', { factory: (ctx) => new EpochSnapshotAnchor(anchorOptions(ctx, ['every']).every ?? null) });
  b.bindNamed(TOKENS.KlAnchor, 'frozen-initial', { factory: (ctx) => (anchorOptions(ctx, []), new FrozenInitialAnchor()) });
  b.bindNamed(TOKENS.KlAnchor, 'none', { factory: (ctx) => (anchorOptions(ctx, []), new NoAnchor()) });
  b.bindNamed(TOKENS.KlAnchor, 'periodic-mixup', {
    factory: (ctx) => {
      const o = anchorOptions(ctx, ['every', 'mix']);
      return new PeriodicMixupAnchor(o.every ?? 100, o.mix ?? 0.5);
    },
  });
  b.bindNamed(TOKENS.KlAnchor, 'ema', { factory: (ctx) => new EmaAnchor(anchorOptions(ctx, ['decay']).decay ?? 0.999) });
});
