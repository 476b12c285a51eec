/**
 * @dino-r1/datasets — readers (COCO, LVIS, ODinW, ODVG, synthetic), image decoding, transforms, batching
 * with padding masks, visual-prompt sampling and a prompt bank.
 */
export * from './random';
export * from './sample';
export * from './images';
export * from './transforms';
export * from './prompts';
export * from './batch';
export * from './synthetic/shapes';
export * from './synthetic/scene';
export * from './synthetic/dataset';
export * from './loader';
export * from './format-error';
export * from './coco';
export * from './odinw';
export * from './odvg';
export * from './plugin';
