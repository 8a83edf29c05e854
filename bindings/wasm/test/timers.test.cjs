'use strict';
// The timers and flow control of the Node layer: the server's handshake timer, the
// heartbeat (pingInterval, pongTimeout), the idle timeout and close timeout on the server
// and the client, and backpressure (maxBackpressure) with the latest owed pong held back.
// Intervals are short (tens to hundreds of ms) and every wait is bounded.
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { once } = require('node:events');
const w = require('../dist/node/index.cjs');

const { WebSocket, WebSocketServer } = w;

async function server(options = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  return { wss, port: wss.address().port, url: `ws://127.0.0.1:${wss.address().port}` };
}

function closeServer(wss) {
  for (const ws of wss.clients || []) ws.terminate();
  return new Promise((resolve) => wss.close(resolve));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `promise`'s value, or rejects after `ms` (no wait is unbounded). */
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const UPGRADE = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
  + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/**
 * A raw client socket past the 101: `bytes()` is what the server sent after it,
 * `count()` how many bytes that is, `last(n)` its last n bytes.
 */
async function rawClient(port) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(UPGRADE);
  const chunks = [];
  let head = Buffer.alloc(0);
  let count = 0;
  await within(5000, new Promise((resolve) => {
    const onHead = (c) => {
      head = Buffer.concat([head, c]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      assert.match(head.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 101 /);
      socket.removeListener('data', onHead);
      socket.on('data', (more) => { chunks.push(more); count += more.length; });
      const rest = head.subarray(end + 4);
      chunks.push(rest);
      count += rest.length;
      resolve();
    };
    socket.on('data', onHead);
  }), 'the 101');
  const bytes = () => Buffer.concat(chunks);
  const last = (n) => {
    const tail = [];
    for (let i = chunks.length - 1, have = 0; i >= 0 && have < n; i--) {
      tail.unshift(chunks[i]);
      have += chunks[i].length;
    }
    const all = Buffer.concat(tail);
    return all.subarray(Math.max(0, all.length - n));
  };
  return { socket, bytes, count: () => count, last };
}

/** The frames of unmasked server bytes: [{ opcode, payload }]. */
function frames(bytes) {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    const h = w.decodeHeader(bytes.subarray(at), { role: 'client' });
    if (!h.complete) break;
    const start = at + h.headerLength;
    const end = start + Number(h.payloadLength);
    if (end > bytes.length) break;
    out.push({ opcode: h.opcode, payload: Buffer.from(bytes.subarray(start, end)) });
    at = end;
  }
  return out;
}

const key = (i) => (0x9e3779b9 * (i + 1)) >>> 0;

test('options: timers and maxBackpressure are checked when the server or client is made', () => {
  for (const bad of [{ pingInterval: -1 }, { pongTimeout: 'soon' }, { idleTimeout: NaN }, { maxBackpressure: -5 }]) {
    assert.throws(() => new WebSocketServer({ noServer: true, ...bad }), RangeError);
    assert.throws(() => new WebSocket('ws://127.0.0.1:1', bad), RangeError);
  }
  const wss = new WebSocketServer({ noServer: true, pingInterval: 0, idleTimeout: 0, maxBackpressure: Infinity });
  wss.close();
});

test('server handshake timer: a request trickled byte by byte is dropped after handshakeTimeout', async () => {
  const { wss, port } = await server({ handshakeTimeout: 300 });
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let sent = 0;
  const trickle = setInterval(() => {
    if (sent < UPGRADE.length - 2 && !socket.destroyed) socket.write(UPGRADE[sent++]);
  }, 20);
  const started = Date.now();
  socket.on('error', () => {});
  await within(5000, once(socket, 'close'), 'the drop');
  clearInterval(trickle);
  const took = Date.now() - started;
  // Node's own headersTimeout would only act after its 30 s check interval.
  assert.ok(took >= 250 && took < 5000, `dropped after ${took} ms`);
  assert.ok(sent < UPGRADE.length - 2, 'the request was never complete');
  await closeServer(wss);
});

test('server heartbeat: a peer that answers pings stays; one that does not is terminated', async () => {
  // A generous pong timeout: the answering peer's pongs must never be late, even on a
  // loaded machine.
  const { wss, url } = await server({ pingInterval: 100, pongTimeout: 1000 });
  const errors = [];
  wss.on('connection', (ws) => ws.on('error', (e) => errors.push(e.message)));
  const answering = new WebSocket(url);
  let answeringPings = 0;
  answering.on('ping', () => { answeringPings += 1; });
  const silent = new WebSocket(url, { autoPong: false });
  silent.on('error', () => {}); // terminated: it may see a reset before its 'close'
  let silentPings = 0;
  silent.on('ping', () => { silentPings += 1; });
  await Promise.all([once(answering, 'open'), once(silent, 'open')]);
  const code = await within(5000, new Promise((resolve) => silent.on('close', resolve)), 'the silent peer dropped');
  assert.equal(code, 1006);
  assert.equal(silent.wasClean, false);
  assert.ok(silentPings >= 1, 'the silent peer was pinged');
  assert.ok(errors.includes('no pong within pongTimeout'), `errors: ${errors}`);
  // The answering peer is still there after more intervals, and was pinged meanwhile.
  await sleep(400);
  assert.equal(answering.readyState, WebSocket.OPEN);
  assert.ok(answeringPings >= 3, `${answeringPings} pings`);
  answering.send('still here');
  const [echo] = await within(5000, once(answering, 'message'), 'the echo');
  assert.equal(echo.toString(), 'still here');
  answering.close(1000);
  await within(5000, once(answering, 'close'), 'the close');
  await closeServer(wss);
});

test('server heartbeat and idle timeout due at once: the missed pong wins, nothing throws', async () => {
  const { wss, url } = await server({ pingInterval: 100, pongTimeout: 100, idleTimeout: 200 });
  const peers = Array.from({ length: 20 }, () => new WebSocket(url, { autoPong: false }));
  // A terminated peer may see a reset (when its close reply was still unread on the
  // server): an 'error' before its 'close', which is what is checked (so not with
  // `once`, which rejects on an 'error').
  for (const ws of peers) ws.on('error', () => {});
  const closed = (ws) => new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  const codes = await within(5000, Promise.all(peers.map(closed)), 'every drop');
  // Terminated when the pong was missed (1006), or closed by the idle timer just before
  // (1001 unanswered: autoPong false does not stop the close reply).
  assert.ok(codes.every((code) => code === 1006 || code === 1001), `codes: ${codes}`);
  const check = new WebSocket(url);
  await within(5000, once(check, 'open'), 'the server still serves');
  check.close(1000);
  await once(check, 'close');
  await closeServer(wss);
});

test('server idle timeout: close 1001 when no message came; messages keep a connection', async () => {
  const { wss, url } = await server({ idleTimeout: 500 });
  const idle = new WebSocket(url);
  const busy = new WebSocket(url);
  await Promise.all([once(idle, 'open'), once(busy, 'open')]);
  const talk = setInterval(() => busy.send('tick'), 50);
  const closed = await within(5000, new Promise((resolve) => idle.addEventListener('close', resolve)), 'the idle close');
  assert.equal(closed.code, 1001);
  assert.equal(closed.reason, 'idle timeout');
  assert.equal(closed.wasClean, true);
  await sleep(500);
  clearInterval(talk);
  assert.equal(busy.readyState, WebSocket.OPEN);
  busy.close(1000);
  await within(5000, once(busy, 'close'), 'the close');
  await closeServer(wss);
});

test('server close timeout: a peer that never answers the idle close is dropped', async () => {
  const { wss, port } = await server({ idleTimeout: 200, closeTimeout: 200 });
  const { socket, bytes } = await rawClient(port);
  const started = Date.now();
  await within(5000, once(socket, 'close'), 'the drop');
  const got = frames(bytes());
  assert.equal(got.length, 1);
  assert.equal(got[0].opcode, 8);
  assert.equal(got[0].payload.readUInt16BE(0), 1001);
  const took = Date.now() - started;
  assert.ok(took >= 300 && took < 5000, `dropped after ${took} ms (idle 200 + close 200)`);
  await closeServer(wss);
});

test('client heartbeat and idle timeout: terminated without a pong, closed 1001 when idle', async () => {
  const { wss, url } = await server({ autoPong: false });
  const silentServer = new WebSocket(url, { pingInterval: 100, pongTimeout: 100 });
  const errors = [];
  silentServer.onerror = (e) => errors.push(e.message);
  const closed = await within(5000, new Promise((resolve) => { silentServer.onclose = resolve; }), 'the drop');
  assert.equal(closed.code, 1006);
  assert.deepEqual(errors, ['no pong within pongTimeout']);

  const idle = new WebSocket(url, { idleTimeout: 200 });
  await once(idle, 'open');
  const [code, reason] = await within(5000, once(idle, 'close'), 'the idle close');
  assert.equal(code, 1001); // the server's echo of the client's close
  assert.equal(reason.toString(), ''); // the echo carries the code only
  assert.equal(idle.wasClean, true);
  await closeServer(wss);
});

test('backpressure: a peer that does not read stops being read; it gets everything once it reads', async () => {
  const { wss, port } = await server({ maxBackpressure: 64 * 1024 });
  let received = 0;
  wss.on('connection', (ws) => ws.on('message', () => { received += 1; }));
  const { socket, bytes, ...stats } = await rawClient(port);
  socket.pause(); // reads nothing from now on
  const message = Buffer.alloc(64 * 1024, 7);
  const total = 512; // 32 MiB, far over what the kernel's buffers hold
  let written = 0;
  while (written < total) {
    const flowing = socket.write(w.encodeFrame({ opcode: 'binary', payload: message, maskKey: key(written) }));
    written += 1;
    if (!flowing) {
      // The server stops reading: the kernel's buffers fill and this write stays pending.
      await within(1000, once(socket, 'drain'), 'drain').catch(() => null);
      if (socket.writableLength > 0) break;
    }
  }
  await sleep(300);
  // The server took only what fits in the socket buffers of both sides plus its bound.
  const taken = received;
  console.log(`backpressure: the server took ${taken} of ${total} messages before it stopped reading`);
  assert.ok(taken < total, `the server stopped reading after ${taken} of ${total} messages`);
  // Reading again: the echoes flow, the server reads again, everything comes back.
  socket.resume();
  for (; written < total; written++) {
    if (!socket.write(w.encodeFrame({ opcode: 'binary', payload: message, maskKey: key(written) }))) await once(socket, 'drain');
  }
  await within(20000, new Promise((resolve) => {
    const check = () => (stats.count() >= total * (message.length + 10) ? resolve() : setTimeout(check, 20));
    check();
  }), 'every echo');
  assert.equal(received, total);
  assert.ok(frames(bytes()).every((f) => f.opcode === 2 && f.payload.equals(message)));
  socket.destroy();
  await closeServer(wss);
});

test('unread pings: the pongs do not pile up, the latest is sent once the peer reads', async () => {
  const { wss, port } = await server();
  let peer = null;
  wss.on('connection', (ws) => { peer = ws; });
  const { socket, bytes, last: tail } = await rawClient(port);
  socket.pause();
  const pings = [];
  for (let i = 0; i < 100; i++) pings.push(w.encodeFrame({ opcode: 'ping', payload: 'unread', maskKey: key(i) }));
  const block = Buffer.concat(pings);
  // 40 MiB of pings: 3.5 million pongs if each were kept.
  for (let i = 0; i < 30000; i++) {
    if (!socket.write(block)) await within(5000, once(socket, 'drain'), 'the server reads the pings');
  }
  const last = w.encodeFrame({ opcode: 'ping', payload: 'latest', maskKey: key(1) });
  socket.write(last);
  socket.write(w.encodeFrame({ opcode: 'text', payload: 'after', maskKey: key(2) }));
  await sleep(200);
  // The server's pending output stays near the socket's own high-water mark.
  assert.ok(peer._socket.writableLength < 256 * 1024, `${peer._socket.writableLength} bytes pending`);
  socket.resume();
  await within(20000, new Promise((resolve) => {
    const check = () => (tail(7).equals(Buffer.from('\x81\x05after', 'latin1')) ? resolve() : setTimeout(check, 20));
    check();
  }), 'the echo after the pings');
  const got = frames(bytes());
  const pongs = got.filter((f) => f.opcode === 10);
  assert.ok(pongs.length > 0 && pongs.length < 3000000, `${pongs.length} pongs`);
  assert.equal(pongs[pongs.length - 1].payload.toString(), 'latest');
  assert.equal(got[got.length - 1].payload.toString(), 'after');
  socket.destroy();
  await closeServer(wss);
});
