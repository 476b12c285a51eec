export * from './layouts';
export * from './module';
export * from './state-dict-io';
