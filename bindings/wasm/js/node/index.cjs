'use strict';
// The Node CommonJS entry: the codec, the WHATWG-shaped client and the ws-style server.
const codec = require('./codec.cjs');
const { WebSocket, CloseEvent, MessageEvent, ErrorEvent } = require('./websocket.cjs');
const { WebSocketServer } = require('./server.cjs');

module.exports = {
  ...codec,
  WebSocket,
  WebSocketServer,
  CloseEvent,
  MessageEvent,
  ErrorEvent,
  /** The wasm module is loaded synchronously in Node; these exist for symmetry with the browser build. */
  init: async () => undefined,
  initSync: () => undefined,
};
