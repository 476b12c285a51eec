export * from './reference-weights';
export * from './anchors';
