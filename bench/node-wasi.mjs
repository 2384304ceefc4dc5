// Runs a WASI (preview1) command module under node's V8, the reference engine Kiln is compared with.
// Usage: node [--liftoff --no-wasm-tier-up] bench/node-wasi.mjs [--dir HOST[:GUEST]]... [--env K=V]...
//        [--] prog.wasm [args...]
// stdin/stdout/stderr are the process's own; the module's exit code becomes the process exit code.
// --dir preopens a host directory (under GUEST, default the same path); --env sets a guest variable
// (the guest sees no host environment otherwise, as with `kiln run`).
import { readFile } from 'node:fs/promises';
import fs from 'node:fs';
import process from 'node:process';
import v8 from 'node:v8';

// Node 20's WASI imports are V8 fast API calls, and a memory.grow inside the module can make one
// start a garbage collection, which crashes node after (or while) the module runs (nodejs/node
// issues 46777 and 53087; seen here on programs that grow memory to tens of MiB). Plain calls
// avoid it; the flag must be set before the module is compiled.
v8.setFlagsFromString('--no-turbo-fast-api-calls');

function usage(message) {
  process.stderr.write(`node-wasi: ${message}\n` +
    'usage: node-wasi.mjs [--dir HOST[:GUEST]]... [--env K=V]... [--] prog.wasm [args...]\n');
  process.exit(2);
}

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let i = 0;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') { i++; break; }
  if (a === '--dir') {
    const spec = argv[++i];
    if (spec === undefined) usage('--dir needs a value');
    const colon = spec.indexOf(':');
    const host = colon < 0 ? spec : spec.slice(0, colon);
    const guest = colon < 0 ? spec : spec.slice(colon + 1);
    preopens[guest] = host;
  } else if (a === '--env') {
    const kv = argv[++i];
    if (kv === undefined || kv.indexOf('=') <= 0) usage('--env needs K=V');
    env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  } else if (a.startsWith('--')) {
    usage(`unknown option ${a}`);
  } else {
    break;
  }
}
if (i >= argv.length) usage('missing module path');
const wasmPath = argv[i];
const args = argv.slice(i);

let bytes;
try {
  bytes = await readFile(wasmPath);
} catch (e) {
  usage(`cannot read ${wasmPath}: ${e.message}`);
}

// node:wasi prints an ExperimentalWarning when loaded; keep stderr equal to the program's own.
process.removeAllListeners('warning');
const { WASI } = await import('node:wasi');

// Node switches its own stdio pipes to non-blocking mode, so a module writing a lot to a pipe would
// see EAGAIN and lose output. The module gets its own open file description of each pipe instead,
// which stays blocking; other kinds of stdio (terminals, files, /dev/null) are passed as they are.
function ownPipe(fd, flags) {
  try {
    if (!fs.fstatSync(fd).isFIFO()) return fd;
    return fs.openSync(`/proc/self/fd/${fd}`, flags);
  } catch {
    return fd;
  }
}

const wasi = new WASI({
  version: 'preview1', args, env, preopens, returnOnExit: true,
  stdin: ownPipe(0, 'r'), stdout: ownPipe(1, 'w'), stderr: ownPipe(2, 'w'),
});
const module = await WebAssembly.compile(bytes);
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
let code;
try {
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`node-wasi: trap: ${e && e.message ? e.message : e}\n`);
  process.exit(134);
}
process.exitCode = code;
