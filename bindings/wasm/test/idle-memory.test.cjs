'use strict';
// What an idle connection keeps in wasm memory must not depend on what it once sent: a
// connection that answered a ping keeps no more than one that never did. Its own file, so
// that the instance is fresh and the growth it measures is these connections' alone.
const test = require('node:test');
const assert = require('node:assert/strict');
const w = require('../dist/node/index.cjs');

/**
 * Wasm memory grown by opening `n` server connections that each receive `frame` (a text
 * message or a ping of the same size) and answer what the protocol owes.
 */
function growth(n, frame, type, conns) {
  const before = w.wasmBytes().length;
  for (let i = 0; i < n; i++) {
    const c = w.Connection.server({ handshakeDone: true });
    c.feed(frame);
    assert.equal(c.read().type, type);
    const owed = c.takeTransmit();
    assert.equal(owed === null ? 0 : owed.length, type === 'ping' ? 2 + 9 : 0, 'a pong for the ping');
    conns.push(c);
  }
  return w.wasmBytes().length - before;
}

test('a connection that answered a ping keeps no more wasm memory than one that never did', () => {
  const n = 1000;
  const conns = [];
  const client = w.Connection.client({ handshakeDone: true });
  const quiet = growth(n, client.sendText('heartbeat'), 'data', conns);
  const pinged = growth(n, client.ping('heartbeat'), 'ping', conns);
  // Memory grows by 64 KiB pages: allow one page either way. An output buffer sized for
  // the longest owed frame (512 bytes) and kept would add about half a megabyte here.
  assert.ok(quiet > 0, 'the connections took memory');
  assert.ok(pinged <= quiet + 65536, `${n} pinged connections grew memory by ${pinged} bytes, ${n} quiet ones by ${quiet}`);
  for (const c of conns) c.free();
  client.free();
});
