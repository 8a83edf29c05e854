'use strict';
// An echo server on the package, for Autobahn's fuzzingclient, the benchmark and the load
// and fault tests (tests/load/faults.py).
//   node echo-server.cjs PORT [--host ADDR] [--deflate] [--handshake-timeout S]
//                        [--ping-interval S] [--pong-timeout S] [--idle-timeout S]
//                        [--close-timeout S]
// --host is the address to bind (default 127.0.0.1); --deflate turns permessage-deflate
// on (Autobahn 12.* and 13.*); the timers, in seconds
// as echo-server's flags, are the WebSocketServer options of the same names (off, or the
// package's defaults, unless given).
const { WebSocketServer } = require('../../dist/node/index.cjs');

const TIMERS = {
  '--handshake-timeout': 'handshakeTimeout',
  '--ping-interval': 'pingInterval',
  '--pong-timeout': 'pongTimeout',
  '--idle-timeout': 'idleTimeout',
  '--close-timeout': 'closeTimeout',
};
const args = process.argv.slice(2);
const port = Number(args[0] || 9001);
const deflate = args.includes('--deflate');
const timers = {};
let host = '127.0.0.1';
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--host') {
    host = args[i + 1];
    i += 1;
    continue;
  }
  const name = TIMERS[args[i]];
  if (name === undefined) continue;
  const seconds = Number(args[i + 1]);
  if (!(seconds > 0)) throw new RangeError(`${args[i]} takes a positive number of seconds`);
  timers[name] = seconds * 1000;
  i += 1;
}
const wss = new WebSocketServer({
  port, host, maxPayload: 64 * 1024 * 1024, clientTracking: false, perMessageDeflate: deflate, ...timers,
}, () => {
  console.log(`listening on ws://${host}:${port}${deflate ? ' (permessage-deflate)' : ''}`);
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
process.on('SIGTERM', () => process.exit(0));
