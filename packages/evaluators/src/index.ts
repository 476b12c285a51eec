export * from './linspace';
export * from './input';
export * from './data';
export * from './match';
export * from './accumulate';
export * from './coco-eval';
export * from './lvis-eval';
