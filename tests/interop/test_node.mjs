// Interop with npm `ws`, both ways, on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { SIZES, runInteropClient, startEchoServer, utf8Text } from './peers.mjs';

/** Opens a ws client; resolves once open. `ws.answer` is the server's extensions header. */
async function open(url, protocols = [], options = {}) {
  const ws = new WebSocket(url, protocols, { maxPayload: 0, ...options });
  ws.once('upgrade', (res) => {
    ws.answer = res.headers['sec-websocket-extensions'];
  });
  await once(ws, 'open');
  return ws;
}

/** The Sec-WebSocket-Extensions line a ws server answered with (from its 'headers' event). */
function answerOf(headers) {
  const line = headers.find((h) => /^sec-websocket-extensions:/i.test(h));
  return line?.replace(/^[^:]*:\s*/, '');
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

/** A ws echo server obeying interop_client's commands; resolves to the server. */
async function startWsServer(options = {}) {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: 0,
    handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
    ...options,
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
  return wss;
}

describe('our client against a ws server', { timeout: 60000 }, () => {
  test('interop_client checks pass', async () => {
    const wss = await startWsServer();
    const { port } = wss.address();
    const { status, output } = await runInteropClient(`ws://127.0.0.1:${port}/`);
    process.stdout.write(output);
    wss.close();
    assert.equal(status, 0, output);
  });
});

/** A JSON-like text of `count` records with multi-byte characters (compressible). */
function jsonText(count) {
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({ id: i, name: `user-${(i * 7919) % 1000}`, city: 'Zürich €', score: i % 97, tags: ['a', '😀'] });
  }
  return JSON.stringify(records);
}

describe('ws client with perMessageDeflate against our echo server (--deflate)', { timeout: 60000 }, () => {
  let server;
  before(async () => {
    server = await startEchoServer({ deflate: true });
  });
  after(async () => {
    assert.equal(await server.stop(), 0, 'echo-server exits 0 on SIGTERM');
  });

  test('offer accepted: ws.extensions is permessage-deflate', async () => {
    const ws = await open(server.url, [], { perMessageDeflate: true });
    assert.equal(ws.extensions, 'permessage-deflate');
    assert.equal(ws.answer, 'permessage-deflate');
    ws.close(1000);
    await once(ws, 'close');
  });

  test('no_context_takeover both ways and window bits are honoured', async () => {
    const perMessageDeflate = {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 11,
    };
    const ws = await open(server.url, [], { perMessageDeflate });
    assert.equal(
      ws.answer,
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; ' +
        'server_max_window_bits=10; client_max_window_bits=11',
    );
    const text = jsonText(2000);
    for (let i = 0; i < 3; i++) {
      ws.send(text);
      assert.equal((await nextMessage(ws)).data.toString('utf8'), text);
    }
    ws.close(1000);
    await once(ws, 'close');
  });

  test('text and binary echo 0..1 MiB and a compressible 1 MiB text, compressed on the wire', async () => {
    const ws = await open(server.url, [], { perMessageDeflate: true });
    for (const n of SIZES) {
      const text = utf8Text(n);
      ws.send(text);
      assert.equal((await nextMessage(ws)).data.toString('utf8'), text, `text ${n}`);
      const bin = Buffer.alloc(n, 0).map((_, i) => (i * 31) % 256);
      ws.send(bin);
      const b = await nextMessage(ws);
      assert.equal(b.isBinary, true);
      assert.ok(b.data.equals(bin), `binary ${n}`);
    }
    const before = ws._socket.bytesRead;
    const json = jsonText(15000);
    assert.ok(json.length > 1 << 20);
    ws.send(json);
    assert.equal((await nextMessage(ws)).data.toString('utf8'), json);
    // Our server compressed its echo: far fewer bytes than the text came in.
    const received = ws._socket.bytesRead - before;
    assert.ok(received < json.length / 5, `${received} bytes on the wire for ${json.length}`);
    ws.close(1000);
    await once(ws, 'close');
  });

  test('many compressed messages with context takeover', async () => {
    const ws = await open(server.url, [], { perMessageDeflate: { threshold: 0 } });
    for (let i = 0; i < 200; i++) {
      const msg = JSON.stringify({ seq: i, text: 'héllo wörld '.repeat(i % 20) });
      ws.send(msg);
      assert.equal((await nextMessage(ws)).data.toString('utf8'), msg);
    }
    ws.close(1000);
    await once(ws, 'close');
  });
});

describe('our client offering permessage-deflate against a ws server with perMessageDeflate', { timeout: 60000 }, () => {
  test('interop_client --deflate checks pass, compressed on the wire', async () => {
    const wss = await startWsServer({ perMessageDeflate: true });
    let agreed;
    let socket;
    wss.on('headers', (headers) => {
      agreed ??= answerOf(headers);
    });
    wss.on('connection', (ws, req) => {
      socket ??= req.socket;
    });
    const { port } = wss.address();
    const { status, output } = await runInteropClient(`ws://127.0.0.1:${port}/`, { deflate: true });
    process.stdout.write(output);
    wss.close();
    assert.equal(status, 0, output);
    assert.equal(agreed, 'permessage-deflate');
    // The first connection carried text and binary 0..1 MiB and the 1 MiB JSON text
    // (more than 4 MiB in all): our client compressed them.
    assert.ok(socket.bytesRead < 1 << 20, `${socket.bytesRead} bytes read by the server`);
  });

  test('server_no_context_takeover and small windows from the ws server are applied', async () => {
    const wss = await startWsServer({
      perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9 },
    });
    let agreed;
    wss.on('headers', (headers) => {
      agreed ??= answerOf(headers);
    });
    const { port } = wss.address();
    const { status, output } = await runInteropClient(`ws://127.0.0.1:${port}/`, { deflate: true });
    process.stdout.write(output);
    wss.close();
    assert.equal(status, 0, output);
    assert.match(agreed, /^permessage-deflate; /);
    assert.match(agreed, /server_no_context_takeover/);
    assert.match(agreed, /client_no_context_takeover/);
    assert.match(agreed, /server_max_window_bits=9/);
  });
});
