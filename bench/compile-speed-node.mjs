// Times V8 compiling a whole module eagerly, `new WebAssembly.Module(bytes)`, under the V8 flags
// the caller gives node (bench/compile-speed.sh: Liftoff only, no lazy compilation, with and
// without background threads), and prints a row in Kiln.CompileSpeed's format.
// Usage: node [V8 flags] compile-speed-node.mjs MODULE.wasm LABEL BODY-BYTES [REPETITIONS]
import { readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';

const [path, label, bodyBytes, reps = '5'] = process.argv.slice(2);
const original = readFileSync(path);

// V8 caches native modules by their bytes, so compiling the same bytes again is a cache hit. Each
// repetition appends a differently named custom section (ignored by compilation) to miss it.
function variant(i) {
  const name = Buffer.from('kiln-compile-speed-' + i);
  return Buffer.concat([original, Buffer.from([0, name.length + 1, name.length]), name]);
}

new WebAssembly.Module(variant(0)); // warm-up
let best = Infinity, bestCpu = Infinity;
for (let i = 1; i <= Number(reps); i++) {
  const bytes = variant(i);
  const c0 = cpuUsage();
  const t0 = process.hrtime.bigint();
  new WebAssembly.Module(bytes);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = cpuUsage(c0);
  best = Math.min(best, ms);
  bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
}
const mb = Number(bodyBytes) / 1e6;
console.log(`${label.padEnd(34)} ${best.toFixed(1).padStart(9)} ${bestCpu.toFixed(0).padStart(9)} ${(mb / (best / 1000)).toFixed(1).padStart(10)} ${(mb / (Math.max(bestCpu, 1) / 1000)).toFixed(1).padStart(9)}`);
