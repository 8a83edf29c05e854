'use strict';
// The codec over the wasm core: frames, masks, handshake messages, the sans-IO connection.
const test = require('node:test');
const assert = require('node:assert/strict');
const w = require('../dist/node/index.cjs');

const hex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// RFC 6455 §5.7: a masked "Hello".
const MASKED_HELLO = hex('818537fa213d7f9f4d5158');
const REQUEST = 'GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
  + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
  + 'Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n';

test('decodeHeader reads the RFC 6455 §5.7 examples', () => {
  const h = w.decodeHeader(MASKED_HELLO);
  assert.deepEqual(h, {
    complete: true, fin: true, rsv: 0, opcode: 1, opcodeName: 'text', masked: true,
    maskKey: new Uint8Array([0x37, 0xfa, 0x21, 0x3d]), payloadLength: 5, headerLength: 6, lengthForm: '7-bit',
  });
  const h16 = w.decodeHeader(hex('827e0100'), { role: 'client' });
  assert.equal(h16.payloadLength, 256);
  assert.equal(h16.lengthForm, '16-bit');
  const h64 = w.decodeHeader(hex('827f0000000000010000'), { role: 'client' });
  assert.equal(h64.payloadLength, 65536);
  assert.equal(h64.lengthForm, '64-bit');
  assert.equal(h64.headerLength, 10);
});

test('decodeHeader answers partial input with the bytes needed', () => {
  assert.deepEqual(w.decodeHeader(hex('81')), { complete: false, needed: 1 });
  const partial = w.decodeHeader(hex('8185'));
  assert.equal(partial.complete, false);
  assert.ok(partial.needed >= 1);
});

test('decodeHeader rejects violations with their close codes', () => {
  const cases = [
    [hex('8300'), 'server', 1002], // reserved opcode
    [hex('c180'), 'server', 1002], // RSV1 without an extension
    [hex('8105'), 'server', 1002], // unmasked from a client
    [hex('8185000000000000'), 'client', 1002], // masked from a server
    [hex('097e0080'), 'client', 1002], // fragmented control frame (FIN clear) / long control
    [hex('827e0005'), 'client', 1002], // non-minimal 16-bit length
  ];
  for (const [bytes, role, code] of cases) {
    assert.throws(() => w.decodeHeader(bytes, { role }), (e) => e instanceof w.ProtocolError && e.closeCode === code && e instanceof w.WebSocketError, bytes.toString('hex'));
  }
  assert.throws(() => w.decodeHeader(hex('827e0100'), { role: 'client', maxPayload: 100 }), (e) => e.closeCode === 1009);
});

test('decodeHeader checks its arguments', () => {
  assert.throws(() => w.decodeHeader('81'), TypeError);
  assert.throws(() => w.decodeHeader(MASKED_HELLO, { role: 'peer' }), TypeError);
  assert.throws(() => w.decodeHeader(MASKED_HELLO, { maxPayload: -1 }), RangeError);
  assert.throws(() => w.decodeHeader(MASKED_HELLO, { allowedRsv: 8 }), RangeError);
});

test('encodeFrame writes minimal headers and masks', () => {
  assert.deepEqual(Buffer.from(w.encodeFrame({ opcode: 'text', payload: 'Hello', maskKey: [0x37, 0xfa, 0x21, 0x3d] })), MASKED_HELLO);
  assert.deepEqual(Buffer.from(w.encodeFrame({ opcode: 1, payload: 'Hello' })), hex('810548656c6c6f'));
  assert.deepEqual(Buffer.from(w.encodeFrame({ opcode: 'text', payload: 'Hel', fin: false })), hex('010348656c'));
  assert.deepEqual(Buffer.from(w.encodeFrame({ opcode: 'ping', payload: 'Hello' })), hex('890548656c6c6f'));
  const big = w.encodeFrame({ opcode: 'binary', payload: new Uint8Array(256) });
  assert.deepEqual(Buffer.from(big.subarray(0, 4)), hex('827e0100'));
  const huge = w.encodeFrame({ opcode: 'binary', payload: new Uint8Array(65536) });
  assert.deepEqual(Buffer.from(huge.subarray(0, 10)), hex('827f0000000000010000'));
  const withRsv = w.encodeFrame({ opcode: 'binary', rsv: 4 });
  assert.equal(withRsv[0], 0xc2);
  // What encodeFrame writes decodes back to the same fields.
  const back = w.decodeHeader(w.encodeFrame({ opcode: 'binary', payload: new Uint8Array(300), maskKey: 0x01020304 }));
  assert.equal(back.payloadLength, 300);
  assert.deepEqual(back.maskKey, new Uint8Array([1, 2, 3, 4]));
});

test('encodeFrame rejects bad input', () => {
  assert.throws(() => w.encodeFrame({ opcode: 3 }), (e) => e instanceof w.ProtocolError && e.closeCode === 1002);
  assert.throws(() => w.encodeFrame({ opcode: 'nope' }), TypeError);
  assert.throws(() => w.encodeFrame({ opcode: 16 }), RangeError);
  assert.throws(() => w.encodeFrame({ opcode: 1, rsv: 9 }), RangeError);
  assert.throws(() => w.encodeFrame({ opcode: 1, maskKey: [1, 2, 3] }), RangeError);
  assert.throws(() => w.encodeFrame(null), TypeError);
});

test('mask unmasks the RFC example and round-trips at any offset', () => {
  const payload = Buffer.from(MASKED_HELLO.subarray(6));
  w.mask(payload, [0x37, 0xfa, 0x21, 0x3d]);
  assert.equal(payload.toString(), 'Hello');
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 255));
  const copy = Buffer.from(data);
  w.mask(data, 0xdeadbeef, 3);
  assert.notDeepEqual(data, copy);
  // Offset 3 means the first byte uses key byte 3.
  assert.equal(data[0], copy[0] ^ 0xef);
  w.mask(data, 0xdeadbeef, 3);
  assert.deepEqual(data, copy);
  assert.throws(() => w.mask(data), TypeError);
  assert.throws(() => w.mask(data, 1, -1), RangeError);
});

test('MaskBuffer masks inside wasm memory', () => {
  const m = new w.MaskBuffer();
  const view = m.view(5);
  view.set(MASKED_HELLO.subarray(6));
  m.apply([0x37, 0xfa, 0x21, 0x3d]);
  const again = m.view(5);
  assert.equal(Buffer.from(again).toString(), 'Hello');
  m.free();
});

/** RFC 6455 §5.3 byte by byte: the reference the wasm SIMD masking is checked against. */
function referenceMask(bytes, key, offset) {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) out[i] ^= key[(offset + i) % 4];
  return out;
}

test('masking in wasm matches the byte-by-byte reference at every length, offset and alignment', () => {
  const key = [0x12, 0x34, 0x56, 0x78];
  const data = Buffer.alloc(301);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 255;
  for (let len = 0; len <= 300; len++) {
    for (let offset = 0; offset < 4; offset++) {
      const ours = Buffer.from(data.subarray(0, len));
      w.mask(ours, key, offset);
      assert.deepEqual(ours, referenceMask(data.subarray(0, len), key, offset), `mask len ${len} offset ${offset}`);
    }
    // Masking while copying (a client's frame) ...
    const frame = Buffer.from(w.encodeFrame({ opcode: 'binary', payload: data.subarray(0, len), maskKey: key }));
    const headerLength = frame.length - len;
    assert.deepEqual(frame.subarray(headerLength), referenceMask(data.subarray(0, len), key, 0), `encodeFrame len ${len}`);
    // ... and unmasking in place at every alignment of the payload in the input buffer.
    for (let shift = 0; shift < 4; shift++) {
      const conn = w.Connection.server({ handshakeDone: true });
      conn.feed(Buffer.concat([
        Buffer.from(w.encodeFrame({ opcode: 'pong', payload: Buffer.alloc(shift, 1), maskKey: key })),
        frame,
      ]));
      assert.equal(conn.read().type, 'pong');
      const ev = conn.read();
      assert.equal(ev.type, 'data');
      assert.ok(ev.endOfMessage);
      assert.deepEqual(Buffer.from(ev.data), data.subarray(0, len), `unmask len ${len} shift ${shift}`);
      conn.free();
    }
  }
});

test('acceptKey matches RFC 6455 §1.3', () => {
  assert.equal(w.acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.throws(() => w.acceptKey(42), TypeError);
});

test('parseRequest and buildResponse', () => {
  const r = w.parseRequest(REQUEST);
  assert.deepEqual(r, {
    path: '/chat', host: 'example.com', key: 'dGhlIHNhbXBsZSBub25jZQ==', origin: 'http://example.com',
    protocols: ['chat', 'superchat'], extensions: [], headLength: REQUEST.length,
  });
  assert.equal(w.parseRequest(REQUEST.slice(0, 40)), null);
  const response = Buffer.from(w.buildResponse(REQUEST, 'chat')).toString();
  assert.match(response, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(response, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
  assert.match(response, /Sec-WebSocket-Protocol: chat\r\n/);
  assert.throws(() => w.buildResponse(REQUEST, 'other'), (e) => e instanceof w.HandshakeError);
});

test('parseRequest refuses bad requests with the HTTP status', () => {
  const cases = [
    [REQUEST.replace('Version: 13', 'Version: 12'), 426],
    [REQUEST.replace(/Sec-WebSocket-Key: [^\r]+\r\n/, ''), 400],
    [REQUEST.replace('GET', 'POST'), 400],
    [REQUEST.replace('Upgrade: websocket\r\n', ''), 400],
    [REQUEST.replace('Host: example.com', `Host: ${'a'.repeat(9000)}`), 431],
  ];
  for (const [req, status] of cases) {
    assert.throws(() => w.parseRequest(req), (e) => e instanceof w.HandshakeError && e.status === status, `${status}`);
  }
});

test('buildRejection writes the core refusals', () => {
  assert.match(Buffer.from(w.buildRejection(426)).toString(), /^HTTP\/1\.1 426 Upgrade Required\r\n[^]*Sec-WebSocket-Version: 13\r\n/);
  assert.match(Buffer.from(w.buildRejection(403)).toString(), /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.throws(() => w.buildRejection(404), TypeError);
});

test('buildRequest and parseResponse check each other', () => {
  const { bytes, nonce } = w.buildRequest({ host: 'example.com', path: '/ws', protocols: ['chat'], nonce: Buffer.from('the sample nonce') });
  const text = Buffer.from(bytes).toString();
  assert.match(text, /^GET \/ws HTTP\/1\.1\r\nHost: example.com\r\n/);
  assert.match(text, /Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n/);
  const response = w.buildResponse(bytes, 'chat');
  assert.deepEqual(w.parseResponse(response, nonce, ['chat']), { protocol: 'chat', headLength: response.length });
  assert.equal(w.parseResponse(response.subarray(0, 20), nonce, ['chat']), null);
  // A different nonce means a different accept key.
  assert.throws(() => w.parseResponse(response, Buffer.alloc(16), ['chat']), (e) => e instanceof w.HandshakeError);
  // A subprotocol that was not offered.
  assert.throws(() => w.parseResponse(response, nonce, []), (e) => e instanceof w.HandshakeError);
  assert.throws(() => w.buildRequest({ host: 'h', path: 'no-slash' }), (e) => e instanceof w.HandshakeError);
  assert.throws(() => w.buildRequest({ host: 'h', nonce: new Uint8Array(3) }), TypeError);
});

test('a client request refuses NUL bytes and empty header names, and writes extra headers', () => {
  const c = w.Connection.client();
  const text = Buffer.from(c.writeRequest({ host: 'h', path: '/p', origin: 'http://o', headers: { 'X-One': '1', Cookie: 'a=b' } })).toString();
  assert.match(text, /^GET \/p HTTP\/1\.1\r\nHost: h\r\n/);
  assert.match(text, /\r\nOrigin: http:\/\/o\r\n/);
  assert.match(text, /\r\nX-One: 1\r\nCookie: a=b\r\n\r\n$/);
  c.free();
  // The fields cross to wasm separated by NUL bytes: one inside a field must not shift them.
  for (const options of [{ host: 'h\0/evil' }, { host: 'h', path: '/a\0b' }, { host: 'h', origin: 'o\0' },
    { host: 'h', headers: { 'X-A': 'v\0w' } }, { host: 'h', headers: { '': 'v' } }]) {
    assert.throws(() => w.Connection.client().writeRequest(options), (e) => e instanceof w.HandshakeError && e.status === 400);
  }
  assert.throws(() => w.buildRequest({ host: 'h', origin: 'a\0b' }), (e) => e instanceof w.HandshakeError);
  assert.throws(() => w.Connection.client({ seed: new Uint8Array(15) }), TypeError);
});

test('Connection: server handshake, data split at every byte, ping, close', () => {
  const stream = Buffer.concat([Buffer.from(REQUEST), MASKED_HELLO, hex('898000000000'), hex('8882000000000' + '3e8'.padStart(3, '0'))]);
  for (let split = 1; split < stream.length; split += 7) {
    const c = w.Connection.server();
    const events = [];
    let text = '';
    const sent = [];
    for (const part of [stream.subarray(0, split), stream.subarray(split)]) {
      c.feed(part);
      for (let ev = c.read(); ev !== null; ev = c.read()) {
        if (ev.type === 'request') {
          assert.deepEqual(c.request, { path: '/chat', origin: 'http://example.com', protocols: ['chat', 'superchat'], key: 'dGhlIHNhbXBsZSBub25jZQ==' });
          assert.match(Buffer.from(c.accept('superchat')).toString(), /Sec-WebSocket-Protocol: superchat/);
          assert.equal(c.readyState, 1);
        }
        if (ev.type === 'data') text += Buffer.from(ev.data).toString();
        events.push(ev.type);
        const owed = c.takeTransmit();
        if (owed !== null) sent.push(Buffer.from(owed));
      }
    }
    assert.equal(text, 'Hello');
    assert.ok(events.includes('ping') && events.at(-1) === 'close', events.join());
    // The pong, then the close reply echoing 1000.
    assert.deepEqual(Buffer.concat(sent), hex('8a00880203e8'));
    assert.equal(c.readyState, 3);
    c.free();
  }
});

test('Connection: protocol errors carry the close code and owe the failing close', () => {
  const c = w.Connection.server({ handshakeDone: true });
  c.feed(w.encodeFrame({ opcode: 'text', payload: Buffer.from([0xff, 0xfe]), maskKey: 1 }));
  assert.throws(() => c.read(), (e) => e instanceof w.ProtocolError && e.closeCode === 1007);
  assert.deepEqual(Buffer.from(c.takeTransmit()), hex('880203ef'));
  c.feed(MASKED_HELLO);
  assert.throws(() => c.read(), (e) => e instanceof w.ClosedError);
  const small = w.Connection.server({ handshakeDone: true, maxPayload: 4 });
  small.feed(MASKED_HELLO);
  assert.throws(() => small.read(), (e) => e.closeCode === 1009);
});

test('Connection: a bad request owes the HTTP refusal', () => {
  const c = w.Connection.server();
  c.feed(Buffer.from(REQUEST.replace('Version: 13', 'Version: 8')));
  assert.throws(() => c.read(), (e) => e instanceof w.HandshakeError && e.status === 426);
  assert.match(Buffer.from(c.takeTransmit()).toString(), /^HTTP\/1\.1 426/);
});

test('Connection: client masks, the server reads it; fragments; send errors', () => {
  const client = w.Connection.client({ handshakeDone: true });
  const server = w.Connection.server({ handshakeDone: true });
  server.feed(client.sendText('héllo '));
  server.feed(client.sendBinary(new Uint8Array([1, 2, 3]), false));
  server.feed(client.ping('p'));
  server.feed(client.sendBinary(new Uint8Array([4]), true));
  const got = [];
  for (let ev = server.read(); ev !== null; ev = server.read()) got.push([ev.type, ev.type === 'data' ? Array.from(ev.data) : Buffer.from(ev.data).toString(), ev.endOfMessage]);
  assert.deepEqual(got, [
    ['data', Array.from(Buffer.from('héllo ')), true],
    ['data', [1, 2, 3], false],
    ['ping', 'p', undefined],
    ['data', [4], true],
  ]);
  // Wrong fragment order and long control frames are refused by the core.
  assert.throws(() => client.sendText('x', true) && client.sendBinary(new Uint8Array(1), false) && client.sendText('y'), (e) => e instanceof w.SendError);
  assert.throws(() => server.ping(new Uint8Array(126)), (e) => e instanceof w.SendError);
  assert.throws(() => server.close(1005), (e) => e instanceof w.SendError);
  assert.throws(() => server.close(70000), RangeError);
  server.close(1000, 'bye');
  assert.throws(() => server.sendText('late'), (e) => e instanceof w.SendError);
  assert.throws(() => new w.Connection('peer'), TypeError);
});

test('Connection: a server frames a payload that stays in JavaScript', () => {
  const server = w.Connection.server({ handshakeDone: true });
  const h = server.headerInPlace(false, true, 70000);
  assert.deepEqual(Buffer.from(w.wasmBytes().subarray(h.ptr, h.ptr + h.len)), hex('827f0000000000011170'));
  const t = server.headerInPlace(true, false, 5);
  assert.deepEqual(Buffer.from(w.wasmBytes().subarray(t.ptr, t.ptr + t.len)), hex('0105'));
  // The core keeps the fragment order: a binary frame cannot continue a text message.
  assert.throws(() => server.headerInPlace(false, true, 1), (e) => e instanceof w.SendError);
  // A client's header carries a masking key, which the caller masks the payload with.
  const client = w.Connection.client({ handshakeDone: true });
  const ch = client.headerInPlace(false, true, 3);
  const key = client.maskKey();
  const header = Buffer.from(w.wasmBytes().subarray(ch.ptr, ch.ptr + ch.len));
  assert.deepEqual(header.subarray(0, 2), hex('8283'));
  assert.equal(header.readUInt32BE(2), key);
  const reader = w.Connection.server({ handshakeDone: true });
  reader.feed(Buffer.concat([header, w.mask(Buffer.from('abc'), key)]));
  assert.equal(Buffer.from(reader.read().data).toString(), 'abc');
  client.free();
  reader.free();
  // Only the header is written: a 64 MiB payload that stays in JavaScript takes no room in
  // wasm memory, and a length past 4 GiB keeps its 64-bit form.
  const big = w.Connection.server({ handshakeDone: true });
  const before = w.wasmBytes().length;
  const b = big.headerInPlace(false, true, 64 * 1024 * 1024);
  assert.deepEqual(Buffer.from(w.wasmBytes().subarray(b.ptr, b.ptr + b.len)), hex('827f0000000004000000'));
  assert.equal(w.wasmBytes().length, before);
  const huge = big.headerInPlace(false, true, 2 ** 33 + 5);
  assert.deepEqual(Buffer.from(w.wasmBytes().subarray(huge.ptr, huge.ptr + huge.len)), hex('827f0000000200000005'));
  big.free();
});

test('Connection: views survive memory growth when re-derived', () => {
  const client = w.Connection.client({ handshakeDone: true });
  const server = w.Connection.server({ handshakeDone: true });
  const big = Buffer.alloc(8 * 1024 * 1024, 0x5a);
  big[big.length - 1] = 7;
  const frame = client.sendBinary(big);
  const before = w.wasmBytes().buffer.byteLength;
  server.feed(frame);
  assert.ok(w.wasmBytes().buffer.byteLength >= before);
  const ev = server.read();
  assert.equal(ev.data.length, big.length);
  assert.equal(ev.data[ev.data.length - 1], 7);
  assert.equal(ev.data[0], 0x5a);
  client.free();
  server.free();
});

test('ESM entry exports the same instances', async () => {
  const esm = await import('../dist/node/index.mjs');
  assert.equal(esm.WebSocket, w.WebSocket);
  assert.equal(esm.Connection, w.Connection);
  assert.equal(esm.acceptKey, w.acceptKey);
  // The default export is init, as index.d.ts declares and the browser build has.
  assert.equal(esm.default, esm.init);
  assert.equal(await esm.default(), undefined);
});

test('toError gives the core\'s texts (vectors rendered from the core by src/js_tables.rs)', () => {
  const vectors = require('./error-vectors.json');
  assert.ok(vectors.length > 40);
  for (const [code, text] of vectors) {
    const e = w.toError(code);
    assert.equal(e.message, text, `code ${code}`);
    assert.ok(e instanceof w.WebSocketError);
  }
});
