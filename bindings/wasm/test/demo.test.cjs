'use strict';
// The README's demo as a newcomer meets it: in a fresh clone of the repository (the
// committed HEAD), the README's first command (`cargo run --release -p <demo>`) serves the
// frame inspector, whose
// browser build is the committed examples/frame-inspector/pkg/. Headless Chromium opens
// the page, connects to the echo server and sees its message come back as frames.
// Also checks that the committed pkg/ is the interface of the current build (the same
// wasm imports and exports as dist/web), so the page never runs against a stale module.
//
//   node --test test/demo.test.cjs      (after `npm run build`; scripts/test-npm.sh runs it)
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { once } = require('node:events');
const net = require('node:net');

const pkgDir = resolve(__dirname, '..');
const repo = resolve(pkgDir, '../..');

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
}

function freePort() {
  return new Promise((resolvePort) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

/** The imports and exports of a wasm module, as comparable text. */
function wasmInterface(bytes) {
  const m = new WebAssembly.Module(bytes);
  const names = (list) => list.map((e) => `${e.module || ''}.${e.name}:${e.kind}`).sort();
  return { imports: names(WebAssembly.Module.imports(m)), exports: names(WebAssembly.Module.exports(m)) };
}

test('the committed frame inspector build has the interface of the current build', () => {
  const committed = execFileSync('git', ['show', 'HEAD:examples/frame-inspector/pkg/wsframe_wasm_bg.wasm'], { cwd: repo, maxBuffer: 1 << 24 });
  const built = readFileSync(join(pkgDir, 'dist/web/wsframe_wasm_bg.wasm'));
  assert.deepEqual(wasmInterface(committed), wasmInterface(built),
    'examples/frame-inspector/pkg/ is stale: run `npm run build` in bindings/wasm and commit it');
});

test('README demo from a fresh clone: the echo server serves a working frame inspector', { timeout: 600000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-demo-'));
  const clone = join(dir, 'wsframe');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repo, clone]);
  // The clone's own build, sharing compiled dependencies with the repository's target dir.
  const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, 'target');
  const env = { ...process.env, CARGO_TARGET_DIR: join(targetDir, 'demo-clone') };
  // The package the README's demo line runs: `cargo run --release -p <package>   # demo: ...`.
  const readme = readFileSync(join(clone, 'README.md'), 'utf8');
  const demo = /^cargo run --release -p (\S+)\s+# demo/m.exec(readme);
  assert.ok(demo, 'the README starts with the demo command');
  const demoPackage = demo[1];
  execFileSync('cargo', ['build', '--release', '-p', demoPackage], { cwd: clone, env, stdio: 'inherit' });
  const port = await freePort();
  // The README's command, with an address that is free here.
  const server = spawn('cargo', ['run', '--release', '-p', demoPackage, '--', '--listen', `127.0.0.1:${port}`],
    { cwd: clone, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  server.stdout.on('data', (c) => { output += c; });
  const { chromium } = require('playwright-core');
  const profile = join(dir, 'profile');
  let context = null;
  t.after(async () => {
    if (context !== null) await context.close();
    server.kill();
    await once(server, 'exit').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100 && !output.includes(String(port)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(output.includes(String(port)), `the echo server announced itself: ${output}`);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
  await page.click('#connect');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'open', null, { timeout: 10000 });
  await page.fill('#message', 'from a fresh clone');
  await page.click('#send');
  // The sent frame (masked, from the client) and the echo (from the server).
  await page.waitForFunction(() => document.querySelectorAll('#frames tbody tr').length >= 2, null, { timeout: 10000 });
  const rows = await page.$$eval('#frames tbody tr', (trs) => trs.map((tr) => ({
    cls: tr.className, source: tr.querySelector('td.source').textContent, payload: tr.querySelector('td.payload').textContent,
  })));
  assert.deepEqual(rows, [
    { cls: 'valid', source: 'sent', payload: '"from a fresh clone"' },
    { cls: 'valid', source: 'received', payload: '"from a fresh clone"' },
  ]);
  assert.deepEqual(errors, []);
});
