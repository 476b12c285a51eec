/**
 * The plugin API. A plugin — a workspace package or a user's own code — is an inversify
 * `ContainerModule` that binds implementations to core tokens. `createContainer(config, plugins)` loads
 * them and binds the config's choices to the `Active*` tokens, so consumers inject what the config picked.
 */
import 'reflect-metadata';
import { Container, ContainerModule, type ContainerModuleLoadOptions, type Newable, type ResolutionContext, type ServiceIdentifier } from 'inversify';
import { parseConfig } from './config/load';
import type { DinoR1Config, DinoR1ConfigInput } from './config/schema';
import type { WeightedReward } from './contracts';
import { stderrLogger, type Logger } from './logger';
import { TOKENS, tokenName, type Registration } from './tokens';

/** An implementation given as a class (constructed by the container, with injection) or a factory. */
export type Implementation<T> = Newable<T> | { readonly factory: (context: ResolutionContext) => T };

/** What a plugin's `register` function receives: inversify's module options plus `bindNamed`. */
export interface PluginBinder extends ContainerModuleLoadOptions {
  /**
   * Binds `implementation` to `token` under `name` (a singleton per container) and records the
   * registration, so that a config can choose it and errors can list what exists.
   */
  bindNamed<T>(token: ServiceIdentifier<T>, name: string, implementation: Implementation<T>): void;
}

/** A plugin is an inversify `ContainerModule`; `definePlugin` adds a name and `bindNamed`. */
export type Plugin = ContainerModule;

export function definePlugin(pluginName: string, register: (binder: PluginBinder) => void): Plugin {
  return new ContainerModule((options) => {
    const bindNamed = <T>(token: ServiceIdentifier<T>, name: string, impl: Implementation<T>): void => {
      if (typeof token !== 'symbol') throw new Error(`bindNamed: token for '${name}' must be a core symbol token`);
      const to = options.bind(token);
      const bound = 'factory' in impl ? to.toDynamicValue(impl.factory) : to.to(impl);
      bound.inSingletonScope().whenNamed(name);
      const registration: Registration = { token, name, plugin: pluginName };
      options.bind(TOKENS.Registration).toConstantValue(registration);
    };
    register({ ...options, bindNamed });
  });
}

/** Every registration recorded by `bindNamed` for `token`. */
export function registeredNames(container: Pick<ResolutionContext, 'getAll'>, token: ServiceIdentifier<unknown>): Registration[] {
  let all: Registration[];
  try {
    all = container.getAll(TOKENS.Registration, { optional: true });
  } catch {
    all = [];
  }
  return all.filter((r) => r.token === token);
}

/** Thrown when a config names an implementation nobody registered; the message lists what exists. */
export class NotRegisteredError extends Error {
  constructor(
    readonly kind: string,
    readonly requested: string,
    readonly registered: readonly Registration[],
    readonly configField?: string,
  ) {
    const list = registered.length ? registered.map((r) => `'${r.name}' (from ${r.plugin})`).join(', ') : 'none (is the plugin that provides it loaded?)';
    const where = configField ? ` (config field ${configField})` : '';
    super(`no ${kind} named '${requested}' is registered${where}; registered: ${list}`);
    this.name = 'NotRegisteredError';
  }
}

/** Resolves the implementation bound to `token` under `name`, or throws a `NotRegisteredError`. */
export function resolveNamed<T>(container: Pick<ResolutionContext, 'get' | 'getAll'>, token: ServiceIdentifier<T>, name: string, configField?: string): T {
  const registered = registeredNames(container, token);
  const found = container.get(token, { name, optional: true });
  if (found === undefined) throw new NotRegisteredError(tokenName(token), name, registered, configField);
  return found;
}

export interface CreateContainerOptions {
  logger?: Logger;
}

/**
 * Builds the one container of a run: validates `config`, binds it, loads the plugins in order (a later
 * plugin may `rebind` what an earlier one bound) and binds the `Active*` tokens to the config's choices.
 */
export function createContainer(config: DinoR1ConfigInput | DinoR1Config, plugins: readonly Plugin[] = [], opts: CreateContainerOptions = {}): Container {
  const resolved = parseConfig(config);
  const container = new Container();
  container.bind(TOKENS.Config).toConstantValue(resolved);
  container.bind(TOKENS.Logger).toConstantValue(opts.logger ?? stderrLogger);
  container.loadSync(...plugins);

  container
    .bind(TOKENS.ActiveRewards)
    .toDynamicValue((ctx): WeightedReward[] =>
      resolved.grqo.rewards.map((entry, i) => ({
        reward: resolveNamed(ctx, TOKENS.Reward, entry.name, `grqo.rewards.${i}.name`),
        weight: entry.weight,
      })),
    )
    .inSingletonScope();
  bindChoice(container, TOKENS.ActiveAdvantageNormaliser, TOKENS.AdvantageNormaliser, resolved.grqo.normaliser, 'grqo.normaliser');
  bindChoice(container, TOKENS.ActiveKlAnchor, TOKENS.KlAnchor, resolved.grqo.klAnchor.name, 'grqo.klAnchor.name');
  bindChoice(container, TOKENS.ActiveBackbone, TOKENS.Backbone, resolved.model.backbone, 'model.backbone');
  return container;
}

/** Binds `active` to the implementation registered under `name` for `named`, resolved on first use. */
function bindChoice<T>(container: Container, active: ServiceIdentifier<T>, named: ServiceIdentifier<T>, name: string, configField: string): void {
  container
    .bind(active)
    .toDynamicValue((ctx) => resolveNamed(ctx, named, name, configField))
    .inSingletonScope();
}
