// Benchmarks (not tests): echo throughput of the package's server against a `ws` server
// with bufferutil, driven by the same `ws` client over loopback with 100 messages in
// flight; the package's client against the `ws` client through one `ws` server; the same
// with permessage-deflate on both sides over a JSON-like corpus; unmasking inside the
// package against bufferutil; and the memory an idle connection keeps in each server.
//
//   node scripts/bench.mjs [--seconds S] [--rounds N] [--sizes 16,1024,65536] [--idle N] [--idle-wait MS]
//                          [--no-deflate] [--only echo,clients,idle,deflate,unmask] [--write]
// --write updates BENCHMARKS.md (with every part run); --only runs the parts named.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, '..');
const args = process.argv.slice(2);
const seconds = Number(args.includes('--seconds') ? args[args.indexOf('--seconds') + 1] : 3);
const rounds = Number(args.includes('--rounds') ? args[args.indexOf('--rounds') + 1] : 3);
const WINDOW = 100;
const SIZES = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1].split(',').map(Number) : [16, 1024, 65536];
const IDLE = Number(args.includes('--idle') ? args[args.indexOf('--idle') + 1] : 5000);
// How long an idle server sits before its memory is read (see IDLE_SERVER).
const IDLE_WAIT = Number(args.includes('--idle-wait') ? args[args.indexOf('--idle-wait') + 1] : 10000);
const ONLY = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : null;
const part = (name) => ONLY === null || ONLY.has(name);
if (args.includes('--write') && ONLY !== null) throw new Error('--write needs every part: leave out --only');
const skipIdle = !part('idle');

const ws = require('ws');
const bufferutil = require('bufferutil');
const wsframe = require(join(pkgDir, 'dist/node/index.cjs'));

const WS_SERVER = `
const { WebSocketServer } = require(${JSON.stringify(require.resolve('ws'))});
require(${JSON.stringify(require.resolve('bufferutil'))}); // ws uses it when it loads
const wss = new WebSocketServer({ port: Number(process.argv[1]), host: '127.0.0.1', perMessageDeflate: process.argv[2] === '--deflate', clientTracking: false });
wss.on('connection', (s) => s.on('message', (d, b) => s.send(d, { binary: b })));
`;

// A reference, not a WebSocket server: after the handshake it counts received bytes and, for
// every whole client frame of the fixed size the benchmark sends, answers with a prebuilt
// unmasked frame of the same size (the replies to one chunk in one write). It never reads,
// unmasks or checks a payload and allocates nothing per message: what the shared client and
// the kernel leave for a server that does no work.
const REFERENCE_SERVER = `
const net = require('node:net');
const { createHash } = require('node:crypto');
const size = Number(process.argv[2]);
const header = size < 126 ? [0x82, size] : size < 65536 ? [0x82, 126, size >> 8, size & 255]
  : [0x82, 127, 0, 0, 0, 0, Math.floor(size / 2 ** 24) & 255, (size >> 16) & 255, (size >> 8) & 255, size & 255];
const inLength = header.length + 4 + size; // a client frame carries a 4-byte masking key
const replyLength = header.length + size;
// Replies to several messages leave as one slice of a prebuilt run of replies.
const run = Math.max(1, Math.floor(262144 / replyLength));
const replies = Buffer.alloc(run * replyLength, 0x61);
for (let i = 0; i < run; i++) replies.set(header, i * replyLength);
net.createServer((socket) => {
  socket.setNoDelay(true);
  let request = '';
  let pending = -1;
  socket.on('data', (chunk) => {
    if (pending < 0) {
      request += chunk.toString('latin1');
      const end = request.indexOf('\\r\\n\\r\\n');
      if (end === -1) return;
      const key = /^sec-websocket-key:[ \\t]*(\\S+)/im.exec(request)[1];
      const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
      pending = request.length - end - 4;
    } else {
      pending += chunk.length;
    }
    let owed = Math.floor(pending / inLength);
    pending -= owed * inLength;
    while (owed > 0) {
      const n = Math.min(owed, run);
      socket.write(replies.subarray(0, n * replyLength));
      owed -= n;
    }
  });
  socket.on('error', () => {});
}).listen(Number(process.argv[1]), '127.0.0.1');
`;

function freePort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function startServer(kind, deflate = false, size = 0) {
  const port = await freePort();
  const flags = deflate ? ['--deflate'] : [];
  let child;
  if (kind === 'wsframe') child = spawn(process.execPath, [join(pkgDir, 'test/autobahn/echo-server.cjs'), String(port), ...flags], { stdio: 'ignore' });
  else if (kind === 'reference') child = spawn(process.execPath, ['-e', REFERENCE_SERVER, String(port), String(size)], { stdio: 'ignore' });
  else child = spawn(process.execPath, ['-e', WS_SERVER, String(port), ...flags], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((res) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return { child, port };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`${kind} server did not start`);
}

/**
 * Echo `payloads` (in turn) with WINDOW in flight; returns messages per second and the
 * bytes the client read per echoed message. `deflate`: the client offers
 * permessage-deflate (ws's defaults).
 */
function echoRate(port, payloads, deflate = false, Client = ws.WebSocket) {
  return new Promise((resolveRate, reject) => {
    const client = new Client(`ws://127.0.0.1:${port}/`, { perMessageDeflate: deflate });
    let next = 0;
    const send = () => {
      client.send(payloads[next], { binary: typeof payloads[next] !== 'string' });
      next = (next + 1) % payloads.length;
    };
    let counted = 0;
    let measuring = false;
    let start = 0;
    let bytesAtStart = 0;
    client.on('error', reject);
    client.on('open', () => {
      if (deflate && client.extensions === '') reject(new Error('permessage-deflate was not accepted'));
      for (let i = 0; i < WINDOW; i++) send();
      setTimeout(() => { measuring = true; start = process.hrtime.bigint(); bytesAtStart = client._socket.bytesRead; }, 500);
      setTimeout(() => {
        const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
        const bytes = client._socket.bytesRead - bytesAtStart;
        measuring = false;
        client.terminate();
        resolveRate({ rate: counted / elapsed, wire: bytes / Math.max(counted, 1) });
      }, 500 + seconds * 1000);
    });
    let expected = 0;
    client.on('message', (data) => {
      const want = payloads[expected];
      expected = (expected + 1) % payloads.length;
      const length = typeof want === 'string' ? Buffer.byteLength(want) : want.length;
      if (data.length !== length) reject(new Error(`echo of ${data.length} bytes, expected ${length}`));
      if (measuring) counted += 1;
      if (client.readyState === 1) send();
    });
  });
}

/** A JSON-like corpus: 64 different API-style messages of about 4 KiB. */
function jsonCorpus() {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  const out = [];
  let seed = 12345;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let m = 0; m < 64; m++) {
    const items = [];
    while (JSON.stringify(items).length < 4000) {
      items.push({
        id: rnd(1000000), user: `${words[rnd(10)]}_${rnd(1000)}`, score: rnd(10000) / 100,
        active: rnd(2) === 1, tags: [words[rnd(10)], words[rnd(10)]], updated: `2026-${1 + rnd(12)}-${1 + rnd(28)}T${rnd(24)}:${rnd(60)}:00Z`,
      });
    }
    out.push(JSON.stringify({ type: 'update', seq: m, items }));
  }
  return out;
}

/** ns per unmask of `size` bytes: bufferutil in place, the package inside wasm memory, and mask() with its copies. */
function unmaskCosts(size) {
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const data = Buffer.alloc(size, 0x5a);
  const iterations = Math.max(200, Math.min(200000, Math.floor(64e6 / size)));
  // Warm up for 300 ms (V8 compiles hot wasm with its optimizing tier in the background,
  // which a busy machine delays), then keep the best of 5 batches.
  const time = (fn) => {
    const warm = process.hrtime.bigint() + 300000000n;
    while (process.hrtime.bigint() < warm) for (let i = 0; i < 10; i++) fn();
    let best = Infinity;
    for (let batch = 0; batch < 5; batch++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) fn();
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / iterations);
    }
    return best;
  };
  const viaBufferutil = time(() => bufferutil.unmask(data, key));
  const inWasm = new wsframe.MaskBuffer();
  inWasm.view(size).fill(0x5a);
  const viaWasm = time(() => inWasm.apply(key, size));
  const viaCopy = time(() => wsframe.mask(data, key));
  inWasm.free();
  return { viaBufferutil, viaWasm, viaCopy };
}

// The machine is shared: alternate the servers and keep each one's best round.
const rows = [];
for (const size of part('echo') ? SIZES : []) {
  const rates = { ws: 0, wsframe: 0, reference: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['ws', 'wsframe', 'reference']) {
      const { child, port } = await startServer(kind, false, size);
      try {
        rates[kind] = Math.max(rates[kind], (await echoRate(port, [Buffer.alloc(size, 0x61)])).rate);
      } finally {
        child.kill();
      }
    }
  }
  rows.push({ size, ...rates, ratio: rates.wsframe / rates.ws });
}
// The clients: the package's WebSocket against ws's, through the same ws server.
const clientRows = [];
for (const size of part('clients') ? SIZES : []) {
  const rates = { ws: 0, wsframe: 0 };
  for (let round = 0; round < rounds; round++) {
    const { child, port } = await startServer('ws', false, size);
    try {
      for (const [kind, Client] of [['ws', ws.WebSocket], ['wsframe', wsframe.WebSocket]]) {
        rates[kind] = Math.max(rates[kind], (await echoRate(port, [Buffer.alloc(size, 0x61)], false, Client)).rate);
      }
    } finally {
      child.kill();
    }
  }
  clientRows.push({ size, ...rates });
}

// The key of every request to the HTTP floor (RFC 6455's example) and the accept value of
// its fixed 101, computed once here.
const FIXED_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const FIXED_ACCEPT = wsframe.acceptKey(FIXED_KEY);

// Idle connections: a server process (run with --expose-gc) reports its RSS after a full
// garbage collection, before and after IDLE connections that each echoed one 16-byte
// message and then stay open, each time after IDLE_WAIT ms with nothing to do: V8 grows
// its young generation while connections pour in (by 10 to 25 MB here, depending on the
// garbage each server makes) and gives it back a few seconds after allocation stops.
const IDLE_SERVER = `
const memory = () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  const m = process.memoryUsage();
  const young = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return { rss: m.rss, heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, young: young.physical_space_size };
};
if (process.argv[1] === 'net') {
  // The floor: a bare TCP echo server, no HTTP and no WebSocket.
  require('node:net').createServer((s) => s.on('data', (d) => s.write(d))).listen(Number(process.argv[2]), '127.0.0.1');
} else if (process.argv[1] === 'http') {
  // The floor of Node's HTTP upgrade path: the socket taken on 'upgrade', a fixed 101 (the
  // client sends a fixed key), then its bytes echoed. No WebSocket library.
  const response = 'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n'
    + 'Sec-WebSocket-Accept: ${FIXED_ACCEPT}\\r\\n\\r\\n';
  function echo(d) { this.write(d); }
  const server = require('node:http').createServer();
  server.on('upgrade', (req, socket, head) => {
    socket.write(response);
    socket.on('data', echo);
    if (head.length > 0) socket.write(head);
  });
  server.listen(Number(process.argv[2]), '127.0.0.1');
} else {
  const { WebSocketServer } = require(process.argv[1]);
  const wss = new WebSocketServer({ port: Number(process.argv[2]), host: '127.0.0.1' });
  wss.on('connection', (s) => s.on('message', (d, b) => s.send(d, { binary: b })));
}
process.on('message', () => process.send(memory()));
`;

/**
 * One connection to the idle server that echoed 16 bytes: plain TCP for `net`; for `http`
 * the request a `ws` client sends (with RFC 6455's example key, whose accept value the
 * server's fixed 101 carries), then the bytes; a `ws` client for the WebSocket servers.
 */
async function idleClient(port, kind, clients) {
  const payload = Buffer.alloc(16, 0x61);
  if (kind === 'net' || kind === 'http') {
    const c = net.connect(port, '127.0.0.1');
    clients.push(c);
    await new Promise((res, rej) => { c.once('connect', res); c.once('error', rej); });
    if (kind === 'http') {
      c.write(`GET / HTTP/1.1\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${FIXED_KEY}\r\n`
        + `Connection: Upgrade\r\nUpgrade: websocket\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      await new Promise((res) => {
        let head = '';
        const onData = (d) => {
          head += d.toString('latin1');
          if (head.endsWith('\r\n\r\n')) {
            c.off('data', onData);
            res();
          }
        };
        c.on('data', onData);
      });
    }
    c.write(payload);
    await new Promise((res) => c.once('data', res));
    return;
  }
  const c = new ws.WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  clients.push(c);
  await new Promise((res, rej) => { c.once('open', res); c.once('error', rej); });
  c.send(payload);
  await new Promise((res) => c.once('message', res));
}

/**
 * Memory per idle connection in a server process: `modulePath` a WebSocket server's module,
 * or 'net' / 'http' for the floors. RSS and the V8 heap, external and ArrayBuffer memory
 * (process.memoryUsage after full collections) and V8's young generation, after minus
 * before, divided by IDLE.
 */
async function idleBytes(modulePath) {
  const kind = modulePath === 'net' || modulePath === 'http' ? modulePath : 'ws';
  const port = await freePort();
  const child = spawn(process.execPath, ['--expose-gc', '-e', IDLE_SERVER, modulePath, String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const memory = () => new Promise((res) => {
    child.once('message', res);
    child.send('memory');
  });
  const clients = [];
  try {
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise((res) => {
        const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true); });
        s.on('error', () => res(false));
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // One connection first, so that code and buffers every connection shares are loaded.
    await idleClient(port, kind, clients);
    await new Promise((r) => setTimeout(r, IDLE_WAIT));
    const before = await memory();
    for (let i = 0; i < IDLE; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, IDLE - i) }, () => idleClient(port, kind, clients)));
    }
    await new Promise((r) => setTimeout(r, IDLE_WAIT));
    const after = await memory();
    const per = {};
    for (const key of Object.keys(after)) per[key] = (after[key] - before[key]) / IDLE;
    return per;
  } finally {
    for (const c of clients) (kind === 'ws' ? c.terminate() : c.destroy());
    child.kill();
  }
}

// Each server keeps the round with the smallest RSS per connection.
const idle = { net: null, http: null, ws: null, wsframe: null };
if (!skipIdle) {
  for (let round = 0; round < rounds; round++) {
    for (const [kind, module] of [['net', 'net'], ['http', 'http'], ['ws', require.resolve('ws')], ['wsframe', join(pkgDir, 'dist/node/index.cjs')]]) {
      const m = await idleBytes(module);
      if (idle[kind] === null || m.rss < idle[kind].rss) idle[kind] = m;
    }
  }
}

// permessage-deflate on both sides (defaults of each server; the ws client offers ws's defaults).
let deflateRow = null;
if (!args.includes('--no-deflate') && part('deflate')) {
  const corpus = jsonCorpus();
  const plainBytes = corpus.reduce((n, m) => n + Buffer.byteLength(m), 0) / corpus.length;
  const best = { ws: { rate: 0, wire: 0 }, wsframe: { rate: 0, wire: 0 } };
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['ws', 'wsframe']) {
      const { child, port } = await startServer(kind, true);
      try {
        const r = await echoRate(port, corpus, true);
        if (r.rate > best[kind].rate) best[kind] = r;
      } finally {
        child.kill();
      }
    }
  }
  deflateRow = { plainBytes, ...best };
}
const unmask = (part('unmask') ? [125, 1024, 65536] : []).map((size) => {
  let best = null;
  for (let round = 0; round < rounds; round++) {
    const c = unmaskCosts(size);
    best = best === null ? c : {
      viaBufferutil: Math.min(best.viaBufferutil, c.viaBufferutil),
      viaWasm: Math.min(best.viaWasm, c.viaWasm),
      viaCopy: Math.min(best.viaCopy, c.viaCopy),
    };
  }
  return { size, ...best };
});

const label = (n) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const table1 = ['| payload | ws + bufferutil (msg/s) | wsframe (msg/s) | wsframe / ws | no-work reference (msg/s) | reference / ws |', '|---|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${label(r.size)} | ${fmt(r.ws)} | ${fmt(r.wsframe)} | ${r.ratio.toFixed(2)}× | ${fmt(r.reference)} | ${(r.reference / r.ws).toFixed(2)}× |`)].join('\n');
const table2 = ['| payload | bufferutil.unmask (ns) | wsframe in wasm memory (ns) | wsframe mask() with copies (ns) | in-wasm vs bufferutil |', '|---|---:|---:|---:|---:|',
  ...unmask.map((u) => `| ${label(u.size)} | ${u.viaBufferutil.toFixed(0)} | ${u.viaWasm.toFixed(0)} | ${u.viaCopy.toFixed(0)} | ${(u.viaBufferutil / u.viaWasm).toFixed(2)}× |`)].join('\n');
const table3 = deflateRow === null ? '' : ['| corpus | ws + bufferutil (msg/s) | wsframe (msg/s) | wsframe / ws | bytes on the wire per echo, ws | wsframe |', '|---|---:|---:|---:|---:|---:|',
  `| JSON, 64 messages of ${fmt(deflateRow.plainBytes)} B | ${fmt(deflateRow.ws.rate)} | ${fmt(deflateRow.wsframe.rate)} | ${(deflateRow.wsframe.rate / deflateRow.ws.rate).toFixed(2)}× | ${fmt(deflateRow.ws.wire)} (${(deflateRow.plainBytes / deflateRow.ws.wire).toFixed(1)}:1) | ${fmt(deflateRow.wsframe.wire)} (${(deflateRow.plainBytes / deflateRow.wsframe.wire).toFixed(1)}:1) |`].join('\n');
const table4 = ['| payload | ws client + bufferutil (msg/s) | wsframe client (msg/s) | wsframe / ws |', '|---|---:|---:|---:|',
  ...clientRows.map((r) => `| ${label(r.size)} | ${fmt(r.ws)} | ${fmt(r.wsframe)} | ${(r.wsframe / r.ws).toFixed(2)}× |`)].join('\n');
// "Above the floor" is above Node's HTTP upgrade path, which both WebSocket servers use.
const floor = skipIdle ? null : idle.http;
const idleRow = (name, m) => `| ${name} | ${fmt(m.rss)} | ${fmt(m.rss - floor.rss)} | ${(m.rss / idle.ws.rss).toFixed(2)}× | ${((m.rss - floor.rss) / (idle.ws.rss - floor.rss)).toFixed(2)}× | ${fmt(m.heap)} | ${fmt(m.external)} | ${fmt(m.arrayBuffers)} |`;
const table5 = skipIdle ? '' : ['| server | RSS per idle connection (bytes) | above the HTTP floor | vs ws | above the HTTP floor, vs ws | V8 heap | external | of which ArrayBuffers |', '|---|---:|---:|---:|---:|---:|---:|---:|',
  idleRow('bare `net` echo', idle.net), idleRow('`http` upgrade, fixed 101, echo (the HTTP floor)', idle.http), idleRow('ws 8 + bufferutil', idle.ws), idleRow('wsframe', idle.wsframe)].join('\n');
// The young generation grown while the connections came (bytes per connection, 0 after the wait).
const youngLine = skipIdle ? '' : `V8 young generation after minus before, per connection: ${['net', 'http', 'ws', 'wsframe'].map((k) => `${k} ${fmt(idle[k].young)}`).join(', ')}`;
console.log(`Echo, same ws client, loopback, window ${WINDOW}, ${seconds} s per run, best of ${rounds}\n${table1}\n\nClients, same ws server\n${table4}\n\nIdle connections (${IDLE}, ${IDLE_WAIT} ms idle before each reading)\n${table5}\n${youngLine}\n\npermessage-deflate\n${table3}\n\nUnmask\n${table2}`);

const wasmFile = readFileSync(join(pkgDir, 'dist/node/wsframe_wasm_bg.wasm'));
const sizeLine = `wsframe_wasm_bg.wasm: ${wasmFile.length} bytes raw, ${gzipSync(wasmFile, { level: 9 }).length} bytes gzipped`;
console.log(sizeLine);

if (args.includes('--write')) {
  const cpu = os.cpus()[0] ? os.cpus()[0].model : 'unknown CPU';
  writeFileSync(join(pkgDir, 'BENCHMARKS.md'), `# Benchmarks of the npm package

Command (after \`npm run build\`): \`node scripts/bench.mjs --seconds ${seconds} --rounds ${rounds} --write\`

Machine: ${cpu}, ${os.cpus().length} cores shared with other work, Node ${process.version}.
Figures vary between runs, by tens of percent when the machine is busy; they are not gated.
Load average when this was written: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}.

Build measured: ${sizeLine} (\`npm run build\`: opt-level 3, LTO, +simd128, wasm-opt -O3).

## Echo throughput

One \`ws\` 8 client (with bufferutil) keeps ${WINDOW} binary messages in flight over loopback
against an echo server in its own process: the package's \`WebSocketServer\`
(\`test/autobahn/echo-server.cjs\`), a \`ws\` 8 \`WebSocketServer\` with bufferutil 4, or a
no-work reference (in \`scripts/bench.mjs\`; not a WebSocket server: it counts the bytes it
receives and answers each whole client frame with a prebuilt frame of the same size, without
reading, unmasking or checking a payload, and allocates nothing per message). Messages echoed
per second, after a 0.5 s warm-up, over ${seconds} s; the servers take turns and each keeps its
best of ${rounds} rounds.

${table1}

The package's server writes its replies to one received chunk with one write (the socket is
corked while the chunk is processed), so small messages leave in fewer, larger writes; the
payload of a server frame is never copied into wasm memory (the core writes only the header).
A message that arrives in several reads is copied from wasm memory straight into one buffer
sized from its frame's length (the core reports the payload still to come), so a 64 KiB
message costs one copy into wasm memory, the in-place unmasking there and one copy out into
the buffer the application receives. Keeping the socket corked for all the reads of one turn
of the event loop (four 64 KiB echoes to a \`writev\` instead of one) changed neither the
64 KiB rate nor the server's cycles per echo beyond the noise, and cost about 5% at 1 KiB (the
client probably waits longer for the first replies), so replies still leave per chunk.

On two cores the client and the server run either on one core (the scheduler keeps a pair
that wakes each other there, and the sum of both processes' cycles sets the rate) or on one
core each (the slower process, the client, sets it), and which one a run gets changes from
run to run and from server to server. The best of ${rounds} rounds mostly shows whether a server
got a run on separate cores, so the ratios move between invocations: at 64 KiB about 20,000
echoes/s on one core and 30,000 to 40,000/s on two with any of the three servers, and a
64 KiB ratio between about 0.9× and 1.3×; at 1 KiB between about 0.8× and 1.8×. At 16 B
the package's server echoes as fast as the no-work reference.

At 64 KiB the bytes dominate, and most of them are handled by the kernel (each echo crosses
loopback twice: four 64 KiB copies) and by the shared client (its 64 KiB reads always split a
65,546-byte frame, so it joins the pieces into a new buffer, and it masks every message it
sends into another). \`perf stat -e cycles\` on each process over five alternating 2 s runs
(2026-11-22, medians, thousands of cycles per echo): client 110 to 116 whatever the server;
server \`ws\` 94, the package 94, the no-work reference 58. So on one core even the
reference is only about 1.2× of \`ws\` ((116 + 94) / (116 + 58)), and on two cores every
server waits for the client. A 64 KiB echo costs the package's server the same as \`ws\`'s:
one pass into fresh memory for the message the application gets (\`ws\` joins the pieces,
the package copies out of wasm memory), a few microseconds of allocation and garbage
collection for it, and the kernel's reads and writes, which are half of either server's
cycles.

## The client

The package's \`WebSocket\` client against the \`ws\` 8 client (with bufferutil), each keeping
${WINDOW} binary messages in flight against the same \`ws\` echo server (one server process per
round, both clients in turn); messages per second, best of ${rounds} rounds.

${table4}

The client copies a received payload out of wasm memory into the buffer the application
gets (one copy, as \`ws\` joins a message's pieces), and frames a message up to 64 KiB by
copying it into wasm memory, masking it there (simd128) and copying the frame out. At
64 KiB the costly part is not the copies (about 2 µs each) but a fresh 64 KiB buffer for
every frame (10 to 20 µs of allocation and collection): a large frame (16 KiB to 1 MiB) is
built in a buffer the socket has finished with (one is kept for the whole process, handed
back by the write's callback), so an echo allocates one 64 KiB buffer, for the message
received, where \`ws\`'s client allocates two.

## Idle connections

Memory an open, idle connection keeps in the server: ${IDLE} clients each open a connection,
echo one 16-byte message and stay open; the server process's memory after full garbage
collections (\`--expose-gc\`), after minus before, divided by ${IDLE}; the round with the
smallest RSS of ${rounds}. Each reading comes after the server has had nothing to do for
${IDLE_WAIT / 1000} s (\`--idle-wait\`, in ms). Two floors: a bare \`net\` server echoing 16 bytes on
plain TCP connections (the socket and its handle, which any Node server keeps), and Node's
HTTP upgrade path with no WebSocket library (an \`http\` server that takes the socket on
\`'upgrade'\`, writes a fixed 101 and echoes the bytes that follow; its clients send the
request a \`ws\` client sends). "Above the HTTP floor" is what a WebSocket server adds to
that path, which both servers here use. "V8 heap" is \`heapUsed\`, "external" memory outside
it that V8 accounts for (the package's wasm memory, which grows with its connections, is
counted there; \`ws\` keeps no buffers while idle).

${table5}

Read half a second after the last connection (as this table was before), the figures held
V8's young generation as well, which grows while connections pour in and which V8 gives
back a few seconds after allocation stops: 10 to 24 MB, that is 1,955 (\`net\`), 2,575
(\`http\`), 4,737 (\`ws\`) and 4,014 (the package) bytes "per connection" in one run with
\`--idle-wait 500\` (2026-12-05), more than any idle connection keeps. It was most of the
memory that neither the V8 heap nor external memory explained.

Node's HTTP upgrade path costs an idle connection ${fmt(idle.http.rss - idle.net.rss)} bytes over a bare socket here (the
parser goes back to Node's pool at the upgrade; the socket's listeners and state stay), so
a server that took the package's \`port\` option's sockets from \`net\` itself would save at
most that; and the HTTP floor alone is ${(idle.http.rss / idle.ws.rss).toFixed(2)}× of \`ws\`'s RSS, so no server on Node's
sockets keeps an idle connection in half of what \`ws\` keeps.

Above the HTTP floor the package keeps, per connection (heap snapshots of 2,000 idle
connections against the HTTP floor's), about 620 bytes of V8 heap: its \`WebSocket\` (216
bytes: an \`EventEmitter\` with 19 fields of connection state), its listener table (80
bytes), the codec's \`Connection\` (48) and wasm-bindgen's handle (56), the socket's second
\`'end'\` listener (an array, 72), its entry in the server's \`clients\` and the application's
\`message\` listener (a closure and its context, 96, as with \`ws\`); and ${fmt(idle.wsframe.external)} bytes of wasm
memory: the connection's state there (the core's \`Connection\`, 416 bytes, and the binding's
buffers' headers and registers), the output buffer cut to the 101 response it last held
(129 bytes), the input buffer the 16-byte echo came through (22 bytes) and the allocator's
headers. What an idle connection no longer keeps (V8 heap per connection 2,283 bytes before,
in the same measurement): a \`'close'\` listener on its socket for the handshake timer and
one on the \`WebSocket\` to leave \`clients\` (a \`once\` wrapper with its state, a closure
with its context, listener arrays: about 300 bytes; the connection leaves \`clients\` from
its own close handling, and a socket that closes before its request keeps its handshake
timer until it fires), wasm-bindgen's finalization-registry cell for the handle (72 bytes
and the registry's entry; the \`WebSocket\` always frees its connection when the socket
closes), seven yes/no fields and the settings every connection of a server shares (now one
number and one shared object: 80 bytes), and \`EventEmitter\`'s listener table turned into a
hash table by the first listener (about 180 bytes; the \`WebSocket\`'s table now has a field
for each event it emits from the start, as Node's streams do for theirs). Cutting the output
buffer to a frame header's size once the 101 is out would save about 115 bytes more; it
needs a change to the wasm module, which this package keeps from growing.

## permessage-deflate

The same client and servers with compression on (each server's defaults, the client
offering \`ws\`'s defaults: context takeover, 15-bit windows, level 6, threshold 1 KiB) over a
JSON-like corpus of 64 different messages, sent in turn. "bytes on the wire" is what the
client read per echoed message (frame headers included) and the compression ratio against
the plain size. \`ws\` compresses with Node's zlib on libuv's thread pool (off the main
thread, native code); the package compresses with zlib-rs compiled to wasm, on the main
thread, in the second module.

${table3}

## Unmasking

Time per call (after a 300 ms warm-up, best of 5 batches in each of ${rounds} rounds). "in wasm
memory" is the package's hot path (bytes already in the wasm-resident buffer, unmasked in
place by the core's masking routine, which on wasm32 with simd128 XORs 64-byte blocks as four
\`v128\` lanes); "mask() with copies" is the convenience function for bytes living in a JS
buffer (copy in, unmask, copy out).

${table2}
`);
  console.log('wrote BENCHMARKS.md');
}
