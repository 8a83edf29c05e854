// Types of the `wsframe` npm package. Node gets everything; the browser build has the
// codec (everything except WebSocket, WebSocketServer and the event classes).

/// <reference types="node" />
import { EventEmitter } from 'node:events';

/** Loads the wasm module (browsers: fetches it next to the package file; Node: no-op). */
export function init(input?: unknown): Promise<unknown>;
/** Loads the wasm module synchronously from compiled bytes or a WebAssembly.Module. */
export function initSync(module?: unknown): unknown;
export default init;

/** A Uint8Array over the whole wasm memory (re-derived after growth). */
export function wasmBytes(): Uint8Array;

export type Bytes = Uint8Array | ArrayBufferView | ArrayBuffer;

/** The base of every error this package throws. */
export class WebSocketError extends Error {
  /** The close code sent to the peer because of this error, if any. */
  closeCode: number | undefined;
}
/** The peer broke RFC 6455; closeCode is 1002, 1007 or 1009. */
export class ProtocolError extends WebSocketError {
  closeCode: number;
}
/** The opening handshake failed; status is the HTTP status a server answers with. */
export class HandshakeError extends WebSocketError {
  status: number;
}
/** A frame could not be sent. */
export class SendError extends WebSocketError {}
/** Input arrived after the connection closed. */
export class ClosedError extends WebSocketError {}
export function toError(e: unknown): unknown;

export type OpcodeName = 'continuation' | 'text' | 'binary' | 'close' | 'ping' | 'pong';

export interface DecodedHeader {
  complete: true;
  fin: boolean;
  rsv: number;
  opcode: number;
  opcodeName: OpcodeName;
  masked: boolean;
  maskKey: Uint8Array | null;
  /** A number, or a bigint above Number.MAX_SAFE_INTEGER. */
  payloadLength: number | bigint;
  headerLength: number;
  lengthForm: '7-bit' | '16-bit' | '64-bit';
}
export interface PartialHeader {
  complete: false;
  needed: number;
}
/** Decodes a frame header; throws ProtocolError (with closeCode) on a violation. */
export function decodeHeader(
  buf: Bytes,
  options?: { role?: 'server' | 'client'; maxPayload?: number; allowedRsv?: number },
): DecodedHeader | PartialHeader;

export interface FrameSpec {
  opcode: number | OpcodeName;
  payload?: Bytes | string;
  fin?: boolean;
  rsv?: number;
  maskKey?: Bytes | number[] | number | null;
}
/** Encodes a whole frame. */
export function encodeFrame(frame: FrameSpec): Uint8Array;
/** Masks (or unmasks) buf in place; returns it. */
export function mask<T extends Bytes>(buf: T, maskKey: Bytes | number[] | number, offset?: number): T;

/** A buffer in wasm memory for masking without crossing the boundary. */
export class MaskBuffer {
  view(len: number): Uint8Array;
  apply(maskKey: Bytes | number[] | number, len?: number, offset?: number): void;
  free(): void;
}

/** The Sec-WebSocket-Accept value for a Sec-WebSocket-Key. */
export function acceptKey(key: string): string;

export interface ParsedRequest {
  path: string;
  host: string;
  key: string;
  origin: string | null;
  protocols: string[];
  extensions: string[];
  headLength: number;
}
export function parseRequest(buf: Bytes | string, options?: { maxBytes?: number }): ParsedRequest | null;
export function buildResponse(request: Bytes | string, protocol?: string | null): Uint8Array;
export function buildRejection(status: 400 | 403 | 426 | 431): Uint8Array;
export function buildRequest(options: {
  host: string;
  path?: string;
  protocols?: string[];
  origin?: string;
  nonce?: Bytes;
}): { bytes: Uint8Array; nonce: Uint8Array };
export function parseResponse(
  buf: Bytes | string,
  nonce: Bytes,
  protocols?: string[],
): { protocol: string | null; headLength: number } | null;

export const EVENT_NONE: 0;
export const EVENT_REQUEST: 1;
export const EVENT_OPENED: 2;
export const EVENT_DATA: 3;
export const EVENT_PING: 4;
export const EVENT_PONG: 5;
export const EVENT_CLOSE: 6;
/** Data event flag: the message's first frame had RSV1 (compressed). */
export const FLAG_COMPRESSED: 8;
/** RSV1 as Connection#setAllowedRsv takes it. */
export const RSV1: 4;

export type ConnectionEvent =
  | { type: 'request' }
  | { type: 'open'; protocol: string; extensions: string }
  | { type: 'data'; text: boolean; data: Uint8Array; endOfFrame: boolean; endOfMessage: boolean; compressed: boolean }
  | { type: 'ping' | 'pong'; data: Uint8Array }
  | { type: 'close'; code: number | null; reason: string };

export interface ConnectionOptions {
  /** Frame and message limit in bytes (default 100 MiB). */
  maxPayload?: number;
  autoPong?: boolean;
  maxHandshakeBytes?: number;
  handshakeDone?: boolean;
  /** Client: 32 random bytes keying the masks (default from crypto.getRandomValues). */
  seed?: Bytes;
}

/** The sans-IO connection: feed bytes, read events, write frames. */
export class Connection {
  constructor(role: 'server' | 'client', options?: ConnectionOptions);
  static server(options?: ConnectionOptions): Connection;
  static client(options?: ConnectionOptions): Connection;
  readonly role: 'server' | 'client';
  feed(data: Bytes): void;
  readonly pending: number;
  poll(): number;
  eventView(): Uint8Array;
  eventPtr(): number;
  eventLength(): number;
  eventFlags(): number;
  closeCode(): number | null;
  read(): ConnectionEvent | null;
  takeTransmit(): Uint8Array | null;
  readonly wantsTransmit: boolean;
  /** A data frame in wasm memory (valid until the next call); the payload is copied there whole. */
  frameInPlace(payload: Bytes | string, text: boolean, fin: boolean): { ptr: number; len: number; payloadLength: number };
  /** Only a frame's header in wasm memory; a client masks the payload with maskKey(). */
  headerInPlace(text: boolean, fin: boolean, len: number): { ptr: number; len: number };
  /** The masking key of the last headerInPlace (0 for a server). */
  maskKey(): number;
  /**
   * A data frame in a new array from `alloc` (default: a Uint8Array); a payload over 64 KiB
   * is framed without a message-sized buffer in wasm memory.
   */
  frame<T extends Uint8Array = Uint8Array>(payload: Bytes | string, text: boolean, fin?: boolean, alloc?: (length: number) => T): T;
  sendText(text: string | Bytes, fin?: boolean): Uint8Array;
  sendBinary(data: Bytes, fin?: boolean): Uint8Array;
  ping(data?: Bytes | string): Uint8Array;
  pong(data?: Bytes | string): Uint8Array;
  close(code?: number | null, reason?: string): Uint8Array;
  /** Server: the request of the 'request' event, until it is accepted. */
  readonly request: { path: string; origin: string | null; protocols: string[]; key: string };
  accept(protocol?: string | null | false, extensions?: string | null): Uint8Array;
  setAllowedRsv(rsv: number): void;
  fail(code: number): void;
  compressedInPlace(payload: Bytes, text: boolean): { ptr: number; len: number };
  reject(status: 400 | 403 | 426 | 431): Uint8Array;
  writeRequest(options: {
    host: string;
    path?: string;
    protocols?: string[];
    origin?: string;
    extensions?: string;
    headers?: Record<string, string>;
  }): Uint8Array;
  readonly protocol: string;
  readonly extensions: string;
  readonly readyState: 0 | 1 | 2 | 3;
  abort(): void;
  free(): void;
}

// ----- Node only -----

export class MessageEvent extends Event {
  constructor(type: string, init?: { data?: unknown });
  readonly data: unknown;
}
export class CloseEvent extends Event {
  constructor(type: string, init?: { code?: number; reason?: string; wasClean?: boolean });
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}
export class ErrorEvent extends Event {
  constructor(type: string, init?: { error?: unknown });
  readonly error: unknown;
  readonly message: string;
}

/** permessage-deflate (RFC 7692) settings, named as in npm `ws`. */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  /** 8 to 15 (default 15). */
  serverMaxWindowBits?: number | boolean;
  /** 8 to 15 (default 15). */
  clientMaxWindowBits?: number | boolean;
  /** Messages shorter than this many bytes are sent uncompressed (default 1024). */
  threshold?: number;
  zlibDeflateOptions?: { level?: number };
}

export interface ClientOptions {
  /** Offer permessage-deflate (default true, as in ws). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  maxPayload?: number;
  autoPong?: boolean;
  handshakeTimeout?: number;
  closeTimeout?: number;
  /** Send a heartbeat ping every this many ms (default 0: off). */
  pingInterval?: number;
  /** How long (ms) a heartbeat ping may wait for a pong before the connection is terminated (default: pingInterval). */
  pongTimeout?: number;
  /** Close with 1001 after this many ms without a message (default 0: off); closeTimeout then bounds the wait for the reply. */
  idleTimeout?: number;
  /** Bytes of output waiting for the peer above which reading from it stops until they drain (default 1 MiB; Infinity: no bound). */
  maxBackpressure?: number;
  origin?: string;
  headers?: Record<string, string>;
  ca?: unknown;
  rejectUnauthorized?: boolean;
  tls?: Record<string, unknown>;
}

export class WebSocket extends EventEmitter {
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  constructor(url: string | URL, protocols?: string | string[] | ClientOptions, options?: ClientOptions);
  readonly readyState: 0 | 1 | 2 | 3;
  binaryType: 'nodebuffer' | 'arraybuffer' | 'blob';
  readonly bufferedAmount: number;
  readonly protocol: string;
  readonly extensions: string;
  readonly url: string;
  readonly wasClean: boolean;
  onopen: ((this: WebSocket, event: Event) => void) | null;
  onmessage: ((this: WebSocket, event: MessageEvent) => void) | null;
  onclose: ((this: WebSocket, event: CloseEvent) => void) | null;
  onerror: ((this: WebSocket, event: ErrorEvent) => void) | null;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
  send(data: string | Bytes | Blob, options?: { binary?: boolean; fin?: boolean; compress?: boolean }, cb?: (err?: Error) => void): void;
  send(data: string | Bytes | Blob, cb?: (err?: Error) => void): void;
  ping(data?: Bytes | string, mask?: boolean, cb?: (err?: Error) => void): void;
  pong(data?: Bytes | string, mask?: boolean, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

export interface ServerOptions {
  port?: number;
  host?: string;
  backlog?: number;
  server?: import('node:http').Server | import('node:https').Server;
  noServer?: boolean;
  path?: string;
  maxPayload?: number;
  handleProtocols?: (protocols: Set<string>, req: import('node:http').IncomingMessage) => string | false;
  verifyClient?:
    | ((info: { origin?: string; secure: boolean; req: import('node:http').IncomingMessage }) => boolean)
    | ((
        info: { origin?: string; secure: boolean; req: import('node:http').IncomingMessage },
        cb: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void,
      ) => void);
  origins?: string[];
  autoPong?: boolean;
  clientTracking?: boolean;
  /** ms to complete the opening handshake (default 10000): from the TCP connection with the server's own HTTP server (`port`), from the upgrade request otherwise. */
  handshakeTimeout?: number;
  closeTimeout?: number;
  /** Send a heartbeat ping every this many ms (default 0: off). */
  pingInterval?: number;
  /** How long (ms) a heartbeat ping may wait for a pong before the connection is terminated (default: pingInterval). */
  pongTimeout?: number;
  /** Close with 1001 after this many ms without a message (default 0: off); closeTimeout then bounds the wait for the reply. */
  idleTimeout?: number;
  /** Bytes of output waiting for the peer above which reading from it stops until they drain (default 1 MiB; Infinity: no bound). */
  maxBackpressure?: number;
  maxHandshakeBytes?: number;
  /** Accept permessage-deflate offers (default false, as in ws). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

export class WebSocketServer extends EventEmitter {
  constructor(options: ServerOptions, callback?: () => void);
  readonly options: ServerOptions;
  readonly clients: Set<WebSocket> | undefined;
  address(): ReturnType<import('node:net').Server['address']>;
  shouldHandle(req: import('node:http').IncomingMessage): boolean;
  handleUpgrade(
    req: import('node:http').IncomingMessage,
    socket: import('node:stream').Duplex,
    head: Buffer,
    cb: (ws: WebSocket, req: import('node:http').IncomingMessage) => void,
  ): void;
  close(cb?: () => void): void;
}
