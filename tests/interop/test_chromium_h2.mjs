// Chromium's own WebSocket over HTTP/2 (RFC 8441) against wsframe-tokio's h2_echo
// example: the page comes over https with HTTP/2 (ALPN h2, a self-signed certificate
// accepted with --ignore-certificate-errors), so Chromium opens wss:// on the same
// origin as a stream of that connection; the server's /stats confirms every WebSocket
// arrived over HTTP/2.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const H2_ECHO =
  process.env.H2_ECHO ?? path.join(HERE, '..', '..', 'target', 'release', 'examples', 'h2_echo');

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

function startServer() {
  const child = spawn(H2_ECHO, ['--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    const status = await exited;
    clearTimeout(timer);
    return status;
  };
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`h2_echo did not start: ${seen}`));
    }, 15000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = /listening on (https:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[1], stop });
      }
    });
    exited.then((status) => reject(new Error(`h2_echo exited (${status}): ${seen}`)));
  });
}

// Runs in the page: echoes text and binary of several sizes on `count` WebSockets
// open at once, each closed by the page with its own code.
async function echoInPage(count) {
  const sizes = [0, 1, 125, 126, 65535, 65536, 1 << 20];
  const open = (url) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error(`could not open ${url}`));
    });
  const next = (ws) =>
    new Promise((resolve, reject) => {
      ws.onmessage = (e) => resolve(e.data);
      ws.onclose = (e) => reject(new Error(`closed early: ${e.code}`));
    });
  const one = async (i) => {
    const ws = await open(`wss://${location.host}/echo/${i}`);
    if (!ws.extensions.startsWith('permessage-deflate')) {
      throw new Error(`permessage-deflate not agreed: "${ws.extensions}"`);
    }
    for (const size of sizes) {
      const text = 'é'.repeat(size >> 1) + 'x'.repeat(size & 1);
      ws.send(text);
      if ((await next(ws)) !== text) throw new Error(`text of ${size} differs`);
      const bytes = new Uint8Array(size).map((_, k) => (k * 31 + i) & 255);
      ws.send(bytes);
      const back = new Uint8Array(await next(ws));
      if (back.length !== size || back.some((b, k) => b !== bytes[k])) {
        throw new Error(`binary of ${size} differs`);
      }
    }
    const closed = new Promise((resolve) => {
      ws.onclose = (e) => resolve(e);
    });
    ws.close(4000 + i, `bye ${i}`);
    const e = await closed;
    if (e.code !== 4000 + i || !e.wasClean) throw new Error(`close ${e.code} clean=${e.wasClean}`);
    return sizes.length * 2;
  };
  const echoed = await Promise.all(Array.from({ length: count }, (_, i) => one(i)));
  const stats = await (await fetch('/stats')).json();
  return { echoed, stats };
}

describe('Chromium WebSocket over HTTP/2 against h2_echo', { timeout: 180000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      timeout: 60000,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--ignore-certificate-errors',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    if (server) assert.equal(await server.stop(), 0, 'h2_echo exits 0 on SIGTERM');
  });

  test('text and binary echo on 3 WebSockets at once, each over HTTP/2 with permessage-deflate, closed with a code', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${server.base}/`, { timeout: 30000 });
    assert.equal(response.status(), 200);
    const protocol = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.equal(protocol, 'h2', 'the page came over HTTP/2');
    console.log(`# ${browser.version()} on ${server.base}`);
    const { echoed, stats } = await page.evaluate(echoInPage, 3);
    assert.deepEqual(echoed, [14, 14, 14]);
    assert.deepEqual(stats, { http2: 3, http1: 0 }, 'the server saw every WebSocket over HTTP/2');
    await page.close();
  });
});
