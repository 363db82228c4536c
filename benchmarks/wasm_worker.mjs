// Worker of benchmarks/bench_wasm.py: times one case with the JavaScript package in Node and
// prints {"cpu": seconds, "wall": seconds, "count": n} (CPU time of this process over the
// timed loop only; the module is loaded and each file parsed once before it).
//   node benchmarks/wasm_worker.mjs header FILE COUNT
//   node benchmarks/wasm_worker.mjs decode FILE ROUNDS
import { readFileSync } from 'node:fs';

import { parse } from '../js/node.js';

const [cas, file, n] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(file));
const count = Number(n);

function timed(f) {
  // Warm-up: Node compiles wasm with a baseline compiler (Liftoff) first and optimises hot
  // functions later, on background threads; a long-running page or service runs the
  // optimised code. At least a second of it: on a loaded machine the optimising jobs wait for
  // a core, and a shorter warm-up timed Liftoff code and charged the compile jobs' CPU time
  // to the loop (the header case read 42 µs instead of about 20).
  const start = process.hrtime.bigint();
  do {
    f(Math.max(1, Math.floor(count / 5)));
  } while (process.hrtime.bigint() - start < 1_000_000_000n);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const done = f(count);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall, count: done };
}

let out;
if (cas === 'header') {
  // Parse stops before the pixel data and touches three values, as bench_read's header case.
  out = timed((k) => {
    for (let i = 0; i < k; i++) {
      const ds = parse(bytes, { stopBeforePixels: true });
      ds.get('PatientName');
      ds.get('InstanceNumber');
      ds.get('ImagePositionPatient');
      ds.free();
    }
    return k;
  });
} else if (cas === 'decode') {
  const ds = parse(bytes);
  const frames = ds.numberOfFrames;
  out = timed((k) => {
    for (let r = 0; r < k; r++) {
      for (let i = 0; i < frames; i++) ds.frame(i);
    }
    return k * frames;
  });
} else {
  throw new Error(`unknown case ${cas}`);
}
console.log(JSON.stringify(out));
