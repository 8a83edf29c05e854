/*
 * wsframe: a no_std, allocation-free, sans-IO WebSocket (RFC 6455) library.
 * C99; generated from bindings/c/src by cbindgen, do not edit.
 *
 * Conventions: functions return wsf_error (WSF_OK = 0) and write results through
 * output pointers; buffers are pointer + length (NULL allowed for length 0); strings
 * are wsf_str (pointer + length, not NUL-terminated). Nothing allocates but the
 * optional permessage-deflate context (WSF_HAVE_DEFLATE); there is no global state;
 * a connection is used by one thread at a time.
 */

#ifndef WSFRAME_H
#define WSFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Major version of the library (the header's `WSF_VERSION_MAJOR`).
 */
#define WSF_VERSION_MAJOR 0

/**
 * Minor version of the library.
 */
#define WSF_VERSION_MINOR 1

/**
 * Patch version of the library.
 */
#define WSF_VERSION_PATCH 0

/**
 * The version as one number, `major * 10000 + minor * 100 + patch`; compare it with
 * `wsf_version` to check that the header matches the linked library.
 */
#define WSF_VERSION_NUMBER (((WSF_VERSION_MAJOR * 10000) + (WSF_VERSION_MINOR * 100)) + WSF_VERSION_PATCH)

/**
 * Bytes of storage that hold a connection on every target this library builds for
 * (checked when it is compiled), for static allocation where `wsf_conn_size()` cannot
 * be called at compile time, e.g.
 * `static union { uint64_t align; unsigned char bytes[WSF_CONN_STORAGE_SIZE]; } s;`.
 */
#define WSF_CONN_STORAGE_SIZE 1024

/**
 * The length of a client's masking seed (`wsf_conn_init_client`).
 */
#define WSF_MASK_SEED_LEN 32

/**
 * An alignment that suits a connection on every target (that of `uint64_t`).
 */
#define WSF_CONN_STORAGE_ALIGN 8

/**
 * The longest frame header: 2 bytes, 8 of extended length, 4 of mask key.
 */
#define WSF_MAX_HEADER_LEN 14

/**
 * The largest control frame (header and 125 payload bytes): enough output for any
 * `poll_transmit`, ping, pong or close.
 */
#define WSF_MAX_CONTROL_FRAME_LEN 131

/**
 * The length of a `Sec-WebSocket-Accept` value.
 */
#define WSF_ACCEPT_KEY_LEN 28

/**
 * The longest close payload (code and 123 bytes of reason).
 */
#define WSF_MAX_CLOSE_PAYLOAD 125

/**
 * The reserved bits of a header, as in `wsf_frame_header.rsv`.
 */
#define WSF_RSV1 4

/**
 * RSV2.
 */
#define WSF_RSV2 2

/**
 * RSV3.
 */
#define WSF_RSV3 1

/**
 * The most extra headers a response or client request may carry.
 */
#define WSF_MAX_EXTRA_HEADERS 16

/**
 * The most subprotocols a client request may offer.
 */
#define WSF_MAX_PROTOCOLS 16

/**
 * The result of every fallible function. `WSF_OK` is 0; the other values are grouped
 * by kind (`wsf_error_kind`):
 *
 * - 1: need more data (not a failure: read more bytes and call again);
 * - 100–199: protocol, the peer broke RFC 6455 (100–149 frames, 150–199 handshake);
 * - 200–299: usage, the caller passed something invalid or called at the wrong time;
 * - 300–399: limit, a configured cap was exceeded.
 */
typedef enum wsf_error {
  /**
   * Success.
   */
  WSF_OK = 0,
  /**
   * The input ends before the item is complete.
   */
  WSF_NEED_MORE = 1,
  /**
   * A frame used a reserved opcode.
   */
  WSF_ERR_RESERVED_OPCODE = 100,
  /**
   * A frame set reserved bits no extension defines.
   */
  WSF_ERR_RESERVED_BITS = 101,
  /**
   * A control frame without FIN.
   */
  WSF_ERR_FRAGMENTED_CONTROL_FRAME = 102,
  /**
   * A control frame longer than 125 bytes.
   */
  WSF_ERR_CONTROL_FRAME_TOO_LONG = 103,
  /**
   * A payload length not in its shortest form.
   */
  WSF_ERR_NON_MINIMAL_LENGTH = 104,
  /**
   * A 64-bit payload length with its top bit set.
   */
  WSF_ERR_LENGTH_TOP_BIT_SET = 105,
  /**
   * An unmasked frame from a client.
   */
  WSF_ERR_UNMASKED_FRAME = 106,
  /**
   * A masked frame from a server.
   */
  WSF_ERR_MASKED_FRAME = 107,
  /**
   * A continuation frame with no message in progress.
   */
  WSF_ERR_UNEXPECTED_CONTINUATION = 108,
  /**
   * A new message inside a fragmented one.
   */
  WSF_ERR_EXPECTED_CONTINUATION = 109,
  /**
   * Text that is not UTF-8 (close code 1007).
   */
  WSF_ERR_INVALID_UTF8 = 110,
  /**
   * A close payload of one byte.
   */
  WSF_ERR_INVALID_CLOSE_PAYLOAD = 111,
  /**
   * A close code that may not be sent on the wire.
   */
  WSF_ERR_INVALID_CLOSE_CODE = 112,
  /**
   * Compressed data (permessage-deflate) that does not inflate (close code 1007).
   */
  WSF_ERR_INVALID_COMPRESSED_DATA = 113,
  /**
   * Another protocol violation.
   */
  WSF_ERR_PROTOCOL = 149,
  /**
   * The handshake is not valid HTTP/1.1.
   */
  WSF_ERR_MALFORMED_HTTP = 150,
  /**
   * The request method is not GET.
   */
  WSF_ERR_METHOD_NOT_GET = 151,
  /**
   * The HTTP version is older than 1.1.
   */
  WSF_ERR_HTTP_VERSION = 152,
  /**
   * The request has no Host header.
   */
  WSF_ERR_MISSING_HOST = 153,
  /**
   * The Upgrade header does not name websocket.
   */
  WSF_ERR_MISSING_UPGRADE = 154,
  /**
   * The Connection header does not name Upgrade.
   */
  WSF_ERR_MISSING_CONNECTION = 155,
  /**
   * The Sec-WebSocket-Key is not base64 of 16 bytes.
   */
  WSF_ERR_INVALID_KEY = 156,
  /**
   * The Sec-WebSocket-Version is not 13 (answer 426).
   */
  WSF_ERR_UNSUPPORTED_VERSION = 157,
  /**
   * A header value is not UTF-8.
   */
  WSF_ERR_INVALID_HEADER_VALUE = 158,
  /**
   * The Sec-WebSocket-Extensions value does not parse.
   */
  WSF_ERR_INVALID_EXTENSION_SYNTAX = 159,
  /**
   * The origin is refused (answer 403).
   */
  WSF_ERR_ORIGIN_REFUSED = 160,
  /**
   * The server answered with another status than 101.
   */
  WSF_ERR_NOT_SWITCHING_PROTOCOLS = 161,
  /**
   * The Sec-WebSocket-Accept value is wrong.
   */
  WSF_ERR_ACCEPT_MISMATCH = 162,
  /**
   * The server chose a subprotocol the client did not offer.
   */
  WSF_ERR_PROTOCOL_NOT_OFFERED = 163,
  /**
   * The server chose an extension the client did not offer.
   */
  WSF_ERR_EXTENSION_NOT_OFFERED = 164,
  /**
   * The server's permessage-deflate answer is invalid or does not honour the offer
   * (RFC 7692 §5: the client fails the connection).
   */
  WSF_ERR_DEFLATE_NEGOTIATION = 165,
  /**
   * Another handshake failure.
   */
  WSF_ERR_HANDSHAKE = 199,
  /**
   * A required pointer is NULL.
   */
  WSF_ERR_NULL_POINTER = 200,
  /**
   * An argument is out of range or malformed (e.g. a header name that is not a
   * token, an unknown opcode) or the call does not fit the connection's state.
   */
  WSF_ERR_INVALID_ARGUMENT = 201,
  /**
   * The output buffer is too small; where known, the size needed is reported.
   */
  WSF_ERR_BUFFER_TOO_SMALL = 202,
  /**
   * A text argument is not UTF-8.
   */
  WSF_ERR_INVALID_TEXT = 203,
  /**
   * A control frame payload (ping, pong, close reason) is too long to send.
   */
  WSF_ERR_CONTROL_PAYLOAD_TOO_LONG = 204,
  /**
   * The close code may not be sent (e.g. 1005, 1006), or a reason without a code.
   */
  WSF_ERR_CLOSE_CODE_NOT_SENDABLE = 205,
  /**
   * A fragment does not continue the message being sent, or a message starts
   * before the previous one ended.
   */
  WSF_ERR_FRAGMENT_ORDER = 206,
  /**
   * The connection is not open (closing or closed).
   */
  WSF_ERR_NOT_OPEN = 207,
  /**
   * The opening handshake is not finished.
   */
  WSF_ERR_CONNECTING = 208,
  /**
   * The connection takes no more input.
   */
  WSF_ERR_CLOSED = 209,
  /**
   * A compressed frame was sent but no extension allows RSV1 on the connection.
   */
  WSF_ERR_EXTENSION_NOT_NEGOTIATED = 210,
  /**
   * The compressor failed (an internal error; close code 1011).
   */
  WSF_ERR_COMPRESSION_FAILED = 211,
  /**
   * A frame is over the configured size limit.
   */
  WSF_ERR_FRAME_TOO_LARGE = 300,
  /**
   * A frame length does not fit in this machine's memory.
   */
  WSF_ERR_LENGTH_OVERFLOW = 301,
  /**
   * A message is over the configured size limit.
   */
  WSF_ERR_MESSAGE_TOO_LARGE = 302,
  /**
   * A message has more frames than configured.
   */
  WSF_ERR_TOO_MANY_FRAGMENTS = 303,
  /**
   * The handshake is over its byte limit (answer 431).
   */
  WSF_ERR_HANDSHAKE_TOO_LARGE = 304,
  /**
   * The handshake has more headers than configured (answer 431).
   */
  WSF_ERR_TOO_MANY_HEADERS = 305,
  /**
   * Too many Sec-WebSocket-Protocol or -Extensions header lines.
   */
  WSF_ERR_TOO_MANY_OFFER_HEADERS = 306,
} wsf_error;

/**
 * The connection's state, named as in the browser API.
 */
typedef enum wsf_ready_state {
  /**
   * The opening handshake is in progress.
   */
  WSF_STATE_CONNECTING = 0,
  /**
   * Messages flow both ways.
   */
  WSF_STATE_OPEN = 1,
  /**
   * The closing handshake is in progress.
   */
  WSF_STATE_CLOSING = 2,
  /**
   * Nothing more is sent or received: close the transport.
   */
  WSF_STATE_CLOSED = 3,
} wsf_ready_state;

/**
 * What `wsf_conn_receive` found.
 */
typedef enum wsf_event_type {
  /**
   * Nothing complete yet: read more input and append it to the unconsumed rest.
   */
  WSF_EVENT_NONE = 0,
  /**
   * Server: a valid opening request (`request`); answer with `wsf_conn_accept` or
   * `wsf_conn_reject` before passing more input.
   */
  WSF_EVENT_REQUEST = 1,
  /**
   * Client: the server accepted (`response`); the connection is open.
   */
  WSF_EVENT_OPENED = 2,
  /**
   * A piece of a text or binary message (`data_kind`, `payload`, `end_of_frame`,
   * `end_of_message`). Text pieces are valid UTF-8 so far; a code point may continue
   * in the next piece.
   */
  WSF_EVENT_DATA = 3,
  /**
   * A ping (`payload`); with `auto_pong` the pong is owed already.
   */
  WSF_EVENT_PING = 4,
  /**
   * A pong (`payload`).
   */
  WSF_EVENT_PONG = 5,
  /**
   * The peer's close frame (`close`); the reply is owed unless this end closed first.
   */
  WSF_EVENT_CLOSE = 6,
} wsf_event_type;

/**
 * The kind of a data message (§5.6); also the `kind` argument of the send functions.
 */
typedef enum wsf_data_kind {
  /**
   * UTF-8 text.
   */
  WSF_DATA_TEXT = 1,
  /**
   * Arbitrary bytes.
   */
  WSF_DATA_BINARY = 2,
} wsf_data_kind;

/**
 * The kinds of `wsf_error`, from `wsf_error_kind`.
 */
typedef enum wsf_kind {
  /**
   * `WSF_OK`.
   */
  WSF_KIND_NONE = 0,
  /**
   * `WSF_NEED_MORE`: read more input.
   */
  WSF_KIND_NEED_MORE = 1,
  /**
   * The peer broke the protocol.
   */
  WSF_KIND_PROTOCOL = 2,
  /**
   * The caller misused the API.
   */
  WSF_KIND_USAGE = 3,
  /**
   * A configured limit was exceeded.
   */
  WSF_KIND_LIMIT = 4,
  /**
   * Not a `wsf_error` value.
   */
  WSF_KIND_UNKNOWN = 5,
} wsf_kind;

/**
 * Frame opcodes (§5.2), the values of `wsf_frame_header.opcode`.
 */
typedef enum wsf_opcode {
  /**
   * Continues a fragmented message.
   */
  WSF_OPCODE_CONTINUATION = 0,
  /**
   * A text frame.
   */
  WSF_OPCODE_TEXT = 1,
  /**
   * A binary frame.
   */
  WSF_OPCODE_BINARY = 2,
  /**
   * A close frame.
   */
  WSF_OPCODE_CLOSE = 8,
  /**
   * A ping.
   */
  WSF_OPCODE_PING = 9,
  /**
   * A pong.
   */
  WSF_OPCODE_PONG = 10,
} wsf_opcode;

/**
 * Endpoint roles, the values of `wsf_decode_rules.role`.
 */
typedef enum wsf_role {
  /**
   * A server: frames it receives must be masked.
   */
  WSF_ROLE_SERVER = 0,
  /**
   * A client: frames it receives must not be masked.
   */
  WSF_ROLE_CLIENT = 1,
} wsf_role;

/**
 * A connection. Opaque: its storage is the caller's (`wsf_conn_size`,
 * `wsf_conn_align`); it owns no resources, so there is nothing to free, and the
 * storage may be reused or released at any time.
 */
typedef struct wsf_conn wsf_conn;

#if defined(WSF_HAVE_DEFLATE)
/**
 * The permessage-deflate state of one connection. Opaque; created by
 * `wsf_deflate_negotiate` or `wsf_deflate_accept_response`, released with
 * `wsf_deflate_free`. Used by one thread at a time.
 */
typedef struct wsf_deflate wsf_deflate;
#endif

/**
 * Caps on a received handshake (§10.4). Pass NULL where a function takes limits to
 * use the defaults (8192 bytes, 32 headers).
 */
typedef struct wsf_handshake_limits {
  /**
   * The most bytes the HTTP head may take, blank line included.
   */
  size_t max_bytes;
  /**
   * The most header lines (at most 64).
   */
  size_t max_headers;
} wsf_handshake_limits;

/**
 * Limits and options of a connection; fill with `wsf_config_default` and adjust.
 */
typedef struct wsf_config {
  /**
   * The largest frame payload accepted (default 16 MiB; larger fails with 1009).
   */
  uint64_t max_frame_len;
  /**
   * The largest message, all fragments together (default 16 MiB; 1009).
   */
  uint64_t max_message_len;
  /**
   * The most frames one message may have (default 131072; 1009).
   */
  uint32_t max_fragments;
  /**
   * Caps on the opening handshake.
   */
  struct wsf_handshake_limits handshake;
  /**
   * Owe a pong for every ping, through `wsf_conn_poll_transmit` (default true).
   */
  bool auto_pong;
} wsf_config;

/**
 * A borrowed string: `len` bytes at `ptr`, not NUL-terminated.
 *
 * In inputs, `ptr == NULL` means "absent" for optional values (and the empty string
 * for required ones, with `len == 0`). In outputs, `ptr == NULL` means absent.
 */
typedef struct wsf_str {
  /**
   * The first byte, or NULL.
   */
  const char *ptr;
  /**
   * The number of bytes.
   */
  size_t len;
} wsf_str;

/**
 * A close frame's payload (§5.5.1).
 */
typedef struct wsf_close {
  /**
   * The status code, 0 when the payload is empty (applications report 1005).
   */
  uint16_t code;
  /**
   * The reason, UTF-8, empty when absent; points into the parsed payload.
   */
  struct wsf_str reason;
} wsf_close;

/**
 * A client's opening request, checked against §4.2.1. Every string points into the
 * parsed input, which must stay unchanged while the request is used.
 */
typedef struct wsf_request {
  /**
   * The request target, e.g. `/chat?room=1`.
   */
  struct wsf_str path;
  /**
   * The Host header.
   */
  struct wsf_str host;
  /**
   * The Sec-WebSocket-Key header.
   */
  struct wsf_str key;
  /**
   * The Origin header; `ptr` is NULL when absent.
   */
  struct wsf_str origin;
  /**
   * The whole HTTP head in the input (used by the functions taking a request).
   */
  const uint8_t *head;
  /**
   * Its length, blank line included; the WebSocket stream starts after it.
   */
  size_t head_len;
} wsf_request;

/**
 * A server's accepted response, checked against §4.1. Points into the parsed input.
 */
typedef struct wsf_client_response {
  /**
   * The chosen subprotocol; `ptr` NULL when none.
   */
  struct wsf_str protocol;
  /**
   * The whole HTTP head in the input.
   */
  const uint8_t *head;
  /**
   * Its length; the WebSocket stream starts after it.
   */
  size_t head_len;
} wsf_client_response;

/**
 * One result of `wsf_conn_receive`. Pointers point into the caller's input buffer
 * and are valid while it is unchanged.
 */
typedef struct wsf_event {
  /**
   * How many bytes at the start of the input were used; keep the rest and append
   * newly read bytes after it.
   */
  size_t consumed;
  /**
   * What happened; selects the fields below that are set.
   */
  enum wsf_event_type event_type;
  /**
   * `WSF_EVENT_DATA`: text or binary.
   */
  enum wsf_data_kind data_kind;
  /**
   * `WSF_EVENT_DATA`: this piece ends its frame.
   */
  bool end_of_frame;
  /**
   * `WSF_EVENT_DATA`: this piece ends the message.
   */
  bool end_of_message;
  /**
   * `WSF_EVENT_DATA`: the message's first frame had RSV1 set. With permessage-deflate
   * the payload is compressed (inflate it with `wsf_deflate_decompress`), and its
   * text was not checked for UTF-8 yet (the inflated text is).
   */
  bool compressed;
  /**
   * `WSF_EVENT_DATA`, `_PING`, `_PONG`: the payload (unmasked, in the input).
   */
  uint8_t *payload;
  /**
   * Its length.
   */
  size_t payload_len;
  /**
   * `WSF_EVENT_CLOSE`: the peer's code (0 for none) and reason.
   */
  struct wsf_close close;
  /**
   * `WSF_EVENT_REQUEST`: the opening request.
   */
  struct wsf_request request;
  /**
   * `WSF_EVENT_OPENED`: the server's response.
   */
  struct wsf_client_response response;
} wsf_event;

/**
 * One extra header line: name (a token) and value (printable ASCII).
 */
typedef struct wsf_header {
  /**
   * The header name.
   */
  struct wsf_str name;
  /**
   * The header value.
   */
  struct wsf_str value;
} wsf_header;

/**
 * The server's acceptance (§4.2.2). All fields may be empty/NULL; pass NULL for no
 * subprotocol, no extensions, no extra headers.
 */
typedef struct wsf_response {
  /**
   * The chosen subprotocol, one the client offered; `ptr` NULL for none.
   */
  struct wsf_str protocol;
  /**
   * The accepted extensions as a header value; `ptr` NULL for none.
   */
  struct wsf_str extensions;
  /**
   * Extra headers (e.g. Set-Cookie), `header_count` of them, at most
   * `WSF_MAX_EXTRA_HEADERS`.
   */
  const struct wsf_header *headers;
  /**
   * The number of extra headers.
   */
  size_t header_count;
} wsf_response;

/**
 * A client's opening request (§4.1).
 */
typedef struct wsf_client_request {
  /**
   * The Host header value (host, and `:port` when not the default).
   */
  struct wsf_str host;
  /**
   * The request target, starting with `/`.
   */
  struct wsf_str path;
  /**
   * 16 fresh random bytes for Sec-WebSocket-Key.
   */
  uint8_t nonce[16];
  /**
   * Offered subprotocols in order of preference, `protocol_count` of them (at most
   * `WSF_MAX_PROTOCOLS`, 128 bytes together).
   */
  const struct wsf_str *protocols;
  /**
   * The number of offered subprotocols.
   */
  size_t protocol_count;
  /**
   * The Sec-WebSocket-Extensions offer; `ptr` NULL for none.
   */
  struct wsf_str extensions;
  /**
   * The Origin header; `ptr` NULL for none.
   */
  struct wsf_str origin;
  /**
   * Extra headers, `header_count` of them (at most `WSF_MAX_EXTRA_HEADERS`).
   */
  const struct wsf_header *headers;
  /**
   * The number of extra headers.
   */
  size_t header_count;
} wsf_client_request;

#if defined(WSF_HAVE_DEFLATE)
/**
 * What this endpoint asks for (client) or accepts (server); fill with
 * `wsf_deflate_config_default` and adjust.
 */
typedef struct wsf_deflate_config {
  /**
   * Have the server reset its compression context after every message
   * (server_no_context_takeover, §7.1.1.1): a server saves memory, a client asks
   * for it.
   */
  bool server_no_context_takeover;
  /**
   * Have the client reset its compression context after every message (§7.1.1.2).
   */
  bool client_no_context_takeover;
  /**
   * The largest window the server may compress with, 8 to 15 (§7.1.2.1).
   */
  uint8_t server_max_window_bits;
  /**
   * The largest window the client may compress with, 8 to 15 (§7.1.2.2).
   */
  uint8_t client_max_window_bits;
  /**
   * The compression level, 0 (store) to 9 (smallest); default 6.
   */
  uint8_t level;
  /**
   * Messages shorter than this are not worth compressing
   * (`wsf_deflate_should_compress`); default 64.
   */
  size_t min_size;
} wsf_deflate_config;
#endif

#if defined(WSF_HAVE_DEFLATE)
/**
 * The parameters both ends agreed on.
 */
typedef struct wsf_deflate_params {
  /**
   * The server resets its context after each message.
   */
  bool server_no_context_takeover;
  /**
   * The client resets its context after each message.
   */
  bool client_no_context_takeover;
  /**
   * The server's window, 8 to 15.
   */
  uint8_t server_max_window_bits;
  /**
   * The client's window, 8 to 15.
   */
  uint8_t client_max_window_bits;
} wsf_deflate_params;
#endif

/**
 * What `wsf_frame_decode` accepts.
 */
typedef struct wsf_decode_rules {
  /**
   * The receiving endpoint, a `wsf_role` value.
   */
  uint8_t role;
  /**
   * The RSV bits negotiated extensions define; 0 without extensions.
   */
  uint8_t allowed_rsv;
  /**
   * The largest payload accepted (`UINT64_MAX` for no limit).
   */
  uint64_t max_payload_len;
} wsf_decode_rules;

/**
 * A frame header (§5.2).
 */
typedef struct wsf_frame_header {
  /**
   * FIN: the last frame of a message.
   */
  bool fin;
  /**
   * RSV1..3 as bits `0b100`, `0b010`, `0b001`.
   */
  uint8_t rsv;
  /**
   * A `wsf_opcode` value.
   */
  uint8_t opcode;
  /**
   * Whether `mask_key` is used.
   */
  bool masked;
  /**
   * The masking key, when `masked`.
   */
  uint8_t mask_key[4];
  /**
   * The payload length.
   */
  uint64_t payload_len;
} wsf_frame_header;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * The version of the linked library, as `WSF_VERSION_NUMBER`.
 */
uint32_t wsf_version(void);

/**
 * The version of the linked library as a NUL-terminated string, e.g. `"0.1.0"`.
 */
const char *wsf_version_string(void);

/**
 * Fills `out` with the default configuration (safe for a server exposed to the
 * internet).
 *
 * # Safety
 * `out` must be writable.
 */
enum wsf_error wsf_config_default(struct wsf_config *out);

/**
 * The bytes of storage a connection needs.
 */
size_t wsf_conn_size(void);

/**
 * The alignment a connection's storage needs.
 */
size_t wsf_conn_align(void);

/**
 * Starts a server connection in `storage` (`size` bytes, at least
 * `wsf_conn_size`, aligned to `wsf_conn_align`), waiting for the opening
 * request. `config` may be NULL for the defaults. Returns the connection (at
 * `storage`), or NULL when `storage` is NULL, too small or misaligned.
 *
 * # Safety
 * `storage` writable for `size` bytes and used for nothing else while the connection
 * lives; `config` NULL or valid.
 */
struct wsf_conn *wsf_conn_init_server(void *storage, size_t size, const struct wsf_config *config);

/**
 * Starts a client connection in `storage` like `wsf_conn_init_server`; write the
 * request with `wsf_conn_write_request`. `mask_seed` (`WSF_MASK_SEED_LEN`, 32 bytes)
 * keys the ChaCha12 stream the masking keys are drawn from, so it must come from a
 * strong random source: it makes the keys unpredictable (§5.3, §10.3). On a host,
 * `getrandom(2)`, `arc4random_buf` or `BCryptGenRandom`; on a microcontroller, its
 * hardware RNG. Never reuse a seed. Returns NULL also when `mask_seed` is NULL.
 *
 * # Safety
 * As for `wsf_conn_init_server`; `mask_seed` readable for 32 bytes.
 */
struct wsf_conn *wsf_conn_init_client(void *storage,
                                      size_t size,
                                      const struct wsf_config *config,
                                      const uint8_t *mask_seed);

/**
 * Skips the opening handshake, for a stream upgraded elsewhere (e.g. by an HTTP
 * server). Only while connecting and before any input; `WSF_ERR_INVALID_ARGUMENT`
 * otherwise.
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`.
 */
enum wsf_error wsf_conn_set_handshake_done(struct wsf_conn *conn);

/**
 * The lifecycle state; `WSF_STATE_CLOSED` for NULL.
 *
 * # Safety
 * `conn` NULL or from `wsf_conn_init_*`.
 */
enum wsf_ready_state wsf_conn_ready_state(const struct wsf_conn *conn);

/**
 * Whether `wsf_conn_poll_transmit` has bytes to write; false for NULL.
 *
 * # Safety
 * `conn` NULL or from `wsf_conn_init_*`.
 */
bool wsf_conn_wants_transmit(const struct wsf_conn *conn);

/**
 * Marks the connection closed (the transport ended, or a timeout expired).
 *
 * # Safety
 * `conn` NULL or from `wsf_conn_init_*`.
 */
void wsf_conn_abort(struct wsf_conn *conn);

/**
 * Consumes bytes from the start of `input` and reports at most one event in
 * `*event`. Call again with the unconsumed rest (`input + event->consumed`) until the
 * event is `WSF_EVENT_NONE`, then read more and append. Data payloads are unmasked in
 * place in `input`; control frames are delivered whole, so keep unconsumed bytes.
 *
 * On a protocol error the return value names it (its close code:
 * `wsf_error_close_code`), the failing close frame
 * is owed (`wsf_conn_poll_transmit`) and no more input is taken; a bad opening
 * request owes the HTTP rejection the same way. After the peer's close frame, input
 * is refused with `WSF_ERR_CLOSED`.
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`; `input` writable for `len` bytes; `event` writable.
 */
enum wsf_error wsf_conn_receive(struct wsf_conn *conn,
                                uint8_t *input,
                                size_t len,
                                struct wsf_event *event);

/**
 * Writes what the protocol owes the peer into `out`: a handshake rejection, a pong,
 * the reply to a close, or the close frame failing the connection. `*out_len` is 0
 * when nothing is owed. `WSF_MAX_CONTROL_FRAME_LEN` (131) bytes fit any frame; a
 * rejection needs up to 256. With `WSF_ERR_BUFFER_TOO_SMALL`, `*out_len` is the size
 * needed and the obligation stays.
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`; `out` writable for `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_conn_poll_transmit(struct wsf_conn *conn,
                                      uint8_t *out,
                                      size_t cap,
                                      size_t *out_len);

/**
 * Server: accepts the request of a `WSF_EVENT_REQUEST` event, writing the 101
 * response into `out` (`response` may be NULL: no subprotocol, extensions or extra
 * headers). The connection is open afterwards. `WSF_ERR_INVALID_ARGUMENT` when no
 * request is waiting for an answer.
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`; `request` from the event, with the input unchanged;
 * `response` NULL or valid; `out` writable for `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_conn_accept(struct wsf_conn *conn,
                               const struct wsf_request *request,
                               const struct wsf_response *response,
                               uint8_t *out,
                               size_t cap,
                               size_t *out_len);

/**
 * Server: refuses the request of a `WSF_EVENT_REQUEST` event with `http_status` 400
 * (with `reason`; `ptr` NULL for a default), 403, 426 or 431, written into `out`.
 * The connection is closed afterwards: close the transport once it is sent.
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`; `reason` readable; `out` writable for `cap` bytes;
 * `out_len` writable.
 */
enum wsf_error wsf_conn_reject(struct wsf_conn *conn,
                               uint16_t http_status,
                               struct wsf_str reason,
                               uint8_t *out,
                               size_t cap,
                               size_t *out_len);

/**
 * Client: writes the opening request into `out` and waits for the response (which
 * arrives as `WSF_EVENT_OPENED`). The offered subprotocols and extensions (up to 128
 * bytes each) are kept to check the server's choice.
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`; `request` valid; `out` writable for `cap` bytes;
 * `out_len` writable.
 */
enum wsf_error wsf_conn_write_request(struct wsf_conn *conn,
                                      const struct wsf_client_request *request,
                                      uint8_t *out,
                                      size_t cap,
                                      size_t *out_len);

/**
 * Writes a whole text message as one frame into `out`; `text` must be UTF-8
 * (`WSF_ERR_INVALID_TEXT`). `*out_len` is the frame's length, or the size needed
 * with `WSF_ERR_BUFFER_TOO_SMALL` (payload + `WSF_MAX_HEADER_LEN` always fits).
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`; `text` readable for `len` bytes; `out` writable for
 * `cap` bytes and not overlapping `text`; `out_len` writable.
 */
enum wsf_error wsf_conn_send_text(struct wsf_conn *conn,
                                  const char *text,
                                  size_t len,
                                  uint8_t *out,
                                  size_t cap,
                                  size_t *out_len);

/**
 * Writes a whole binary message as one frame; otherwise as `wsf_conn_send_text`.
 *
 * # Safety
 * As for `wsf_conn_send_text`.
 */
enum wsf_error wsf_conn_send_binary(struct wsf_conn *conn,
                                    const uint8_t *data,
                                    size_t len,
                                    uint8_t *out,
                                    size_t cap,
                                    size_t *out_len);

/**
 * Writes one frame of a message that may span several (§5.4): the first call starts
 * a message of `kind` (`WSF_DATA_TEXT` or `WSF_DATA_BINARY`), later calls continue it
 * with the same `kind`, and `fin` ends it (`WSF_ERR_FRAGMENT_ORDER` otherwise).
 * Control frames may be sent in between. For text, the fragments together must be
 * UTF-8; a code point may be split between them.
 *
 * # Safety
 * As for `wsf_conn_send_text`.
 */
enum wsf_error wsf_conn_send_fragment(struct wsf_conn *conn,
                                      int kind,
                                      const uint8_t *payload,
                                      size_t len,
                                      bool fin,
                                      uint8_t *out,
                                      size_t cap,
                                      size_t *out_len);

/**
 * Like `wsf_conn_send_fragment` for a payload already at `buf + payload_start`
 * (running to `buf + len`): the header goes into the spare bytes in front of it
 * (leave `WSF_MAX_HEADER_LEN`), a client's payload is masked in place. `*frame_start`
 * is where the frame starts in `buf`; it runs to `buf + len`.
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`; `buf` writable for `len` bytes; `frame_start`
 * writable.
 */
enum wsf_error wsf_conn_send_in_place(struct wsf_conn *conn,
                                      int kind,
                                      bool fin,
                                      uint8_t *buf,
                                      size_t len,
                                      size_t payload_start,
                                      size_t *frame_start);

/**
 * Writes a ping (§5.5.2) with at most 125 bytes of payload
 * (`WSF_ERR_CONTROL_PAYLOAD_TOO_LONG`).
 *
 * # Safety
 * As for `wsf_conn_send_text`.
 */
enum wsf_error wsf_conn_send_ping(struct wsf_conn *conn,
                                  const uint8_t *payload,
                                  size_t len,
                                  uint8_t *out,
                                  size_t cap,
                                  size_t *out_len);

/**
 * Writes an unsolicited pong (§5.5.3, a heartbeat); at most 125 bytes of payload.
 *
 * # Safety
 * As for `wsf_conn_send_text`.
 */
enum wsf_error wsf_conn_send_pong(struct wsf_conn *conn,
                                  const uint8_t *payload,
                                  size_t len,
                                  uint8_t *out,
                                  size_t cap,
                                  size_t *out_len);

/**
 * Starts the closing handshake (§7.1.2), or answers the peer's close with this code
 * instead of the echo. `code` 0 sends an empty close (then `reason` must be empty);
 * otherwise it must be sendable (§7.4) and `reason` UTF-8 of at most 123 bytes.
 *
 * # Safety
 * As for `wsf_conn_send_text`, with `reason` readable.
 */
enum wsf_error wsf_conn_send_close(struct wsf_conn *conn,
                                   uint16_t code,
                                   struct wsf_str reason,
                                   uint8_t *out,
                                   size_t cap,
                                   size_t *out_len);

/**
 * Allows the RSV bits a negotiated extension defines (`WSF_RSV1` for
 * permessage-deflate), from the next frame on; call it once the handshake agreed on
 * the extension. Frames with other RSV bits keep failing the connection (1002).
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`.
 */
enum wsf_error wsf_conn_set_allowed_rsv(struct wsf_conn *conn, uint8_t rsv);

/**
 * Fails the connection for a reason found above the library, such as compressed data
 * that does not inflate (1007) or inflates past the limit (1009): the close frame with
 * `code` (e.g. `wsf_error_close_code(err)`) is owed through `wsf_conn_poll_transmit`
 * and no more input is taken. Does nothing once the peer's close arrived or the
 * connection is closed. `WSF_ERR_CLOSE_CODE_NOT_SENDABLE` for a code that may not be
 * sent (§7.4).
 *
 * # Safety
 * `conn` from `wsf_conn_init_*`.
 */
enum wsf_error wsf_conn_fail_with(struct wsf_conn *conn, uint16_t code);

/**
 * Writes a whole message whose payload a negotiated extension transformed (the output
 * of `wsf_deflate_compress`) as one frame with RSV1 set (RFC 7692 §6).
 * `WSF_ERR_EXTENSION_NOT_NEGOTIATED` unless `wsf_conn_set_allowed_rsv` allowed RSV1;
 * otherwise as `wsf_conn_send_binary`.
 *
 * # Safety
 * As for `wsf_conn_send_text`.
 */
enum wsf_error wsf_conn_send_compressed(struct wsf_conn *conn,
                                        int kind,
                                        const uint8_t *payload,
                                        size_t len,
                                        uint8_t *out,
                                        size_t cap,
                                        size_t *out_len);

/**
 * Like `wsf_conn_send_fragment` for a transformed (compressed) message spread over
 * several frames: the message's first frame carries RSV1, later ones do not.
 * `WSF_ERR_EXTENSION_NOT_NEGOTIATED` unless RSV1 is allowed.
 *
 * # Safety
 * As for `wsf_conn_send_text`.
 */
enum wsf_error wsf_conn_send_compressed_fragment(struct wsf_conn *conn,
                                                 int kind,
                                                 const uint8_t *payload,
                                                 size_t len,
                                                 bool fin,
                                                 uint8_t *out,
                                                 size_t cap,
                                                 size_t *out_len);

#if defined(WSF_HAVE_DEFLATE)
/**
 * Fills `out` with the defaults: full windows both ways, context takeover, level 6,
 * no compression below 64 bytes.
 *
 * # Safety
 * `out` must be writable.
 */
enum wsf_error wsf_deflate_config_default(struct wsf_deflate_config *out);
#endif

#if defined(WSF_HAVE_DEFLATE)
/**
 * Server: picks the first permessage-deflate offer of `request` that `config` (NULL
 * for the defaults) can accept (RFC 7692 §5.1). When one is accepted, `*out` is a new
 * compression context for the connection, `header[0..*header_len)` the
 * Sec-WebSocket-Extensions value to answer with (the `extensions` of the
 * `wsf_response`; not NUL-terminated) and `*params` (may be NULL) what was agreed;
 * then allow RSV1 with `wsf_conn_set_allowed_rsv`. When every offer is declined (or
 * there is none), `WSF_OK` with `*out` NULL and `*header_len` 0: answer without
 * extensions. With `WSF_ERR_BUFFER_TOO_SMALL`, `*header_len` is the size needed (128
 * bytes always fit) and nothing is created.
 *
 * # Safety
 * `request` from `wsf_request_parse` or a `WSF_EVENT_REQUEST` with its input
 * unchanged; `config` NULL or valid; `header` writable for `cap` bytes; `header_len`
 * and `out` writable; `params` NULL or writable.
 */
enum wsf_error wsf_deflate_negotiate(const struct wsf_request *request,
                                     const struct wsf_deflate_config *config,
                                     char *header,
                                     size_t cap,
                                     size_t *header_len,
                                     struct wsf_deflate_params *params,
                                     struct wsf_deflate **out);
#endif

#if defined(WSF_HAVE_DEFLATE)
/**
 * Client: writes the offer for `config` (NULL for the defaults) into `out`, the
 * Sec-WebSocket-Extensions value for the `extensions` of a `wsf_client_request` (not
 * NUL-terminated). `*out_len` is its length, or the size needed with
 * `WSF_ERR_BUFFER_TOO_SMALL` (128 bytes always fit).
 *
 * # Safety
 * `config` NULL or valid; `out` writable for `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_deflate_offer_write(const struct wsf_deflate_config *config,
                                       char *out,
                                       size_t cap,
                                       size_t *out_len);
#endif

#if defined(WSF_HAVE_DEFLATE)
/**
 * Client: checks the server's answer (`response`, from `wsf_client_response_parse` or
 * a `WSF_EVENT_OPENED`, with its input unchanged) to the offer made with `config`
 * (the same configuration as for `wsf_deflate_offer_write`) in `request` (the request
 * that was sent). When the server accepted, `*out` is a new compression context and
 * `*params` (may be NULL) what was agreed; allow RSV1 with
 * `wsf_conn_set_allowed_rsv`. When it declined, `WSF_OK` with `*out` NULL.
 * `WSF_ERR_DEFLATE_NEGOTIATION` when the answer is invalid or does not honour the
 * offer: fail the connection (close the transport).
 *
 * # Safety
 * `response`, `request` valid; `config` NULL or valid; `out` writable; `params` NULL
 * or writable.
 */
enum wsf_error wsf_deflate_accept_response(const struct wsf_client_response *response,
                                           const struct wsf_client_request *request,
                                           const struct wsf_deflate_config *config,
                                           struct wsf_deflate_params *params,
                                           struct wsf_deflate **out);
#endif

#if defined(WSF_HAVE_DEFLATE)
/**
 * Releases a compression context; NULL is ignored.
 *
 * # Safety
 * `deflate` NULL or from this library, not used afterwards.
 */
void wsf_deflate_free(struct wsf_deflate *deflate);
#endif

#if defined(WSF_HAVE_DEFLATE)
/**
 * Whether a message of `len` bytes is worth compressing (the configuration's
 * `min_size`); send shorter ones as they are. False for NULL.
 *
 * # Safety
 * `deflate` NULL or from this library.
 */
bool wsf_deflate_should_compress(const struct wsf_deflate *deflate, size_t len);
#endif

#if defined(WSF_HAVE_DEFLATE)
/**
 * Compresses a whole message (RFC 7692 §7.2.1) into `out`; send its `*out_len` bytes
 * with `wsf_conn_send_compressed`. Every compressed message must be sent, in order:
 * the peer's window follows ours. With `WSF_ERR_BUFFER_TOO_SMALL`, `*out_len` is the
 * size needed and the result is held: call again with the same message and a buffer
 * that large (another call meanwhile is `WSF_ERR_INVALID_ARGUMENT`).
 * `WSF_ERR_COMPRESSION_FAILED` if the compressor fails.
 *
 * # Safety
 * `deflate` from this library; `message` readable for `len` bytes; `out` writable for
 * `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_deflate_compress(struct wsf_deflate *deflate,
                                    const uint8_t *message,
                                    size_t len,
                                    uint8_t *out,
                                    size_t cap,
                                    size_t *out_len);
#endif

#if defined(WSF_HAVE_DEFLATE)
/**
 * Inflates one piece of a compressed message (a `WSF_EVENT_DATA` with `compressed`
 * set: pass its `data_kind`, `payload` and `end_of_message`) into `out`; `*out_len` is
 * the number of message bytes it yields. The inflated message counts against
 * `max_message_len` as it is produced (`WSF_ERR_MESSAGE_TOO_LARGE`, 1009, before the
 * excess is stored); text is checked for UTF-8 (`WSF_ERR_INVALID_UTF8`, 1007); data
 * that does not inflate is `WSF_ERR_INVALID_COMPRESSED_DATA` (1007). On these errors
 * fail the connection: `wsf_conn_fail_with(conn, wsf_error_close_code(err))`. With
 * `WSF_ERR_BUFFER_TOO_SMALL`, `*out_len` is the size needed and the bytes are held:
 * call again with the same piece and a buffer that large.
 *
 * # Safety
 * `deflate` from this library; `piece` readable for `len` bytes; `out` writable for
 * `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_deflate_decompress(struct wsf_deflate *deflate,
                                      int kind,
                                      const uint8_t *piece,
                                      size_t len,
                                      bool end_of_message,
                                      uint64_t max_message_len,
                                      uint8_t *out,
                                      size_t cap,
                                      size_t *out_len);
#endif

/**
 * A short lowercase description of `err` (a `wsf_error` value), as a static
 * NUL-terminated string; "unknown error" for other values.
 */
const char *wsf_strerror(int err);

/**
 * The kind of `err` (a `wsf_error` value).
 */
enum wsf_kind wsf_error_kind(int err);

/**
 * The close code to send when failing a connection because of `err`:
 * 1002 (protocol error), 1007 (invalid UTF-8) or 1009 (too big) for errors in the
 * frame stream, as the core assigns them; for permessage-deflate errors (a library
 * built with it), 1007 for `WSF_ERR_INVALID_COMPRESSED_DATA` and 1011 for
 * `WSF_ERR_COMPRESSION_FAILED`, as wsframe-deflate assigns them; 1011 (internal error) for usage errors, if
 * the application gives up because of one. 0 when no close frame applies: `WSF_OK`,
 * `WSF_NEED_MORE`, and handshake errors (no WebSocket exists yet; answer with
 * `wsf_error_http_status` instead).
 */
uint16_t wsf_error_close_code(int err);

/**
 * The HTTP status that refuses a handshake failing with `err`, as the core assigns
 * it (400, 403, 426, 431); 0 for errors that are not about a received handshake.
 */
uint16_t wsf_error_http_status(int err);

/**
 * Decodes the frame header at the start of `buf` and checks it against `rules` (all
 * header rules of §5.2 and §5.5: reserved opcodes and bits, control frame rules,
 * minimal lengths, masking by role, the size limit).
 *
 * Returns `WSF_OK` with `*header` filled and `*size` = the header's length;
 * `WSF_NEED_MORE` with `*size` = the bytes still needed; or the violation.
 *
 * # Safety
 * `buf` must be readable for `len` bytes; `rules` must point to a `wsf_decode_rules`;
 * `header` and `size` must be writable.
 */
enum wsf_error wsf_frame_decode(const uint8_t *buf,
                                size_t len,
                                const struct wsf_decode_rules *rules,
                                struct wsf_frame_header *header,
                                size_t *size);

/**
 * Encodes `header` (its `payload_len` as given) into `out`; `*out_len` is the
 * header's length. With `WSF_ERR_BUFFER_TOO_SMALL`, `*out_len` is the size needed
 * (at most `WSF_MAX_HEADER_LEN`).
 *
 * # Safety
 * `header` must point to a `wsf_frame_header`; `out` must be writable for `cap`
 * bytes; `out_len` must be writable.
 */
enum wsf_error wsf_frame_encode(const struct wsf_frame_header *header,
                                uint8_t *out,
                                size_t cap,
                                size_t *out_len);

/**
 * Writes a whole frame: `header` (its `payload_len` is replaced by `len`) followed
 * by the payload, masked while copying when `header->masked`. `*out_len` is the
 * frame's length, or the size needed with `WSF_ERR_BUFFER_TOO_SMALL`.
 *
 * # Safety
 * `header` must point to a `wsf_frame_header`; `payload` must be readable for `len`
 * bytes; `out` writable for `cap` bytes and not overlapping `payload`; `out_len`
 * writable.
 */
enum wsf_error wsf_frame_write(const struct wsf_frame_header *header,
                               const uint8_t *payload,
                               size_t len,
                               uint8_t *out,
                               size_t cap,
                               size_t *out_len);

/**
 * XORs `len` bytes at `buf` with the masking key `key` (4 bytes), as if `buf`
 * started at byte `offset` of the payload (§5.3). Masking twice restores the data.
 *
 * # Safety
 * `buf` must be writable for `len` bytes; `key` readable for 4 bytes.
 */
enum wsf_error wsf_mask(uint8_t *buf, size_t len, const uint8_t *key, size_t offset);

/**
 * Computes the `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key` (§4.2.2) into
 * `out`, which must hold `WSF_ACCEPT_KEY_LEN` (28) bytes; no NUL is written.
 *
 * # Safety
 * `key` must be readable for `key_len` bytes; `out` writable for 28 bytes.
 */
enum wsf_error wsf_accept_key(const char *key, size_t key_len, uint8_t *out);

/**
 * Parses a close payload: empty, or a code that may be sent plus a UTF-8 reason.
 * Fails with `WSF_ERR_INVALID_CLOSE_PAYLOAD`, `WSF_ERR_INVALID_CLOSE_CODE`,
 * `WSF_ERR_INVALID_UTF8` or `WSF_ERR_CONTROL_FRAME_TOO_LONG`.
 *
 * # Safety
 * `payload` must be readable for `len` bytes (and stay unchanged while `out->reason`
 * is used); `out` must be writable.
 */
enum wsf_error wsf_close_parse(const uint8_t *payload, size_t len, struct wsf_close *out);

/**
 * Writes a close payload: `code` (0 for none, then `reason` must be empty) and a
 * UTF-8 reason of at most 123 bytes. `*out_len` is its length (0 to 125), or the
 * size needed with `WSF_ERR_BUFFER_TOO_SMALL`.
 *
 * # Safety
 * `reason` must be readable for its length; `out` writable for `cap` bytes; `out_len`
 * writable.
 */
enum wsf_error wsf_close_write(uint16_t code,
                               struct wsf_str reason,
                               uint8_t *out,
                               size_t cap,
                               size_t *out_len);

/**
 * Parses and checks a client's opening request at the start of `buf` (§4.2.1).
 *
 * Returns `WSF_OK` with `*out` filled and `*head_len` = the request's length (the
 * WebSocket stream starts there); `WSF_NEED_MORE` until the blank line arrives; or the
 * handshake error (answer it with `wsf_rejection_write_for_error`). `limits` may be
 * NULL for the defaults.
 *
 * # Safety
 * `buf` must be readable for `len` bytes and stay unchanged while `*out` is used;
 * `limits` NULL or valid; `out` and `head_len` writable.
 */
enum wsf_error wsf_request_parse(const uint8_t *buf,
                                 size_t len,
                                 const struct wsf_handshake_limits *limits,
                                 struct wsf_request *out,
                                 size_t *head_len);

/**
 * The `index`-th offered subprotocol (0-based, in the client's order, across all
 * Sec-WebSocket-Protocol lines). Returns false when there is no such entry or an
 * argument is invalid.
 *
 * # Safety
 * `request` must be a request filled by this library whose input is unchanged; `out`
 * writable.
 */
bool wsf_request_protocol(const struct wsf_request *request, size_t index, struct wsf_str *out);

/**
 * The name of the `index`-th offered extension (0-based, in order); parameters are in
 * the raw header (`wsf_request_header` with "Sec-WebSocket-Extensions"). Returns
 * false when there is no such entry or an argument is invalid.
 *
 * # Safety
 * As for `wsf_request_protocol`.
 */
bool wsf_request_extension(const struct wsf_request *request, size_t index, struct wsf_str *out);

/**
 * The value of header `name` (case-insensitive; the first line of that name), e.g.
 * "Cookie". Returns false when absent or an argument is invalid.
 *
 * # Safety
 * As for `wsf_request_protocol`; `name` readable.
 */
bool wsf_request_header(const struct wsf_request *request,
                        struct wsf_str name,
                        struct wsf_str *out);

/**
 * Writes the 101 response accepting `request` into `out` (§4.2.2); `response` may be
 * NULL (no subprotocol, extensions or extra headers). `*out_len` is its length.
 * Fails with `WSF_ERR_PROTOCOL_NOT_OFFERED` for a subprotocol the client did not
 * offer, `WSF_ERR_INVALID_ARGUMENT` for a bad header, `WSF_ERR_BUFFER_TOO_SMALL`.
 *
 * For a connection, use `wsf_conn_accept` instead.
 *
 * # Safety
 * `request` as for `wsf_request_protocol`; `response` NULL or valid; `out` writable
 * for `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_response_write(const struct wsf_request *request,
                                  const struct wsf_response *response,
                                  uint8_t *out,
                                  size_t cap,
                                  size_t *out_len);

/**
 * Writes a complete HTTP response refusing a handshake: `status` 400 (with `reason`
 * as the body; `ptr` NULL for a default), 403, 426 (with Sec-WebSocket-Version: 13)
 * or 431. Other statuses are `WSF_ERR_INVALID_ARGUMENT`.
 *
 * # Safety
 * `reason` readable; `out` writable for `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_rejection_write(uint16_t http_status,
                                   struct wsf_str reason,
                                   uint8_t *out,
                                   size_t cap,
                                   size_t *out_len);

/**
 * Writes the HTTP response refusing a request that failed `wsf_request_parse` with
 * `err` (the core picks the status: 400, 426 or 431). `WSF_ERR_INVALID_ARGUMENT` when
 * `err` is not a handshake error.
 *
 * # Safety
 * `out` writable for `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_rejection_write_for_error(int err, uint8_t *out, size_t cap, size_t *out_len);

/**
 * Writes a client's opening request into `out` (§4.1); `*out_len` is its length.
 * `WSF_ERR_INVALID_ARGUMENT` for a path, host, subprotocol or header that cannot be
 * sent. For a connection, use `wsf_conn_write_request`.
 *
 * # Safety
 * `request` valid; `out` writable for `cap` bytes; `out_len` writable.
 */
enum wsf_error wsf_client_request_write(const struct wsf_client_request *request,
                                        uint8_t *out,
                                        size_t cap,
                                        size_t *out_len);

/**
 * Parses the server's response at the start of `buf` and checks it against the
 * `request` that was sent (§4.1: status 101, Upgrade, Connection, the accept value,
 * offered subprotocol and extensions). Returns like `wsf_request_parse`.
 *
 * # Safety
 * `buf` readable for `len` bytes and unchanged while `*out` is used; `request` valid;
 * `limits` NULL or valid; `out` and `head_len` writable.
 */
enum wsf_error wsf_client_response_parse(const uint8_t *buf,
                                         size_t len,
                                         const struct wsf_client_request *request,
                                         const struct wsf_handshake_limits *limits,
                                         struct wsf_client_response *out,
                                         size_t *head_len);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* WSFRAME_H */
