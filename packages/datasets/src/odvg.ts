/**
 * ODVG jsonl (the Grounding-DINO training format): one image per line,
 * `{"filename", "height", "width", "detection": {"instances": [{"bbox": [x1,y1,x2,y2], "label", "category"}]}}`
 * or `{"grounding": {"caption", "regions": [{"bbox": [x1,y1,x2,y2], "phrase"}]}}`. Detection labels map to
 * categories through the label map (option `labelMap`: a json `{"0": "name", …}`; without it the
 * instances' `category` names are used); grounding phrases become categories by their text.
 * Category ids are `label + 1` (or 1… in order of first appearance), keeping 0 free as COCO does.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Annotation, Category, DatasetReader, DetectionDataset, ImageRecord } from '@dino-r1/core';
import { checkBoxInside, DatasetFormatError, Fields, readJson } from './format-error';

export function readOdvgFile(file: string, options: { imagesDir?: string; labelMap?: string } = {}): DetectionDataset {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DatasetFormatError(file, null, null, `cannot read: ${(e as Error).message}`);
  }
  const imagesDir = resolve(options.imagesDir ?? dirname(file));
  const byName = new Map<string, number>();
  const categories = new Map<number, Category>();
  if (options.labelMap) {
    const map = readJson(options.labelMap);
    if (typeof map !== 'object' || map === null || Array.isArray(map))
      throw new DatasetFormatError(options.labelMap, null, null, 'a label map is a JSON object {"0": "name", …}');
    for (const [k, v] of Object.entries(map)) {
      if (!/^\d+$/.test(k) || typeof v !== 'string')
        throw new DatasetFormatError(options.labelMap, `entry "${k}"`, null, 'keys must be integer labels and values category names');
      categories.set(Number(k) + 1, { id: Number(k) + 1, name: v });
      byName.set(v, Number(k) + 1);
    }
  }
  const categoryFor = (f: Fields, label: number | null, name: string | null): number => {
    if (label !== null) {
      const id = label + 1;
      if (options.labelMap && !categories.has(id)) f.fail('label', `label ${label} is not in the label map ${options.labelMap}`);
      if (!categories.has(id)) categories.set(id, { id, name: name ?? String(label) });
      return id;
    }
    const key = name as string;
    if (!byName.has(key)) {
      const id = Math.max(0, ...categories.keys()) + 1;
      byName.set(key, id);
      categories.set(id, { id, name: key });
    }
    return byName.get(key)!;
  };
  const images: ImageRecord[] = [];
  let annId = 1;
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const record = `line ${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new DatasetFormatError(file, record, null, `not valid JSON: ${(e as Error).message}`);
    }
    const f = new Fields(file, record, raw);
    const width = f.positive('width');
    const height = f.positive('height');
    const annotations: Annotation[] = [];
    const add = (g: Fields, box: number[], categoryId: number) => {
      const [x1, y1, x2, y2] = box;
      const bbox: [number, number, number, number] = [x1, y1, x2 - x1, y2 - y1];
      checkBoxInside(g, 'bbox', bbox, width, height);
      annotations.push({ id: annId++, categoryId, bbox, area: bbox[2] * bbox[3], iscrowd: false });
    };
    if (f.has('detection')) {
      const det = f.object('detection');
      const instances = det.raw('instances');
      if (!Array.isArray(instances)) det.fail('instances', 'must be a list');
      (instances as unknown[]).forEach((inst, j) => {
        const g = new Fields(file, `${record}.detection.instances[${j}]`, inst);
        const label = g.has('label') ? g.integer('label') : null;
        const name = g.has('category') ? g.string('category') : null;
        if (label === null && name === null) g.fail('label', "missing (an instance needs 'label' or 'category')");
        add(g, g.numbers('bbox', 4), categoryFor(g, label, name));
      });
    } else if (f.has('grounding')) {
      const gr = f.object('grounding');
      const regions = gr.raw('regions');
      if (!Array.isArray(regions)) gr.fail('regions', 'must be a list');
      (regions as unknown[]).forEach((reg, j) => {
        const g = new Fields(file, `${record}.grounding.regions[${j}]`, reg);
        add(g, g.numbers('bbox', 4), categoryFor(g, null, g.string('phrase')));
      });
    } else f.fail('detection', "missing (a record needs 'detection' or 'grounding')");
    images.push({ id: images.length + 1, width, height, file: join(imagesDir, f.string('filename')), annotations });
  });
  return { name: file, categories: [...categories.values()].sort((a, b) => a.id - b.id), images };
}

export class OdvgReader implements DatasetReader {
  readonly name = 'odvg';
  async read(source: string, options: Readonly<Record<string, unknown>> = {}): Promise<DetectionDataset> {
    for (const k of ['imagesDir', 'labelMap'])
      if (options[k] !== undefined && typeof options[k] !== 'string') throw new Error(`odvg reader: option '${k}' must be a path`);
    return readOdvgFile(source, options as { imagesDir?: string; labelMap?: string });
  }
}
