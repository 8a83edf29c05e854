'use strict';
// Echo server on npm ws 8 with bufferutil, as ws's README shows.
//   node echo-ws.cjs [HOST:PORT]
// ws and bufferutil come from bindings/wasm's devDependencies (npm ci there); ws loads
// bufferutil by itself when it can be required.
const { createRequire } = require('node:module');
const { join } = require('node:path');

const pkg = createRequire(join(__dirname, '../../../bindings/wasm/package.json'));
pkg('bufferutil'); // fail here, not silently without it
const { WebSocketServer } = pkg('ws');

const [host, port] = (process.argv[2] || '127.0.0.1:9001').split(':');
const wss = new WebSocketServer({ host, port: Number(port), clientTracking: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
