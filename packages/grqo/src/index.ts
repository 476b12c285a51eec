export * from './grqo-loss';
