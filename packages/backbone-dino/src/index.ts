export * from './pos-embed';
export * from './blocks';
export * from './dinov2';
export * from './config';
export * from './presets';
export * from './checkpoint-names';
