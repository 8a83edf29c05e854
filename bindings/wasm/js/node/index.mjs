// The Node ESM entry: the same instances as the CommonJS entry (no dual-package hazard).
// The default export is `init`, as in the browser build and index.d.ts, so that
// `import init, { Connection } from 'wsframe'; await init();` runs everywhere.
import m from './index.cjs';

export const {
  init, initSync, Connection, MaskBuffer, WebSocket, WebSocketServer, CloseEvent, MessageEvent, ErrorEvent,
  WebSocketError, ProtocolError, HandshakeError, SendError, ClosedError,
  decodeHeader, encodeFrame, mask, acceptKey, parseRequest, buildResponse, buildRejection, buildRequest, parseResponse,
  wasmBytes, toError, EVENT_NONE, EVENT_REQUEST, EVENT_OPENED, EVENT_DATA, EVENT_PING, EVENT_PONG, EVENT_CLOSE,
  FLAG_COMPRESSED, RSV1,
} = m;
export default init;
