export * from './pos-embed';
