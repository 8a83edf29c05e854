// The browser's own WebSocket against wsframe's echo server. Each check resolves to
// { name, ok, detail }; runTests runs them one after another with a timeout each.
'use strict';

const SIZES = [0, 125, 126, 65535, 65536, 1 << 20];
const STEP_MS = 20000;

function utf8Text(n) {
  const chars = ['a', 'é', '€', '😀'];
  const enc = new TextEncoder();
  let out = '';
  let size = 0;
  for (let i = 0; ; i++) {
    const c = chars[i % 4];
    const len = enc.encode(c).length;
    if (size + len > n) return out;
    out += c;
    size += len;
  }
}

function open(url, protocols) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('error event before open'));
  });
}

function next(ws) {
  return new Promise((resolve, reject) => {
    ws.onmessage = (e) => resolve(e.data);
    ws.onclose = (e) => reject(new Error(`closed ${e.code} before a message`));
  });
}

function closed(ws) {
  return new Promise((resolve) => {
    ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
  });
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

const checks = {
  async 'subprotocol chosen from the offered list, permessage-deflate declined'(url) {
    const ws = await open(url, ['x-unknown', 'chat', 'echo']);
    check(ws.protocol === 'chat', `protocol ${JSON.stringify(ws.protocol)}`);
    check(ws.extensions === '', `extensions ${JSON.stringify(ws.extensions)}`);
    const done = closed(ws);
    ws.close(1000);
    const e = await done;
    check(e.code === 1000 && e.wasClean, `close ${JSON.stringify(e)}`);
  },

  async 'text echo of 0, 125, 126, 65535, 65536 bytes and 1 MiB, multi-byte UTF-8'(url) {
    const ws = await open(url);
    for (const n of SIZES) {
      const text = utf8Text(n);
      ws.send(text);
      const got = await next(ws);
      check(typeof got === 'string' && got === text, `text of ${n} bytes`);
    }
    ws.close(1000);
  },

  async 'binary echo of 0, 125, 126, 65535, 65536 bytes and 1 MiB'(url) {
    const ws = await open(url);
    for (const n of SIZES) {
      const data = new Uint8Array(n).map((_, i) => (i * 17 + 3) % 256);
      ws.send(data);
      const got = await next(ws);
      check(got instanceof ArrayBuffer && got.byteLength === n, `binary of ${n} bytes: type/length`);
      const view = new Uint8Array(got);
      check(view.every((b, i) => b === data[i]), `binary of ${n} bytes: content`);
    }
    ws.close(1000);
  },

  async 'page closes with 4001 "bye": the server echoes 4001'(url) {
    const ws = await open(url);
    const done = closed(ws);
    ws.close(4001, 'bye');
    const e = await done;
    check(e.code === 4001 && e.wasClean, `CloseEvent ${JSON.stringify(e)}`);
  },

  async 'server closes with 4003 "server bye": seen in CloseEvent'(url) {
    const ws = await open(url, ['wsframe-control']);
    check(ws.protocol === 'wsframe-control', `protocol ${ws.protocol}`);
    const done = closed(ws);
    ws.send('close 4003 server bye');
    const e = await done;
    check(e.code === 4003 && e.reason === 'server bye' && e.wasClean, `CloseEvent ${JSON.stringify(e)}`);
  },

  async 'no subprotocol offered: none chosen'(url) {
    const ws = await open(url);
    check(ws.protocol === '', `protocol ${JSON.stringify(ws.protocol)}`);
    ws.close(1000);
  },
};

function jsonText(count) {
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({ id: i, name: `user-${(i * 7919) % 1000}`, city: 'Zürich €', score: i % 97, tags: ['a', '😀'] });
  }
  return JSON.stringify(records);
}

// Against an echo server started with --deflate: Chromium's offer
// ("permessage-deflate; client_max_window_bits") is accepted.
const deflateChecks = {
  async 'permessage-deflate accepted: ws.extensions'(url) {
    const ws = await open(url);
    check(ws.extensions === 'permessage-deflate', `extensions ${JSON.stringify(ws.extensions)}`);
    const done = closed(ws);
    ws.close(1000);
    const e = await done;
    check(e.code === 1000 && e.wasClean, `close ${JSON.stringify(e)}`);
  },

  async 'compressible JSON-like text of more than 1 MiB round-trips'(url) {
    const ws = await open(url);
    const text = jsonText(15000);
    check(new TextEncoder().encode(text).length > 1 << 20, 'text over 1 MiB');
    for (let i = 0; i < 3; i++) {
      ws.send(text);
      const got = await next(ws);
      check(got === text, `JSON text, round ${i}`);
    }
    ws.close(1000);
  },

  async 'multi-byte text and binary of 0, 125, 126, 65535, 65536 bytes and 1 MiB round-trip'(url) {
    const ws = await open(url);
    for (const n of SIZES) {
      const text = utf8Text(n);
      ws.send(text);
      check((await next(ws)) === text, `text of ${n} bytes`);
      const data = new Uint8Array(n).map((_, i) => (i * 17 + 3) % 256);
      ws.send(data);
      const got = await next(ws);
      check(got instanceof ArrayBuffer && got.byteLength === n, `binary of ${n} bytes: type/length`);
      const view = new Uint8Array(got);
      check(view.every((b, i) => b === data[i]), `binary of ${n} bytes: content`);
    }
    ws.close(1000);
  },

  async '500 small messages on one connection (shared compression context)'(url) {
    const ws = await open(url);
    for (let i = 0; i < 500; i++) {
      const msg = JSON.stringify({ seq: i, text: 'héllo wörld 😀 '.repeat(i % 30) });
      ws.send(msg);
      check((await next(ws)) === msg, `message ${i}`);
    }
    ws.close(1000);
  },
};

async function runTests(url, which = 'plain') {
  const results = [];
  const list = which === 'deflate' ? deflateChecks : checks;
  for (const [name, fn] of Object.entries(list)) {
    let timer;
    try {
      await Promise.race([
        fn(url),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), STEP_MS);
        }),
      ]);
      results.push({ name, ok: true, detail: '' });
    } catch (e) {
      results.push({ name, ok: false, detail: String(e && e.message ? e.message : e) });
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}
