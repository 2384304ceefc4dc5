// Runs Wasm modules under V8 following call plans written by Kiln's differential tests and prints
// the same trace format as Kiln's TraceRecorder, so the two can be compared line by line.
// Usage: node node-runner.mjs PLAN...   (a plan names its module, then one call per line)
import { readFileSync } from 'node:fs';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function f32Text(x) {
  if (Number.isNaN(x)) return 'nan';
  f32[0] = x;
  return u32[0].toString(16).padStart(8, '0');
}

function f64Text(x) {
  if (Number.isNaN(x)) return 'nan';
  f64[0] = x;
  return u64[0].toString(16).padStart(16, '0');
}

// JavaScript cannot take a v128, so log-v128 is a Wasm function of this small module that passes the four i32
// lanes on to JavaScript:
//   (func (export "log-v128") (param v128) (call $log (i32x4.extract_lane 0..3 (local.get 0))))
const logV128Module = new WebAssembly.Module(new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 12, 2, 96, 4, 127, 127, 127, 127, 0, 96, 1, 123, 0, 2, 10, 1, 2, 106, 115, 3, 108,
  111, 103, 0, 0, 3, 2, 1, 1, 7, 12, 1, 8, 108, 111, 103, 45, 118, 49, 50, 56, 0, 1, 10, 26, 1, 24, 0, 32, 0, 253, 27,
  0, 32, 0, 253, 27, 1, 32, 0, 253, 27, 2, 32, 0, 253, 27, 3, 16, 0, 11,
]));

// The same text as Kiln's V128.ToString(): 0x, then the high 64 bits and the low 64 bits as 16 hex digits each.
function v128Text(l0, l1, l2, l3) {
  const hex = (x) => (x >>> 0).toString(16).padStart(8, '0');
  return 'v128:0x' + hex(l3) + hex(l2) + hex(l1) + hex(l0);
}

function valueText(type, v) {
  switch (type) {
    case 'i32': return 'i32:' + (v | 0);
    case 'i64': return 'i64:' + BigInt.asIntN(64, v).toString();
    case 'f32': return 'f32:' + f32Text(v);
    case 'f64': return 'f64:' + f64Text(v);
    case 'funcref': return v === null ? 'funcref:null' : 'funcref:func';
    case 'externref': return v === null ? 'externref:null' : 'externref:value';
    default: throw new Error('unknown type ' + type);
  }
}

function parseArg(text) {
  const [type, v] = text.split(':');
  switch (type) {
    case 'i32': return Number(v) | 0;
    case 'i64': return BigInt.asIntN(64, BigInt(v));
    case 'f32': u32[0] = parseInt(v, 16); return f32[0];
    case 'f64': u64[0] = BigInt('0x' + v); return f64[0];
    case 'funcref': case 'externref': return null;
    default: throw new Error('unknown argument ' + text);
  }
}

// Trap messages of V8 mapped to Kiln's trap kinds (the TraceRecorder names them the same way).
function trapKind(e) {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'stack';
  if (!(e instanceof WebAssembly.RuntimeError)) return 'host-error ' + e.constructor.name + ': ' + e.message;
  const m = e.message;
  if (/unreachable/.test(m)) return 'unreachable';
  if (/memory access out of bounds|data segment/.test(m)) return 'memory-oob';
  if (/divide by zero|remainder by zero/.test(m)) return 'div-zero';
  if (/divide result unrepresentable/.test(m)) return 'int-overflow';
  // V8 words a NaN and an out-of-range truncation alike, so the kind cannot say which.
  if (/float unrepresentable/.test(m)) return 'float-to-int';
  if (/table index is out of bounds|invalid index into function table|element segment|table access/.test(m)) return 'table-oob';
  if (/null function|signature mismatch/.test(m)) return 'indirect-call';
  return 'other ' + m;
}

function memoryText(memory) {
  if (!memory) return 'mem none';
  const words = new Int32Array(memory.buffer);
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return 'mem ' + (memory.buffer.byteLength / 65536) + ' ' + (h >>> 0).toString(16).padStart(8, '0');
}

function run(planPath) {
  const lines = readFileSync(planPath, 'utf8').split('\n').filter(l => l.length > 0);
  const out = [];
  const wasmPath = lines[0].slice('module '.length);
  const bytes = readFileSync(wasmPath);
  if (!WebAssembly.validate(bytes)) {
    let why = '';
    try { new WebAssembly.Module(bytes); } catch (e) { why = e.message; }
    return ['invalid ' + why];
  }
  const imports = {
    'fuzzing-support': {
      'log-i32': x => out.push('log i32:' + (x | 0)),
      'log-i64': x => out.push('log i64:' + BigInt.asIntN(64, x).toString()),
      'log-f32': x => out.push('log f32:' + f32Text(x)),
      'log-f64': x => out.push('log f64:' + f64Text(x)),
    },
  };
  imports['fuzzing-support']['log-v128'] = new WebAssembly.Instance(logV128Module, {
    js: { log: (a, b, c, d) => out.push('log ' + v128Text(a, b, c, d)) },
  }).exports['log-v128'];
  let instance;
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    out.push('instantiate ok');
  } catch (e) {
    if (e instanceof WebAssembly.LinkError || e instanceof WebAssembly.CompileError) {
      out.push('link-error ' + e.message);
    } else {
      out.push('instantiate trap ' + trapKind(e));
    }
    return out;
  }
  const memory = instance.exports.memory instanceof WebAssembly.Memory ? instance.exports.memory : null;
  for (const line of lines.slice(1)) {
    // call NAME RESULTTYPES ARG...  (RESULTTYPES: comma list or '-')
    const parts = line.split(' ');
    const name = decodeURIComponent(parts[1]);
    const resultTypes = parts[2] === '-' ? [] : parts[2].split(',');
    const args = parts.slice(3).map(parseArg);
    out.push('call ' + parts[1]);
    try {
      const r = instance.exports[name](...args);
      const values = resultTypes.length === 1 ? [r] : resultTypes.length === 0 ? [] : r;
      out.push('result' + resultTypes.map((t, i) => ' ' + valueText(t, values[i])).join(''));
    } catch (e) {
      out.push('trap ' + trapKind(e));
    }
    out.push(memoryText(memory));
  }
  return out;
}

for (const plan of process.argv.slice(2)) {
  let trace;
  try {
    trace = run(plan);
  } catch (e) {
    trace = ['runner-error ' + e.message];
  }
  process.stdout.write('== ' + plan + '\n' + trace.join('\n') + '\n');
}
