// rs-dicom for browsers and bundlers: call `await init()` once, then `parse(bytes)`.
// The module is fetched from beside this file unless `init` is given a URL, a Response,
// bytes or a compiled WebAssembly.Module.
import wasmInit, { Dataset, availableCodecs, parse, tagOf, version } from './pkg/rs_dicom.js';
import { resolveKeys } from './keys.js';

resolveKeys(Dataset, tagOf);

let ready = null;

/** Loads the WebAssembly module (once; later calls return the same promise). */
export function init(input) {
  if (!ready) {
    const source = input ?? new URL('./pkg/rs_dicom_bg.wasm', import.meta.url);
    ready = wasmInit({ module_or_path: source }).then(() => undefined);
  }
  return ready;
}

export { Dataset, availableCodecs, parse, tagOf, version };
