'use strict';
// Echo server on the npm package's WebSocketServer, as its README shows.
//   node echo-wsframe.cjs [HOST:PORT]
// Needs the package built (bindings/wasm: npm ci && npm run build).
const { join } = require('node:path');
const { WebSocketServer } = require(join(__dirname, '../../../bindings/wasm/dist/node/index.cjs'));

const [host, port] = (process.argv[2] || '127.0.0.1:9001').split(':');
const wss = new WebSocketServer({ host, port: Number(port), clientTracking: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
