// rs-dicom for Node: the WebAssembly module is loaded synchronously on import, so `parse`
// can be called at once (`init()` exists for code shared with the browser build).
import { readFileSync } from 'node:fs';
import { Dataset, availableCodecs, initSync, parse, tagOf, version } from './pkg/rs_dicom.js';
import { resolveKeys } from './keys.js';

initSync({ module: readFileSync(new URL('./pkg/rs_dicom_bg.wasm', import.meta.url)) });
resolveKeys(Dataset, tagOf);

/** Nothing to wait for in Node: the module is loaded on import. */
export function init() {
  return Promise.resolve();
}

export { Dataset, availableCodecs, parse, tagOf, version };
