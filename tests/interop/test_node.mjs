// Interop with npm `ws`, both ways, on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { SIZES, runInteropClient, startEchoServer, utf8Text } from './peers.mjs';

/** Opens a ws client; resolves once open. */
async function open(url, protocols = [], options = {}) {
  const ws = new WebSocket(url, protocols, { maxPayload: 0, ...options });
  await once(ws, 'open');
  return ws;
}

/** Resolves to the next message as { data, isBinary }. */
function nextMessage(ws) {
  return new Promise((resolve, reject) => {
    const onError = (e) => {
      ws.off('message', onMessage);
      reject(e);
    };
    const onMessage = (data, isBinary) => {
      ws.off('error', onError);
      resolve({ data, isBinary });
    };
    ws.once('message', onMessage);
    ws.once('error', onError);
  });
}

describe('ws client against our echo server', { timeout: 60000 }, () => {
  let server;
  before(async () => {
    server = await startEchoServer();
  });
  after(async () => {
    assert.equal(await server.stop(), 0, 'echo-server exits 0 on SIGTERM');
  });

  test('subprotocol chosen, permessage-deflate declined', async () => {
    // ws offers permessage-deflate by default.
    const ws = await open(server.url, ['x-unknown', 'chat', 'echo'], { perMessageDeflate: true });
    assert.equal(ws.protocol, 'chat');
    assert.equal(ws.extensions, '');
    ws.close(1000);
    await once(ws, 'close');
  });

  test('text and binary echo 0..1 MiB, multi-byte UTF-8', async () => {
    const ws = await open(server.url);
    for (const n of SIZES) {
      const text = utf8Text(n);
      ws.send(text);
      const t = await nextMessage(ws);
      assert.equal(t.isBinary, false);
      assert.equal(t.data.toString('utf8'), text, `text ${n}`);
      const bin = Buffer.alloc(n, 0).map((_, i) => (i * 31) % 256);
      ws.send(bin);
      const b = await nextMessage(ws);
      assert.equal(b.isBinary, true);
      assert.ok(b.data.equals(bin), `binary ${n}`);
    }
    ws.close(1000);
    await once(ws, 'close');
  });

  test('ping answered with the same payload', async () => {
    const ws = await open(server.url);
    ws.ping(Buffer.from('hello?'));
    const [data] = await once(ws, 'pong');
    assert.equal(data.toString(), 'hello?');
    ws.close(1000);
    await once(ws, 'close');
  });

  test('client close 4001 is echoed', async () => {
    const ws = await open(server.url);
    ws.close(4001, 'bye');
    const [code] = await once(ws, 'close');
    assert.equal(code, 4001);
  });

  test("server close 4003 'server bye'", async () => {
    const ws = await open(server.url, ['wsframe-control']);
    assert.equal(ws.protocol, 'wsframe-control');
    ws.send('close 4003 server bye');
    const [code, reason] = await once(ws, 'close');
    assert.equal(code, 4003);
    assert.equal(reason.toString(), 'server bye');
  });

  test('invalid UTF-8 fails the connection with 1007', async () => {
    const ws = await open(server.url);
    // ws does not validate what it sends: a text frame with a lone continuation byte.
    ws.send(Buffer.from([0x61, 0x80]), { binary: false });
    const [code] = await once(ws, 'close');
    assert.equal(code, 1007);
  });

  test('64 connections at once', async () => {
    const one = async (i) => {
      const ws = await open(server.url);
      for (let j = 0; j < 20; j++) {
        const msg = `conn ${i} msg ${j}`;
        ws.send(msg);
        assert.equal((await nextMessage(ws)).data.toString(), msg);
      }
      ws.close(1000);
      await once(ws, 'close');
    };
    await Promise.all(Array.from({ length: 64 }, (_, i) => one(i)));
  });
});

describe('our client against a ws server', { timeout: 60000 }, () => {
  test('interop_client checks pass', async () => {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      maxPayload: 0,
      handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
    });
    await once(wss, 'listening');
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? null : data.toString();
        if (text === 'please ping') {
          ws.once('pong', (payload) => {
            assert.equal(payload.toString(), 'srv');
            ws.send('pong ok');
          });
          ws.ping(Buffer.from('srv'));
        } else if (text === 'please close') {
          ws.close(4002, 'server bye');
        } else {
          ws.send(data, { binary: isBinary });
        }
      });
    });
    const { port } = wss.address();
    const { status, output } = await runInteropClient(`ws://127.0.0.1:${port}/`);
    process.stdout.write(output);
    wss.close();
    assert.equal(status, 0, output);
  });
});
