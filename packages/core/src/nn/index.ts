export * from './init';
export * from './linear';
export * from './layer-norm';
