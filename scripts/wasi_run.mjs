// Runs a wasm32-wasip1 program (a Rust test binary) in Node's WASI, as a cargo `runner`:
//   node scripts/wasi_run.mjs program.wasm [args...]
// Debian's `wasi-node` does not pass `version: 'preview1'` (Node 20 requires it). Bookworm's
// wasi-libc (2022) has no `pthread_join`/`pthread_detach`, which the standard library links
// for `std::thread` although a wasip1 program never starts a thread: the binaries are linked
// with `--allow-undefined` and get them here, as imports that fail with ENOSYS. The
// repository root is pre-opened at its own absolute path so tests find their data files by
// CARGO_MANIFEST_DIR, and a scratch directory stands in for the temporary directory.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI } from 'node:wasi';

const [program, ...args] = process.argv.slice(2);
if (!program) {
  console.error('usage: node wasi_run.mjs program.wasm [args...]');
  process.exit(2);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = await mkdtemp(join(tmpdir(), 'rs-dicom-wasi-'));
const wasi = new WASI({
  version: 'preview1',
  args: [program, ...args],
  env: { ...process.env, TMPDIR: scratch, RUST_BACKTRACE: '0' },
  preopens: { [root]: root, [scratch]: scratch },
  returnOnExit: true,
});
let code = 1;
try {
  const module = await WebAssembly.compile(await readFile(program));
  const imports = wasi.getImportObject();
  const ENOSYS = 52;
  const stubs = { pthread_join: () => ENOSYS, pthread_detach: () => ENOSYS };
  const env = {};
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (from !== 'env') continue;
    if (kind !== 'function' || !(name in stubs)) {
      throw new Error(`${program} imports env.${name}, which this runner does not provide`);
    }
    env[name] = stubs[name];
  }
  imports.env = env;
  const instance = await WebAssembly.instantiate(module, imports);
  code = wasi.start(instance);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
process.exit(code);
