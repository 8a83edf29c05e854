'use strict';
// The Node clients side by side: the npm package's WebSocket client and ws 8's (with
// bufferutil), each echoing through the same server.
//   node clients.cjs wsframe|ws HOST:PORT [--connections N] [--window W] [--size BYTES] [--seconds S]
// N connections keep W binary messages of BYTES in flight; every echo is compared with what
// was sent (each message starts with its number). After 0.5 s of warm-up, counts echoes for
// S seconds and prints one JSON object: messages per second and this process's CPU time
// (user + system) per message, which is the client's cost.
const { createRequire } = require('node:module');
const { join } = require('node:path');

const pkg = createRequire(join(__dirname, '../../../bindings/wasm/package.json'));
const [which, addr, ...rest] = process.argv.slice(2);
const opt = (name, dflt) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : dflt);
const connections = opt('--connections', 1);
const window = opt('--window', 16);
const size = opt('--size', 1024);
const seconds = opt('--seconds', 3);
if (!['wsframe', 'ws'].includes(which) || !addr) {
  console.error('usage: node clients.cjs wsframe|ws HOST:PORT [--connections N] [--window W] [--size BYTES] [--seconds S]');
  process.exit(2);
}
let WebSocket;
if (which === 'ws') {
  pkg('bufferutil');
  WebSocket = pkg('ws').WebSocket;
} else {
  WebSocket = require(join(__dirname, '../../../bindings/wasm/dist/node/index.cjs')).WebSocket;
}

const body = Buffer.alloc(size, 0x61);
const stamp = (seq) => seq.toString(16).padStart(8, '0').slice(-8);
let counted = 0;
let measuring = false;

function fail(message) {
  console.error(`clients.cjs ${which}: ${message}`);
  process.exit(1);
}

function run(url) {
  return new Promise((resolve) => {
    // Both clients: no compression offered, binary messages as Buffers.
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let sent = 0;
    let received = 0;
    const send = () => {
      const message = Buffer.from(body);
      message.write(stamp(sent), 0, 'latin1');
      sent += 1;
      ws.send(message, { binary: true });
    };
    ws.on('error', (e) => fail(e.message));
    ws.on('open', () => {
      for (let i = 0; i < window; i++) send();
      resolve(ws);
    });
    ws.on('message', (data, isBinary) => {
      const want = stamp(received);
      received += 1;
      if (!isBinary || data.length !== size || data.toString('latin1', 0, Math.min(8, size)) !== want.slice(0, Math.min(8, size))
        || data.compare(body, 8, size, 8, size) !== 0) {
        fail(`wrong echo of message ${received - 1}`);
      }
      if (measuring) counted += 1;
      if (ws.readyState === 1) send();
    });
  });
}

(async () => {
  const sockets = [];
  for (let i = 0; i < connections; i++) sockets.push(await run(`ws://${addr}/`));
  await new Promise((r) => setTimeout(r, 500));
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  measuring = false;
  const n = counted;
  for (const ws of sockets) ws.terminate();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({
    mode: 'client', client: which, connections, window, size, seconds: elapsed, messages: n,
    per_second: n / elapsed, client_cpu_s: cpuSeconds, client_cpu_us_per: (cpuSeconds / Math.max(n, 1)) * 1e6,
  }));
  process.exit(0);
})();
