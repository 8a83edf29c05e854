// A benchmark (not a test) of the wasm module without sockets: CPU time per echo through
// two `Connection`s in one process (the client frames and masks, the server reads, unmasks
// and frames the reply, the client reads it), per opening handshake (request, accept,
// response: the calls that allocate most), and the wasm memory it ends with. Used to
// compare builds of the module (the allocator, build flags): run it after each build.
//
//   node scripts/codec-bench.mjs [--ms 1500]
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const w = require(join(pkgDir, 'dist/node/index.cjs'));
const args = process.argv.slice(2);
const ms = Number(args.includes('--ms') ? args[args.indexOf('--ms') + 1] : 1500);

/** CPU microseconds per call of `fn`, over about `ms` milliseconds after a warm-up. */
function perCall(fn) {
  for (let i = 0; i < 200; i++) fn();
  let calls = 0;
  const start = process.cpuUsage();
  const wall = Date.now();
  while (Date.now() - wall < ms) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const rows = [];
for (const size of [16, 1024, 65536]) {
  const client = w.Connection.client({ handshakeDone: true });
  const server = w.Connection.server({ handshakeDone: true });
  const payload = new Uint8Array(size).fill(0x61);
  const us = perCall(() => {
    server.feed(client.sendBinary(payload));
    // The message copied out of wasm memory, as an application receives it.
    const message = server.read().data.slice();
    client.feed(server.sendBinary(message));
    client.read();
  });
  rows.push([`echo ${size} B`, us]);
  client.free();
  server.free();
}
const request = `GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n`;
const requestBytes = new TextEncoder().encode(request);
rows.push(['handshake (server)', perCall(() => {
  const server = w.Connection.server();
  server.feed(requestBytes);
  server.read();
  server.accept('chat');
  server.free();
})]);
const memory = w.wasmBytes().length;
const wasm = statSync(join(pkgDir, 'dist/node/wsframe_wasm_bg.wasm')).size;
console.log(`module ${wasm} bytes raw; wasm memory after the runs ${memory / 1024} KiB`);
console.log('| work | CPU µs per call |');
console.log('|---|---:|');
for (const [name, us] of rows) console.log(`| ${name} | ${us.toFixed(2)} |`);
