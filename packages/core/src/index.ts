/**
 * @dino-r1/core — contracts, DI tokens and the plugin container, config, tfjs backend selection,
 * `Module` and state dicts, safetensors, box ops and linear assignment.
 */
import 'reflect-metadata';

export * from './contracts';
export * from './tokens';
export * from './logger';
export * from './plugin';
export * from './tsyringe-bridge';
export * from './config';
export * from './backend';
export * from './module';
export * from './safetensors';
export * from './boxes';
export * from './coco-json';
export * from './assignment';
export * from './ops/batch-gather';
export * from './nn';
export * from './timing';
export * from './random';
/** The zod that validates the config: plugins describe their options with it (`parseConfigOptions`). */
export { z } from 'zod';
