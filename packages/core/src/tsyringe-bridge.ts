/**
 * A bridge for applications built on tsyringe: registers factories in a tsyringe container that resolve
 * `@dino-r1` services from our inversify container, so `tsyringeContainer.resolve(TOKENS.ActiveRewards)`
 * (or a tsyringe class with `@inject(TOKENS.Detector)`) gets the same singleton objects.
 *
 * tsyringe is an optional peer: this file only needs the shape of its container.
 */
import type { Container, ServiceIdentifier } from 'inversify';
import { TOKENS } from './tokens';

/** The part of tsyringe's `DependencyContainer` the bridge uses. */
export interface TsyringeLikeContainer {
  register<T>(token: symbol | string, provider: { useFactory: (c: unknown) => T }): unknown;
}

/** Tokens bridged by default: every unnamed service and every `Active*` choice. */
export const BRIDGED_TOKENS: readonly ServiceIdentifier<unknown>[] = [
  TOKENS.Config,
  TOKENS.Logger,
  TOKENS.Detector,
  TOKENS.ActiveBackbone,
  TOKENS.ActiveRewards,
  TOKENS.ActiveAdvantageNormaliser,
  TOKENS.ActiveKlAnchor,
];

/**
 * Registers `tokens` (default: `BRIDGED_TOKENS` that are bound in `source`) in `target`. Resolution is
 * lazy: the inversify container is asked when tsyringe resolves, so errors name the missing plugin then.
 * Returns the tokens that were bridged.
 */
export function bridgeToTsyringe(
  source: Container,
  target: TsyringeLikeContainer,
  tokens: readonly ServiceIdentifier<unknown>[] = BRIDGED_TOKENS,
): ServiceIdentifier<unknown>[] {
  const bridged: ServiceIdentifier<unknown>[] = [];
  for (const token of tokens) {
    if (typeof token !== 'symbol' && typeof token !== 'string') {
      throw new Error('bridgeToTsyringe: only symbol or string tokens can be shared with tsyringe');
    }
    if (!source.isBound(token)) continue;
    target.register(token, { useFactory: () => source.get(token) });
    bridged.push(token);
  }
  return bridged;
}
