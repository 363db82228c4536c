// The package in Node on the repository's sample CT: element access, value types, the DICOM
// JSON model, frames, rendering and errors. Agreement with the Python package over the whole
// corpus is tests/test_js.py's job.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { Dataset, availableCodecs, init, parse, tagOf, version } from '../node.js';

const SAMPLE = readFileSync(new URL('../../examples/sample_ct.dcm', import.meta.url));

test('init resolves and version names the core', async () => {
  await init();
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

test('parse gives a Dataset with the file meta', () => {
  const ds = parse(SAMPLE);
  assert.ok(ds instanceof Dataset);
  assert.equal(ds.transferSyntaxUID, '1.2.840.10008.1.2.1');
  assert.equal(ds.meta.get('TransferSyntaxUID'), '1.2.840.10008.1.2.1');
  assert.equal(ds.meta.meta, undefined);
  assert.equal(ds.tags().length, ds.size);
  assert.equal(ds.elements().length, ds.size);
  const tags = Array.from(ds.tags());
  assert.deepEqual(tags, [...tags].sort((a, b) => a - b));
});

test('elements by keyword, number, hex and (gggg,eeee)', () => {
  const ds = parse(SAMPLE);
  for (const key of ['PatientName', 0x00100010, '00100010', '(0010,0010)']) {
    assert.equal(ds.get(key), 'Müller^Jürgen');
    assert.ok(ds.has(key));
  }
  const e = ds.element('Rows');
  assert.equal(e.tag, 0x00280010);
  assert.equal(e.vr, 'US');
  assert.equal(e.keyword, 'Rows');
  assert.equal(e.length, 2);
  assert.equal(typeof e.offset, 'number');
  assert.equal(e.value, 64);
  assert.equal(ds.get('PatientBirthName'), undefined);
  assert.equal(ds.has('PatientBirthName'), false);
  assert.throws(() => ds.get('NoSuchKeyword'), TypeError);
  assert.throws(() => ds.get(-1), TypeError);
  // Keys resolved once are cached on the JS side: the same answers the second time.
  for (let i = 0; i < 2; i++) {
    assert.equal(tagOf('PatientName'), 0x00100010);
    assert.equal(tagOf('(7FE0,0010)'), 0x7fe00010);
    assert.equal(tagOf(0x00280010), 0x00280010);
    assert.equal(ds.element('Rows').value, 64);
    assert.throws(() => ds.has('NoSuchKeyword'), TypeError);
    assert.throws(() => ds.element('0010001'), TypeError);
  }
});

test('value types follow pydicom', () => {
  const ds = parse(SAMPLE);
  assert.deepEqual(ds.get('PixelSpacing'), [1, 1]);
  assert.deepEqual(ds.get('ImageType'), ['ORIGINAL', 'PRIMARY', 'AXIAL']);
  assert.equal(typeof ds.get('RescaleIntercept'), 'number');
  assert.ok(ds.get('PixelData') instanceof Uint8Array);
  assert.equal(ds.get('PixelData').length, 64 * 64 * 2);
});

test('the DICOM JSON model', () => {
  const ds = parse(SAMPLE);
  const model = ds.toJSON();
  assert.deepEqual(model['00100010'], { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen' }] });
  assert.deepEqual(model['00280010'], { vr: 'US', Value: [64] });
  assert.equal(typeof model['7FE00010'].InlineBinary, 'string');
  assert.deepEqual(JSON.parse(JSON.stringify(ds)), model);
  const omitted = JSON.parse(ds.toJSONString(null, 'omit'));
  assert.deepEqual(omitted['7FE00010'], { vr: 'OW' });
  assert.match(ds.toJSONString(2), /^\{\n {2}"00080005"/);
  assert.throws(() => ds.toJSONString(null, 'nope'), TypeError);
});

test('frames are typed arrays of the stored values', () => {
  const ds = parse(SAMPLE);
  assert.equal(ds.numberOfFrames, 1);
  const f = ds.frame(0);
  assert.equal(f.rows, 64);
  assert.equal(f.columns, 64);
  assert.equal(f.samplesPerPixel, 1);
  assert.ok(f.data instanceof Int16Array);
  const raw = ds.get('PixelData');
  const stored = new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
  assert.deepEqual(f.data, stored);
  assert.throws(() => ds.frame(1), RangeError);
});

test('render gives RGBA of the window, grey in all three channels', () => {
  const ds = parse(SAMPLE);
  const img = ds.render(0);
  assert.equal(img.width, 64);
  assert.equal(img.height, 64);
  assert.ok(img.data instanceof Uint8ClampedArray);
  assert.equal(img.data.length, 64 * 64 * 4);
  for (let i = 0; i < img.data.length; i += 4) {
    assert.equal(img.data[i], img.data[i + 1]);
    assert.equal(img.data[i], img.data[i + 2]);
    assert.equal(img.data[i + 3], 255);
  }
  // A 1-wide window at the lowest value: everything above it is white.
  const hu = Array.from(ds.frame(0).data, (v) => v * ds.get('RescaleSlope') + ds.get('RescaleIntercept'));
  const low = Math.min(...hu);
  const narrow = ds.render(0, low + 0.5, 1);
  for (let i = 0; i < hu.length; i++) {
    assert.equal(narrow.data[4 * i], hu[i] > low ? 255 : 0);
  }
});

test('errors carry the Python class name, offset and tag path', () => {
  assert.throws(() => parse(new Uint8Array(10)), (e) => {
    assert.equal(e.name, 'InvalidDicomError');
    assert.equal(e.kind, 'NotDicom');
    assert.equal(e.offset, 10);
    assert.equal(e.tagPath, '');
    assert.match(e.message, /force: true/);
    return true;
  });
  // Cut inside the patient's name: its value is announced longer than what is left.
  const name = parse(SAMPLE).element('PatientName').offset;
  assert.throws(() => parse(SAMPLE.subarray(0, name + 10)), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'TruncatedError');
    assert.equal(e.offset, name + 8);
    assert.equal(e.tagPath, '(0010,0010)');
    assert.match(e.message, /at byte offset \d+ \(tag path \(0010,0010\)\)$/);
    return true;
  });
  // Truncated pixel data is read (as pydicom reads it); decoding the frame fails.
  const short = parse(SAMPLE.subarray(0, SAMPLE.length - 100));
  assert.throws(() => short.frame(0), (e) => {
    assert.equal(e.name, 'TruncatedError');
    assert.equal(e.offset, short.element('PixelData').offset + 12);
    assert.equal(e.tagPath, '(7FE0,0010)');
    return true;
  });
});

test('stopBeforePixels leaves the pixel data out', () => {
  const ds = parse(SAMPLE, { stopBeforePixels: true });
  assert.equal(ds.has('PixelData'), false);
  assert.equal(ds.numberOfFrames, 0);
  assert.throws(() => ds.frame(0), /no pixel data/);
});

test('force reads a dataset without preamble and file meta', () => {
  const ds = parse(SAMPLE);
  const meta = ds.meta;
  // Skip preamble, DICM and the whole file meta group: the first element of the dataset.
  const first = ds.element(ds.tags()[0]).offset;
  assert.ok(first > 132 && meta.size > 0);
  assert.throws(() => parse(SAMPLE.subarray(first)), { name: 'InvalidDicomError' });
  const forced = parse(SAMPLE.subarray(first), { force: true });
  assert.equal(forced.get('PatientName'), 'Müller^Jürgen');
});

test('the build lists its codecs', () => {
  const codecs = Object.fromEntries(availableCodecs().map((c) => [c.codec, c.decoder]));
  assert.match(codecs['RLE Lossless'], /rs_dicom/);
  assert.match(codecs.JPEG, /jpeg-decoder/);
  assert.match(codecs['JPEG 2000'], /rs_dicom_j2k/);
  assert.equal(codecs['JPEG-LS'], null);
});
