'use strict';
// `npm pack`, install the tarball in a fresh temporary project, and use it from there:
// CommonJS, ESM, the types (tsc), and a server/client round trip.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const pkgDir = resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('the packed tarball installs and works in a fresh project', { timeout: 180000 }, () => {
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
  } catch (e) {
    if (e.stdout || e.stderr) console.error(String(e.stdout), String(e.stderr));
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
