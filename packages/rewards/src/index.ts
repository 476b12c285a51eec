export * from './classification';
export * from './l1';
export * from './giou';
export * from './iou';
export * from './composite';
export * from './plugin';
export * from './normalisers';
