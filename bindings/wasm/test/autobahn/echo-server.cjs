'use strict';
// An echo server on the package, for Autobahn's fuzzingclient and the benchmark.
//   node echo-server.cjs PORT [--deflate]
// --deflate turns permessage-deflate on (Autobahn 12.* and 13.*).
const { WebSocketServer } = require('../../dist/node/index.cjs');

const port = Number(process.argv[2] || 9001);
const deflate = process.argv.includes('--deflate');
const wss = new WebSocketServer({
  port, host: '127.0.0.1', maxPayload: 64 * 1024 * 1024, clientTracking: false, perMessageDeflate: deflate,
}, () => {
  console.log(`listening on ws://127.0.0.1:${port}${deflate ? ' (permessage-deflate)' : ''}`);
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
process.on('SIGTERM', () => process.exit(0));
