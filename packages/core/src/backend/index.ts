export { tf } from './tf';
export * from './init';
export * from './wasm-overrides';
export * from './gradient-control';
