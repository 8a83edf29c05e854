'use strict';
// Headless Chromium (Debian's, driven by playwright-core) loads the browser build from
// http://127.0.0.1, round-trips frames through the codec, talks to the Node server with
// the browser's own WebSocket, and drives the frame inspector (saving a screenshot).
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { execFileSync } = require('node:child_process');
const { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { extname, join, normalize, resolve, sep } = require('node:path');
const { once } = require('node:events');
const { WebSocketServer } = require('../dist/node/index.cjs');

const pkgDir = resolve(__dirname, '..');
const repo = resolve(pkgDir, '../..');
const roots = {
  '/dist/': join(pkgDir, 'dist'),
  '/inspector/': join(repo, 'examples/frame-inspector'),
};
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };

function staticServer() {
  return http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>wsframe browser test</title>');
      return;
    }
    const prefix = Object.keys(roots).find((p) => path.startsWith(p));
    if (prefix === undefined) {
      res.writeHead(404).end();
      return;
    }
    const file = normalize(join(roots[prefix], path.slice(prefix.length) || 'index.html'));
    if (!file.startsWith(roots[prefix] + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[extname(file)] || 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
}

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

test('browser build in headless Chromium', { timeout: 120000 }, async (t) => {
  const executablePath = chromiumPath();
  if (executablePath === '') {
    assert.fail('chromium not found (apt-get install -y chromium)');
  }
  const { chromium } = require('playwright-core');
  const server = staticServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'chat' });
  await once(wss, 'listening');
  wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  const profile = mkdtempSync(join(tmpdir(), 'wsframe-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
    await new Promise((r) => wss.close(r));
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await t.test('codec round-trips frames in the page', async () => {
    await page.goto(`${base}/`);
    const result = await page.evaluate(async () => {
      const m = await import('/dist/web/index.js');
      await m.default();
      const out = {};
      const frame = m.encodeFrame({ opcode: 'text', payload: 'Hello', maskKey: [0x37, 0xfa, 0x21, 0x3d] });
      out.frameHex = Array.from(frame, (b) => b.toString(16).padStart(2, '0')).join('');
      out.header = m.decodeHeader(frame);
      out.header.maskKey = Array.from(out.header.maskKey);
      const client = m.Connection.client({ handshakeDone: true });
      const server = m.Connection.server({ handshakeDone: true });
      const big = new Uint8Array(200000).map((_, i) => i & 255);
      server.feed(client.sendText('héllo'));
      server.feed(client.sendBinary(big));
      const events = [];
      for (let ev = server.read(); ev !== null; ev = server.read()) {
        events.push({ type: ev.type, text: ev.text, length: ev.data.length, last: ev.data[ev.data.length - 1], str: ev.text ? new TextDecoder().decode(ev.data) : null });
      }
      out.events = events;
      try {
        m.decodeHeader(new Uint8Array([0x83, 0x80, 0, 0, 0, 0]));
      } catch (e) {
        out.error = { name: e.name, closeCode: e.closeCode };
      }
      out.accept = m.acceptKey('dGhlIHNhbXBsZSBub25jZQ==');
      return out;
    });
    assert.equal(result.frameHex, '818537fa213d7f9f4d5158');
    assert.equal(result.header.payloadLength, 5);
    assert.deepEqual(result.header.maskKey, [0x37, 0xfa, 0x21, 0x3d]);
    assert.deepEqual(result.events, [
      { type: 'data', text: true, length: 6, last: 0x6f, str: 'héllo' },
      { type: 'data', text: false, length: 200000, last: 199999 & 255, str: null },
    ]);
    assert.deepEqual(result.error, { name: 'ProtocolError', closeCode: 1002 });
    assert.equal(result.accept, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  await t.test("Chromium's WebSocket against the Node server", async () => {
    const echoed = await page.evaluate(async (url) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url, ['chat']);
      ws.binaryType = 'arraybuffer';
      const got = [];
      ws.onopen = () => {
        ws.send('from chromium');
        ws.send(new Uint8Array([9, 8, 7]));
      };
      ws.onmessage = (e) => {
        got.push(typeof e.data === 'string' ? e.data : Array.from(new Uint8Array(e.data)));
        if (got.length === 2) ws.close(1000, 'ok');
      };
      ws.onclose = (e) => resolve({ got, code: e.code, wasClean: e.wasClean, protocol: ws.protocol });
      ws.onerror = () => reject(new Error('websocket error'));
    }), `ws://127.0.0.1:${wss.address().port}/`);
    assert.deepEqual(echoed, { got: ['from chromium', [9, 8, 7]], code: 1000, wasClean: true, protocol: 'chat' });
  });

  await t.test("Chromium's permessage-deflate offer accepted by the Node server", async () => {
    const deflating = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
    await once(deflating, 'listening');
    const accepted = [];
    deflating.on('connection', (ws) => {
      accepted.push(ws.extensions);
      ws.on('message', (d, b) => ws.send(d, { binary: b }));
    });
    try {
      const result = await page.evaluate(async (url) => new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        const big = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `item ${i}`, text: 'ünïcödé ✓' })));
        const sent = [big, 'small ✓', big.slice(0, 70000)];
        const got = [];
        ws.onopen = () => sent.forEach((m) => ws.send(m));
        ws.onmessage = (e) => {
          got.push(e.data);
          if (got.length === sent.length) ws.close(1000);
        };
        ws.onclose = (e) => resolve({ same: got.every((m, i) => m === sent[i]), count: got.length, code: e.code, extensions: ws.extensions });
        ws.onerror = () => reject(new Error('websocket error'));
      }), `ws://127.0.0.1:${deflating.address().port}/`);
      assert.deepEqual(result, { same: true, count: 3, code: 1000, extensions: 'permessage-deflate' });
      assert.deepEqual(accepted, ['permessage-deflate']);
    } finally {
      await new Promise((r) => deflating.close(r));
    }
  });

  await t.test('frame inspector shows a known frame and a bad one', async () => {
    await page.goto(`${base}/inspector/index.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    await page.fill('#hex', '81 85 37 fa 21 3d 7f 9f 4d 51 58 83 00');
    await page.selectOption('#role', 'client');
    await page.click('#decode');
    const rows = await page.$$eval('#frames tbody tr', (trs) => trs.map((tr) => {
      const cell = (c) => tr.querySelector(`td.${c}`).textContent;
      return {
        cls: tr.className, fin: cell('fin'), rsv: cell('rsv'), opcode: cell('opcode'), mask: cell('mask'),
        length: cell('length'), form: cell('form'), payload: cell('payload'), check: tr.lastElementChild.textContent,
      };
    }));
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], {
      cls: 'valid', fin: '1', rsv: '000', opcode: 'text (0x1)', mask: '37 fa 21 3d', length: '5', form: '7-bit',
      payload: '"Hello"', check: 'valid',
    });
    assert.equal(rows[1].cls, 'invalid');
    assert.match(rows[1].check, /reserved opcode \(0x3\) \(close code 1002\)/);
    const shots = join(process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, 'target'), 'wsframe-wasm');
    mkdirSync(shots, { recursive: true });
    const file = join(shots, 'frame-inspector.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 1000);
  });

  assert.deepEqual(errors, []);
});
