export * from './init';
export * from './linear';
