// Chromium's own WebSocket (Debian chromium driven by playwright-core) against our echo
// server, which also serves the page (page/) over http://127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startEchoServer } from './peers.mjs';

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

function launch() {
  return chromium.launch({
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
    ],
  });
}

/** Loads the page from `server` and runs one set of its checks; resolves to the results. */
async function runPage(browser, server, which) {
  const page = await browser.newPage();
  const response = await page.goto(`${server.httpBase}/index.html`, { timeout: 30000 });
  assert.equal(response.status(), 200, 'the echo server serves the page');
  console.log(`# ${await browser.version()} on ${server.httpBase} (${which})`);
  const results = await page.evaluate(([url, set]) => runTests(url, set), [server.url, which]);
  await page.close();
  return results;
}

describe('Chromium WebSocket against our echo server (--no-deflate)', { timeout: 180000 }, () => {
  let server;
  let browser;
  let results;

  before(async () => {
    server = await startEchoServer({ deflate: false });
    browser = await launch();
    results = await runPage(browser, server, 'plain');
  });

  after(async () => {
    await browser?.close();
    if (server) assert.equal(await server.stop(), 0, 'echo-server exits 0 on SIGTERM');
  });

  const names = [
    'subprotocol chosen from the offered list, permessage-deflate declined',
    'text echo of 0, 125, 126, 65535, 65536 bytes and 1 MiB, multi-byte UTF-8',
    'binary echo of 0, 125, 126, 65535, 65536 bytes and 1 MiB',
    'page closes with 4001 "bye": the server echoes 4001',
    'server closes with 4003 "server bye": seen in CloseEvent',
    'no subprotocol offered: none chosen',
  ];
  for (const name of names) {
    test(name, () => {
      const result = results.find((r) => r.name === name);
      assert.ok(result, `the page ran "${name}"`);
      assert.ok(result.ok, result.detail);
    });
  }

  test('every check of the page is listed here', () => {
    assert.deepEqual(results.map((r) => r.name).sort(), [...names].sort());
  });
});

describe('Chromium WebSocket against our echo server (--deflate)', { timeout: 180000 }, () => {
  let server;
  let browser;
  let results;

  before(async () => {
    server = await startEchoServer({ deflate: true });
    browser = await launch();
    results = await runPage(browser, server, 'deflate');
  });

  after(async () => {
    await browser?.close();
    if (server) assert.equal(await server.stop(), 0, 'echo-server exits 0 on SIGTERM');
  });

  const names = [
    'permessage-deflate accepted: ws.extensions',
    'compressible JSON-like text of more than 1 MiB round-trips',
    'multi-byte text and binary of 0, 125, 126, 65535, 65536 bytes and 1 MiB round-trip',
    '500 small messages on one connection (shared compression context)',
  ];
  for (const name of names) {
    test(name, () => {
      const result = results.find((r) => r.name === name);
      assert.ok(result, `the page ran "${name}"`);
      assert.ok(result.ok, result.detail);
    });
  }

  test('every check of the page is listed here', () => {
    assert.deepEqual(results.map((r) => r.name).sort(), [...names].sort());
  });
});
