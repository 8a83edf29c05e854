// Chromium's own WebSocket over wss:// against the wsframe-tokio TLS echo server
// (crates/wsframe-tokio/examples/tls_server.rs), trusting exactly the server's
// self-signed test certificate (by its public key hash), not every certificate.
//
//   TLS_SERVER=target/release/examples/tls_server node --test test_chromium_tls.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const TLS_SERVER = process.env.TLS_SERVER;

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('chromium not found (apt-get install -y chromium)');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let child;
let browser;
let port;
let certPath;

before(async () => {
  assert.ok(TLS_SERVER, 'TLS_SERVER names the tls_server example binary');
  port = await freePort();
  child = spawn(TLS_SERVER, [`127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tls_server did not start')), 30000);
    lines.on('line', (line) => {
      const at = line.indexOf('certificate in ');
      if (at >= 0) certPath = line.slice(at + 'certificate in '.length).trim();
      if (line.startsWith('tls_server: wss://')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const cert = new X509Certificate(readFileSync(certPath));
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  const pin = createHash('sha256').update(spki).digest('base64');
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    timeout: 60000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      `--ignore-certificate-errors-spki-list=${pin}`,
    ],
  });
});

after(async () => {
  await browser?.close();
  child?.kill('SIGTERM');
});

test('Chromium echoes text and binary over wss with the test certificate', { timeout: 60000 }, async () => {
  const page = await browser.newPage();
  const result = await page.evaluate(async (url) => {
    const ws = new WebSocket(url, ['chat']);
    ws.binaryType = 'arraybuffer';
    const messages = [];
    const done = new Promise((resolve, reject) => {
      ws.onmessage = (event) => {
        messages.push(event.data);
        if (messages.length === 2) ws.close(1000, 'done');
      };
      ws.onclose = (event) => resolve(event.code);
      ws.onerror = () => reject(new Error('websocket error'));
    });
    // A refused certificate fails the connection: no open, an error.
    await Promise.race([new Promise((resolve) => { ws.onopen = resolve; }), done]);
    ws.send('héllo over tls');
    ws.send(new Uint8Array(70000).fill(7));
    const code = await done;
    return {
      protocol: ws.protocol,
      text: messages[0],
      binaryLength: messages[1].byteLength,
      binaryOk: new Uint8Array(messages[1]).every((b) => b === 7),
      code,
    };
  }, `wss://localhost:${port}/`);
  await page.close();
  assert.deepEqual(result, {
    protocol: 'chat',
    text: 'héllo over tls',
    binaryLength: 70000,
    binaryOk: true,
    code: 1000,
  });
});
