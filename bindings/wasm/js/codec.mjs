// The codec: a thin layer over the wasm core, shared by the Node and browser builds.
// It converts types and moves bytes; every protocol rule is the core's.
import * as bg from './wsframe_wasm.js';
// Rendered from the wasm crate and the core's error texts (src/js_tables.rs).
import * as tables from './tables.js';

const {
  FLAG_TEXT, FLAG_END_OF_FRAME, FLAG_END_OF_MESSAGE, R_EV_PTR, R_EV_LEN, R_EV_FLAGS, R_CLOSE_CODE, R_OUT_PTR,
  R_HEAD_PTR, R_INFO_PTR, R_INFO_LEN, R_MASK_KEY, REGS,
} = tables;

/** Event codes of Connection#poll. */
export const EVENT_NONE = tables.EVENT_NONE;
export const EVENT_REQUEST = tables.EVENT_REQUEST;
export const EVENT_OPENED = tables.EVENT_OPENED;
export const EVENT_DATA = tables.EVENT_DATA;
export const EVENT_PING = tables.EVENT_PING;
export const EVENT_PONG = tables.EVENT_PONG;
export const EVENT_CLOSE = tables.EVENT_CLOSE;
/** Data event flag: the message is compressed by a negotiated extension (RSV1). */
export const FLAG_COMPRESSED = tables.FLAG_COMPRESSED;
/** The RSV1 bit as Connection#setAllowedRsv takes it. */
export const RSV1 = 4;

const OPCODE_NAMES = {
  0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong',
};

let memoryObject = null;
let bytes = null;
let words = null;

/** A Uint8Array over the whole wasm memory, re-derived after memory growth. */
export function wasmBytes() {
  if (memoryObject === null) memoryObject = bg.wasmMemory();
  const buffer = memoryObject.buffer;
  if (bytes === null || bytes.buffer !== buffer) {
    bytes = new Uint8Array(buffer);
    words = new Uint32Array(buffer);
  }
  return bytes;
}

/**
 * A Uint32Array over the whole wasm memory, re-derived after memory growth: connections
 * read their registers through it (index: address / 4), so none keeps a view of its own.
 */
function wasmWords() {
  wasmBytes();
  return words;
}

/** The base of every error this package throws. */
export class WebSocketError extends Error {
  constructor(message, options) {
    super(message);
    this.name = 'WebSocketError';
    /** The close code sent to the peer because of this error, if any. */
    this.closeCode = options && options.closeCode !== undefined ? options.closeCode : undefined;
  }
}

/** The peer broke RFC 6455; `closeCode` is 1002, 1007 or 1009. */
export class ProtocolError extends WebSocketError {
  constructor(message, closeCode) {
    super(message, { closeCode });
    this.name = 'ProtocolError';
  }
}

/** The opening handshake failed; `status` is the HTTP status a server answers with. */
export class HandshakeError extends WebSocketError {
  constructor(message, status) {
    super(message);
    this.name = 'HandshakeError';
    this.status = status;
  }
}

/** A frame could not be sent (wrong state, fragment order, control frame too long). */
export class SendError extends WebSocketError {
  constructor(message) {
    super(message);
    this.name = 'SendError';
  }
}

/** Input arrived after the connection closed. */
export class ClosedError extends WebSocketError {
  constructor(message) {
    super(message);
    this.name = 'ClosedError';
  }
}

/**
 * Turns an error code of the wasm layer into a typed error: `kind * 2^40 + number * 2^24
 * + message * 2^16 + detail` (kind 1 protocol, number the close code; 2 handshake, number
 * the HTTP status; 3 send; 4 closed; 5 invalid argument; 6 wasm memory could not grow,
 * number the close code the connection failed with, 1011).
 */
export function toError(e) {
  const detail = e % 0x10000;
  const index = Math.floor(e / 0x10000) % 0x100;
  const number = Math.floor(e / 0x1000000) % 0x10000;
  switch (Math.floor(e / 0x10000000000)) {
    case tables.KIND_PROTOCOL: return new ProtocolError(text(tables.PROTOCOL_MESSAGES, index, detail), number);
    case tables.KIND_HANDSHAKE: return new HandshakeError(text(tables.HANDSHAKE_MESSAGES, index, detail), number);
    case tables.KIND_SEND: return new SendError(text(tables.SEND_MESSAGES, index, detail));
    case tables.KIND_ARGUMENT: return new TypeError(tables.ARGUMENT_MESSAGES[index] || tables.ARGUMENT_MESSAGES[0]);
    case tables.KIND_MEMORY: return new WebSocketError('out of wasm memory', { closeCode: number });
    default: return new ClosedError(tables.CLOSED_MESSAGE);
  }
}

/** A core error's text as its Display writes it: the message, then the value it carries. */
function text(table, index, value) {
  const [message, format] = table[index] || table[0];
  switch (format) {
    case 'hex': return `${message} (0x${value.toString(16)})`;
    case 'bin': return `${message} (0b${value.toString(2).padStart(3, '0')})`;
    case 'dec': return `${message} (${value})`;
    case 'dec-nonzero': return value === 0 ? message : `${message} (${value})`;
    case 'needed': return `${message} (${value} bytes needed)`;
    default: return message;
  }
}

/** A wasm call's result: a number, or an error code negated. */
function check(result) {
  if (result < 0) throw toError(-result);
  return result;
}

/** A view of a wasm connection's registers (re-derive it after memory growth). */
function registers(conn) {
  return new Uint32Array(wasmBytes().buffer, conn.regs_ptr(), REGS);
}

/** Copies `input` into a wasm connection's input buffer (the one copy on the receive path). */
function feedInto(conn, input) {
  // The address first: taking the bytes may grow memory, which replaces its buffer.
  const ptr = check(conn.append(input.length));
  wasmBytes().set(input, ptr);
}

// A client's masking seed: 32 bytes keying the core's ChaCha12 stream of masking keys.
const SEED_LEN = 32;

/** A client's seed bytes as the eight big-endian words the wasm layer takes. */
function seedWords(seed) {
  if (seed.length !== SEED_LEN) throw new TypeError(`seed must be ${SEED_LEN} bytes`);
  const view = new DataView(seed.buffer, seed.byteOffset, SEED_LEN);
  return Uint32Array.from({ length: SEED_LEN / 4 }, (_, i) => view.getUint32(4 * i));
}

/** A client connection used for one request, with no frames: its masks are never used. */
function requestConn() {
  return bg.Conn.client(0, 0, false, 0, new Uint32Array(SEED_LEN / 4), false);
}

/**
 * The fields of an opening request as the wasm layer takes them: host, path, origin,
 * extension offer, subprotocols joined by commas, then header names and values, each
 * followed by a NUL. A NUL inside a field (never valid in a header) or an empty header
 * name would change the split, so both are refused here.
 */
function requestFields(options, protocols, extensions) {
  const fields = [String(options.host), options.path === undefined ? '/' : String(options.path),
    optionalArg(options.origin), extensions, protocols];
  for (const [name, value] of Object.entries(options.headers || {})) fields.push(String(name), String(value));
  for (let i = 0; i < fields.length; i++) {
    if (fields[i].includes('\0') || (i >= 5 && i % 2 === 1 && fields[i] === '')) {
      throw new HandshakeError('invalid header name or value', 400);
    }
  }
  return `${fields.join('\0')}\0`;
}

function asBytes(data, what) {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${what} must be a Uint8Array, ArrayBufferView or ArrayBuffer`);
}

function limitArg(value, fallback, what) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`${what} must be a number >= 0`);
  return value;
}

function keyNumber(key) {
  if (key === undefined || key === null) return null;
  if (typeof key === 'number') {
    if (!Number.isInteger(key) || key < 0 || key > 0xffffffff) throw new RangeError('mask key must be a 32-bit unsigned integer');
    return key;
  }
  const k = Array.isArray(key) ? Uint8Array.from(key) : asBytes(key, 'mask key');
  if (k.length !== 4) throw new RangeError('mask key must be 4 bytes');
  return ((k[0] << 24) | (k[1] << 16) | (k[2] << 8) | k[3]) >>> 0;
}

function keyBytes(n) {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

const encoder = new TextEncoder();
// Handshake strings come back as offsets into the input; the core checked they are UTF-8.
const utf8 = new TextDecoder('utf-8');
const decoder = new TextDecoder('utf-8', { fatal: true });

function randomBytes(n) {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/**
 * Decodes the frame header at the start of `buf`.
 * Returns `{ complete: false, needed }` when more bytes are needed, otherwise the header
 * fields. Throws a ProtocolError (with `closeCode`) on a violation.
 */
export function decodeHeader(buf, options = {}) {
  const input = asBytes(buf, 'buf');
  const role = options.role === undefined ? 'server' : options.role;
  if (role !== 'server' && role !== 'client') throw new TypeError("role must be 'server' or 'client'");
  const maxPayload = limitArg(options.maxPayload, Number.MAX_SAFE_INTEGER, 'maxPayload');
  const allowedRsv = options.allowedRsv === undefined ? 0 : options.allowedRsv;
  if (!Number.isInteger(allowedRsv) || allowedRsv < 0 || allowedRsv > 7) throw new RangeError('allowedRsv must be 0 to 7');
  // A header is at most 14 bytes: the decoder never needs more.
  const len = Math.min(input.length, 14);
  const c = codec();
  const ptr = check(c.reserve(len));
  wasmBytes().set(input.subarray(0, len), ptr);
  const n = check(c.decode_header(len, role === 'server', allowedRsv, maxPayload));
  const info = new Uint32Array(wasmBytes().buffer, c.vals_ptr(), n);
  if (info[0] === 0) return { complete: false, needed: info[1] };
  const [, fin, rsv, opcode, masked, maskKey, low, high, headerLength] = info;
  const payloadLength = high < 0x200000 ? high * 0x100000000 + low : (BigInt(high) << 32n) | BigInt(low);
  const lengthBytes = headerLength - 2 - (masked ? 4 : 0);
  return {
    complete: true,
    fin: fin === 1,
    rsv,
    opcode,
    opcodeName: OPCODE_NAMES[opcode],
    masked: masked === 1,
    maskKey: masked ? keyBytes(maskKey) : null,
    payloadLength,
    headerLength,
    lengthForm: lengthBytes === 0 ? '7-bit' : lengthBytes === 2 ? '16-bit' : '64-bit',
  };
}

/**
 * Encodes a whole frame: `{ opcode, payload, fin = true, rsv = 0, maskKey }`.
 * `opcode` is a number or one of 'text', 'binary', 'continuation', 'close', 'ping', 'pong'.
 */
export function encodeFrame(frame) {
  if (frame === null || typeof frame !== 'object') throw new TypeError('frame must be an object');
  let opcode = frame.opcode;
  if (typeof opcode === 'string') {
    const found = Object.keys(OPCODE_NAMES).find((k) => OPCODE_NAMES[k] === opcode);
    if (found === undefined) throw new TypeError(`unknown opcode name ${opcode}`);
    opcode = Number(found);
  }
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) throw new RangeError('opcode must be 0 to 15');
  const rsv = frame.rsv === undefined ? 0 : frame.rsv;
  if (!Number.isInteger(rsv) || rsv < 0 || rsv > 7) throw new RangeError('rsv must be 0 to 7');
  let payload = frame.payload === undefined ? new Uint8Array(0) : frame.payload;
  payload = typeof payload === 'string' ? encoder.encode(payload) : asBytes(payload, 'payload');
  const key = keyNumber(frame.maskKey);
  // The payload goes after room for the longest header, which is written in front of it.
  const c = codec();
  const end = 14 + payload.length;
  const ptr = check(c.reserve(end));
  wasmBytes().set(payload, ptr + 14);
  const start = check(c.encode_frame(frame.fin !== false, rsv, opcode, key !== null, key || 0, end));
  return wasmBytes().slice(ptr + start, ptr + end);
}

/** Masks (or unmasks: the same operation) `buf` in place; returns it. */
export function mask(buf, maskKey, offset = 0) {
  const data = asBytes(buf, 'buf');
  const key = keyNumber(maskKey);
  if (key === null) throw new TypeError('mask key is required');
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError('offset must be an integer >= 0');
  if (data.length === 0) return buf;
  const c = codec();
  const ptr = check(c.reserve(data.length));
  wasmBytes().set(data, ptr);
  c.apply(data.length, key, offset);
  data.set(wasmBytes().subarray(ptr, ptr + data.length));
  return buf;
}

// The wasm buffer the codec functions pass their input and output through.
let sharedCodec = null;
function codec() {
  if (sharedCodec === null) sharedCodec = new bg.Codec();
  return sharedCodec;
}

/**
 * A buffer inside wasm memory for masking without crossing the boundary: write into
 * `view(len)`, call `apply`, read the view again (re-derive it after any other call).
 */
export class MaskBuffer {
  constructor() {
    this._inner = new bg.Codec();
    this._len = 0;
  }
  /** A view of `len` bytes in wasm memory. */
  view(len) {
    const ptr = check(this._inner.reserve(len));
    this._ptr = ptr;
    this._len = len;
    return wasmBytes().subarray(ptr, ptr + len);
  }
  /** Masks the first `len` bytes of the last view in place. */
  apply(maskKey, len = this._len, offset = 0) {
    this._inner.apply(Math.min(len, this._len), keyNumber(maskKey), offset);
  }
  /** Releases the wasm memory. */
  free() {
    this._inner.free();
  }
}

/** The Sec-WebSocket-Accept value for a Sec-WebSocket-Key. */
export function acceptKey(key) {
  if (typeof key !== 'string') throw new TypeError('key must be a string');
  const bytes = encoder.encode(key);
  const c = codec();
  // Room for the answer too, so the buffer does not move during the call.
  const ptr = check(c.reserve(Math.max(bytes.length, 28)));
  wasmBytes().set(bytes, ptr);
  const n = check(c.accept_key(bytes.length));
  return utf8.decode(wasmBytes().subarray(ptr, ptr + n));
}

/**
 * Runs `fn(conn, code)` with a server connection that received `input` and polled once
 * (code 0 while the request is incomplete, else the request event), then frees it. The
 * connection's request path is the one place the module parses requests.
 */
function withRequest(input, maxBytes, fn) {
  const conn = bg.Conn.server(0, 0, false, maxBytes, false);
  try {
    feedInto(conn, input);
    return fn(conn, check(conn.poll()));
  } finally {
    conn.free();
  }
}

/**
 * Parses and checks an opening request (RFC 6455 §4.2.1). Returns null while the head is
 * incomplete; throws a HandshakeError carrying the HTTP status for a bad request.
 */
export function parseRequest(buf, options = {}) {
  const input = typeof buf === 'string' ? encoder.encode(buf) : asBytes(buf, 'buf');
  const info = withRequest(input, limitArg(options.maxBytes, 0, 'maxBytes'), (conn, code) => {
    if (code === EVENT_NONE) return null;
    // Offsets into the kept head, which is the start of `input`.
    const regs = registers(conn);
    return new Uint32Array(wasmBytes().buffer, regs[R_INFO_PTR], regs[R_INFO_LEN]).slice();
  });
  if (info === null) return null;
  const text = (i) => utf8.decode(input.subarray(info[i], info[i] + info[i + 1]));
  const list = (i) => {
    const items = [];
    for (let k = 0; k < info[i]; k++) items.push(text(i + 1 + 2 * k));
    return items;
  };
  const protocols = list(9);
  return {
    path: text(1),
    host: text(3),
    key: text(5),
    origin: info[7] === 0xffffffff ? null : text(7),
    protocols,
    extensions: list(10 + 2 * protocols.length),
    headLength: info[0],
  };
}

/** Writes the 101 response to `request` (the request's bytes), choosing `protocol`. */
export function buildResponse(request, protocol) {
  const input = typeof request === 'string' ? encoder.encode(request) : asBytes(request, 'request');
  const p = protocol === undefined || protocol === null ? '' : String(protocol);
  return withRequest(input, 0, (conn, code) => {
    if (code === EVENT_NONE) throw new TypeError('incomplete request');
    const n = check(conn.accept(p, ''));
    const ptr = registers(conn)[R_OUT_PTR];
    return wasmBytes().slice(ptr, ptr + n);
  });
}

/** Writes a refusal of the handshake with status 400, 403, 426 or 431. */
export function buildRejection(status) {
  const c = codec();
  // Room for any refusal, so the buffer does not move during the call.
  const ptr = check(c.reserve(512));
  const n = check(c.build_rejection(status));
  return wasmBytes().slice(ptr, ptr + n);
}

/**
 * Writes a client's opening request: `{ host, path = '/', protocols = [], origin, nonce }`.
 * Returns `{ bytes, nonce }`; keep the nonce to check the response with parseResponse.
 */
export function buildRequest(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const nonce = options.nonce === undefined ? randomBytes(16) : asBytes(options.nonce, 'nonce');
  const fields = requestFields({ host: options.host, path: options.path, origin: options.origin },
    listArg(options.protocols || []), '');
  // The request a client connection writes: one request writer in the module.
  const conn = requestConn();
  try {
    const n = check(conn.write_request(fields, nonce));
    const ptr = registers(conn)[R_OUT_PTR];
    return { bytes: wasmBytes().slice(ptr, ptr + n), nonce };
  } finally {
    conn.free();
  }
}

/**
 * Checks a server's response (RFC 6455 §4.1) to a request made with `nonce` and `protocols`.
 * Returns null while incomplete, else `{ protocol, headLength }`; throws a HandshakeError.
 */
export function parseResponse(buf, nonce, protocols = []) {
  const input = typeof buf === 'string' ? encoder.encode(buf) : asBytes(buf, 'buf');
  // A client connection that made the request checks the response: one response
  // checker in the module.
  const conn = requestConn();
  try {
    check(conn.write_request(requestFields({ host: 'h' }, listArg(protocols), ''), asBytes(nonce, 'nonce')));
    feedInto(conn, input);
    if (check(conn.poll()) === EVENT_NONE) return null;
    // Offsets into the kept head, which is the start of `input`.
    const regs = registers(conn);
    const info = new Uint32Array(wasmBytes().buffer, regs[R_INFO_PTR], regs[R_INFO_LEN]);
    return { protocol: info[1] === 0xffffffff ? null : utf8.decode(input.subarray(info[1], info[1] + info[2])), headLength: info[0] };
  } finally {
    conn.free();
  }
}

/**
 * Subprotocols for the wasm layer: joined by commas. An empty name or one with a comma
 * (neither is a token) cannot be told apart once joined, so it is refused here.
 */
function listArg(items) {
  const list = Array.from(items, String);
  for (const p of list) {
    if (p === '' || p.includes(',')) throw new HandshakeError('invalid header name or value', 400);
  }
  return list.join(',');
}

/** An optional string for the wasm layer, where '' means none. */
function optionalArg(value) {
  return value === undefined || value === null ? '' : String(value);
}

const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
/** A client masks payloads longer than this piece by piece (see Connection#frame). */
const PIECE = 64 * 1024;
const newBytes = (n) => new Uint8Array(n);

/**
 * The sans-IO connection (either role): feed received bytes, read events, write frames.
 * Bytes live in wasm memory: `feed` copies once into it, payloads are unmasked in place
 * and events hand out views that stay valid until the next `feed`.
 */
export class Connection {
  /**
   * @param {'server'|'client'} role
   * @param {object} [options] maxPayload (message and frame limit, default 100 MiB),
   *   autoPong (default true), maxHandshakeBytes, handshakeDone (skip the handshake),
   *   seed (client: 32 random bytes for the masking keys; default from
   *   crypto.getRandomValues).
   */
  constructor(role, options = {}) {
    if (role !== 'server' && role !== 'client') throw new TypeError("role must be 'server' or 'client'");
    const maxPayload = limitArg(options.maxPayload, DEFAULT_MAX_PAYLOAD, 'maxPayload');
    const maxHandshake = limitArg(options.maxHandshakeBytes, 0, 'maxHandshakeBytes');
    const autoPong = options.autoPong !== false;
    const done = options.handshakeDone === true;
    this.role = role;
    if (role === 'server') {
      this._conn = bg.Conn.server(maxPayload, maxPayload, autoPong, maxHandshake, done);
    } else {
      const seed = options.seed === undefined ? randomBytes(SEED_LEN) : asBytes(options.seed, 'seed');
      this._conn = bg.Conn.client(maxPayload, maxPayload, autoPong, maxHandshake, seedWords(seed), done);
    }
    // The registers' index in wasmWords() (their address is 4-aligned).
    this._regs = this._conn.regs_ptr() >>> 2;
  }

  /** Register `i` (R_*) of the last call. */
  _r(i) {
    return wasmWords()[this._regs + i];
  }

  /** A server connection. */
  static server(options) {
    return new Connection('server', options);
  }

  /** A client connection. */
  static client(options) {
    return new Connection('client', options);
  }

  /** Copies received bytes into wasm memory (the one copy on the receive path). */
  feed(data) {
    feedInto(this._conn, asBytes(data, 'data'));
  }

  /** Bytes received and not consumed yet. */
  get pending() {
    return this._conn.pending();
  }

  /** Reads the next event code (EVENT_*); the event's fields come from the accessors below. */
  poll() {
    const code = this._conn.poll();
    if (code < 0) throw toError(-code);
    return code;
  }

  /** The last event's bytes as a view into wasm memory (valid until the next feed). */
  eventView() {
    const ptr = this._r(R_EV_PTR);
    return wasmBytes().subarray(ptr, ptr + this._r(R_EV_LEN));
  }

  /** Address and length of the last event's bytes, for callers that keep their own view. */
  eventPtr() {
    return this._r(R_EV_PTR);
  }

  /** Length of the last event's bytes. */
  eventLength() {
    return this._r(R_EV_LEN);
  }

  /** Payload bytes of the current frame still to come after the last data event (0 at a frame's end). */
  frameRemaining() {
    return this._conn.frame_remaining();
  }

  /** Flags of the last data event: 1 text, 2 end of frame, 4 end of message, 8 compressed. */
  eventFlags() {
    return this._r(R_EV_FLAGS);
  }

  /** The last close event's code, or null when the close frame had none. */
  closeCode() {
    const code = this._r(R_CLOSE_CODE);
    return code === 0 ? null : code;
  }

  /**
   * Reads the next event as an object, or null when more input is needed:
   * { type: 'request' } | { type: 'open', protocol, extensions } |
   * { type: 'data', text, data, endOfFrame, endOfMessage, compressed } | { type: 'ping' | 'pong', data } |
   * { type: 'close', code, reason }. `data` is a view valid until the next feed.
   * Throws ProtocolError / HandshakeError; then take what is owed with takeTransmit().
   */
  read() {
    const code = this.poll();
    switch (code) {
      case EVENT_NONE: return null;
      case EVENT_REQUEST: return { type: 'request' };
      case EVENT_OPENED: return { type: 'open', protocol: this.protocol, extensions: this.extensions };
      case EVENT_DATA: {
        const flags = this.eventFlags();
        return {
          type: 'data',
          text: (flags & FLAG_TEXT) !== 0,
          data: this.eventView(),
          endOfFrame: (flags & FLAG_END_OF_FRAME) !== 0,
          endOfMessage: (flags & FLAG_END_OF_MESSAGE) !== 0,
          compressed: (flags & FLAG_COMPRESSED) !== 0,
        };
      }
      case EVENT_PING: return { type: 'ping', data: this.eventView() };
      case EVENT_PONG: return { type: 'pong', data: this.eventView() };
      case EVENT_CLOSE: return { type: 'close', code: this.closeCode(), reason: decoder.decode(this.eventView()) };
      default: throw new Error(`unknown event ${code}`);
    }
  }

  /** The output of the last call, `len` bytes, as a new Uint8Array. */
  _out(len) {
    const ptr = this._r(R_OUT_PTR);
    return wasmBytes().slice(ptr, ptr + len);
  }

  /** The bytes the protocol owes the peer (pong, close reply, failing close, HTTP rejection), or null. */
  takeTransmit() {
    const n = check(this._conn.transmit());
    return n === 0 ? null : this._out(n);
  }

  /** Whether takeTransmit has something. */
  get wantsTransmit() {
    return this._conn.wants_transmit();
  }

  /**
   * Writes a data frame into wasm memory and returns its address and length there
   * (valid until the next call): the zero-copy form of sendText/sendBinary.
   */
  frameInPlace(payload, text, fin) {
    const conn = this._conn;
    let len;
    if (typeof payload === 'string') {
      const max = payload.length * 3;
      const ptr = check(conn.send_buf(max));
      len = encoder.encodeInto(payload, wasmBytes().subarray(ptr, ptr + max)).written;
    } else {
      const data = asBytes(payload, 'payload');
      len = data.length;
      const ptr = check(conn.send_buf(len));
      wasmBytes().set(data, ptr);
    }
    const n = check(conn.send(text, fin, len));
    return { ptr: this._r(R_OUT_PTR), len: n, payloadLength: len };
  }

  /**
   * The header of a data frame whose `len` payload bytes the caller writes itself, right
   * after it; its address and length in wasm memory. A server's payload goes as it is; a
   * client masks it with the key `maskKey()` returns (`mask(payload, key)`).
   */
  headerInPlace(text, fin, len) {
    const n = check(this._conn.send_header(text, fin, len));
    return { ptr: this._r(R_OUT_PTR), len: n };
  }

  /**
   * A data frame of `payload` (a string or bytes) in a new array from `alloc(length)`
   * (default: a Uint8Array). For a payload over 64 KiB the core writes only the header;
   * a client's payload is then masked piece by piece through a 64 KiB buffer in wasm
   * memory with the header's key, so wasm memory does not grow with the message.
   */
  frame(payload, text, fin = true, alloc = newBytes) {
    if (typeof payload === 'string' ? payload.length <= PIECE / 3 : asBytes(payload, 'payload').length <= PIECE) {
      const f = this.frameInPlace(payload, text, fin);
      const out = alloc(f.len);
      out.set(wasmBytes().subarray(f.ptr, f.ptr + f.len));
      return out;
    }
    const data = typeof payload === 'string' ? encoder.encode(payload) : asBytes(payload, 'payload');
    const h = this.headerInPlace(text, fin, data.length);
    const key = this.maskKey();
    const out = alloc(h.len + data.length);
    out.set(wasmBytes().subarray(h.ptr, h.ptr + h.len));
    if (this.role === 'server') {
      out.set(data, h.len);
      return out;
    }
    const c = codec();
    const ptr = check(c.reserve(PIECE));
    for (let at = 0; at < data.length; at += PIECE) {
      const piece = data.subarray(at, at + PIECE);
      const mem = wasmBytes();
      mem.set(piece, ptr);
      c.apply(piece.length, key, at);
      out.set(mem.subarray(ptr, ptr + piece.length), h.len + at);
    }
    return out;
  }

  /** The masking key (a 32-bit number, 0 for a server) of the frame of the last headerInPlace. */
  maskKey() {
    return this._r(R_MASK_KEY);
  }

  /** A text frame (a string, or UTF-8 bytes) as a new Uint8Array. */
  sendText(text, fin = true) {
    return this.frame(text, true, fin);
  }

  /** A binary frame as a new Uint8Array. */
  sendBinary(data, fin = true) {
    return this.frame(data, false, fin);
  }

  /** A ping frame (payload ≤ 125 bytes). */
  ping(data = new Uint8Array(0)) {
    const payload = typeof data === 'string' ? encoder.encode(data) : asBytes(data, 'data');
    return this._out(check(this._conn.control(true, payload)));
  }

  /** An unsolicited pong frame (payload ≤ 125 bytes). */
  pong(data = new Uint8Array(0)) {
    const payload = typeof data === 'string' ? encoder.encode(data) : asBytes(data, 'data');
    return this._out(check(this._conn.control(false, payload)));
  }

  /** A close frame; `code` null or undefined sends none. Starts or completes the closing handshake. */
  close(code, reason = '') {
    if (code !== undefined && code !== null && (!Number.isInteger(code) || code < 1 || code > 65535)) {
      throw new RangeError('close code must be an integer 1 to 65535');
    }
    return this._out(check(this._conn.close(code || 0, String(reason))));
  }

  /**
   * The handshake fields of the last request or opened event as `[values, text]`:
   * `text(i)` decodes the string at `values[i]` (offset, length into the kept head).
   */
  _head() {
    const mem = wasmBytes();
    const values = new Uint32Array(mem.buffer, this._r(R_INFO_PTR), this._r(R_INFO_LEN)).slice();
    const head = this._r(R_HEAD_PTR);
    const text = (i) => (values[i] === 0xffffffff ? null : utf8.decode(mem.subarray(head + values[i], head + values[i] + values[i + 1])));
    return [values, text];
  }

  /** Server: the request delivered by the 'request' event, until it is accepted. */
  get request() {
    const [values, text] = this.role === 'server' ? this._head() : [[]];
    if (values.length === 0) throw new TypeError('no request received');
    const protocols = [];
    for (let k = 0; k < values[9]; k++) protocols.push(text(10 + 2 * k));
    return { path: text(1), origin: text(7), protocols, key: text(5) };
  }

  /**
   * Server: accepts the request; returns the 101 response bytes. `extensions` is the
   * Sec-WebSocket-Extensions answer of a negotiated extension (e.g. permessage-deflate).
   */
  accept(protocol, extensions) {
    const p = protocol === undefined || protocol === null || protocol === false ? '' : String(protocol);
    return this._out(check(this._conn.accept(p, optionalArg(extensions))));
  }

  /** Allows the RSV bits of a negotiated extension (RSV1 for permessage-deflate) from the next frame on. */
  setAllowedRsv(rsv) {
    if (!Number.isInteger(rsv) || rsv < 0 || rsv > 7) throw new RangeError('rsv must be 0 to 7');
    this._conn.set_allowed_rsv(rsv);
  }

  /**
   * Fails the connection with `code` for a reason found above the core (1007: compressed
   * data that does not inflate to valid text; 1009: a message inflating past the limit).
   * The close frame is then owed: take it with takeTransmit().
   */
  fail(code) {
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) throw new RangeError('close code must be an integer 0 to 65535');
    check(this._conn.fail(code));
  }

  /**
   * A whole message transformed by a negotiated extension (compressed), framed with
   * RSV1; its address and length in wasm memory (valid until the next call).
   */
  compressedInPlace(payload, text) {
    const data = asBytes(payload, 'payload');
    const n = check(this._conn.send_compressed(text, data));
    return { ptr: this._r(R_OUT_PTR), len: n };
  }

  /** Server: refuses the request with 400, 403, 426 or 431; returns the response bytes. */
  reject(status) {
    return this._out(check(this._conn.reject(status)));
  }

  /**
   * Client: the opening request bytes for `{ host, path = '/', protocols = [], origin,
   * extensions, headers = {} }` (`extensions`: a Sec-WebSocket-Extensions offer). Throws a
   * HandshakeError for invalid values.
   */
  writeRequest(options) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const fields = requestFields(options, listArg(options.protocols || []), optionalArg(options.extensions));
    return this._out(check(this._conn.write_request(fields, randomBytes(16))));
  }

  /** Client: the subprotocol the server chose ('' for none). */
  get protocol() {
    if (this.role !== 'client') return '';
    const [values, text] = this._head();
    return values.length === 0 ? '' : text(1) || '';
  }

  /** Client: the extensions the server accepted ('' for none). */
  get extensions() {
    if (this.role !== 'client') return '';
    const [values, text] = this._head();
    return values.length === 0 ? '' : text(3) || '';
  }

  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  get readyState() {
    return this._conn.ready_state();
  }

  /** Marks the connection closed (the transport ended, a timeout expired). */
  abort() {
    this._conn.abort();
  }

  /**
   * For an owner that always frees this connection (the Node WebSocket does when its
   * socket closes): takes it out of wasm-bindgen's finalization registry, whose cell cost
   * every idle connection about 100 bytes of V8 heap for a finalizer that never runs.
   */
  _dropFinalizer() {
    // The first step of wasm-bindgen's own free() (the crate pins its version):
    // unregisters the object and hands back the pointer, which the object keeps.
    this._conn.__wbg_ptr = this._conn.__destroy_into_raw();
  }

  /** Releases the wasm memory of this connection. */
  free() {
    if (this._conn !== null) {
      this._conn.free();
      this._conn = null;
    }
  }
}
