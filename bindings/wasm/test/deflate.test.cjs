'use strict';
// permessage-deflate (RFC 7692): the perMessageDeflate option of the server and the
// client, negotiation, round trips, limits and bad compressed data, and interop with npm
// `ws` with compression on, both ways.
const test = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const net = require('node:net');
const zlib = require('node:zlib');
const ws = require('ws');
const w = require('../dist/node/index.cjs');

const TIMEOUT = { timeout: 30000 };

async function server(options = {}) {
  const wss = new w.WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await once(wss, 'listening');
  return wss;
}

function url(wss) {
  return `ws://127.0.0.1:${wss.address().port}/`;
}

function echo(wss) {
  wss.on('connection', (sock) => sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary })));
}

async function stop(wss) {
  for (const c of wss.clients || []) c.terminate();
  await new Promise((r) => wss.close(r));
}

/** Sends messages one at a time and collects the echoes. */
async function echoAll(client, messages) {
  const received = [];
  for (const m of messages) {
    const reply = once(client, 'message');
    client.send(m);
    const [data, isBinary] = await reply;
    received.push(isBinary ? Buffer.from(data) : data.toString());
  }
  return received;
}

/** A JSON-like message that compresses well. */
function json(n) {
  const items = [];
  for (let i = 0; i < n; i++) items.push({ id: i, name: `item ${i}`, tags: ['a', 'b', 'ü'], ok: i % 2 === 0 });
  return JSON.stringify(items);
}

/** Raw DEFLATE of `bytes` ending in a sync flush, without its 4-byte tail (RFC 7692 §7.2.1). */
function compressRaw(bytes) {
  const out = zlib.deflateRawSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/**
 * A raw client: sends an opening request offering permessage-deflate, then `frames`;
 * resolves with the close code of the server's close frame (null when none came).
 */
function rawClient(port, frames) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const { bytes } = w.buildRequest({ host: `127.0.0.1:${port}`, path: '/' });
    const head = Buffer.from(bytes).toString('latin1').replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n');
    let input = Buffer.alloc(0);
    let opened = false;
    let extensions = null;
    socket.on('connect', () => socket.write(head, 'latin1'));
    socket.on('data', (chunk) => {
      input = Buffer.concat([input, chunk]);
      if (!opened) {
        const end = input.indexOf('\r\n\r\n');
        if (end < 0) return;
        const text = input.subarray(0, end).toString('latin1');
        const m = /sec-websocket-extensions: *([^\r]*)/i.exec(text);
        extensions = m ? m[1] : null;
        input = input.subarray(end + 4);
        opened = true;
        for (const f of frames) socket.write(f);
      }
      if (input.length >= 2) {
        const h = w.decodeHeader(input, { role: 'client' });
        if (h.complete && h.opcode === 8 && input.length >= h.headerLength + h.payloadLength) {
          const p = input.subarray(h.headerLength, h.headerLength + h.payloadLength);
          socket.destroy();
          resolve({ code: p.length >= 2 ? p.readUInt16BE(0) : null, extensions });
        }
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ code: null, extensions }));
  });
}

const KEY = [1, 2, 3, 4];

test('negotiation: server off by default, client on by default', TIMEOUT, async () => {
  const plain = await server();
  echo(plain);
  const c1 = new w.WebSocket(url(plain));
  await once(c1, 'open');
  assert.equal(c1.extensions, '');
  assert.deepEqual(await echoAll(c1, [json(50)]), [json(50)]);
  c1.close();
  await once(c1, 'close');
  await stop(plain);

  const wss = await server({ perMessageDeflate: true });
  echo(wss);
  const c2 = new w.WebSocket(url(wss));
  await once(c2, 'open');
  assert.equal(c2.extensions, 'permessage-deflate');
  const off = new w.WebSocket(url(wss), { perMessageDeflate: false });
  await once(off, 'open');
  assert.equal(off.extensions, '');
  assert.deepEqual(await echoAll(off, [json(50)]), [json(50)]);
  for (const c of [c2, off]) {
    c.close();
    await once(c, 'close');
  }
  await stop(wss);
});

test('negotiation: parameters are answered and honoured', TIMEOUT, async () => {
  const wss = await server({ perMessageDeflate: { serverMaxWindowBits: 10, clientNoContextTakeover: true, threshold: 0 } });
  echo(wss);
  const accepted = new Promise((resolve) => wss.on('connection', (sock) => resolve(sock.extensions)));
  const c = new w.WebSocket(url(wss), { perMessageDeflate: { serverNoContextTakeover: true, clientMaxWindowBits: 12 } });
  await once(c, 'open');
  const answer = c.extensions;
  assert.equal(await accepted, answer);
  assert.match(answer, /^permessage-deflate/);
  assert.match(answer, /server_no_context_takeover/);
  assert.match(answer, /client_no_context_takeover/);
  assert.match(answer, /server_max_window_bits=10/);
  assert.match(answer, /client_max_window_bits=12/);
  const messages = [json(10), json(400), 'x', '', 'ünïcödé ✓ 😀'.repeat(100), json(400)];
  assert.deepEqual(await echoAll(c, messages), messages);
  c.close(1000);
  const [code] = await once(c, 'close');
  assert.equal(code, 1000);
  await stop(wss);
});

test('invalid options are refused', () => {
  assert.throws(() => new w.WebSocketServer({ noServer: true, perMessageDeflate: { serverMaxWindowBits: 7 } }), RangeError);
  assert.throws(() => new w.WebSocketServer({ noServer: true, perMessageDeflate: { clientMaxWindowBits: 16 } }), RangeError);
  assert.throws(() => new w.WebSocketServer({ noServer: true, perMessageDeflate: { zlibDeflateOptions: { level: 10 } } }), RangeError);
  assert.throws(() => new w.WebSocketServer({ noServer: true, perMessageDeflate: 'yes' }), TypeError);
});

test('round trips of text and binary, large and fragmented, through context takeover', TIMEOUT, async () => {
  const wss = await server({ perMessageDeflate: { threshold: 0 } });
  echo(wss);
  const c = new w.WebSocket(url(wss));
  await once(c, 'open');
  const big = Buffer.alloc(3 * 1024 * 1024 + 5);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
  const random = require('node:crypto').randomBytes(200 * 1024);
  const messages = [json(1000), big, random, Buffer.alloc(0), json(1000), json(1000)];
  const received = await echoAll(c, messages);
  for (let i = 0; i < messages.length; i++) {
    if (typeof messages[i] === 'string') assert.equal(received[i], messages[i]);
    else assert.ok(Buffer.compare(received[i], messages[i]) === 0, `message ${i}`);
  }
  // A fragmented message (sent uncompressed) between compressed ones.
  const reply = once(c, 'message');
  c.send('abc', { fin: false });
  c.send('def', { fin: true });
  assert.equal((await reply)[0].toString(), 'abcdef');
  assert.deepEqual(await echoAll(c, [json(20)]), [json(20)]);
  c.close();
  await once(c, 'close');
  await stop(wss);
});

test('a message inflating past maxPayload fails with 1009 (decompression bomb)', TIMEOUT, async () => {
  const wss = await server({ perMessageDeflate: true, maxPayload: 64 * 1024 });
  const errors = [];
  wss.on('connection', (sock) => sock.on('error', (e) => errors.push(e)));
  const client = new ws.WebSocket(url(wss), { perMessageDeflate: { threshold: 0 } });
  await once(client, 'open');
  assert.equal(client.extensions, 'permessage-deflate');
  // 16 MiB of zeros compress to about 16 KiB: under the limit on the wire, far over it inflated.
  client.send(Buffer.alloc(16 * 1024 * 1024));
  const [code] = await once(client, 'close');
  assert.equal(code, 1009);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].name, 'ProtocolError');
  assert.equal(errors[0].closeCode, 1009);
  await stop(wss);
});

test('the client fails a message inflating past its maxPayload with 1009', TIMEOUT, async () => {
  const wss = new ws.WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  await once(wss, 'listening');
  wss.on('connection', (sock) => sock.send(Buffer.alloc(8 * 1024 * 1024)));
  const closed = new Promise((resolve) => wss.on('connection', (sock) => sock.on('close', (code) => resolve(code))));
  const c = new w.WebSocket(`ws://127.0.0.1:${wss.address().port}/`, { maxPayload: 100000 });
  const [err] = await once(c, 'error');
  assert.equal(err.closeCode, 1009);
  assert.equal(await closed, 1009);
  await new Promise((r) => wss.close(r));
});

test('corrupt compressed data fails with 1007; so does compressed text that is not UTF-8', TIMEOUT, async () => {
  const wss = await server({ perMessageDeflate: true });
  wss.on('connection', (sock) => sock.on('error', () => {}));
  const port = wss.address().port;
  const corrupt = w.encodeFrame({ opcode: 'binary', rsv: 4, payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]), maskKey: KEY });
  const r1 = await rawClient(port, [corrupt]);
  assert.equal(r1.extensions, 'permessage-deflate');
  assert.equal(r1.code, 1007);
  const badText = w.encodeFrame({ opcode: 'text', rsv: 4, payload: compressRaw(Buffer.from([0x61, 0xc3, 0x28])), maskKey: KEY });
  assert.equal((await rawClient(port, [badText])).code, 1007);
  // A valid compressed message split over two fragments, then a clean close.
  const whole = compressRaw(Buffer.from('ok ✓', 'utf8'));
  const good = [
    w.encodeFrame({ opcode: 'text', rsv: 4, fin: false, payload: whole.subarray(0, 3), maskKey: KEY }),
    w.encodeFrame({ opcode: 'continuation', fin: true, payload: whole.subarray(3), maskKey: KEY }),
    w.encodeFrame({ opcode: 'close', payload: Buffer.from([0x03, 0xe8]), maskKey: KEY }),
  ];
  assert.equal((await rawClient(port, good)).code, 1000);
  // RSV1 on a continuation frame is a protocol error (RFC 7692 §6.1).
  const rsvOnContinuation = [
    w.encodeFrame({ opcode: 'text', rsv: 4, fin: false, payload: whole.subarray(0, 3), maskKey: KEY }),
    w.encodeFrame({ opcode: 'continuation', rsv: 4, fin: true, payload: whole.subarray(3), maskKey: KEY }),
  ];
  assert.equal((await rawClient(port, rsvOnContinuation)).code, 1002);
  await stop(wss);
});

test('the client fails the handshake when the answer does not honour its offer', TIMEOUT, async () => {
  // A server that accepts permessage-deflate with a parameter the client never offered.
  const srv = net.createServer((socket) => {
    socket.once('data', (chunk) => {
      const key = /sec-websocket-key: *([^\r]*)/i.exec(chunk.toString('latin1'))[1];
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${w.acceptKey(key)}\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99\r\n\r\n`);
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const c = new w.WebSocket(`ws://127.0.0.1:${srv.address().port}/`);
  let opened = false;
  c.on('open', () => { opened = true; });
  const [err] = await once(c, 'error');
  assert.equal(err.name, 'HandshakeError');
  const [code] = await once(c, 'close');
  assert.equal(code, 1006);
  assert.equal(opened, false);
  await new Promise((r) => srv.close(r));
});

test('interop: ws client with compression against the wsframe server', TIMEOUT, async () => {
  const wss = await server({ perMessageDeflate: { threshold: 0 } });
  echo(wss);
  const client = new ws.WebSocket(url(wss), { perMessageDeflate: { threshold: 0 } });
  await once(client, 'open');
  assert.equal(client.extensions, 'permessage-deflate');
  const messages = [json(2000), 'ünïcödé ✓ 😀', '', json(2000)];
  const got = [];
  for (const m of messages) {
    const reply = once(client, 'message');
    client.send(m);
    got.push((await reply)[0].toString());
  }
  assert.deepEqual(got, messages);
  // Compressed on the wire: the echoes of two ~130 KB messages took far fewer bytes.
  assert.ok(client._socket.bytesRead < 40000, `read ${client._socket.bytesRead} bytes`);
  client.close(1000);
  await once(client, 'close');
  await stop(wss);
});

test('interop: wsframe client against the ws server with compression', TIMEOUT, async () => {
  const wss = new ws.WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0, serverNoContextTakeover: true } });
  await once(wss, 'listening');
  let rsv1Seen = false;
  wss.on('connection', (sock) => {
    sock._socket.prependListener('data', (chunk) => { if ((chunk[0] & 0x40) !== 0) rsv1Seen = true; });
    sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary }));
  });
  const c = new w.WebSocket(`ws://127.0.0.1:${wss.address().port}/`, { perMessageDeflate: { threshold: 0 } });
  await once(c, 'open');
  assert.equal(c.extensions, 'permessage-deflate; server_no_context_takeover');
  const messages = [json(2000), json(2000), 'ünïcödé ✓ 😀', Buffer.from(json(100))];
  const got = await echoAll(c, messages);
  assert.deepEqual(got.slice(0, 3), messages.slice(0, 3));
  assert.ok(Buffer.compare(got[3], messages[3]) === 0);
  assert.ok(rsv1Seen, 'the client sent compressed frames');
  assert.ok(c._socket.bytesRead < 40000, `read ${c._socket.bytesRead} bytes`);
  c.close(1000);
  const [code] = await once(c, 'close');
  assert.equal(code, 1000);
  await new Promise((r) => wss.close(r));
});
