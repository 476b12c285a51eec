/**
 * Backend selection (DESIGN.md §3): `tfjs-node-gpu` → `tfjs-node` → `wasm` → `cpu` unless forced.
 * The two native backends are optional peer dependencies (they download libtensorflow at install time);
 * each candidate that is skipped is logged with the reason.
 */
import { tf } from './tf';
import { stderrLogger, type Logger } from '../logger';
import type { BackendPreference } from '../config/schema';
import { installWasmOverrides } from './wasm-overrides';

export type BackendName = Exclude<BackendPreference, 'auto'>;

/** Order of preference when nothing is forced. */
export const BACKEND_ORDER: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/** tfjs's own name of the backend each package registers. */
const TFJS_NAME: Record<BackendName, string> = {
  'tfjs-node-gpu': 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export interface InitBackendOptions {
  logger?: Logger;
  /** Install the wasm kernel overrides (default true; the benchmark turns them off to compare). */
  wasmOverrides?: boolean;
}

export interface BackendChoice {
  readonly name: BackendName;
  /** Why every candidate before it was skipped. */
  readonly skipped: ReadonlyArray<{ name: BackendName; reason: string }>;
}

let current: BackendChoice | null = null;

/** Loads the package of a backend; throws with a reason when it cannot be used here. */
function load(name: BackendName): void {
  switch (name) {
    case 'tfjs-node-gpu':
      require('@tensorflow/tfjs-node-gpu');
      return;
    case 'tfjs-node':
      require('@tensorflow/tfjs-node');
      return;
    case 'wasm':
      require('@tensorflow/tfjs-backend-wasm');
      // WASM threads do not start under Node (the worker is loaded from a blob URL): use the SIMD build.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      return;
    case 'cpu':
      require('@tensorflow/tfjs-backend-cpu');
      return;
  }
}

function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'MODULE_NOT_FOUND' && /tfjs-node/.test(err.message)) return 'package not installed (optional peer)';
  return (err?.message ?? String(e)).split('\n')[0];
}

async function activate(name: BackendName, opts: InitBackendOptions): Promise<void> {
  load(name);
  const ok = await tf.setBackend(TFJS_NAME[name]);
  if (!ok) throw new Error(`tf.setBackend('${TFJS_NAME[name]}') failed`);
  await tf.ready();
  if (name === 'wasm' && opts.wasmOverrides !== false) installWasmOverrides();
  if (name === 'cpu') {
    // The cpu backend prints an advert for tfjs-node on first use; the choice was already logged.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
}

/**
 * The backend to ask for: an explicit choice (a `--backend` flag) over the `DINO_R1_BACKEND` environment
 * variable over the config's `backend` over `auto`. Unknown names are errors naming where they came from.
 */
export function backendPreference(explicit?: string, configured?: BackendPreference): BackendPreference {
  const env = process.env.DINO_R1_BACKEND || undefined;
  const [wanted, source] =
    explicit !== undefined ? [explicit, '--backend'] : env !== undefined ? [env, 'DINO_R1_BACKEND'] : [configured ?? 'auto', 'config field backend'];
  if (wanted !== 'auto' && !BACKEND_ORDER.includes(wanted as BackendName))
    throw new Error(`${source}: unknown backend '${wanted}'; choose one of auto, ${BACKEND_ORDER.join(', ')}`);
  return wanted as BackendPreference;
}

/**
 * Picks and activates a backend; returns its name. With `preference` other than `auto` that backend is
 * forced (an error if it cannot load). Also honours `DINO_R1_BACKEND` when no preference is given.
 */
export async function initBackend(preference?: BackendPreference, opts: InitBackendOptions = {}): Promise<BackendName> {
  const logger = opts.logger ?? stderrLogger;
  // no preference: the same environment-over-auto rule as the command line (an empty variable is unset)
  const wanted = preference ?? backendPreference();
  if (wanted !== 'auto' && !BACKEND_ORDER.includes(wanted as BackendName)) {
    throw new Error(`unknown backend '${wanted}'; choose one of auto, ${BACKEND_ORDER.join(', ')}`);
  }
  if (current && (wanted === 'auto' || wanted === current.name)) return current.name;
  const candidates = wanted === 'auto' ? BACKEND_ORDER : [wanted as BackendName];
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of candidates) {
    try {
      await activate(name, opts);
      current = { name, skipped };
      const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
      logger.info(`backend: ${name}${wanted === 'auto' ? '' : ' (forced)'}${why ? ` — skipped ${why}` : ''}`);
      return name;
    } catch (e) {
      if (wanted !== 'auto') throw new Error(`backend '${name}' was requested but cannot be used: ${reasonOf(e)}`);
      skipped.push({ name, reason: reasonOf(e) });
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** The choice made by the last `initBackend`, or null before it. */
export function backendChoice(): BackendChoice | null {
  return current;
}
