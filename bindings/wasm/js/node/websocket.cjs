'use strict';
// The Node WebSocket: a WHATWG-shaped client (ws:// and wss://) that is also the
// server side of WebSocketServer connections. It moves bytes between a socket and the
// wasm core; the protocol is the core's.
const { EventEmitter } = require('node:events');
const net = require('node:net');
const tls = require('node:tls');
const {
  Connection, wasmBytes, HandshakeError, ProtocolError, SendError, WebSocketError,
  EVENT_NONE, EVENT_OPENED, EVENT_DATA, EVENT_PING, EVENT_PONG, EVENT_CLOSE, FLAG_COMPRESSED, RSV1,
} = require('./codec.cjs');
const { deflateSettings, clientDeflater } = require('./deflate.cjs');
const { KeepAlive, keepAliveSettings } = require('./keepalive.cjs');

const INFLATE_ERRORS = {
  1007: 'compressed message does not inflate to valid data',
  1009: 'inflated message over the size limit',
  1011: 'decompressor failure',
};

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const kServer = Symbol('server side');
/** The WebSocket a socket carries, for the socket's listeners. */
const kWebSocket = Symbol('websocket');
const kListener = Symbol('listener');
const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
const BINARY_TYPES = ['nodebuffer', 'arraybuffer', 'blob'];
/** Server frames up to this payload size are copied into one buffer with their header. */
const SMALL_FRAME = 4096;
/**
 * Default `maxBackpressure`: bytes of output waiting for a peer above which reading from
 * it stops until they drain (the C echo server's bound too).
 */
const DEFAULT_MAX_BACKPRESSURE = 1024 * 1024;
const EMPTY = new Uint8Array(0);

/** The `maxBackpressure` option, checked. */
function maxBackpressure(options) {
  const value = options.maxBackpressure;
  if (value === undefined) return DEFAULT_MAX_BACKPRESSURE;
  if (typeof value !== 'number' || !(value >= 0)) throw new RangeError('maxBackpressure must be a number of bytes (Infinity for no bound)');
  return value;
}

/**
 * The settings a connection reads, checked, in one object: a server makes one for all its
 * connections (`clients` its set of open ones, which a connection leaves when it closes),
 * a client one of its own. Shared, so that an idle server connection keeps no copy of them
 * and no closure to leave `clients`.
 */
function connectionSettings(options, clients) {
  return {
    closeTimeout: options.closeTimeout,
    maxBackpressure: maxBackpressure(options),
    /** Heartbeat and idle settings (null: off). */
    keepAlive: keepAliveSettings(options),
    /** A client's permessage-deflate offer (null: none) and its maxPayload. */
    deflate: null,
    maxPayload: options.maxPayload,
    clients,
  };
}

/**
 * The WebSocket's yes/no state, as bits of one number behind accessors of the same names
 * (see the end of this file): as separate fields they took 8 bytes each in every idle
 * connection.
 */
const FLAGS = [
  /** Whether this is the server side of a connection. */
  '_isServer',
  '_closeFrameReceived',
  '_closeFrameSent',
  /** Whether the connection failed (protocol error, socket error). */
  '_failed',
  /** Whether a fragmented message is being sent. */
  '_sendingFragments',
  /** Whether reading is stopped for backpressure. */
  '_paused',
  /** Whether the core owes a pong that waits for 'drain' or the next message. */
  '_pongHeld',
  /** Whether the last close completed the closing handshake. */
  '_wasClean',
];

/** Client frames from this size on are built in a reused buffer (see frameBuffer). */
const REUSED_FRAME_MIN = 16 * 1024;
/** The largest frame buffer kept for reuse, and how many are kept. */
const REUSED_FRAME_MAX = 1024 * 1024;
const SPARE_FRAMES = 4;

/**
 * Buffers for a client's large frames, shared by every connection of the process (an idle
 * connection keeps none): a frame is masked into one, and when the socket has taken the
 * frame (its write callback) the buffer comes back for a later one. Allocating a fresh
 * 64 KiB buffer costs several times more than masking 64 KiB into it. A few are kept
 * because a chunk of replies can send several frames before the first write completes.
 */
const spareFrames = [];

/** A buffer of `n` bytes for a client frame: a spare one when one is large enough. */
function frameBuffer(n) {
  if (n >= REUSED_FRAME_MIN) {
    for (let i = spareFrames.length - 1; i >= 0; i--) {
      if (spareFrames[i].length >= n) {
        const buffer = spareFrames[i];
        spareFrames[i] = spareFrames[spareFrames.length - 1];
        spareFrames.pop();
        return buffer.subarray(0, n);
      }
    }
  }
  return Buffer.allocUnsafe(n);
}

/** Keeps a written frame's buffer for reuse (a large one, while fewer than SPARE_FRAMES are kept). */
function returnFrameBuffer(frame) {
  const whole = frame.buffer.byteLength;
  if (frame.length >= REUSED_FRAME_MIN && whole <= REUSED_FRAME_MAX && frame.byteOffset === 0
    && spareFrames.length < SPARE_FRAMES) {
    spareFrames.push(Buffer.from(frame.buffer, 0, whole));
  }
}

/** The bytes of a message to send: text as UTF-8, binary data as a view (no copy). */
function payloadBytes(payload) {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
}

// The socket's listeners: shared by every connection (the socket names its WebSocket),
// so that an idle connection keeps no closures of its own.
function socketOnData(chunk) {
  this[kWebSocket]._onData(chunk);
}

function socketOnClose() {
  this[kWebSocket]._onSocketClose();
}

/**
 * A socket's error listener from the upgrade on: before the WebSocket exists (the server
 * checks the request) an error destroys the socket. One listener for the socket's whole
 * life: removing one makes V8 keep the socket's listener table as a dictionary, about
 * 700 bytes per idle connection instead of about 100.
 */
function socketOnError(err) {
  const ws = this[kWebSocket];
  if (ws === undefined) this.destroy();
  else ws._onSocketError(err);
}

function socketOnDrain() {
  this[kWebSocket]._onDrain();
}

function socketOnEnd() {
  this[kWebSocket]._onSocketEnd();
}

/**
 * A WebSocket's listener table (EventEmitter's `_events`) with a field for each event it
 * emits from the start, as Node's streams do for theirs: EventEmitter's own table, an
 * object with no prototype and no fields, turns into a hash table with the first listener
 * (about 180 bytes of V8 heap per connection); this one stays a plain object of 80 bytes.
 */
function listenerTable() {
  const table = {
    open: undefined, message: undefined, close: undefined, error: undefined, ping: undefined, pong: undefined, drain: undefined,
  };
  Object.setPrototypeOf(table, null);
  return table;
}

/** A message event (WHATWG shape). */
class MessageEvent extends Event {
  constructor(type, init = {}) {
    super(type);
    this.data = init.data === undefined ? null : init.data;
  }
}

/** A close event (WHATWG shape): code, reason and wasClean. */
class CloseEvent extends Event {
  constructor(type, init = {}) {
    super(type);
    this.code = init.code === undefined ? 0 : init.code;
    this.reason = init.reason === undefined ? '' : init.reason;
    this.wasClean = init.wasClean === true;
  }
}

/** An error event carrying the typed error. */
class ErrorEvent extends Event {
  constructor(type, init = {}) {
    super(type);
    this.error = init.error;
    this.message = init.error && init.error.message ? init.error.message : '';
  }
}

function setTarget(event, target) {
  Object.defineProperty(event, 'target', { value: target, enumerable: true });
  Object.defineProperty(event, 'currentTarget', { value: target, enumerable: true });
  return event;
}

function parseUrl(address) {
  let url;
  try {
    url = address instanceof URL ? new URL(address.href) : new URL(String(address));
  } catch {
    throw new DOMException(`invalid URL: ${address}`, 'SyntaxError');
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new DOMException(`URL scheme must be ws or wss, not ${url.protocol}`, 'SyntaxError');
  }
  if (url.hash !== '') throw new DOMException('URL must not have a fragment', 'SyntaxError');
  return url;
}

function utf8Length(s) {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * A WebSocket connection. As a client: `new WebSocket(url, protocols?, options?)`.
 * Events both as EventEmitter ('open', 'message' (data, isBinary), 'close' (code, reason),
 * 'error', 'ping', 'pong', 'drain') and WHATWG-style (onopen, onmessage, onclose, onerror,
 * addEventListener).
 */
class WebSocket extends EventEmitter {
  constructor(address, protocols, options) {
    super();
    this._events = listenerTable();
    this._readyState = CONNECTING;
    this._binaryType = 'nodebuffer';
    this._bufferedAmount = 0;
    this._protocol = '';
    this._extensions = '';
    this._url = '';
    this._socket = null;
    this._conn = null;
    this._message = null;
    this._messageLength = 0;
    /** The FLAGS bits, all false at first. */
    this._flags = 0;
    this._closeCode = 1006;
    this._closeReason = '';
    this._closeTimer = null;
    this._handshakeTimer = null;
    this._deflater = null;
    /** See connectionSettings. */
    this._settings = null;
    /** Heartbeat and idle timers while open, when any is set. */
    this._keepAlive = null;
    /** Messages waiting behind a Blob being read, or null. */
    this._queue = null;
    if (address === kServer) {
      this._initServerSide(protocols);
    } else {
      this._initClient(address, protocols, options);
    }
  }

  _initServerSide({ conn, socket, head, protocol, settings, deflater }) {
    this._isServer = true;
    this._settings = settings;
    this._conn = conn;
    if (deflater) {
      this._deflater = deflater;
      this._extensions = deflater.answer();
    }
    this._protocol = protocol || '';
    this._readyState = OPEN;
    if (head && head.length > 0) {
      // Bytes that came after the request in the same read (Node's upgrade `head`):
      // frames, processed on the next tick, once the 'connection' listeners have
      // attached theirs, and before anything more is read from the socket (paused until
      // then). Put back into the socket instead, they would be emitted at once, inside
      // this constructor, to no 'message' listener.
      socket.pause();
      this._attach(socket);
      process.nextTick(() => {
        this._onData(head);
        if (!this._paused) socket.resume();
      });
    } else {
      this._attach(socket);
    }
    this._startKeepAlive();
  }

  _initClient(address, protocols, options) {
    this._isServer = false;
    if (protocols !== undefined && protocols !== null && !Array.isArray(protocols) && typeof protocols === 'object') {
      options = protocols;
      protocols = undefined;
    }
    options = {
      maxPayload: DEFAULT_MAX_PAYLOAD, autoPong: true, handshakeTimeout: 30000, closeTimeout: 30000, perMessageDeflate: true, ...options,
    };
    const url = parseUrl(address);
    this._url = url.href;
    if (protocols === undefined || protocols === null) protocols = [];
    else if (typeof protocols === 'string') protocols = [protocols];
    else protocols = Array.from(protocols, String);
    if (new Set(protocols).size !== protocols.length) throw new DOMException('duplicate subprotocol', 'SyntaxError');
    this._settings = connectionSettings(options, undefined);
    this._settings.deflate = deflateSettings(options.perMessageDeflate);
    this._conn = new Connection('client', { maxPayload: options.maxPayload, autoPong: options.autoPong });
    // Freed below when the request cannot be written, else when the socket closes.
    this._conn._dropFinalizer();
    let request;
    try {
      request = this._conn.writeRequest({
        host: url.host,
        path: url.pathname + url.search,
        protocols,
        origin: options.origin,
        extensions: this._settings.deflate === null ? undefined : this._settings.deflate.offer(),
        headers: options.headers,
      });
    } catch (e) {
      this._conn.free();
      this._conn = null;
      if (e instanceof HandshakeError) throw new DOMException(`invalid subprotocol, origin or header: ${e.message}`, 'SyntaxError');
      throw e;
    }
    const secure = url.protocol === 'wss:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    const socket = secure
      ? tls.connect({
        ...options.tls,
        host,
        port,
        servername: net.isIP(host) ? undefined : host,
        ca: options.ca,
        rejectUnauthorized: options.rejectUnauthorized,
      })
      : net.connect({ host, port });
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (this._readyState === CONNECTING) socket.write(request);
    });
    if (options.handshakeTimeout > 0) {
      this._handshakeTimer = setTimeout(() => {
        this._fail(new HandshakeError('opening handshake timed out', 0));
      }, options.handshakeTimeout);
    }
    this._attach(socket);
  }

  _attach(socket) {
    this._socket = socket;
    socket[kWebSocket] = this;
    socket.setNoDelay(true);
    socket.on('data', socketOnData);
    socket.on('close', socketOnClose);
    if (!socket.listeners('error').includes(socketOnError)) socket.on('error', socketOnError);
    socket.on('drain', socketOnDrain);
    socket.on('end', socketOnEnd);
  }

  /**
   * The peer sent its FIN: it sends nothing more, not even the close frame it owes. The
   * server's sockets come from Node's HTTP server, which allows half-open connections, so
   * without this they would stay open (write only) for good. This side ends its half
   * after what it has written; the close timer bounds the wait for a peer that does not
   * read it.
   */
  _onSocketEnd() {
    if (this._readyState === CLOSED) return;
    if (this._socket.writable) this._socket.end();
    this._armCloseTimer();
  }

  /** Starts the heartbeat and idle timers, when any is set, once the connection is open. */
  _startKeepAlive() {
    const settings = this._settings.keepAlive;
    if (settings !== null) this._keepAlive = new KeepAlive(this, settings);
  }

  /**
   * Backpressure: reading from the peer stops while its socket holds more than
   * `maxBackpressure` bytes of output (echoes, replies it does not read), so memory per
   * connection stays bounded by the bound plus one message; the kernel's buffers then
   * fill and the peer's sends stall. `writableNeedDrain` makes sure 'drain' comes.
   */
  _applyBackpressure() {
    const socket = this._socket;
    if (!this._paused && socket.writableLength > this._settings.maxBackpressure && socket.writableNeedDrain) {
      this._paused = true;
      socket.pause();
    }
  }

  /** The socket took its output: send the pong held back meanwhile, read again. */
  _onDrain() {
    if (this._pongHeld && this._conn !== null && !this._failed) this._flush();
    if (this._paused) {
      this._paused = false;
      this._socket.resume();
    }
    this.emit('drain');
  }

  /**
   * Whether what the core owes (a pong) waits: while the socket already needs to drain,
   * a peer that does not read would only pile pongs up. The core keeps only the latest
   * owed pong (RFC 6455 §5.5.3 lets an endpoint answer only the most recent ping);
   * 'drain' or the next message sent takes it, so it keeps its place among the frames.
   */
  _holdPongs() {
    if (!this._socket.writableNeedDrain) return false;
    this._pongHeld = true;
    return true;
  }

  /** Heartbeat: sends a ping; false when the connection is not open. */
  _heartbeatPing() {
    if (this._readyState !== OPEN || this._failed || this._conn === null || !this._socket.writable) return false;
    let frame;
    try {
      frame = this._conn.ping(EMPTY);
    } catch {
      return false; // the core is no longer open: its close or failure is under way
    }
    this._socket.write(frame);
    return true;
  }

  /** Heartbeat: the pong did not come in time, the peer is taken as gone. */
  _pongMissed() {
    if (this._readyState === CLOSED) return;
    this._emitError(new WebSocketError('no pong within pongTimeout'));
    this.terminate();
  }

  /** Idle timeout: closes with 1001 (going away, RFC 6455 §7.4.1); the close timeout follows. */
  _idleClose() {
    if (this._readyState !== OPEN || this._failed || this._socket.destroyed) return;
    try {
      this._sendClose(1001, 'idle timeout');
    } catch {
      this.terminate(); // the core is no longer open: nothing more to say to the peer
    }
  }

  /** Stops the heartbeat and idle timers: the connection is going or gone. */
  _stopKeepAlive() {
    if (this._keepAlive !== null) {
      this._keepAlive.stop();
      this._keepAlive = null;
    }
  }

  _onData(chunk) {
    const conn = this._conn;
    if (conn === null) return;
    try {
      conn.feed(chunk);
    } catch (e) {
      // Wasm memory could not grow: the core failed the connection with 1011.
      this._fail(e);
      return;
    }
    // Replies sent while this chunk is processed (echoes, pongs) leave in one write.
    const socket = this._socket;
    socket.cork();
    try {
      this._processInput(conn);
    } finally {
      socket.uncork();
    }
    if (this._readyState !== CLOSED) this._applyBackpressure();
  }

  _processInput(conn) {
    for (;;) {
      let code;
      try {
        code = conn.poll();
      } catch (e) {
        this._fail(e);
        return;
      }
      if (code === EVENT_NONE) break;
      if (code === EVENT_DATA) this._onDataEvent(conn);
      else this._onOtherEvent(conn, code);
      if (this._conn === null || this._readyState === CLOSED || this._failed) return;
    }
    if (conn.wantsTransmit && !this._holdPongs()) this._flush();
  }

  _onDataEvent(conn) {
    if (this._keepAlive !== null) this._keepAlive.message();
    const flags = conn.eventFlags();
    const ptr = conn.eventPtr();
    const len = conn.eventLength();
    if ((flags & FLAG_COMPRESSED) !== 0) {
      this._onCompressed(conn, flags, wasmBytes().subarray(ptr, ptr + len));
      return;
    }
    const piece = wasmBytes().subarray(ptr, ptr + len);
    if ((flags & 4) !== 0 && this._message === null) {
      // A whole message in one piece: one copy out of wasm memory.
      const data = Buffer.allocUnsafe(len);
      data.set(piece);
      this.emit('message', data, (flags & 1) === 0);
      return;
    }
    // Pieces of a longer message go straight into one buffer, sized from the frame's
    // length when its first piece arrives (doubling across frames of a fragmented one).
    const needed = this._messageLength + len + ((flags & 2) === 0 ? conn.frameRemaining() : 0);
    if (this._message === null || needed > this._message.length) {
      const grown = Buffer.allocUnsafe(this._message === null ? needed : Math.max(needed, 2 * this._message.length));
      if (this._message !== null) this._message.copy(grown, 0, 0, this._messageLength);
      this._message = grown;
    }
    this._message.set(piece, this._messageLength);
    this._messageLength += len;
    if ((flags & 4) !== 0) {
      const message = this._message.subarray(0, this._messageLength);
      this._message = null;
      this._messageLength = 0;
      this.emit('message', message, (flags & 1) === 0);
    }
  }

  /** A piece of a compressed message: inflated (and, for text, checked) by the deflate module. */
  _onCompressed(conn, flags, piece) {
    const end = (flags & 4) !== 0;
    const code = this._deflater.inflate(piece, end, (flags & 1) !== 0);
    if (code !== 0) {
      conn.fail(code);
      this._fail(new ProtocolError(INFLATE_ERRORS[code] || 'compressed message refused', code));
      return;
    }
    if (end) {
      const m = this._deflater.message();
      this.emit('message', Buffer.from(m.buffer, m.byteOffset, m.byteLength), (flags & 1) === 0);
    }
  }

  _onOtherEvent(conn, code) {
    switch (code) {
      case EVENT_OPENED:
        clearTimeout(this._handshakeTimer);
        this._protocol = conn.protocol;
        this._extensions = conn.extensions;
        if (this._settings.deflate !== null) {
          try {
            this._deflater = clientDeflater(this._extensions, this._settings.deflate, this._settings.maxPayload);
          } catch (e) {
            // The answer does not honour the offer: fail before the connection opens.
            this._readyState = CONNECTING;
            conn.abort();
            this._fail(new HandshakeError(e.message, 0));
            return;
          }
          if (this._deflater !== null) conn.setAllowedRsv(RSV1);
        }
        this._readyState = OPEN;
        this._startKeepAlive();
        this.emit('open');
        break;
      case EVENT_PING:
      case EVENT_PONG: {
        if (code === EVENT_PING) {
          if (!this._holdPongs()) this._flush();
        } else if (this._keepAlive !== null) {
          this._keepAlive.pong();
        }
        // The payload is copied out of wasm memory only for a listener: a flood of pings
        // then allocates nothing per ping.
        const type = code === EVENT_PING ? 'ping' : 'pong';
        if (this.listenerCount(type) > 0) this.emit(type, Buffer.from(conn.eventView()));
        break;
      }
      case EVENT_CLOSE: {
        this._closeFrameReceived = true;
        const closeCode = conn.closeCode();
        this._closeCode = closeCode === null ? 1005 : closeCode;
        this._closeReason = Buffer.from(conn.eventView()).toString('utf8');
        if (this._readyState === OPEN) this._readyState = CLOSING;
        // The reply (the echoed code) is owed now, unless this side closed first.
        if (conn.wantsTransmit) {
          this._flush();
          this._closeFrameSent = true;
        }
        this._finishClosing();
        break;
      }
      default:
        break;
    }
  }

  /** Both close frames went: the server closes TCP first (RFC 6455 §7.1.1); a client waits for it. */
  _finishClosing() {
    if (!this._closeFrameSent || !this._closeFrameReceived) return;
    if (this._isServer) this._socket.end();
    this._armCloseTimer();
  }

  _armCloseTimer() {
    if (this._closeTimer !== null) return;
    this._closeTimer = setTimeout(() => this._socket.destroy(), this._settings.closeTimeout);
    this._closeTimer.unref();
  }

  _flush() {
    this._pongHeld = false;
    const bytes = this._conn.takeTransmit();
    if (bytes !== null) this._socket.write(bytes);
  }

  /** Fails the connection: sends what the core owes (the failing close frame or the HTTP rejection), reports the error. */
  _fail(err) {
    if (this._failed) return;
    this._failed = true;
    this._stopKeepAlive();
    clearTimeout(this._handshakeTimer);
    const wasConnecting = this._readyState === CONNECTING;
    if (this._readyState !== CLOSED) this._readyState = CLOSING;
    if (this._conn !== null && !wasConnecting) {
      let bytes = null;
      try {
        bytes = this._conn.takeTransmit();
      } catch {
        bytes = null;
      }
      if (bytes !== null && this._socket.writable) {
        this._closeFrameSent = true;
        this._socket.write(bytes);
      }
      this._conn.abort();
    }
    this._emitError(err);
    if (wasConnecting) this._socket.destroy();
    else {
      this._socket.end();
      this._armCloseTimer();
    }
  }

  _onSocketError(err) {
    if (this._readyState === CLOSED || this._failed) return;
    this._failed = true;
    clearTimeout(this._handshakeTimer);
    this._readyState = CLOSING;
    this._emitError(err);
  }

  /** Reports an error to 'error' listeners; without any, the 'close' event (code 1006) still tells. */
  _emitError(err) {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  _onSocketClose() {
    clearTimeout(this._handshakeTimer);
    clearTimeout(this._closeTimer);
    this._stopKeepAlive();
    if (this._readyState === CLOSED) return;
    this._readyState = CLOSED;
    if (this._conn !== null) {
      this._conn.free();
      this._conn = null;
    }
    if (this._deflater !== null) {
      this._deflater.free();
      this._deflater = null;
    }
    const clean = this._closeFrameReceived && this._closeFrameSent && !this._failed;
    const code = this._closeFrameReceived ? this._closeCode : 1006;
    this._wasClean = clean;
    const clients = this._settings.clients;
    if (clients !== undefined) clients.delete(this);
    this.emit('close', code, Buffer.from(this._closeFrameReceived ? this._closeReason : ''));
  }

  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  get readyState() { return this._readyState; }
  /** 'nodebuffer' (default), 'arraybuffer' or 'blob': what binary messages are given as to WHATWG listeners. */
  get binaryType() { return this._binaryType; }
  set binaryType(value) {
    if (BINARY_TYPES.includes(value)) this._binaryType = value;
  }
  /** Payload bytes passed to send() and not yet handed to the operating system. */
  get bufferedAmount() { return this._bufferedAmount; }
  /** The subprotocol the server chose ('' for none). */
  get protocol() { return this._protocol; }
  /** The extensions the server accepted ('' for none). */
  get extensions() { return this._extensions; }
  /** The URL (client side; '' on the server side). */
  get url() { return this._url; }
  /** Whether the last close completed the closing handshake. */
  get wasClean() { return this._wasClean; }

  /**
   * Sends a message: a string as text, bytes (Buffer, ArrayBufferView, ArrayBuffer, Blob)
   * as binary; `options.binary` overrides, `options.fin === false` sends a fragment.
   * `cb(err)` runs when the frame is written or fails.
   */
  send(data, options, cb) {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    if (this._readyState === CONNECTING) throw new DOMException('WebSocket is still connecting', 'InvalidStateError');
    let payload = data;
    let text;
    if (typeof data === 'string') {
      text = !(options && options.binary === true);
    } else if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) {
      text = options !== undefined && options.binary === false;
    } else if (typeof Blob !== 'undefined' && data instanceof Blob) {
      this._queueBlob(data, options, cb);
      return;
    } else {
      payload = String(data);
      text = true;
    }
    if (this._queue !== null) {
      // A Blob sent earlier is still being read: this message goes after it.
      const size = typeof payload === 'string' ? utf8Length(payload) : payload.byteLength;
      this._bufferedAmount += size;
      this._queue.push({ payload, text, options, cb, size, ready: true });
      return;
    }
    this._sendNow(payload, text, options, cb);
  }

  /**
   * A Blob is read asynchronously (as browsers do); it and whatever is sent after it wait
   * in a queue so that messages leave in the order of the send() calls. Its bytes count
   * in bufferedAmount from the call on.
   */
  _queueBlob(blob, options, cb) {
    const entry = { payload: null, text: options !== undefined && options.binary === false, options, cb, size: blob.size, ready: false };
    this._bufferedAmount += entry.size;
    if (this._queue === null) this._queue = [];
    this._queue.push(entry);
    blob.arrayBuffer().then((buffer) => {
      entry.payload = buffer;
    }, (err) => {
      entry.error = err;
    }).finally(() => {
      entry.ready = true;
      this._drainQueue();
    });
  }

  /** Sends the queued messages whose bytes are ready, in order. */
  _drainQueue() {
    const queue = this._queue;
    while (queue.length > 0 && queue[0].ready) {
      const entry = queue.shift();
      this._bufferedAmount -= entry.size;
      if (entry.error !== undefined) {
        if (entry.cb) entry.cb(entry.error);
        else this._emitError(entry.error);
      } else {
        this._sendNow(entry.payload, entry.text, entry.options, entry.cb);
      }
    }
    if (queue.length === 0) this._queue = null;
  }

  /** Sends one message now: `payload` a string or bytes, `text` its frame kind. */
  _sendNow(payload, text, options, cb) {
    if (this._pongHeld && this._readyState === OPEN) this._flush();
    const size = typeof payload === 'string' ? utf8Length(payload) : payload.byteLength;
    if (this._readyState !== OPEN) {
      // WHATWG: data sent after closing counts as buffered and is not sent.
      this._bufferedAmount += size;
      if (cb) process.nextTick(cb, new SendError('connection is not open'));
      return;
    }
    const fin = !(options && options.fin === false);
    const deflater = this._deflater;
    if (deflater !== null && fin && !this._sendingFragments && !(options && options.compress === false) && deflater.should_compress(size)) {
      this._sendCompressed(payload, text, size, cb);
      return;
    }
    this._sendingFragments = !fin;
    if (this._isServer) {
      this._sendUnmasked(payload, text, fin, cb);
      return;
    }
    let out;
    try {
      out = this._conn.frame(payload, text, fin, frameBuffer);
    } catch (e) {
      this._sendFailed(e, cb);
      return;
    }
    this._bufferedAmount += size;
    this._socket.write(out, (err) => {
      this._bufferedAmount -= size;
      // Taken by the socket: the buffer is free again.
      if (!err) returnFrameBuffer(out);
      if (cb) cb(err || undefined);
    });
  }

  /**
   * A send the core refused: wasm memory could not grow (the core failed the connection
   * with 1011, which closes it) or the frame may not be sent now (fragment order).
   */
  _sendFailed(err, cb) {
    if (err.closeCode === undefined) throw err;
    this._fail(err);
    if (cb) process.nextTick(cb, err);
  }

  /** A whole message compressed by the deflate module, framed by the core with RSV1. */
  _sendCompressed(payload, text, size, cb) {
    const bytes = payloadBytes(payload);
    const code = this._deflater.compress(bytes);
    if (code !== 0) {
      const err = new SendError('compressor failure');
      if (cb) process.nextTick(cb, err);
      else throw err;
      return;
    }
    let frame;
    try {
      frame = this._conn.compressedInPlace(this._deflater.compressed(), text);
    } catch (e) {
      this._sendFailed(e, cb);
      return;
    }
    const out = Buffer.allocUnsafe(frame.len);
    out.set(wasmBytes().subarray(frame.ptr, frame.ptr + frame.len));
    this._bufferedAmount += size;
    this._socket.write(out, (err) => {
      this._bufferedAmount -= size;
      if (cb) cb(err || undefined);
    });
  }

  /** Server side: the core writes the header; the payload goes to the socket as it is. */
  _sendUnmasked(payload, text, fin, cb) {
    const bytes = payloadBytes(payload);
    let h;
    try {
      h = this._conn.headerInPlace(text, fin, bytes.length);
    } catch (e) {
      this._sendFailed(e, cb);
      return;
    }
    const size = bytes.length;
    this._bufferedAmount += size;
    const socket = this._socket;
    const done = (err) => {
      this._bufferedAmount -= size;
      if (cb) cb(err || undefined);
    };
    if (size <= SMALL_FRAME) {
      // One write of header and payload costs less than two for small frames.
      const frame = Buffer.allocUnsafe(h.len + size);
      frame.set(wasmBytes().subarray(h.ptr, h.ptr + h.len));
      frame.set(bytes, h.len);
      socket.write(frame, done);
      return;
    }
    const header = Buffer.allocUnsafe(h.len);
    header.set(wasmBytes().subarray(h.ptr, h.ptr + h.len));
    socket.cork();
    socket.write(header);
    socket.write(bytes, done);
    socket.uncork();
  }

  _control(kind, data, cb) {
    if (this._readyState === CONNECTING) throw new DOMException('WebSocket is still connecting', 'InvalidStateError');
    if (this._readyState !== OPEN && this._readyState !== CLOSING) {
      const err = new SendError('connection is not open');
      if (cb) process.nextTick(cb, err);
      else throw err;
      return;
    }
    let payload = data === undefined ? Buffer.alloc(0) : data;
    if (typeof payload === 'number') payload = String(payload);
    const frame = kind === 'ping' ? this._conn.ping(payload) : this._conn.pong(payload);
    this._socket.write(frame, cb);
  }

  /** Sends a ping (payload ≤ 125 bytes). */
  ping(data, mask, cb) {
    if (typeof data === 'function') { cb = data; data = undefined; } else if (typeof mask === 'function') cb = mask;
    this._control('ping', data, cb);
  }

  /** Sends an unsolicited pong (payload ≤ 125 bytes). */
  pong(data, mask, cb) {
    if (typeof data === 'function') { cb = data; data = undefined; } else if (typeof mask === 'function') cb = mask;
    this._control('pong', data, cb);
  }

  /**
   * Starts the closing handshake. Clients follow the WHATWG checks: `code` 1000 or
   * 3000–4999 (else InvalidAccessError), `reason` at most 123 UTF-8 bytes (else SyntaxError).
   * On the server side any code the RFC lets an endpoint send is accepted.
   */
  close(code, reason) {
    if (code !== undefined && code !== null) {
      if (!this._isServer && !(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
        throw new DOMException(`close code must be 1000 or 3000-4999, not ${code}`, 'InvalidAccessError');
      }
    }
    const reasonText = reason === undefined || reason === null ? '' : String(reason);
    if (utf8Length(reasonText) > 123) throw new DOMException('close reason longer than 123 UTF-8 bytes', 'SyntaxError');
    if (this._readyState === CLOSING || this._readyState === CLOSED) return;
    if (this._readyState === CONNECTING) {
      this._fail(new WebSocketError('closed before the connection was established'));
      return;
    }
    this._sendClose(code === undefined || code === null ? (reasonText === '' ? null : 1000) : code, reasonText);
  }

  /** Starts the closing handshake with `code` (null: none) and `reason`. */
  _sendClose(code, reason) {
    const frame = this._conn.close(code, reason);
    this._readyState = CLOSING;
    this._closeFrameSent = true;
    this._socket.write(frame);
    this._armCloseTimer();
    this._finishClosing();
  }

  /** Destroys the socket at once, without a closing handshake. */
  terminate() {
    if (this._readyState === CLOSED) return;
    this._stopKeepAlive();
    if (this._conn !== null) this._conn.abort();
    if (this._socket !== null) this._socket.destroy();
  }

  /** The names of the events that have listeners (the listener table has a field for each event). */
  eventNames() {
    return Reflect.ownKeys(this._events).filter((name) => this._events[name] !== undefined);
  }

  /** WHATWG addEventListener for 'open', 'message', 'close' and 'error'. */
  addEventListener(type, listener, options) {
    if (typeof listener !== 'function' && !(listener && typeof listener.handleEvent === 'function')) return;
    for (const l of this.listeners(type)) {
      if (l[kListener] === listener && !l._attribute) return;
    }
    const call = (event) => (typeof listener === 'function' ? listener.call(this, event) : listener.handleEvent(event));
    let wrapper;
    switch (type) {
      case 'message':
        wrapper = (data, isBinary) => call(setTarget(new MessageEvent('message', { data: this._messageData(data, isBinary) }), this));
        break;
      case 'close':
        wrapper = (code, reason) => call(setTarget(new CloseEvent('close', { code, reason: reason.toString('utf8'), wasClean: this._wasClean }), this));
        break;
      case 'error':
        wrapper = (error) => call(setTarget(new ErrorEvent('error', { error }), this));
        break;
      case 'open':
        wrapper = () => call(setTarget(new Event('open'), this));
        break;
      default:
        return;
    }
    wrapper[kListener] = listener;
    wrapper._attribute = options === kServer;
    if (options && options.once === true) this.once(type, wrapper);
    else this.on(type, wrapper);
  }

  /** WHATWG removeEventListener. */
  removeEventListener(type, listener) {
    for (const l of this.listeners(type)) {
      if (l[kListener] === listener && !l._attribute) {
        this.removeListener(type, l);
        return;
      }
    }
  }

  _messageData(data, isBinary) {
    if (!isBinary) return data.toString('utf8');
    if (this._binaryType === 'arraybuffer') return data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
    if (this._binaryType === 'blob') return new Blob([data]);
    return data;
  }
}

FLAGS.forEach((name, i) => {
  const bit = 1 << i;
  Object.defineProperty(WebSocket.prototype, name, {
    get() { return (this._flags & bit) !== 0; },
    set(value) { this._flags = value ? this._flags | bit : this._flags & ~bit; },
  });
});

for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  Object.defineProperty(WebSocket, name, { value, enumerable: true });
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}

for (const type of ['open', 'message', 'close', 'error']) {
  Object.defineProperty(WebSocket.prototype, `on${type}`, {
    enumerable: true,
    get() {
      for (const l of this.listeners(type)) if (l._attribute) return l[kListener];
      return null;
    },
    set(handler) {
      for (const l of this.listeners(type)) if (l._attribute) this.removeListener(type, l);
      if (typeof handler === 'function') this.addEventListener(type, handler, kServer);
    },
  });
}

module.exports = {
  WebSocket, MessageEvent, CloseEvent, ErrorEvent, kServer, connectionSettings, socketOnError,
};
