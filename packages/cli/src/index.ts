/**
 * `@dino-r1/cli` as a library: the run pipeline the `dino-r1` command is built on. Train a run, open it
 * again, evaluate it with a prompt bank, predict with a visual prompt, load user plugins from files.
 */
export { trainRun, summaryTable, writePlots, type RunOptions, type RunResult } from './pipeline/run';
export { BUILTIN_PLUGINS, buildModel, openRun, readRunConfig, loadRunWeights, type Model, type OpenRunOptions } from './pipeline/model';
export { parseDataSpec, formatDataSpec, readDataset, makeLoaders, trainTransform, evalTransform, type DataSpec, type Loaders } from './pipeline/data';
export { evaluateWithBank, predict, COCO_STAT_NAMES, type EvalResult, type Prediction } from './pipeline/evaluate';
export { extractPromptBank, savePromptBank, loadPromptBank, bankPrompts, type PromptBank } from './pipeline/prompt-bank';
export { predictWithPrompt } from './pipeline/pictures';
export { RUN_PRESETS } from './pipeline/presets';
export { initialiseWeights, type InitReport, type InitFromReport } from './pipeline/init-weights';
export { loadPluginFile, loadPluginFiles, PluginLoadError } from './pipeline/plugin-files';
