export * from './ms-deform-attn/op';
export * from './ms-deform-attn/composed';
export * from './ms-deform-attn/kernel-names';
export * from './ms-deform-attn/module';
export * from './position-encoding';
export * from './neck';
export * from './memory';
export * from './encoder';
