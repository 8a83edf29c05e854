'use strict';
// `npm pack`, install the tarball in a fresh temporary project, and use it from there:
// CommonJS, ESM, the types (tsc), a server/client round trip, and every JavaScript snippet
// of the READMEs as written (Node CommonJS and ESM, esbuild, the bundle in Chromium).
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { once } = require('node:events');

const pkgDir = resolve(__dirname, '..');
const repo = resolve(pkgDir, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The ```js blocks of a Markdown file, each with the outputs its `// prints: …` comments name. */
function snippets(file) {
  const blocks = [];
  const re = /^```js\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(readFileSync(file, 'utf8')); m !== null; m = re.exec(readFileSync(file, 'utf8'))) {
    const code = m[1];
    const prints = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((p) => p[1]);
    blocks.push({ file, code, prints });
    re.lastIndex = m.index + m[0].length;
  }
  return blocks;
}

function freePort() {
  return new Promise((resolvePort) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
}

/** Loads `dir/index.html` (a page running `bundle.js`) in headless Chromium; resolves with its console lines. */
async function runInChromium(dir, lines) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : req.url.slice(1);
    const file = join(dir, name);
    if (name.includes('/') || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[name.slice(name.lastIndexOf('.'))] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { chromium } = require('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'wsframe-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    const output = [];
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'log') output.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    for (let i = 0; i < 100 && output.length < lines && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(errors, []);
    return output;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
  }
}

test('the packed tarball installs and works in a fresh project', { timeout: 240000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-pack-'));
  try {
    const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', dir], { cwd: pkgDir, encoding: 'utf8' }));
    const files = packed[0].files.map((f) => f.path);
    for (const f of ['package.json', 'index.d.ts', 'README.md', 'dist/node/index.cjs', 'dist/node/index.mjs', 'dist/node/wsframe_wasm_bg.wasm',
      'dist/web/index.js', 'dist/web/wsframe_wasm_bg.wasm']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('node_modules/')), files.join(', '));
    const tarball = join(dir, packed[0].filename);
    const project = join(dir, 'project');
    execFileSync('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'smoke', version: '1.0.0', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', tarball], { cwd: project, stdio: 'pipe' });
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/wsframe/package.json'), 'utf8'));
    assert.equal(installed.sideEffects, false);
    assert.ok(installed.engines.node);

    writeFileSync(join(project, 'smoke.cjs'), `
      const { WebSocketServer, WebSocket, acceptKey, encodeFrame, decodeHeader } = require('wsframe');
      if (acceptKey('dGhlIHNhbXBsZSBub25jZQ==') !== 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=') throw new Error('acceptKey');
      if (decodeHeader(encodeFrame({ opcode: 'text', payload: 'hi', maskKey: 1 })).payloadLength !== 2) throw new Error('codec');
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' }, () => {
        wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
        const ws = new WebSocket('ws://127.0.0.1:' + wss.address().port);
        ws.onopen = () => ws.send('round trip');
        ws.onmessage = (e) => { console.log(e.data); ws.close(); };
        ws.onclose = () => wss.close();
      });
    `);
    assert.equal(execFileSync('node', ['smoke.cjs'], { cwd: project, encoding: 'utf8', timeout: 20000 }).trim(), 'round trip');

    writeFileSync(join(project, 'smoke.mjs'), `
      import init, { Connection } from 'wsframe';
      await init();
      const c = Connection.client({ handshakeDone: true });
      const s = Connection.server({ handshakeDone: true });
      s.feed(c.sendText('esm'));
      const ev = s.read();
      console.log(new TextDecoder().decode(ev.data));
    `);
    assert.equal(execFileSync('node', ['smoke.mjs'], { cwd: project, encoding: 'utf8', timeout: 20000 }).trim(), 'esm');

    // The types check against a program that uses them (tsc from this package's devDependencies).
    writeFileSync(join(project, 'smoke.ts'), `
      import init, { WebSocket, WebSocketServer, Connection, ProtocolError, decodeHeader } from 'wsframe';
      void init().then(() => undefined);
      const wss = new WebSocketServer({ noServer: true, maxPayload: 1024, handleProtocols: (p) => p.has('a') ? 'a' : false });
      const ws: WebSocket = new WebSocket('ws://127.0.0.1:1', ['a']);
      const timed = new WebSocketServer({ noServer: true, pingInterval: 30000, pongTimeout: 10000, idleTimeout: 60000, closeTimeout: 5000, maxBackpressure: 1 << 20 });
      const beating = new WebSocket('ws://127.0.0.1:1', { pingInterval: 30000, idleTimeout: 60000, maxBackpressure: Infinity });
      void timed; beating.onerror = () => beating.terminate();
      ws.onclose = (e) => { const code: number = e.code; const clean: boolean = e.wasClean; void code; void clean; };
      const h = decodeHeader(new Uint8Array([0x81, 0x00]), { role: 'client' });
      if (h.complete) { const n: number | bigint = h.payloadLength; void n; }
      const c = Connection.server();
      try { c.read(); } catch (e) { if (e instanceof ProtocolError) { const code: number = e.closeCode; void code; } }
      void wss;
    `);
    const tsc = join(pkgDir, 'node_modules/.bin/tsc');
    if (existsSync(tsc)) {
      execFileSync(tsc, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
        '--types', 'node', '--typeRoots', join(pkgDir, 'node_modules/@types'), 'smoke.ts'], { cwd: project, stdio: 'pipe' });
    }

    // The READMEs' JavaScript, as written. The only change: the example port becomes a free one.
    const blocks = [...snippets(join(pkgDir, 'README.md')), ...snippets(join(repo, 'README.md'))];
    assert.ok(blocks.length >= 2, 'the package README has its Node and browser snippets');
    const run = (file) => execFileSync('node', [file], { cwd: project, encoding: 'utf8', timeout: 20000 }).trim().split('\n');
    for (const [i, block] of blocks.entries()) {
      assert.ok(block.prints.length > 0, `snippet ${i + 1} of ${block.file} names its output with // prints:`);
      const code = block.code.replaceAll('8080', String(await freePort()));
      if (/\brequire\(/.test(code)) {
        // CommonJS as written, then the same with `import` for the `require` (ESM).
        writeFileSync(join(project, `snippet${i}.cjs`), code);
        assert.deepEqual(run(`snippet${i}.cjs`), block.prints, `snippet ${i + 1} of ${block.file} (CommonJS)`);
        const esm = code.replace(/^const (\{[^}]*\}) = require\(('[^']+')\);/gm, 'import $1 from $2;');
        assert.ok(!/\brequire\(/.test(esm));
        writeFileSync(join(project, `snippet${i}.mjs`), esm);
        assert.deepEqual(run(`snippet${i}.mjs`), block.prints, `snippet ${i + 1} of ${block.file} (ESM)`);
      } else {
        // An ES module: in Node, then bundled by esbuild for browsers and run in Chromium
        // with the wasm file copied next to the bundle.
        writeFileSync(join(project, `snippet${i}.mjs`), code);
        assert.deepEqual(run(`snippet${i}.mjs`), block.prints, `snippet ${i + 1} of ${block.file} (Node ESM)`);
        const web = join(project, `web${i}`);
        mkdirSync(web);
        execFileSync(join(pkgDir, 'node_modules/.bin/esbuild'), [`snippet${i}.mjs`, '--bundle', '--format=esm', '--platform=browser',
          `--outfile=${join(web, 'bundle.js')}`, '--log-level=warning'], { cwd: project, stdio: 'pipe' });
        copyFileSync(join(project, 'node_modules/wsframe/dist/web/wsframe_wasm_bg.wasm'), join(web, 'wsframe_wasm_bg.wasm'));
        writeFileSync(join(web, 'index.html'), '<!doctype html><title>snippet</title><script type="module" src="bundle.js"></script>');
        assert.deepEqual(await runInChromium(web, block.prints.length), block.prints, `snippet ${i + 1} of ${block.file} (esbuild, Chromium)`);
      }
    }
  } catch (e) {
    if (e.stdout || e.stderr) console.error(String(e.stdout), String(e.stderr));
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
