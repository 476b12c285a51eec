export * from './grqo-loss';
export * from './matcher';
export * from './sft-loss';
