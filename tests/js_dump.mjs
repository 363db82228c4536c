// Helper of tests/test_js.py: reads DICOM files with the JavaScript package and writes what
// it sees as JSON (one record per file) for Python to compare with the Python package.
//   node tests/js_dump.mjs [--parser] OUT_DIR FILE...
// `--parser`: with the parser-only module (js/pkg-parser, `scripts/build_js.sh --parser`),
// which has no frames.
// Each record: the parse error or the transfer syntax, the meta and dataset elements (values
// encoded for JSON: BigInts {big}, bytes {bytes: base64}, non-finite numbers {float},
// sequences {items}), the DICOM JSON model text or its error, and per frame its shape and
// typed-array type with the values in OUT_DIR/<n>_<frame>.bin, or the frame's error.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const parserOnly = args[0] === '--parser';
const [out, ...files] = parserOnly ? args.slice(1) : args;
const { Dataset, parse } = parserOnly ? await parserModule() : await import('../js/node.js');

async function parserModule() {
  const glue = await import('../js/pkg-parser/rs_dicom.js');
  glue.initSync({ module: readFileSync(new URL('../js/pkg-parser/rs_dicom_bg.wasm', import.meta.url)) });
  return glue;
}

function error(e) {
  return { name: e.name, message: e.message, offset: e.offset ?? null, tagPath: e.tagPath ?? null };
}

function encode(v) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : { float: String(v) };
  if (typeof v === 'bigint') return { big: v.toString() };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => x instanceof Dataset)) {
      return { items: v.map(elements) };
    }
    return v.map(encode);
  }
  throw new Error(`unexpected value ${v}`);
}

function elements(ds) {
  return ds.elements().map((e) => ({ tag: e.tag, vr: e.vr, value: encode(e.value) }));
}

function attempt(f) {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: error(e) };
  }
}

files.forEach((file, n) => {
  const bytes = readFileSync(file);
  let parsed = attempt(() => parse(bytes));
  let force = false;
  if (parsed.error?.name === 'InvalidDicomError') {
    force = true;
    const again = attempt(() => parse(bytes, { force: true }));
    parsed = again.ok ? again : { error: parsed.error, forceError: again.error };
  }
  const record = { file, force };
  if (parsed.error) {
    record.error = parsed.error;
    record.forceError = parsed.forceError ?? null;
  } else {
    const ds = parsed.ok;
    record.transferSyntax = ds.transferSyntaxUID;
    record.meta = elements(ds.meta);
    record.elements = elements(ds);
    const json = attempt(() => ds.toJSONString());
    record.json = json.ok ?? null;
    record.jsonError = json.error ?? null;
    const count = attempt(() => ds.numberOfFrames);
    record.frames = [];
    record.framesError = count.error ?? null;
    for (let i = 0; i < (count.ok ?? 0); i++) {
      const f = attempt(() => ds.frame(i));
      if (f.error) {
        record.frames.push({ error: f.error });
        continue;
      }
      const { rows, columns, samplesPerPixel, data } = f.ok;
      const bin = join(out, `${n}_${i}.bin`);
      writeFileSync(bin, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      record.frames.push({ rows, columns, samplesPerPixel, type: data.constructor.name, bin });
    }
    ds.free();
  }
  writeFileSync(join(out, `${n}.json`), JSON.stringify(record));
});
