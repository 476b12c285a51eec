export * from './layouts';
export * from './module';
export * from './state-dict-io';
export * from './gradient-coverage';
