// The parser-only module (js/pkg-parser, `scripts/build_js.sh --parser`: no decoders, no
// display, no element names, private VRs from the compact table) on the sample CT: the same
// elements, keywords, values and DICOM JSON as the full package. Skipped when not built
// (scripts/wasm.sh builds it before these tests); tests/test_js.py compares the two modules
// over the whole corpus.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { parse as parseFull } from '../node.js';

const WASM = new URL('../pkg-parser/rs_dicom_bg.wasm', import.meta.url);
const SAMPLE = readFileSync(new URL('../../examples/sample_ct.dcm', import.meta.url));
const skip = existsSync(WASM) ? false : 'js/pkg-parser not built (scripts/build_js.sh --parser)';

async function load() {
  const glue = await import('../pkg-parser/rs_dicom.js');
  glue.initSync({ module: readFileSync(WASM) });
  return glue;
}

test('the parser-only module reads the sample as the full one does', { skip }, async () => {
  const { parse, availableCodecs } = await load();
  const ds = parse(SAMPLE);
  const full = parseFull(SAMPLE);
  assert.equal(ds.get('PatientName'), 'Müller^Jürgen');
  assert.equal(ds.element('Rows').keyword, 'Rows');
  assert.deepEqual(
    ds.elements().map((e) => [e.tag, e.vr, e.keyword, e.length, e.offset]),
    full.elements().map((e) => [e.tag, e.vr, e.keyword, e.length, e.offset]),
  );
  assert.deepEqual(ds.meta.tags(), full.meta.tags());
  assert.equal(ds.toJSONString(), full.toJSONString());
  assert.equal(ds.get('00280010'), 64);
  assert.throws(() => ds.get('NoSuchKeyword'), TypeError);
  // No frames and no rendering in this build.
  assert.equal(ds.frame, undefined);
  assert.equal(ds.render, undefined);
  assert.ok(Array.isArray(availableCodecs()));
});
