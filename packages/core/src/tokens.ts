/**
 * Dependency-injection tokens: the one vocabulary by which packages and user plugins meet.
 *
 * Tokens are `Symbol.for(...)` so that two copies of `@dino-r1/core` in one process still agree.
 * "Named" kinds are bound by plugins under a name (`bindNamed`) and the config picks one (or several, for
 * rewards) by that name; the `Active*` tokens hand consumers what the config picked.
 */
import type { ServiceIdentifier } from 'inversify';
import type { AdvantageNormaliser, Backbone, DatasetReader, Detector, EvaluatorFactory, KlAnchor, MetricsSink, Reward, WeightedReward } from './contracts';
import type { DinoR1Config } from './config/schema';
import type { Logger } from './logger';

/**
 * A token is a symbol that still carries its service type for inversify's inference; being a symbol
 * it is also a valid tsyringe `InjectionToken` (see the tsyringe bridge).
 */
export type Token<T> = ServiceIdentifier<T> & symbol;

function token<T>(name: string): Token<T> {
  return Symbol.for(`@dino-r1/core:${name}`) as Token<T>;
}

export const TOKENS = {
  /** The validated run configuration. */
  Config: token<DinoR1Config>('Config'),
  Logger: token<Logger>('Logger'),
  /** Named: chosen by `config.model.backbone`. */
  Backbone: token<Backbone>('Backbone'),
  Detector: token<Detector>('Detector'),
  /** Named: every reward plugin; `config.grqo.rewards` picks and weights them. */
  Reward: token<Reward>('Reward'),
  /** Named: chosen by `config.grqo.normaliser`. */
  AdvantageNormaliser: token<AdvantageNormaliser>('AdvantageNormaliser'),
  /** Named: chosen by `config.grqo.klAnchor.name`. */
  KlAnchor: token<KlAnchor>('KlAnchor'),
  /** Named: chosen per data spec (`coco`, `lvis`, `odinw`, `odvg`, `synthetic`, …). */
  DatasetReader: token<DatasetReader>('DatasetReader'),
  /** Named: chosen by `eval --evaluator` (`coco`, `lvis`, …). */
  EvaluatorFactory: token<EvaluatorFactory>('EvaluatorFactory'),
  /** Multi-bound: every sink receives every metrics record. */
  MetricsSink: token<MetricsSink>('MetricsSink'),
  /** The run directory, bound by the training pipeline (`trainRun`): where a plugin's sink or files go. */
  RunDirectory: token<string>('RunDirectory'),

  /** The config's choices, resolved. */
  ActiveBackbone: token<Backbone>('ActiveBackbone'),
  ActiveRewards: token<WeightedReward[]>('ActiveRewards'),
  ActiveAdvantageNormaliser: token<AdvantageNormaliser>('ActiveAdvantageNormaliser'),
  ActiveKlAnchor: token<KlAnchor>('ActiveKlAnchor'),

  /** Internal: the record of every `bindNamed` registration, for error messages and listings. */
  Registration: token<Registration>('Registration'),
} as const;

/** What `bindNamed` records: which token got an implementation under which name. */
export interface Registration {
  readonly token: symbol;
  readonly name: string;
  /** The plugin that registered it. */
  readonly plugin: string;
}

/** The human name of a token (`KlAnchor` for `Symbol.for('@dino-r1/core:KlAnchor')`). */
export function tokenName(id: ServiceIdentifier<unknown>): string {
  if (typeof id === 'symbol') return (Symbol.keyFor(id) ?? id.description ?? 'symbol').replace('@dino-r1/core:', '');
  if (typeof id === 'function') return id.name;
  return String(id);
}
