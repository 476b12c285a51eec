/**
 * Where a run's weights start (DESIGN.md §9): the seeded initialisation, then a pretrained backbone
 * (`model.backboneWeights`) or a whole detector checkpoint to fine-tune (`model.initFrom`). What was loaded,
 * resampled and left at initialisation is printed and written to the run directory (`init.json`).
 */
import { loadTensors, TOKENS, type DinoR1Config, type Logger, type PretrainedReport, type StateDictReport } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Model } from './model';

/** `model.initFrom`: the policy's state-dict names that were set, and what did not line up. */
export interface InitFromReport extends StateDictReport {
  readonly source: string;
  readonly loaded: string[];
}

export interface InitReport {
  readonly backboneWeights?: PretrainedReport;
  readonly initFrom?: InitFromReport;
}

const PREFIX = 'detector.';

/** A detector checkpoint, ours (`detector.…`) or a PyTorch `state_dict` of the detector (no prefix), non-strict. */
function loadDetectorCheckpoint(model: Model, path: string): InitFromReport {
  const { tensors } = loadTensors(path);
  try {
    const prefixed = [...tensors.keys()].some((k) => k.startsWith(PREFIX));
    const state = new Map<string, Tensor>([...tensors].map(([k, t]) => [prefixed ? k : `${PREFIX}${k}`, t]));
    const report = model.policy.loadStateDict(state, { strict: false, source: path });
    const skipped = new Set([...report.missing, ...report.shapeMismatch.map((m) => m.name)]);
    const own = [...model.policy.stateDictShapes().keys()];
    const loaded = own.filter((k) => !skipped.has(k));
    if (loaded.length === 0)
      throw new Error(
        `model.initFrom: no tensor of ${path} matches this detector (its first names: ${[...tensors.keys()].slice(0, 3).join(', ')}; the detector's: ${own.slice(0, 3).join(', ')})`,
      );
    return { source: path, loaded, ...report };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

const list = (names: readonly string[], n = 4) => (names.length > n ? `${names.slice(0, n).join(', ')}, … (${names.length})` : names.join(', '));

/** Applies `model.backboneWeights` or `model.initFrom` (not both) to a freshly built model; null when neither is set. */
export function initialiseWeights(model: Model, config: DinoR1Config, logger: Logger): InitReport | null {
  const { backboneWeights, initFrom } = config.model;
  if (backboneWeights && initFrom)
    throw new Error('model.backboneWeights and model.initFrom are both set: --init-from loads the whole detector, backbone included; give one');
  if (backboneWeights) {
    const backbone = model.container.get(TOKENS.ActiveBackbone);
    if (!backbone.loadPretrained) throw new Error(`model.backboneWeights: the '${config.model.backbone}' backbone cannot load pretrained weights`);
    const r = backbone.loadPretrained(backboneWeights);
    logger.info(
      `backbone weights ${backboneWeights}: ${r.loaded.length} tensors loaded${r.reshaped.length ? `, resampled ${r.reshaped.map((x) => `${x.name} [${x.from}] → [${x.to}]`).join(', ')}` : ''}${r.initialised.length ? `, ${r.initialised.length} new (${list(r.initialised, 2)})` : ''}`,
    );
    return { backboneWeights: r };
  }
  if (initFrom) {
    const r = loadDetectorCheckpoint(model, initFrom);
    const mismatched = r.shapeMismatch.map((m) => `${m.name} [${m.got}] ≠ [${m.expected}]`);
    logger.info(
      `init from ${initFrom}: ${r.loaded.length} tensors loaded${r.missing.length ? `; kept at initialisation: ${list(r.missing)}` : ''}${r.unexpected.length ? `; not in this detector: ${list(r.unexpected)}` : ''}${mismatched.length ? `; other shapes, skipped: ${list(mismatched)}` : ''}`,
    );
    return { initFrom: r };
  }
  return null;
}
