'use strict';
// WebSocketServer for Node, with the options of npm `ws` where they mean the same.
// Node's HTTP server reads the upgrade request; its head is rebuilt from req.rawHeaders
// and checked by the core's request parser, which also writes the 101 or the refusal.
const { EventEmitter } = require('node:events');
const http = require('node:http');
const { Connection, EVENT_REQUEST, RSV1 } = require('./codec.cjs');
const { WebSocket, kServer, connectionSettings, socketOnError } = require('./websocket.cjs');
const { deflateSettings, serverDeflater } = require('./deflate.cjs');

const CORE_REJECTIONS = [400, 403, 426, 431];
/** The handshake timer of a socket of the server's own HTTP server, until its request came. */
const kRequestTimer = Symbol('request timer');

/**
 * The server's own handshake timer, from the TCP connection to a complete request: Node's
 * `headersTimeout` is checked only every `connectionsCheckingInterval` (30 s), so a
 * request trickled a byte at a time would hold its socket about 36 s with a 10 s limit.
 * It is cleared when the request comes; a socket that closes before that stays with its
 * timer until it fires (destroying a closed socket does nothing). A 'close' listener to
 * clear it sooner would stay on every upgraded socket: a `once` wrapper, its state and a
 * listener array, about 200 bytes of V8 heap per idle connection.
 */
function armRequestTimer(socket, ms) {
  const timer = setTimeout(destroySocket, ms, socket);
  timer.unref();
  socket[kRequestTimer] = timer;
}

// Shared by every socket, so that a connection keeps no closure of its own for its timer.
function destroySocket(socket) {
  socket.destroy();
}

function clearRequestTimer(socket) {
  clearTimeout(socket[kRequestTimer]);
  socket[kRequestTimer] = undefined;
}

function requestHead(req) {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

function endWith(socket, bytes) {
  if (socket.writable) {
    socket.once('finish', () => socket.destroy());
    socket.end(bytes);
  } else {
    socket.destroy();
  }
}

/** An HTTP refusal for statuses the core has no rejection for (e.g. 401 from verifyClient). */
function httpRefusal(status, message, headers) {
  const body = message || http.STATUS_CODES[status] || '';
  let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] || ''}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  for (const [name, value] of Object.entries(headers || {})) head += `${name}: ${value}\r\n`;
  return Buffer.from(`${head}\r\n${body}`);
}

/**
 * A WebSocket server: `new WebSocketServer({ port } | { server } | { noServer: true }, callback?)`.
 * Options: host, path, maxPayload (default 100 MiB), handleProtocols(protocols, req),
 * verifyClient(info, cb?), origins (allowed Origin values), autoPong (default true),
 * clientTracking (default true), handshakeTimeout (ms, default 10000), closeTimeout (ms),
 * maxHandshakeBytes, perMessageDeflate (default false; true or an object as in ws),
 * maxBackpressure (bytes, default 1 MiB), pingInterval, pongTimeout, idleTimeout (ms, off
 * by default). Events: 'connection' (ws, req), 'listening', 'error', 'close'.
 */
class WebSocketServer extends EventEmitter {
  constructor(options, callback) {
    super();
    options = {
      maxPayload: 100 * 1024 * 1024,
      autoPong: true,
      clientTracking: true,
      handshakeTimeout: 10000,
      closeTimeout: 30000,
      maxHandshakeBytes: 16 * 1024,
      perMessageDeflate: false,
      ...options,
    };
    const modes = [options.port !== undefined, options.server !== undefined, options.noServer === true].filter(Boolean).length;
    if (modes !== 1) throw new TypeError('exactly one of the "port", "server" or "noServer" options must be given');
    if (options.handleProtocols !== undefined && typeof options.handleProtocols !== 'function') throw new TypeError('handleProtocols must be a function');
    if (options.verifyClient !== undefined && typeof options.verifyClient !== 'function') throw new TypeError('verifyClient must be a function');
    if (options.origins !== undefined && !Array.isArray(options.origins)) throw new TypeError('origins must be an array of strings');
    this.options = options;
    this._deflate = deflateSettings(options.perMessageDeflate);
    this.clients = options.clientTracking ? new Set() : undefined;
    // Checked here, so that a wrong value throws now rather than at the first connection;
    // one object for every connection of this server.
    this._connectionSettings = connectionSettings(options, this.clients);
    this._server = null;
    this._ownsServer = false;
    if (options.port !== undefined) {
      this._server = http.createServer((req, res) => {
        clearRequestTimer(req.socket);
        const body = http.STATUS_CODES[426];
        // Connection: close, so that the handshake timer covers every request on a socket.
        res.writeHead(426, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
        res.end(body);
      });
      this._server.headersTimeout = options.handshakeTimeout;
      this._server.requestTimeout = options.handshakeTimeout;
      if (options.handshakeTimeout > 0) {
        this._server.on('connection', (socket) => armRequestTimer(socket, options.handshakeTimeout));
      }
      this._ownsServer = true;
      this._server.listen(options.port, options.host, options.backlog, callback);
    } else if (options.server !== undefined) {
      this._server = options.server;
    }
    if (this._server !== null) {
      this._onListening = () => this.emit('listening');
      this._onError = (err) => this.emit('error', err);
      this._onUpgrade = (req, socket, head) => {
        clearRequestTimer(socket);
        this.handleUpgrade(req, socket, head, (ws) => this.emit('connection', ws, req));
      };
      this._server.on('listening', this._onListening);
      this._server.on('error', this._onError);
      this._server.on('upgrade', this._onUpgrade);
    }
  }

  /** The bound address of the server (as net.Server#address()), or null with noServer. */
  address() {
    if (this._server === null) throw new Error('the server is in noServer mode');
    return this._server.address();
  }

  /** Whether `req` is for this server (the `path` option). */
  shouldHandle(req) {
    if (this.options.path === undefined) return true;
    const q = req.url.indexOf('?');
    return (q === -1 ? req.url : req.url.slice(0, q)) === this.options.path;
  }

  /**
   * Completes an upgrade that an HTTP server received: checks the request with the core,
   * asks verifyClient / origins and handleProtocols, writes the 101, then `cb(ws, req)`.
   */
  handleUpgrade(req, socket, head, cb) {
    // Destroys the socket on an error until the WebSocket takes it over (see socketOnError).
    socket.on('error', socketOnError);
    if (!this.shouldHandle(req)) {
      endWith(socket, httpRefusal(400, 'unknown path'));
      return;
    }
    const conn = new Connection('server', {
      maxPayload: this.options.maxPayload,
      autoPong: this.options.autoPong,
      maxHandshakeBytes: this.options.maxHandshakeBytes,
    });
    // Every path from here frees it: a refusal, the handshake timer, the socket's close.
    conn._dropFinalizer();
    conn.feed(requestHead(req));
    let code;
    try {
      code = conn.poll();
    } catch (e) {
      // The core owes the HTTP refusal matching its verdict (400, 426, 431).
      const bytes = conn.takeTransmit();
      conn.free();
      this.emit('wsClientError', e, socket, req);
      endWith(socket, bytes);
      return;
    }
    if (code !== EVENT_REQUEST) {
      conn.free();
      endWith(socket, httpRefusal(400));
      return;
    }
    const request = conn.request;
    const refuse = (status, message, headers) => {
      let bytes;
      if (CORE_REJECTIONS.includes(status)) bytes = conn.reject(status);
      else bytes = httpRefusal(status, message, headers);
      conn.free();
      endWith(socket, bytes);
    };
    if (this.options.origins !== undefined && !this.options.origins.includes(request.origin)) {
      refuse(403);
      return;
    }
    const timer = setTimeout(() => {
      conn.free();
      socket.destroy();
    }, this.options.handshakeTimeout);
    const complete = () => {
      clearTimeout(timer);
      if (socket.destroyed) {
        conn.free();
        return;
      }
      let protocol;
      if (request.protocols.length > 0) {
        protocol = this.options.handleProtocols
          ? this.options.handleProtocols(new Set(request.protocols), req)
          : request.protocols[0];
      }
      let bytes;
      let deflater = null;
      try {
        deflater = serverDeflater(req.headers['sec-websocket-extensions'], this._deflate, this.options.maxPayload);
        bytes = conn.accept(protocol === false ? undefined : protocol, deflater === null ? undefined : deflater.answer());
        if (deflater !== null) conn.setAllowedRsv(RSV1);
      } catch (e) {
        if (deflater !== null) deflater.free();
        refuse(500, e.message);
        this.emit('wsClientError', e, socket, req);
        return;
      }
      socket.write(bytes);
      const ws = new WebSocket(kServer, {
        conn, socket, head, protocol: protocol === false ? '' : protocol, settings: this._connectionSettings, deflater,
      });
      // The WebSocket leaves the set itself when it closes (see connectionSettings).
      if (this.clients !== undefined) this.clients.add(ws);
      cb(ws, req);
    };
    const verify = this.options.verifyClient;
    if (verify === undefined) {
      complete();
      return;
    }
    const info = { origin: request.origin === null ? undefined : request.origin, secure: !!(req.socket.authorized || req.socket.encrypted), req };
    const decide = (ok, status = 401, message, headers) => {
      if (socket.destroyed) {
        // Decided after the handshake timer dropped the socket (which freed the
        // connection) or after the peer left: nothing to answer.
        clearTimeout(timer);
        conn.free();
        return;
      }
      if (ok) complete();
      else {
        clearTimeout(timer);
        refuse(status, message, headers);
      }
    };
    if (verify.length >= 2) verify(info, decide);
    else decide(verify(info));
  }

  /** Stops accepting connections (open ones stay); closes the HTTP server it created. */
  close(cb) {
    if (this._server !== null) {
      this._server.removeListener('listening', this._onListening);
      this._server.removeListener('error', this._onError);
      this._server.removeListener('upgrade', this._onUpgrade);
    }
    const done = () => {
      this.emit('close');
      if (cb) cb();
    };
    if (this._ownsServer) this._server.close(() => done());
    else process.nextTick(done);
  }
}

module.exports = { WebSocketServer };
