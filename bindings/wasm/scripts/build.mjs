// Builds the npm package into dist/: cargo (wasm32, +simd128, opt-level 3, LTO),
// wasm-bindgen (nodejs and web targets), wasm-opt (npm binaryen), then the JS layers.
// Also copies the browser build to examples/frame-inspector/pkg/ (committed).
//
//   node scripts/build.mjs [--no-opt]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, '..');
const repo = resolve(pkgDir, '../..');
const dist = join(pkgDir, 'dist');
const noOpt = process.argv.includes('--no-opt');
// opt-level 3: at opt-level z the masking loop's small copies become calls and unmasking
// runs 40x slower; z for this crate alone (the core at 3) still makes it 2.5x slower, as
// the link-time optimisation runs at the level of the module's crate.
// The main module is built with LLVM's inlining threshold at 75 instead of 250: 9% smaller
// (cold handshake code is no longer copied into every caller; 150 to 75 alone saved 1,024
// bytes) with the frame paths unchanged in scripts/codec-bench.mjs, since they are marked
// for inlining; at 50 and below, framing slows down.
// The threshold for functions marked #[inline] goes from 325 to 225: 3% smaller, with
// unmasking still inlined and the frame paths as fast (at 200 unmasking becomes a call and
// short payloads unmask 50% slower).
// Loops are unrolled up to a cost of 50 instead of 300: 996 bytes smaller, with unmasking
// (16 B to 64 KiB, MaskBuffer.apply) and the echoes of scripts/codec-bench.mjs as fast.
// The loop vectoriser stays on: without it the module is 1% smaller, but the tail of the
// masking loop (after the simd128 blocks) is no longer vectorised and a 125-byte payload
// unmasks 8% slower.
const RUSTFLAGS = {
  'wsframe-wasm': [
    '-C target-feature=+simd128',
    '-C llvm-args=-inline-threshold=75',
    '-C llvm-args=-inlinehint-threshold=225',
    '-C llvm-args=-unroll-threshold=50',
  ].join(' '),
  'wsframe-deflate-wasm': '-C target-feature=+simd128',
};

function run(cmd, args, env) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env }, cwd: pkgDir });
}

// The wasm-bindgen CLI must match the crate pin exactly.
const cargoToml = readFileSync(join(pkgDir, 'Cargo.toml'), 'utf8');
const pinned = /^wasm-bindgen = .*"=([0-9.]+)"/m.exec(cargoToml)[1];
const cliVersion = execFileSync('wasm-bindgen', ['--version'], { encoding: 'utf8' }).trim().split(/\s+/)[1];
if (cliVersion !== pinned) {
  throw new Error(`wasm-bindgen CLI ${cliVersion} does not match the crate pin ${pinned}: cargo install wasm-bindgen-cli --version ${pinned}`);
}

const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, 'target');
// One cargo run per module: built together, the deflate module's wasm-bindgen with std
// would bring std (and its panic handler) into the no_std main module too.
for (const crate of ['wsframe-wasm', 'wsframe-deflate-wasm']) {
  // Only the cdylib: built together with the rlib, link-time optimisation keeps code the
  // module never reaches (about a tenth of it).
  run('cargo', ['rustc', '-p', crate, '--lib', '--crate-type', 'cdylib', '--target', 'wasm32-unknown-unknown', '--release'], {
    RUSTFLAGS: RUSTFLAGS[crate],
    CARGO_PROFILE_RELEASE_OPT_LEVEL: '3',
    CARGO_PROFILE_RELEASE_LTO: 'true',
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS: '1',
    CARGO_PROFILE_RELEASE_PANIC: 'abort',
    CARGO_PROFILE_RELEASE_DEBUG: 'false',
  });
}
const wasm = join(targetDir, 'wasm32-unknown-unknown/release/wsframe_wasm.wasm');
const deflateWasm = join(targetDir, 'wasm32-unknown-unknown/release/wsframe_deflate_wasm.wasm');

rmSync(dist, { recursive: true, force: true });
const outputs = { node: 'nodejs', web: 'web' };
for (const [dir, target] of Object.entries(outputs)) {
  run('wasm-bindgen', ['--target', target, '--out-dir', join(dist, dir), '--out-name', 'wsframe_wasm', '--no-typescript', wasm]);
  const bgWasm = join(dist, dir, 'wsframe_wasm_bg.wasm');
  if (!noOpt) {
    run(join(pkgDir, 'node_modules/.bin/wasm-opt'), [...wasmOptFlags('-O3'), bgWasm, '-o', bgWasm]);
  }
}

// permessage-deflate: a second module (wsframe-deflate and zlib-rs), loaded by the Node
// server and client only when compression is negotiated, so the main module stays small.
{
  const out = join(dist, 'node/deflate');
  run('wasm-bindgen', ['--target', 'nodejs', '--out-dir', out, '--out-name', 'wsframe_deflate', '--no-typescript', deflateWasm]);
  const bgWasm = join(out, 'wsframe_deflate_bg.wasm');
  if (!noOpt) run(join(pkgDir, 'node_modules/.bin/wasm-opt'), [...wasmOptFlags('-O3'), bgWasm, '-o', bgWasm]);
}

// The shared codec: ESM for the browser build, CommonJS for Node.
const codec = readFileSync(join(pkgDir, 'js/codec.mjs'), 'utf8');
writeFileSync(join(dist, 'web/codec.js'), codec.replace("from './wsframe_wasm.js'", "from './wsframe_wasm.js'"));
writeFileSync(join(dist, 'node/codec.cjs'), toCommonJs(codec));
// The boundary's tables (rendered by `cargo test -p wsframe-wasm`, src/js_tables.rs).
const tables = readFileSync(join(pkgDir, 'js/tables.mjs'), 'utf8');
writeFileSync(join(dist, 'web/tables.js'), tables);
writeFileSync(join(dist, 'node/tables.js'), toCommonJs(tables));
for (const file of readdirSync(join(pkgDir, 'js/node'))) cpSync(join(pkgDir, 'js/node', file), join(dist, 'node', file));
for (const file of readdirSync(join(pkgDir, 'js/web'))) cpSync(join(pkgDir, 'js/web', file), join(dist, 'web', file));
// The web build is ESM in .js files; mark its directory so Node tools read it as such.
writeFileSync(join(dist, 'web/package.json'), '{ "type": "module", "sideEffects": false }\n');

// The frame inspector loads the browser build from its pkg/ folder, which is committed so
// that the page works from a fresh clone: this refreshes it.
const inspectorPkg = join(repo, 'examples/frame-inspector/pkg');
if (existsSync(dirname(inspectorPkg))) {
  rmSync(inspectorPkg, { recursive: true, force: true });
  cpSync(join(dist, 'web'), inspectorPkg, { recursive: true });
}

for (const dir of Object.keys(outputs)) {
  const file = join(dist, dir, 'wsframe_wasm_bg.wasm');
  const raw = statSync(file).size;
  const gz = gzipSync(readFileSync(file), { level: 9 }).length;
  console.log(`${dir}: wsframe_wasm_bg.wasm ${raw} bytes raw, ${gz} bytes gzipped`);
}
{
  const file = join(dist, 'node/deflate/wsframe_deflate_bg.wasm');
  console.log(`node/deflate: wsframe_deflate_bg.wasm ${statSync(file).size} bytes raw, ${gzipSync(readFileSync(file), { level: 9 }).length} bytes gzipped`);
}

function wasmOptFlags(level) {
  return [
    level, '--enable-simd', '--enable-bulk-memory', '--enable-sign-ext', '--enable-mutable-globals',
    '--enable-nontrapping-float-to-int', '--enable-reference-types', '--enable-multivalue',
    '--strip-debug', '--strip-producers', '--strip-target-features',
  ];
}

/**
 * Converts the codec's ESM to CommonJS. The codec keeps to a form this handles:
 * `import * as X from '...'` lines and top-level `export const|function|class NAME`.
 */
function toCommonJs(source) {
  const names = [];
  let out = source.replace(/^import \* as (\w+) from '([^']+)';$/gm, "const $1 = require('$2');");
  out = out.replace(/^export (const|function|class) (\w+)/gm, (_, kind, name) => {
    names.push(name);
    return `${kind} ${name}`;
  });
  if (/^\s*(import|export)\b/m.test(out)) throw new Error('codec.mjs uses an import/export form toCommonJs does not handle');
  return `'use strict';\n${out}\nmodule.exports = { ${names.join(', ')} };\n`;
}

mkdirSync(dist, { recursive: true });
