'use strict';
// Wasm memory is shared by every connection and never shrinks: the send paths must not
// need message-sized buffers, large buffers must return to a small size, and a failed
// allocation must fail only the connection that asked (1011), never trap the instance.
// The package is loaded here from a copy whose module has a small maximum memory.
const test = require('node:test');
const assert = require('node:assert/strict');
const { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { once } = require('node:events');

const dist = resolve(__dirname, '../dist/node');
const PAGE = 65536;
/** Pages the copy may grow by beyond its initial memory. */
const HEADROOM = 48;

function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

/** The module with its one memory limited to `HEADROOM` pages above its minimum. */
function withMaximumMemory(module) {
  let at = 8;
  while (at < module.length) {
    const id = module[at];
    const [size, body] = readLeb(module, at + 1);
    if (id === 5) {
      const [count, limits] = readLeb(module, body);
      assert.equal(count, 1);
      assert.equal(module[limits] & 1, 0, 'the module has no maximum of its own');
      const [min] = readLeb(module, limits + 1);
      const section = [1, 1, ...leb(min), ...leb(min + HEADROOM)];
      return {
        bytes: Buffer.concat([module.subarray(0, at), Buffer.from([5, ...leb(section.length), ...section]),
          module.subarray(body + size)]),
        maxBytes: (min + HEADROOM) * PAGE,
      };
    }
    at = body + size;
  }
  throw new Error('no memory section');
}

const dir = mkdtempSync(join(tmpdir(), 'wsframe-memory-'));
cpSync(dist, dir, { recursive: true });
const limited = withMaximumMemory(readFileSync(join(dist, 'wsframe_wasm_bg.wasm')));
writeFileSync(join(dir, 'wsframe_wasm_bg.wasm'), limited.bytes);
const w = require(join(dir, 'index.cjs'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const pattern = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255));

test('the copy cannot grow past its maximum', () => {
  const memory = w.wasmBytes().buffer;
  assert.ok(memory.byteLength <= limited.maxBytes);
  assert.ok(limited.maxBytes - memory.byteLength <= HEADROOM * PAGE);
});

test('codec: 16 MiB client and server frames need no message-sized wasm buffer', () => {
  const client = w.Connection.client({ handshakeDone: true });
  const server = w.Connection.server({ handshakeDone: true });
  const payload = pattern(16 * MiB);
  const frame = client.sendBinary(payload);
  assert.equal(frame.length, 14 + payload.length);
  // Read back in 64 KiB pieces, as from a socket: the server unmasks what the client masked.
  let received = 0;
  let same = true;
  for (let at = 0; at < frame.length; at += PAGE) {
    server.feed(frame.subarray(at, at + PAGE));
    for (let ev = server.read(); ev !== null; ev = server.read()) {
      same = same && Buffer.from(ev.data).equals(payload.subarray(received, received + ev.data.length));
      received += ev.data.length;
    }
  }
  assert.equal(received, payload.length);
  assert.ok(same, 'the payload arrives unchanged');
  const reply = server.sendBinary(payload);
  assert.equal(reply.length, 10 + payload.length);
  assert.ok(Buffer.from(reply.subarray(10)).equals(payload));
  client.free();
  server.free();
});

test('buffers return to a small size after a large message', () => {
  // Each connection frames 1 MiB in wasm memory, then a small message. Kept at 1 MiB,
  // the buffers of all of them would not fit under the maximum.
  const conns = [];
  for (let i = 0; i < HEADROOM; i++) {
    const c = w.Connection.server({ handshakeDone: true });
    const f = c.frameInPlace(pattern(MiB), false, true);
    assert.equal(f.len, 10 + MiB);
    c.sendText('small');
    conns.push(c);
  }
  for (const c of conns) c.free();
});

test('an allocation that fails fails only its connection, with 1011', () => {
  const other = w.Connection.server({ handshakeDone: true });
  const greedy = w.Connection.server({ handshakeDone: true });
  assert.throws(() => greedy.frameInPlace(pattern(limited.maxBytes), false, true), (e) => e instanceof w.WebSocketError && e.closeCode === 1011);
  // The connection owes the failing close frame; it is closed after it.
  assert.deepEqual(Array.from(greedy.takeTransmit()), [0x88, 0x02, 0x03, 0xf3]);
  assert.equal(greedy.readyState, 3);
  const receiver = w.Connection.client({ handshakeDone: true });
  assert.throws(() => receiver.feed(pattern(limited.maxBytes)), (e) => e.closeCode === 1011);
  assert.equal(receiver.takeTransmit().length, 8, 'a masked close frame with 1011');
  // The instance and the other connection work on.
  const client = w.Connection.client({ handshakeDone: true });
  other.feed(client.sendText('still here'));
  assert.equal(Buffer.from(other.read().data).toString(), 'still here');
  for (const c of [other, greedy, receiver, client]) c.free();
});

test('WebSocket client and server echo 24 MiB messages under a small maximum memory', async () => {
  const wss = new w.WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 64 * MiB });
  await once(wss, 'listening');
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const clients = [0, 1].map(() => new w.WebSocket(`ws://127.0.0.1:${wss.address().port}`, { maxPayload: 64 * MiB, perMessageDeflate: false }));
  await Promise.all(clients.map((ws) => once(ws, 'open')));
  const payload = pattern(24 * MiB);
  for (let round = 0; round < 2; round++) {
    const echoes = clients.map((ws) => once(ws, 'message'));
    for (const ws of clients) ws.send(payload);
    for (const [data] of await Promise.all(echoes)) assert.ok(data.equals(payload));
  }
  assert.ok(w.wasmBytes().length <= limited.maxBytes);
  await Promise.all(clients.map((ws) => {
    ws.close(1000);
    return once(ws, 'close');
  }));
  await new Promise((r) => wss.close(r));
});
