// The wasm module's side of the boundary, rendered from bindings/wasm/src and the
// core's error texts by `cargo test -p wsframe-wasm` (src/js_tables.rs), which fails
// when this file differs: do not edit; `WSFRAME_BLESS=1 cargo test -p wsframe-wasm
// js_tables` rewrites it.

/** Error kinds of the numbers calls return (src/errors.rs). */
export const KIND_PROTOCOL = 1;
export const KIND_HANDSHAKE = 2;
export const KIND_SEND = 3;
export const KIND_CLOSED = 4;
export const KIND_ARGUMENT = 5;
export const KIND_MEMORY = 6;

/**
 * The core's texts by kind and index, each with how it shows the value its error
 * carries ("" none, "hex", "bin", "dec", "dec-nonzero", "needed"); index 0 is the
 * kind's text for an index this table does not have.
 */
export const PROTOCOL_MESSAGES = [
  ["protocol error", ""],
  ["reserved opcode", "hex"],
  ["reserved bits set", "bin"],
  ["fragmented control frame", ""],
  ["control frame longer than 125 bytes", ""],
  ["payload length not minimally encoded", ""],
  ["64-bit payload length has its top bit set", ""],
  ["unmasked frame from a client", ""],
  ["masked frame from a server", ""],
  ["continuation frame without a message", ""],
  ["new message inside a fragmented message", ""],
  ["invalid utf-8", ""],
  ["close payload of one byte", ""],
  ["close code not allowed on the wire", "dec"],
  ["frame over the size limit", ""],
  ["frame length does not fit in memory", ""],
  ["message over the size limit", ""],
  ["message over the fragment limit", ""],
];
export const HANDSHAKE_MESSAGES = [
  ["handshake error", ""],
  ["malformed http", ""],
  ["method is not GET", ""],
  ["http version older than 1.1", ""],
  ["missing host header", ""],
  ["upgrade header does not name websocket", ""],
  ["connection header does not name upgrade", ""],
  ["invalid sec-websocket-key", ""],
  ["unsupported sec-websocket-version", ""],
  ["header value is not valid utf-8", ""],
  ["too many protocol or extension headers", ""],
  ["invalid sec-websocket-extensions syntax", ""],
  ["handshake too large", ""],
  ["too many headers", ""],
  ["origin refused", ""],
  ["server did not switch protocols", "dec-nonzero"],
  ["sec-websocket-accept mismatch", ""],
  ["subprotocol was not offered", ""],
  ["extension was not offered", ""],
  ["invalid header name or value", ""],
  ["output buffer too small", ""],
];
export const SEND_MESSAGES = [
  ["send error", ""],
  ["output buffer too small", "needed"],
  ["control frame payload longer than 125 bytes", ""],
  ["close code may not be sent", "dec"],
  ["fragment out of order", ""],
  ["connection is not open", ""],
  ["handshake not finished", ""],
  ["extension not negotiated", ""],
];
export const CLOSED_MESSAGE = "connection closed";
/** The binding's texts for invalid arguments (a TypeError). */
export const ARGUMENT_MESSAGES = [
  "invalid argument",
  "nonce must be 16 bytes",
  "rsv must be 0 to 7",
  "payload not written with send_buf",
  "no request received",
  "rejection status must be 400, 403, 426 or 431",
];

/** Event codes of Conn.poll, data event flags and register offsets (src/lib.rs). */
export const EVENT_NONE = 0;
export const EVENT_REQUEST = 1;
export const EVENT_OPENED = 2;
export const EVENT_DATA = 3;
export const EVENT_PING = 4;
export const EVENT_PONG = 5;
export const EVENT_CLOSE = 6;
export const FLAG_TEXT = 1;
export const FLAG_END_OF_FRAME = 2;
export const FLAG_END_OF_MESSAGE = 4;
export const FLAG_COMPRESSED = 8;
export const R_EV_PTR = 0;
export const R_EV_LEN = 1;
export const R_EV_FLAGS = 2;
export const R_CLOSE_CODE = 3;
export const R_OUT_PTR = 4;
export const R_HEAD_PTR = 5;
export const R_INFO_PTR = 6;
export const R_INFO_LEN = 7;
export const R_MASK_KEY = 8;
export const REGS = 9;
