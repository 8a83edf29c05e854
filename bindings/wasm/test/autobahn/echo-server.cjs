'use strict';
// An echo server on the package, for Autobahn's fuzzingclient, the benchmark and the load
// and fault tests (tests/load/faults.py).
//   node echo-server.cjs PORT [--deflate] [--handshake-timeout S] [--ping-interval S]
//                        [--pong-timeout S] [--idle-timeout S] [--close-timeout S]
// --deflate turns permessage-deflate on (Autobahn 12.* and 13.*); the timers, in seconds
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
for (let i = 1; i < args.length; i++) {
  const name = TIMERS[args[i]];
  if (name === undefined) continue;
  const seconds = Number(args[i + 1]);
  if (!(seconds > 0)) throw new RangeError(`${args[i]} takes a positive number of seconds`);
  timers[name] = seconds * 1000;
  i += 1;
}
const wss = new WebSocketServer({
  port, host: '127.0.0.1', maxPayload: 64 * 1024 * 1024, clientTracking: false, perMessageDeflate: deflate, ...timers,
}, () => {
  console.log(`listening on ws://127.0.0.1:${port}${deflate ? ' (permessage-deflate)' : ''}`);
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
process.on('SIGTERM', () => process.exit(0));
