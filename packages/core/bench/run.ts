import { benchAssignment } from './assignment';
import { benchWasmOverrides } from './wasm-overrides';

async function main(): Promise<void> {
  benchAssignment();
  await benchWasmOverrides();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
