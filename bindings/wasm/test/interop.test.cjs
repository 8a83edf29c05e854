'use strict';
// Interop with npm `ws`, both ways.
const test = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const ws = require('ws');
const w = require('../dist/node/index.cjs');

const messages = [
  ['text', 'hello'],
  ['text', 'ünïcödé ✓ 😀'],
  ['text', ''],
  ['binary', Buffer.alloc(0)],
  ['binary', Buffer.from([0, 1, 2, 255])],
  ['binary', Buffer.alloc(125, 1)],
  ['binary', Buffer.alloc(126, 2)],
  ['binary', Buffer.alloc(65535, 3)],
  ['binary', Buffer.alloc(65536, 4)],
  ['binary', Buffer.alloc(2 * 1024 * 1024 + 7, 5)],
];

async function roundTrip(client, send) {
  const received = [];
  const done = new Promise((resolve) => {
    client.on('message', (data, isBinary) => {
      received.push([isBinary ? 'binary' : 'text', isBinary ? Buffer.from(data) : data.toString()]);
      if (received.length === messages.length) resolve();
    });
  });
  for (const [kind, payload] of messages) send(kind, payload);
  await done;
  assert.equal(received.length, messages.length);
  for (let i = 0; i < messages.length; i++) {
    assert.equal(received[i][0], messages[i][0], `message ${i} kind`);
    assert.deepEqual(received[i][1], messages[i][1], `message ${i} payload`);
  }
}

test('ws client against the wsframe server', async () => {
  const wss = new w.WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'echo' });
  await once(wss, 'listening');
  wss.on('connection', (sock) => sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary })));
  let pinged = false;
  wss.on('connection', (sock) => sock.on('ping', () => { pinged = true; }));
  const client = new ws.WebSocket(`ws://127.0.0.1:${wss.address().port}/`, ['echo']);
  await once(client, 'open');
  assert.equal(client.protocol, 'echo');
  await roundTrip(client, (kind, payload) => client.send(payload, { binary: kind === 'binary' }));
  client.ping('hi');
  const [pong] = await once(client, 'pong');
  assert.equal(pong.toString(), 'hi');
  assert.ok(pinged);
  client.close(4321, 'bye');
  const [code, reason] = await once(client, 'close');
  assert.equal(code, 4321);
  assert.equal(reason.toString(), '');
  await new Promise((r) => wss.close(r));
});

test('wsframe client against the ws server', async () => {
  const wss = new ws.WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const serverClose = new Promise((resolve) => {
    wss.on('connection', (sock) => {
      sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary }));
      sock.on('close', (code, reason) => resolve([code, reason.toString()]));
    });
  });
  const client = new w.WebSocket(`ws://127.0.0.1:${wss.address().port}/`);
  await once(client, 'open');
  await roundTrip(client, (kind, payload) => client.send(payload, { binary: kind === 'binary' }));
  client.ping('hi');
  const [pong] = await once(client, 'pong');
  assert.equal(pong.toString(), 'hi');
  client.close(3001, 'client done');
  const [code] = await once(client, 'close');
  assert.equal(code, 3001);
  assert.deepEqual(await serverClose, [3001, 'client done']);
  await new Promise((r) => wss.close(r));
});

test('ws server failing a wsframe client for a too-large message', async () => {
  const wss = new ws.WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 100 });
  await once(wss, 'listening');
  wss.on('connection', (sock) => sock.on('error', () => {}));
  const client = new w.WebSocket(`ws://127.0.0.1:${wss.address().port}/`);
  await once(client, 'open');
  client.send(Buffer.alloc(101));
  const [code] = await once(client, 'close');
  assert.equal(code, 1009);
  await new Promise((r) => wss.close(r));
});

test('wsframe server failing a ws client that sends invalid UTF-8', async () => {
  const wss = new w.WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const client = new ws.WebSocket(`ws://127.0.0.1:${wss.address().port}/`);
  await once(client, 'open');
  client.send(Buffer.from([0xc3, 0x28]), { binary: false });
  const [code] = await once(client, 'close');
  assert.equal(code, 1007);
  await new Promise((r) => wss.close(r));
});
