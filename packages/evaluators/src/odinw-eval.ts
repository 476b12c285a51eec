/**
 * ODinW: COCO AP per dataset over a folder of Roboflow exports (`NAME/{train,valid,test}/
 * _annotations.coco.json`) and the mean over the ODinW-13 and ODinW-35 lists (GLIP's names), saying
 * which listed datasets were evaluated and which were missing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CocoEvaluator } from './coco-eval';
import { GroundTruth, loadDetections } from './data';

export const ODINW_13 = [
  'AerialMaritimeDrone_large',
  'Aquarium',
  'CottontailRabbits',
  'EgoHands_generic',
  'NorthAmericaMushrooms',
  'Packages',
  'PascalVOC',
  'pistols',
  'pothole',
  'Raccoon',
  'ShellfishOpenImages',
  'thermalDogsAndPeople',
  'VehiclesOpenImages',
] as const;

export const ODINW_35 = [
  'AerialMaritimeDrone_large',
  'AerialMaritimeDrone_tiled',
  'AmericanSignLanguageLetters',
  'Aquarium',
  'BCCD',
  'boggleBoards',
  'brackishUnderwater',
  'ChessPieces',
  'CottontailRabbits',
  'dice',
  'DroneControl',
  'EgoHands_generic',
  'EgoHands_specific',
  'HardHatWorkers',
  'MaskWearing',
  'MountainDewCommercial',
  'NorthAmericaMushrooms',
  'openPoetryVision',
  'OxfordPets_by-breed',
  'OxfordPets_by-species',
  'PKLot',
  'Packages',
  'PascalVOC',
  'pistols',
  'plantdoc',
  'pothole',
  'Raccoon',
  'selfdrivingCar',
  'ShellfishOpenImages',
  'ThermalCheetah',
  'thermalDogsAndPeople',
  'UnoCards',
  'VehiclesOpenImages',
  'websiteScreenshots',
  'WildfireSmoke',
] as const;

export interface OdinwDatasetResult {
  readonly name: string;
  /** The 12 COCO numbers. */
  readonly stats: number[];
}

export interface OdinwSummary {
  readonly datasets: OdinwDatasetResult[];
  /** Mean AP over the evaluated datasets of each list, with the list's present and missing names. */
  readonly means: Record<'odinw13' | 'odinw35' | 'all', { mean: number; present: string[]; missing: string[] }>;
}

/** Dataset folders (or symbolic links to them) under `root` that hold `<split>/_annotations.coco.json`. */
export function odinwDatasets(root: string, split = 'test'): string[] {
  if (!existsSync(root)) throw new Error(`${root}: no such ODinW folder`);
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => (d.isDirectory() || d.isSymbolicLink()) && existsSync(join(root, d.name, split, '_annotations.coco.json')))
    .map((d) => d.name)
    .sort();
}

export function summariseOdinw(datasets: OdinwDatasetResult[]): OdinwSummary {
  const ap = new Map(datasets.map((d) => [d.name, d.stats[0]]));
  const over = (names: readonly string[]) => {
    const present = names.filter((n) => ap.has(n));
    const missing = names.filter((n) => !ap.has(n));
    const mean = present.length ? present.reduce((s, n) => s + ap.get(n)!, 0) / present.length : -1;
    return { mean, present, missing };
  };
  return {
    datasets,
    means: { odinw13: over(ODINW_13), odinw35: over(ODINW_35), all: over(datasets.map((d) => d.name)) },
  };
}

/**
 * Evaluates `dtDir/<NAME>.json` (COCO results for that dataset's `split`) against each dataset under
 * `root`. A dataset without a results file is reported as missing, not as AP 0.
 */
export function evaluateOdinwFolder(root: string, dtDir: string, split = 'test'): OdinwSummary {
  const results: OdinwDatasetResult[] = [];
  for (const name of odinwDatasets(root, split)) {
    const dtPath = join(dtDir, `${name}.json`);
    if (!existsSync(dtPath)) continue;
    const gt = GroundTruth.load(join(root, name, split, '_annotations.coco.json'));
    const ev = new CocoEvaluator(gt);
    ev.setDetections(loadDetections(dtPath, gt));
    results.push({ name, stats: ev.evaluate().stats });
  }
  return summariseOdinw(results);
}
