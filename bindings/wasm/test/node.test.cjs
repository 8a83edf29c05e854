'use strict';
// WebSocketServer and WebSocket (Node), against each other and against raw sockets.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { once } = require('node:events');
const w = require('../dist/node/index.cjs');

const { WebSocket, WebSocketServer } = w;

async function echoServer(options = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  return { wss, url: `ws://127.0.0.1:${wss.address().port}` };
}

function closeServer(wss) {
  for (const ws of wss.clients || []) ws.terminate();
  return new Promise((resolve) => wss.close(resolve));
}

function nextEvent(ws, type) {
  return new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));
}

/** A raw HTTP exchange: sends `request`, resolves with everything the server sent until it closed. */
function rawExchange(port, request) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    const chunks = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

const upgradeRequest = (extra = '', version = '13') => 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
  + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: ${version}\r\n${extra}\r\n`;

test('WHATWG surface: constants, readyState, url, protocol, events', async () => {
  const { wss, url } = await echoServer({ handleProtocols: (set) => (set.has('two') ? 'two' : false) });
  assert.equal(WebSocket.CONNECTING, 0);
  assert.equal(WebSocket.OPEN, 1);
  assert.equal(WebSocket.CLOSING, 2);
  assert.equal(WebSocket.CLOSED, 3);
  const ws = new WebSocket(`${url}/path?q=1`, ['one', 'two']);
  assert.equal(ws.OPEN, 1);
  assert.equal(ws.readyState, WebSocket.CONNECTING);
  assert.equal(ws.url, `${url}/path?q=1`);
  assert.equal(ws.binaryType, 'nodebuffer');
  assert.throws(() => ws.send('early'), (e) => e.name === 'InvalidStateError');
  const opened = await nextEvent(ws, 'open');
  assert.equal(opened.type, 'open');
  assert.equal(opened.target, ws);
  assert.equal(ws.readyState, WebSocket.OPEN);
  assert.equal(ws.protocol, 'two');
  assert.equal(ws.extensions, '');
  let viaAttribute = null;
  ws.onmessage = (e) => { viaAttribute = e.data; };
  assert.equal(typeof ws.onmessage, 'function');
  ws.send('héllo wörld');
  const message = await nextEvent(ws, 'message');
  assert.equal(message.data, 'héllo wörld');
  assert.equal(viaAttribute, 'héllo wörld');
  ws.onmessage = null;
  assert.equal(ws.onmessage, null);
  ws.close(4000, 'done');
  assert.equal(ws.readyState, WebSocket.CLOSING);
  const closed = await nextEvent(ws, 'close');
  assert.ok(closed instanceof w.CloseEvent);
  assert.equal(closed.code, 4000);
  assert.equal(closed.wasClean, true);
  assert.equal(ws.readyState, WebSocket.CLOSED);
  await closeServer(wss);
});

test('binary messages, binaryType, fragments and large payloads', async () => {
  const { wss, url } = await echoServer();
  const ws = new WebSocket(url);
  await nextEvent(ws, 'open');
  const big = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 255;
  ws.send(big);
  const m1 = await nextEvent(ws, 'message');
  assert.ok(Buffer.isBuffer(m1.data));
  assert.ok(m1.data.equals(big));
  ws.binaryType = 'arraybuffer';
  ws.send(new Uint8Array([1, 2, 3]).buffer);
  const m2 = await nextEvent(ws, 'message');
  assert.ok(m2.data instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array(m2.data), new Uint8Array([1, 2, 3]));
  ws.binaryType = 'blob';
  ws.send(new Uint16Array([0x0102]));
  const m3 = await nextEvent(ws, 'message');
  assert.ok(m3.data instanceof Blob);
  assert.equal(m3.data.size, 2);
  ws.binaryType = 'bogus';
  assert.equal(ws.binaryType, 'blob');
  // A fragmented text message arrives whole.
  ws.send('frag', { fin: false });
  ws.send('ment', { fin: true });
  const m4 = await nextEvent(ws, 'message');
  assert.equal(m4.data, 'fragment');
  ws.close();
  const closed = await nextEvent(ws, 'close');
  assert.equal(closed.code, 1005);
  await closeServer(wss);
});

test('client: large frames built in reused buffers arrive intact, sent in bursts and one by one', { timeout: 30000 }, async () => {
  const { wss, url } = await echoServer();
  const ws = new WebSocket(url);
  await once(ws, 'open');
  // Sizes around the reuse bounds (16 KiB to 1 MiB), each message filled with its own bytes,
  // so that a buffer reused before the socket took its frame would show in the echo.
  const sizes = [16 * 1024 - 1, 16 * 1024, 65536, 70000, 65536, 1024 * 1024, 1024 * 1024 + 1, 20000, 65536];
  const sent = [];
  const send = (cb) => {
    const i = sent.length;
    const m = Buffer.alloc(sizes[i % sizes.length]);
    for (let k = 0; k < m.length; k += 1) m[k] = (i * 31 + k * 7) & 255;
    sent.push(m);
    ws.send(m, cb);
  };
  const received = [];
  let wanted = 0;
  let arrived = null;
  let pairs = 0;
  ws.on('message', (data) => {
    received.push(Buffer.from(data));
    // Two at once from the listener, while the socket holds the replies to one read.
    if (pairs > 0) {
      pairs -= 1;
      send();
      send();
    }
    if (received.length === wanted) arrived();
  });
  const echoes = (n) => {
    wanted = received.length + n;
    return new Promise((resolve) => { arrived = resolve; });
  };
  // In one burst: several frames before any write completes.
  let all = echoes(sizes.length);
  for (let i = 0; i < sizes.length; i++) send();
  await all;
  // One by one, each after the previous echo.
  for (let i = 0; i < sizes.length; i++) {
    all = echoes(1);
    send();
    await all;
  }
  // Two from each echo's listener: 1 + 2 * pairs frames.
  pairs = sizes.length;
  all = echoes(1 + 2 * pairs);
  send();
  await all;
  // From write callbacks: each frame sent as the socket took the previous one.
  all = echoes(sizes.length);
  const sendFrom = (left) => {
    if (left > 0) send(() => sendFrom(left - 1));
  };
  sendFrom(sizes.length);
  await all;
  assert.equal(received.length, sent.length);
  for (let i = 0; i < sent.length; i++) assert.ok(received[i].equals(sent[i]), `message ${i} (${sent[i].length} bytes) arrived changed`);
  ws.close();
  await once(ws, 'close');
  await closeServer(wss);
});

test('close() follows the WHATWG checks', async () => {
  const { wss, url } = await echoServer();
  const ws = new WebSocket(url);
  await nextEvent(ws, 'open');
  assert.throws(() => ws.close(1001), (e) => e.name === 'InvalidAccessError');
  assert.throws(() => ws.close(2999), (e) => e.name === 'InvalidAccessError');
  assert.throws(() => ws.close(5000), (e) => e.name === 'InvalidAccessError');
  assert.throws(() => ws.close(1000, 'x'.repeat(124)), (e) => e.name === 'SyntaxError');
  assert.throws(() => ws.close(1000, 'é'.repeat(62)), (e) => e.name === 'SyntaxError');
  assert.equal(ws.readyState, WebSocket.OPEN);
  ws.close(1000, 'é'.repeat(61));
  const closed = await nextEvent(ws, 'close');
  assert.equal(closed.code, 1000);
  // Closing twice, or sending after close, does not throw; sends count as buffered.
  ws.close();
  let err;
  ws.send('late', (e) => { err = e; });
  assert.equal(ws.bufferedAmount, 4);
  await new Promise((r) => setImmediate(r));
  assert.ok(err instanceof w.SendError);
  await closeServer(wss);
});

test('constructor checks the URL and subprotocols', () => {
  assert.throws(() => new WebSocket('not a url'), (e) => e.name === 'SyntaxError');
  assert.throws(() => new WebSocket('ftp://127.0.0.1/'), (e) => e.name === 'SyntaxError');
  assert.throws(() => new WebSocket('ws://127.0.0.1/#frag'), (e) => e.name === 'SyntaxError');
  assert.throws(() => new WebSocket('ws://127.0.0.1:1/', ['a', 'a']), (e) => e.name === 'SyntaxError');
  assert.throws(() => new WebSocket('ws://127.0.0.1:1/', ['bad token']), (e) => e.name === 'SyntaxError');
});

test('ping and pong, and autoPong', async () => {
  const { wss, url } = await echoServer();
  const ws = new WebSocket(url);
  await nextEvent(ws, 'open');
  ws.ping('are you there');
  const [pong] = await once(ws, 'pong');
  assert.equal(pong.toString(), 'are you there');
  assert.throws(() => ws.ping(Buffer.alloc(126)), (e) => e instanceof w.SendError);
  ws.close();
  await nextEvent(ws, 'close');
  await closeServer(wss);
});

test('maxPayload: a message over the limit fails the connection with 1009', async () => {
  const { wss, url } = await echoServer({ maxPayload: 1000 });
  const ws = new WebSocket(url);
  await nextEvent(ws, 'open');
  ws.send(Buffer.alloc(1001));
  const closed = await nextEvent(ws, 'close');
  assert.equal(closed.code, 1009);
  assert.equal(closed.wasClean, true);
  await closeServer(wss);
});

test('a protocol error from the peer is a typed error carrying the close code', async () => {
  // A "server" that answers the handshake, then sends a masked frame (forbidden from servers).
  const server = net.createServer((socket) => {
    socket.once('data', (req) => {
      const key = /Sec-WebSocket-Key: (.*)\r\n/i.exec(req.toString())[1];
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${w.acceptKey(key)}\r\n\r\n`);
      socket.write(w.encodeFrame({ opcode: 'text', payload: 'x', maskKey: 1 }));
      socket.on('data', (d) => socket.emit('got', d));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ws = new WebSocket(`ws://127.0.0.1:${server.address().port}`);
  const error = await nextEvent(ws, 'error');
  assert.ok(error.error instanceof w.ProtocolError);
  assert.equal(error.error.closeCode, 1002);
  const closed = await nextEvent(ws, 'close');
  assert.equal(closed.code, 1006);
  assert.equal(closed.wasClean, false);
  server.close();
});

test('a bad handshake response fails with a HandshakeError', async () => {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ws = new WebSocket(`ws://127.0.0.1:${server.address().port}`);
  const error = await nextEvent(ws, 'error');
  assert.ok(error.error instanceof w.HandshakeError);
  const closed = await nextEvent(ws, 'close');
  assert.equal(closed.code, 1006);
  server.close();
});

test('handshakeTimeout fails a connection that never opens', async () => {
  const server = net.createServer(() => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ws = new WebSocket(`ws://127.0.0.1:${server.address().port}`, { handshakeTimeout: 200 });
  const error = await nextEvent(ws, 'error');
  assert.ok(error.error instanceof w.HandshakeError);
  await nextEvent(ws, 'close');
  server.close();
});

test('server: bad requests get the core refusals; plain HTTP gets 426', async () => {
  const { wss } = await echoServer();
  const port = wss.address().port;
  assert.match(await rawExchange(port, upgradeRequest('', '8')), /^HTTP\/1\.1 426 [^]*Sec-WebSocket-Version: 13\r\n/);
  assert.match(await rawExchange(port, upgradeRequest().replace(/Sec-WebSocket-Key: [^\r]+\r\n/, '')), /^HTTP\/1\.1 400 /);
  assert.match(await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 426 /);
  const ok = await rawExchange(port, `${upgradeRequest()}`.replace('\r\n\r\n', '\r\n\r\n') + '\x88\x80\x00\x00\x00\x00');
  assert.match(ok, /^HTTP\/1\.1 101 Switching Protocols\r\n[^]*Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
  await closeServer(wss);
});

test('server: verifyClient (sync and async), origins, path', async () => {
  const sync = await echoServer({ verifyClient: (info) => info.req.headers['x-token'] === 'yes' });
  const syncPort = sync.wss.address().port;
  assert.match(await rawExchange(syncPort, upgradeRequest()), /^HTTP\/1\.1 401 /);
  assert.match(await rawExchange(syncPort, upgradeRequest('X-Token: yes\r\n')), /^HTTP\/1\.1 101 /);
  await closeServer(sync.wss);

  const async_ = await echoServer({ verifyClient: (info, cb) => setTimeout(() => cb(info.origin === 'https://good', 403), 10) });
  const asyncPort = async_.wss.address().port;
  assert.match(await rawExchange(asyncPort, upgradeRequest('Origin: https://evil\r\n')), /^HTTP\/1\.1 403 /);
  assert.match(await rawExchange(asyncPort, upgradeRequest('Origin: https://good\r\n')), /^HTTP\/1\.1 101 /);
  await closeServer(async_.wss);

  const origins = await echoServer({ origins: ['https://good'], path: '/ws' });
  const port = origins.wss.address().port;
  assert.match(await rawExchange(port, upgradeRequest('Origin: https://evil\r\n').replace('GET /', 'GET /ws')), /^HTTP\/1\.1 403 /);
  assert.match(await rawExchange(port, upgradeRequest('Origin: https://good\r\n')), /^HTTP\/1\.1 400 /);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: 'https://good' });
  await nextEvent(ws, 'open');
  ws.close();
  await nextEvent(ws, 'close');
  await closeServer(origins.wss);
});

test('server: noServer + handleUpgrade on an existing HTTP server; clientTracking', async () => {
  const server = http.createServer((req, res) => res.end('plain'));
  const wss = new WebSocketServer({ noServer: true });
  assert.throws(() => wss.address(), Error);
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.emit('connection', ws, req);
      ws.send(`hello ${req.url}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const connected = once(wss, 'connection');
  const ws = new WebSocket(`ws://127.0.0.1:${server.address().port}/room`);
  const [message] = await Promise.all([nextEvent(ws, 'message'), connected]);
  assert.equal(message.data, 'hello /room');
  assert.equal(wss.clients.size, 1);
  ws.close(1000);
  await nextEvent(ws, 'close');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(wss.clients.size, 0);
  const noTracking = new WebSocketServer({ noServer: true, clientTracking: false });
  assert.equal(noTracking.clients, undefined);
  assert.throws(() => new WebSocketServer({}), TypeError);
  assert.throws(() => new WebSocketServer({ port: 0, noServer: true }), TypeError);
  assert.throws(() => new WebSocketServer({ noServer: true, handleProtocols: 1 }), TypeError);
  server.close();
});

test('server connections: clients drops one before its close listeners run; eventNames lists only events with listeners', async () => {
  const { wss, url } = await echoServer();
  const connected = once(wss, 'connection');
  const client = new WebSocket(url);
  const [[ws]] = await Promise.all([connected, nextEvent(client, 'open')]);
  // echoServer's listeners.
  assert.deepEqual(ws.eventNames().sort(), ['error', 'message']);
  const onPong = () => {};
  ws.on('pong', onPong);
  assert.deepEqual(ws.eventNames().sort(), ['error', 'message', 'pong']);
  ws.off('pong', onPong);
  assert.deepEqual(ws.eventNames().sort(), ['error', 'message']);
  assert.equal(wss.clients.has(ws), true);
  const stillTracked = new Promise((resolve) => ws.on('close', () => resolve(wss.clients.has(ws))));
  client.close(1000);
  assert.equal(await stillTracked, false);
  ws.removeAllListeners();
  assert.deepEqual(ws.eventNames(), []);
  await closeServer(wss);
});

test('server-side close codes and the server closing first', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    assert.throws(() => ws.close(1005), (e) => e instanceof w.SendError);
    ws.close(1001, 'going away');
  });
  const ws = new WebSocket(`ws://127.0.0.1:${wss.address().port}`);
  const closed = await nextEvent(ws, 'close');
  assert.equal(closed.code, 1001);
  assert.equal(closed.reason, 'going away');
  assert.equal(closed.wasClean, true);
  await closeServer(wss);
});

test('backpressure: bufferedAmount grows with unsent data and drain follows', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const serverSide = once(wss, 'connection');
  const ws = new WebSocket(`ws://127.0.0.1:${wss.address().port}`);
  await nextEvent(ws, 'open');
  const [peer] = await serverSide;
  peer._socket.pause(); // the server stops reading
  const chunk = Buffer.alloc(1024 * 1024);
  let sent = 0;
  while (ws._socket.writableNeedDrain === false && sent < 64) {
    ws.send(chunk);
    sent += 1;
  }
  assert.ok(ws.bufferedAmount > 0, `bufferedAmount ${ws.bufferedAmount}`);
  const drained = once(ws, 'drain');
  peer._socket.resume();
  await drained;
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(ws.bufferedAmount < sent * chunk.length);
  ws.terminate();
  await closeServer(wss);
});

test('wss:// through TLS', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not available');
    return;
  }
  const cert = readFileSync(join(dir, 'cert.pem'));
  const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ws = new WebSocket(`wss://127.0.0.1:${server.address().port}/`, { ca: cert });
  await nextEvent(ws, 'open');
  ws.send('secure');
  assert.equal((await nextEvent(ws, 'message')).data, 'secure');
  ws.close();
  await nextEvent(ws, 'close');
  // An untrusted certificate is an error.
  const bad = new WebSocket(`wss://127.0.0.1:${server.address().port}/`);
  const error = await nextEvent(bad, 'error');
  assert.ok(error.error instanceof Error);
  await nextEvent(bad, 'close');
  await closeServer(wss);
  server.close();
});

test('server: autoPong false leaves pings to the application', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false });
  await once(wss, 'listening');
  const pinged = new Promise((resolve) => wss.on('connection', (peer) => peer.on('ping', (d) => resolve([peer, d.toString()]))));
  const ws = new WebSocket(`ws://127.0.0.1:${wss.address().port}`);
  await nextEvent(ws, 'open');
  let ponged = 0;
  ws.on('pong', () => { ponged += 1; });
  ws.ping('manual');
  const [peer, data] = await pinged;
  assert.equal(data, 'manual');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(ponged, 0);
  peer.pong('answered');
  const [pong] = await once(ws, 'pong');
  assert.equal(pong.toString(), 'answered');
  ws.close();
  await nextEvent(ws, 'close');
  await closeServer(wss);
});

test('server: handshakeTimeout drops an upgrade that verifyClient never decides', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handshakeTimeout: 200, verifyClient: (info, cb) => {} }); // never calls cb
  await once(wss, 'listening');
  const started = Date.now();
  const reply = await rawExchange(wss.address().port, upgradeRequest());
  assert.equal(reply, '');
  assert.ok(Date.now() - started >= 150);
  await closeServer(wss);
});

test('server: a verifyClient that refuses after handshakeTimeout finds the socket dropped, without an error', async () => {
  let decided = null;
  const late = new Promise((resolve) => { decided = resolve; });
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handshakeTimeout: 100,
    // 403 is one of the core's refusals: it used to be asked of the freed connection.
    verifyClient: (info, cb) => setTimeout(() => { cb(false, 403); decided(); }, 300),
  });
  await once(wss, 'listening');
  const reply = await rawExchange(wss.address().port, upgradeRequest());
  assert.equal(reply, '');
  await late;
  await closeServer(wss);
});

/** Server frames in `bytes` (unmasked), parsed with the codec's header decoder. */
function serverFrames(bytes) {
  const frames = [];
  let at = 0;
  while (at < bytes.length) {
    const h = w.decodeHeader(bytes.subarray(at), { role: 'client' });
    assert.ok(h.complete, `truncated frame at ${at}`);
    const start = at + h.headerLength;
    frames.push({ opcode: h.opcode, fin: h.fin, payload: Buffer.from(bytes.subarray(start, start + Number(h.payloadLength))) });
    at = start + Number(h.payloadLength);
  }
  return frames;
}

test('server: echoes, pong and close reply stay whole and in order however the input is split', async () => {
  const { wss } = await echoServer();
  const port = wss.address().port;
  let seed = 7;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const sizes = [0, 1, 125, 126, 1000, 65535, 65536, 300000];
  const binaries = sizes.map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + n) & 255)));
  const key = (i) => (0x9e3779b9 * (i + 1)) >>> 0;
  const input = [];
  binaries.forEach((payload, i) => input.push(w.encodeFrame({ opcode: 'binary', payload, maskKey: key(i) })));
  input.push(w.encodeFrame({ opcode: 'text', payload: 'héllo wörld ✓', maskKey: key(20) }));
  input.push(w.encodeFrame({ opcode: 'text', payload: 'frag', fin: false, maskKey: key(21) }));
  input.push(w.encodeFrame({ opcode: 'ping', payload: 'p', maskKey: key(22) }));
  input.push(w.encodeFrame({ opcode: 'continuation', payload: 'men', fin: false, maskKey: key(23) }));
  input.push(w.encodeFrame({ opcode: 'continuation', payload: 't ✓', maskKey: key(24) }));
  input.push(w.encodeFrame({ opcode: 'close', payload: Buffer.from([0x03, 0xe8]), maskKey: key(25) }));
  const stream = Buffer.concat(input);
  const expected = [
    ...binaries.map((payload) => ({ opcode: 2, fin: true, payload })),
    { opcode: 1, fin: true, payload: Buffer.from('héllo wörld ✓') },
    { opcode: 10, fin: true, payload: Buffer.from('p') },
    { opcode: 1, fin: true, payload: Buffer.from('fragment ✓') },
    { opcode: 8, fin: true, payload: Buffer.from([0x03, 0xe8]) },
  ];
  // Whole; one byte per write over the small frames' headers and payloads; random pieces.
  const splits = [
    [stream.length],
    [...Array(1400).fill(1), stream.length],
    Array.from({ length: 400 }, () => 1 + random(4000)),
  ];
  for (const pieces of splits) {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.setNoDelay(true);
    socket.write(upgradeRequest());
    const received = [];
    let head = null;
    socket.on('data', (c) => {
      if (head === null) {
        const all = Buffer.concat([...received, c]);
        const end = all.indexOf('\r\n\r\n');
        if (end === -1) {
          received.push(c);
          return;
        }
        head = all.subarray(0, end).toString('latin1');
        received.length = 0;
        received.push(all.subarray(end + 4));
        return;
      }
      received.push(c);
    });
    const closed = once(socket, 'close');
    await new Promise((r) => setTimeout(r, 20));
    let at = 0;
    for (const n of pieces) {
      if (at >= stream.length) break;
      socket.write(stream.subarray(at, Math.min(at + n, stream.length)));
      at += n;
      // Separate turns of the server's event loop, not only separate writes.
      if (random(4) === 0) await new Promise((r) => setImmediate(r));
    }
    if (at < stream.length) socket.write(stream.subarray(at));
    await closed;
    assert.match(head, /^HTTP\/1\.1 101 /);
    const frames = serverFrames(Buffer.concat(received));
    assert.equal(frames.length, expected.length);
    frames.forEach((f, i) => {
      assert.equal(f.opcode, expected[i].opcode, `frame ${i}`);
      assert.equal(f.fin, true, `frame ${i}`);
      assert.ok(f.payload.equals(expected[i].payload), `frame ${i}: ${f.payload.length} bytes`);
    });
  }
  await closeServer(wss);
});

test('server: frames that arrive with the request (Node\'s upgrade head) are not lost, on the port and noServer paths', async () => {
  const frame = (text, i) => w.encodeFrame({ opcode: 'text', payload: text, maskKey: 0x01020304 + i });
  const close = w.encodeFrame({ opcode: 'close', payload: Buffer.from([0x03, 0xe8]), maskKey: 0x0a0b0c0d });
  const request = Buffer.from(upgradeRequest(), 'latin1');
  // Each shape: the writes of a client, in order; a number waits that many ms.
  const shapes = {
    'one frame in the request\'s write': [Buffer.concat([request, frame('one', 0)]), 20, close],
    'split across the request\'s last bytes': [request.subarray(0, request.length - 2), 30,
      Buffer.concat([request.subarray(request.length - 2), frame('one', 0)]), 20, close],
    'followed by a second frame, and a third later': [Buffer.concat([request, frame('one', 0), frame('two', 1)]), 20,
      frame('three', 2), 20, close],
  };
  const expected = {
    'one frame in the request\'s write': ['one'],
    'split across the request\'s last bytes': ['one'],
    'followed by a second frame, and a third later': ['one', 'two', 'three'],
  };
  const portServer = await echoServer();
  const httpServer = http.createServer((req, res) => res.end());
  const noServer = new WebSocketServer({ noServer: true });
  httpServer.on('upgrade', (req, socket, head) => noServer.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }));
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const ports = { port: portServer.wss.address().port, noServer: httpServer.address().port };
  for (const [mode, port] of Object.entries(ports)) {
    for (const [shape, writes] of Object.entries(shapes)) {
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.setNoDelay(true);
      const chunks = [];
      socket.on('data', (c) => chunks.push(c));
      const closed = once(socket, 'close');
      for (const step of writes) {
        if (typeof step === 'number') await new Promise((r) => setTimeout(r, step));
        else socket.write(step);
      }
      await closed;
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      assert.match(all.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 101 /, `${mode}, ${shape}`);
      const frames = serverFrames(all.subarray(end + 4));
      assert.deepEqual(frames.map((f) => (f.opcode === 1 ? f.payload.toString() : f.opcode)), [...expected[shape], 8], `${mode}, ${shape}`);
    }
  }
  await closeServer(portServer.wss);
  httpServer.close();
});

test('send(Blob) sends its bytes as binary, in order with the messages sent around it', async () => {
  const { wss, url } = await echoServer();
  const ws = new WebSocket(url);
  await nextEvent(ws, 'open');
  const received = [];
  const done = new Promise((resolve) => {
    ws.on('message', (data, isBinary) => {
      received.push([isBinary, data.toString()]);
      if (received.length === 4) resolve();
    });
  });
  ws.send('before');
  ws.send(new Blob(['blob ', 'bytes']));
  // Sent while the Blob is still being read: counted as buffered, sent after it.
  ws.send('after');
  assert.equal(ws.bufferedAmount, 'blob bytes'.length + 'after'.length + 'before'.length);
  ws.send(new Blob(['text blob']), { binary: false });
  await done;
  assert.deepEqual(received, [[false, 'before'], [true, 'blob bytes'], [false, 'after'], [false, 'text blob']]);
  ws.close();
  await nextEvent(ws, 'close');
  await closeServer(wss);
});
