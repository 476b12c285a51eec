/** `dino-r1 info`: which tfjs backend this machine gets, why the others were skipped, and versions. */
import { backendChoice, backendPreference, initBackend, silentLogger, tf } from '@dino-r1/core';

export async function info(args: { backend?: string; json?: boolean }): Promise<void> {
  const name = await initBackend(backendPreference(args.backend), { logger: silentLogger });
  const choice = backendChoice();
  const report = {
    backend: name,
    skipped: choice?.skipped ?? [],
    tfjsCore: tf.version_core,
    node: process.version,
    wasmSimd: name === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : undefined,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  process.stdout.write(`backend      ${report.backend}${report.wasmSimd ? ' (SIMD)' : ''}\n`);
  for (const s of report.skipped) process.stdout.write(`  skipped    ${s.name}: ${s.reason}\n`);
  process.stdout.write(`tfjs-core    ${report.tfjsCore}\nnode         ${report.node}\n`);
}
