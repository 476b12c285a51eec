/** The package's plugin: the dataset readers under `TOKENS.DatasetReader` by name. */
import { definePlugin, TOKENS } from '@dino-r1/core';
import { CocoReader, LvisReader } from './coco';
import { OdinwReader } from './odinw';
import { OdvgReader } from './odvg';
import { SyntheticReader } from './synthetic/dataset';

export const datasetsPlugin = definePlugin('@dino-r1/datasets', (b) => {
  b.bindNamed(TOKENS.DatasetReader, 'coco', CocoReader);
  b.bindNamed(TOKENS.DatasetReader, 'lvis', LvisReader);
  b.bindNamed(TOKENS.DatasetReader, 'odinw', OdinwReader);
  b.bindNamed(TOKENS.DatasetReader, 'odvg', OdvgReader);
  b.bindNamed(TOKENS.DatasetReader, 'synthetic', SyntheticReader);
});
