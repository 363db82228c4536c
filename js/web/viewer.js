// The rs-dicom viewer: open or drop a file, see its elements (sequences as a tree) and a
// frame on the canvas with window/level. Everything runs in the browser through the
// WebAssembly core (../index.js); the pixels drawn are `Dataset.render`'s, which are the
// Python package's `rs_dicom.display.to_display`.
//
// For tests and links: `?file=URL` loads a file, `&center=&width=` set a window, `&frame=`
// a frame; `&report=URL` POSTs { width, height, rgba (base64 of the canvas's pixels),
// elements, error } there once drawn.
import { init, parse } from '../index.js';

const $ = (id) => document.getElementById(id);
const canvas = $('canvas');
const ctx = canvas.getContext('2d');
let current = null;

const hex = (n, w) => n.toString(16).toUpperCase().padStart(w, '0');
const tagText = (t) => `(${hex(t >>> 16, 4)},${hex(t & 0xffff, 4)})`;

function show(value) {
  if (value === null || value === undefined) return '';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return value.map(show).join('\\');
  return String(value);
}

function addRows(body, ds, depth) {
  for (const e of ds.elements()) {
    const tr = body.insertRow();
    const cells = [tagText(e.tag), e.vr, e.keyword, ''];
    cells.forEach((text, i) => {
      const td = tr.insertCell();
      td.textContent = text;
      if (i === 0) td.style.paddingLeft = `${6 + 16 * depth}px`;
    });
    const valueCell = tr.cells[3];
    valueCell.className = 'value';
    if (e.vr === 'SQ') {
      valueCell.textContent = `${e.value.length} item(s)`;
      e.value.forEach((item, i) => {
        const row = body.insertRow();
        const td = row.insertCell();
        td.colSpan = 4;
        td.style.paddingLeft = `${22 + 16 * depth}px`;
        td.textContent = `Item ${i + 1}`;
        addRows(body, item, depth + 1);
      });
    } else {
      valueCell.textContent = show(e.value);
    }
  }
}

function showHeader(ds) {
  const body = $('elements');
  body.replaceChildren();
  if (ds.meta) addRows(body, ds.meta, 0);
  addRows(body, ds, 0);
}

function showError(e) {
  const body = $('elements');
  const tr = body.insertRow();
  tr.className = 'error';
  const td = tr.insertCell();
  td.colSpan = 4;
  const where = e.offset == null ? '' : ` at byte ${e.offset}`;
  td.textContent = `${e.name}: ${e.message}${where}${e.tagPath ? ` in ${e.tagPath}` : ''}`;
  $('status').textContent = e.name;
}

function draw() {
  if (!current || current.numberOfFrames === 0) {
    canvas.width = 0;
    canvas.height = 0;
    return null;
  }
  const frame = Math.min(Number($('frame').value) || 0, current.numberOfFrames - 1);
  const c = $('center').value;
  const w = $('width').value;
  const windowed = c !== '' && w !== '';
  const img = windowed ? current.render(frame, Number(c), Number(w)) : current.render(frame);
  canvas.width = img.width;
  canvas.height = img.height;
  // Small images shown larger (the canvas keeps its pixels; CSS scales the view).
  canvas.style.width = `${Math.max(img.width, 384)}px`;
  ctx.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
  $('info').textContent = `${img.width}×${img.height}, frame ${frame + 1}/${current.numberOfFrames}`;
  return img;
}

function fileWindow() {
  const first = (v) => (Array.isArray(v) ? v[0] : v);
  const c = first(current?.get('WindowCenter'));
  const w = first(current?.get('WindowWidth'));
  $('center').value = typeof c === 'number' ? c : '';
  $('width').value = typeof w === 'number' ? w : '';
}

/** The file's window as placeholders: empty fields draw with the file's own VOI. */
function showFileWindow() {
  const first = (v) => (Array.isArray(v) ? v[0] : v);
  $('center').placeholder = String(first(current.get('WindowCenter')) ?? '');
  $('width').placeholder = String(first(current.get('WindowWidth')) ?? '');
}

/** Shows a file's bytes: header table and first frame. Returns the rendered frame. */
export function load(bytes, name = '') {
  current?.free();
  current = null;
  $('elements').replaceChildren();
  try {
    current = parse(bytes);
  } catch (e) {
    try {
      current = parse(bytes, { force: true });
    } catch {
      showError(e);
      throw e;
    }
  }
  showHeader(current);
  $('status').textContent = `${name} ${current.transferSyntaxUID}`;
  $('frame').max = Math.max(0, current.numberOfFrames - 1);
  $('frame').value = 0;
  $('center').value = '';
  $('width').value = '';
  showFileWindow();
  try {
    return draw();
  } catch (e) {
    showError(e);
    throw e;
  }
}

async function loadFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    load(bytes, file.name);
  } catch {
    // shown in the table
  }
}

function wireUi() {
  $('file').addEventListener('change', (ev) => ev.target.files[0] && loadFile(ev.target.files[0]));
  document.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (ev) => {
    ev.preventDefault();
    document.body.classList.remove('dragging');
    const file = ev.dataTransfer.files[0];
    if (file) loadFile(file);
  });
  for (const id of ['center', 'width', 'frame']) $(id).addEventListener('change', () => draw());
  $('reset').addEventListener('click', () => {
    $('center').value = '';
    $('width').value = '';
    draw();
  });
  let drag = null;
  canvas.addEventListener('pointerdown', (ev) => {
    if ($('center').value === '') fileWindow();
    drag = { x: ev.clientX, y: ev.clientY, c: Number($('center').value), w: Number($('width').value) };
    canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (!drag || Number.isNaN(drag.c) || Number.isNaN(drag.w)) return;
    $('width').value = Math.max(1, drag.w + (ev.clientX - drag.x) * Math.max(1, drag.w / 200));
    $('center').value = drag.c + (ev.clientY - drag.y) * Math.max(1, drag.w / 200);
    draw();
  });
  canvas.addEventListener('pointerup', () => {
    drag = null;
  });
}

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

async function fromQuery() {
  const q = new URLSearchParams(location.search);
  const file = q.get('file');
  if (!file) return;
  const report = { width: 0, height: 0, rgba: '', elements: 0, error: null };
  try {
    const bytes = new Uint8Array(await (await fetch(file)).arrayBuffer());
    load(bytes, file);
    if (q.has('frame')) $('frame').value = q.get('frame');
    if (q.has('center')) $('center').value = q.get('center');
    if (q.has('width')) $('width').value = q.get('width');
    draw();
    report.width = canvas.width;
    report.height = canvas.height;
    if (canvas.width > 0) {
      // What the canvas holds, read back: the pixels the user sees.
      report.rgba = base64(new Uint8Array(ctx.getImageData(0, 0, canvas.width, canvas.height).data.buffer));
    }
    report.elements = $('elements').rows.length;
  } catch (e) {
    report.error = { name: e.name, message: e.message, offset: e.offset ?? null, tagPath: e.tagPath ?? null };
  }
  document.body.dataset.state = 'done';
  if (q.get('report')) {
    await fetch(q.get('report'), { method: 'POST', body: JSON.stringify(report) });
  }
}

await init();
wireUi();
await fromQuery();
