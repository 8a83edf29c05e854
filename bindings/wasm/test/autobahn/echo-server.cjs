'use strict';
// An echo server on the package, for Autobahn's fuzzingclient and the benchmark.
//   node echo-server.cjs PORT
const { WebSocketServer } = require('../../dist/node/index.cjs');

const port = Number(process.argv[2] || 9001);
const wss = new WebSocketServer({ port, host: '127.0.0.1', maxPayload: 64 * 1024 * 1024, clientTracking: false }, () => {
  console.log(`listening on ws://127.0.0.1:${port}`);
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
process.on('SIGTERM', () => process.exit(0));
