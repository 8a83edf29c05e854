/*
 * Tests of the C API: every function of wsframe.h, valid and bad input (NULL
 * pointers, short buffers, invalid frames, bad handshakes). Built with
 * -std=c99 -Wall -Wextra -Werror and run plain, under ASan+UBSan and under valgrind.
 * Exit status 0 when every check passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsframe.h"

static int checks, failures;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        checks++;                                                                        \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

#define CHECK_ERR(expr, want)                                                            \
    do {                                                                                 \
        enum wsf_error got_ = (expr);                                                    \
        checks++;                                                                        \
        if (got_ != (want)) {                                                            \
            fprintf(stderr, "%s:%d: %s = %d (%s), want %s\n", __FILE__, __LINE__, #expr, \
                    (int)got_, wsf_strerror(got_), #want);                               \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

static struct wsf_str S(const char *s) {
    struct wsf_str r;
    r.ptr = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

static int str_eq(struct wsf_str s, const char *want) {
    return s.ptr && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

static int contains(const uint8_t *buf, size_t len, const char *needle) {
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= len; i++)
        if (memcmp(buf + i, needle, n) == 0)
            return 1;
    return 0;
}

static const char REQUEST[] = "GET /chat?room=1 HTTP/1.1\r\n"
                              "Host: example.com\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: keep-alive, Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n"
                              "Origin: https://example.com\r\n"
                              "Sec-WebSocket-Protocol: chat, superchat\r\n"
                              "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                              "Cookie: a=1\r\n"
                              "\r\n";

static const uint8_t SAMPLE_NONCE[16] = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p',
                                         'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
static const uint8_t MASK_KEY[4] = {0x37, 0xfa, 0x21, 0x3d};
/* RFC 6455 §5.7: a masked "Hello" from a client. */
static const uint8_t MASKED_HELLO[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                       0x7f, 0x9f, 0x4d, 0x51, 0x58};

static void test_version(void) {
    char want[32];
    CHECK(wsf_version() == WSF_VERSION_NUMBER);
    snprintf(want, sizeof want, "%d.%d.%d", WSF_VERSION_MAJOR, WSF_VERSION_MINOR,
             WSF_VERSION_PATCH);
    CHECK(strcmp(wsf_version_string(), want) == 0);
}

static void test_errors(void) {
    CHECK(strcmp(wsf_strerror(WSF_OK), "ok") == 0);
    CHECK(strcmp(wsf_strerror(WSF_ERR_INVALID_UTF8), "invalid utf-8") == 0);
    CHECK(strcmp(wsf_strerror(WSF_ERR_NULL_POINTER), "null pointer") == 0);
    CHECK(strcmp(wsf_strerror(12345), "unknown error") == 0);
    CHECK(strcmp(wsf_strerror(-1), "unknown error") == 0);

    CHECK(wsf_error_kind(WSF_OK) == WSF_KIND_NONE);
    CHECK(wsf_error_kind(WSF_NEED_MORE) == WSF_KIND_NEED_MORE);
    CHECK(wsf_error_kind(WSF_ERR_RESERVED_OPCODE) == WSF_KIND_PROTOCOL);
    CHECK(wsf_error_kind(WSF_ERR_MISSING_HOST) == WSF_KIND_PROTOCOL);
    CHECK(wsf_error_kind(WSF_ERR_BUFFER_TOO_SMALL) == WSF_KIND_USAGE);
    CHECK(wsf_error_kind(WSF_ERR_MESSAGE_TOO_LARGE) == WSF_KIND_LIMIT);
    CHECK(wsf_error_kind(WSF_ERR_HANDSHAKE_TOO_LARGE) == WSF_KIND_LIMIT);
    CHECK(wsf_error_kind(2) == WSF_KIND_UNKNOWN);

    CHECK(wsf_error_close_code(WSF_ERR_MASKED_FRAME) == 1002);
    CHECK(wsf_error_close_code(WSF_ERR_RESERVED_BITS) == 1002);
    CHECK(wsf_error_close_code(WSF_ERR_INVALID_UTF8) == 1007);
    CHECK(wsf_error_close_code(WSF_ERR_FRAME_TOO_LARGE) == 1009);
    CHECK(wsf_error_close_code(WSF_ERR_TOO_MANY_FRAGMENTS) == 1009);
    CHECK(wsf_error_close_code(WSF_ERR_FRAGMENT_ORDER) == 1011);
    CHECK(wsf_error_close_code(WSF_ERR_MALFORMED_HTTP) == 0);
    CHECK(wsf_error_close_code(WSF_NEED_MORE) == 0);
    CHECK(wsf_error_close_code(999) == 0);

    CHECK(wsf_error_http_status(WSF_ERR_MISSING_HOST) == 400);
    CHECK(wsf_error_http_status(WSF_ERR_ORIGIN_REFUSED) == 403);
    CHECK(wsf_error_http_status(WSF_ERR_UNSUPPORTED_VERSION) == 426);
    CHECK(wsf_error_http_status(WSF_ERR_HANDSHAKE_TOO_LARGE) == 431);
    CHECK(wsf_error_http_status(WSF_ERR_TOO_MANY_HEADERS) == 431);
    CHECK(wsf_error_http_status(WSF_ERR_INVALID_UTF8) == 0);
    CHECK(wsf_error_http_status(WSF_OK) == 0);
}

static struct wsf_decode_rules rules(enum wsf_role role) {
    struct wsf_decode_rules r;
    r.role = (uint8_t)role;
    r.allowed_rsv = 0;
    r.max_payload_len = UINT64_MAX;
    return r;
}

static void test_frame_decode(void) {
    struct wsf_decode_rules server = rules(WSF_ROLE_SERVER), client = rules(WSF_ROLE_CLIENT);
    struct wsf_frame_header h;
    size_t size = 0;

    CHECK_ERR(wsf_frame_decode(MASKED_HELLO, sizeof MASKED_HELLO, &server, &h, &size), WSF_OK);
    CHECK(size == 6 && h.fin && h.rsv == 0 && h.opcode == WSF_OPCODE_TEXT && h.masked);
    CHECK(memcmp(h.mask_key, MASK_KEY, 4) == 0 && h.payload_len == 5);

    /* Partial input: how many bytes are still needed. */
    CHECK_ERR(wsf_frame_decode(MASKED_HELLO, 1, &server, &h, &size), WSF_NEED_MORE);
    CHECK(size == 1);
    CHECK_ERR(wsf_frame_decode(MASKED_HELLO, 3, &server, &h, &size), WSF_NEED_MORE);
    CHECK(size == 3);
    CHECK_ERR(wsf_frame_decode(NULL, 0, &server, &h, &size), WSF_NEED_MORE);
    CHECK(size == 2);
    {
        const uint8_t len64[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};
        CHECK_ERR(wsf_frame_decode(len64, sizeof len64, &client, &h, &size), WSF_OK);
        CHECK(size == 10 && h.payload_len == 65536 && !h.masked);
    }

    /* Violations, each named. */
    {
        const uint8_t reserved_op[] = {0x83, 0x80};
        const uint8_t reserved_bits[] = {0xc1, 0x80};
        const uint8_t frag_ping[] = {0x09, 0x80};
        const uint8_t long_ping[] = {0x89, 0xfe};
        const uint8_t non_minimal[] = {0x82, 0x7e, 0x00, 0x7d};
        const uint8_t top_bit[] = {0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0};
        const uint8_t big[] = {0x82, 0xfe, 0x03, 0xe9};
        struct wsf_decode_rules limited = server;
        CHECK_ERR(wsf_frame_decode(reserved_op, 2, &server, &h, &size), WSF_ERR_RESERVED_OPCODE);
        CHECK_ERR(wsf_frame_decode(reserved_bits, 2, &server, &h, &size), WSF_ERR_RESERVED_BITS);
        CHECK_ERR(wsf_frame_decode(frag_ping, 2, &server, &h, &size),
                  WSF_ERR_FRAGMENTED_CONTROL_FRAME);
        CHECK_ERR(wsf_frame_decode(long_ping, 2, &server, &h, &size),
                  WSF_ERR_CONTROL_FRAME_TOO_LONG);
        CHECK_ERR(wsf_frame_decode(non_minimal, 4, &client, &h, &size),
                  WSF_ERR_NON_MINIMAL_LENGTH);
        CHECK_ERR(wsf_frame_decode(top_bit, sizeof top_bit, &client, &h, &size),
                  WSF_ERR_LENGTH_TOP_BIT_SET);
        CHECK_ERR(wsf_frame_decode(MASKED_HELLO, sizeof MASKED_HELLO, &client, &h, &size),
                  WSF_ERR_MASKED_FRAME);
        CHECK_ERR(wsf_frame_decode(non_minimal, 4, &server, &h, &size), WSF_ERR_UNMASKED_FRAME);
        limited.max_payload_len = 1000;
        CHECK_ERR(wsf_frame_decode(big, 4, &limited, &h, &size), WSF_ERR_FRAME_TOO_LARGE);
        limited.allowed_rsv = WSF_RSV1;
        CHECK_ERR(wsf_frame_decode(reserved_bits, 2, &limited, &h, &size), WSF_NEED_MORE);
    }

    /* Bad arguments. */
    {
        struct wsf_decode_rules bad_role = server;
        bad_role.role = 7;
        CHECK_ERR(wsf_frame_decode(MASKED_HELLO, 11, &bad_role, &h, &size),
                  WSF_ERR_INVALID_ARGUMENT);
        CHECK_ERR(wsf_frame_decode(NULL, 11, &server, &h, &size), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_frame_decode(MASKED_HELLO, 11, NULL, &h, &size), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_frame_decode(MASKED_HELLO, 11, &server, NULL, &size), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_frame_decode(MASKED_HELLO, 11, &server, &h, NULL), WSF_ERR_NULL_POINTER);
    }
}

static void test_frame_encode(void) {
    struct wsf_decode_rules server = rules(WSF_ROLE_SERVER), client = rules(WSF_ROLE_CLIENT);
    struct wsf_frame_header h, back;
    uint8_t out[64];
    size_t n = 0, size = 0;
    const uint64_t lens[] = {0, 125, 126, 65535, 65536, (uint64_t)1 << 40};
    const size_t forms[] = {2, 2, 4, 4, 10, 10};
    size_t i;

    memset(&h, 0, sizeof h);
    h.fin = true;
    h.opcode = WSF_OPCODE_BINARY;
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        h.payload_len = lens[i];
        CHECK_ERR(wsf_frame_encode(&h, out, sizeof out, &n), WSF_OK);
        CHECK(n == forms[i]);
        CHECK_ERR(wsf_frame_decode(out, n, &client, &back, &size), WSF_OK);
        CHECK(size == n && back.payload_len == lens[i] && back.opcode == WSF_OPCODE_BINARY);
    }
    h.masked = true;
    memcpy(h.mask_key, MASK_KEY, 4);
    h.payload_len = 300;
    h.rsv = WSF_RSV2;
    CHECK_ERR(wsf_frame_encode(&h, out, sizeof out, &n), WSF_OK);
    CHECK(n == 8);
    server.allowed_rsv = WSF_RSV2;
    CHECK_ERR(wsf_frame_decode(out, n, &server, &back, &size), WSF_OK);
    CHECK(back.rsv == WSF_RSV2 && back.masked && memcmp(back.mask_key, MASK_KEY, 4) == 0);

    /* Too small: the size needed is reported. */
    CHECK_ERR(wsf_frame_encode(&h, out, 5, &n), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 8);
    CHECK_ERR(wsf_frame_encode(&h, NULL, 0, &n), WSF_ERR_BUFFER_TOO_SMALL);
    h.opcode = 3;
    CHECK_ERR(wsf_frame_encode(&h, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
    h.opcode = WSF_OPCODE_TEXT;
    h.rsv = 8;
    CHECK_ERR(wsf_frame_encode(&h, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
    h.rsv = 0;
    CHECK_ERR(wsf_frame_encode(NULL, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_frame_encode(&h, out, sizeof out, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_frame_encode(&h, NULL, 10, &n), WSF_ERR_NULL_POINTER);

    /* A whole frame, masked while copying: the RFC's bytes. */
    CHECK_ERR(wsf_frame_write(&h, (const uint8_t *)"Hello", 5, out, sizeof out, &n), WSF_OK);
    CHECK(n == sizeof MASKED_HELLO && memcmp(out, MASKED_HELLO, n) == 0);
    CHECK_ERR(wsf_frame_write(&h, (const uint8_t *)"Hello", 5, out, 10, &n),
              WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 11);
    h.masked = false;
    CHECK_ERR(wsf_frame_write(&h, (const uint8_t *)"Hello", 5, out, sizeof out, &n), WSF_OK);
    CHECK(n == 7 && out[0] == 0x81 && out[1] == 5 && memcmp(out + 2, "Hello", 5) == 0);
    CHECK_ERR(wsf_frame_write(&h, NULL, 0, out, sizeof out, &n), WSF_OK);
    CHECK(n == 2 && out[1] == 0);
    CHECK_ERR(wsf_frame_write(&h, NULL, 5, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_frame_write(NULL, NULL, 0, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_frame_write(&h, NULL, 0, out, sizeof out, NULL), WSF_ERR_NULL_POINTER);
}

static void test_mask_and_accept(void) {
    uint8_t data[5], accept[WSF_ACCEPT_KEY_LEN];
    static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";

    memcpy(data, MASKED_HELLO + 6, 5);
    CHECK_ERR(wsf_mask(data, 3, MASK_KEY, 0), WSF_OK);
    CHECK_ERR(wsf_mask(data + 3, 2, MASK_KEY, 3), WSF_OK);
    CHECK(memcmp(data, "Hello", 5) == 0);
    CHECK_ERR(wsf_mask(data, 5, MASK_KEY, 0), WSF_OK);
    CHECK(memcmp(data, MASKED_HELLO + 6, 5) == 0);
    CHECK_ERR(wsf_mask(NULL, 0, MASK_KEY, 0), WSF_OK);
    CHECK_ERR(wsf_mask(NULL, 5, MASK_KEY, 0), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_mask(data, 5, NULL, 0), WSF_ERR_NULL_POINTER);

    CHECK_ERR(wsf_accept_key(key, strlen(key), accept), WSF_OK);
    CHECK(memcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WSF_ACCEPT_KEY_LEN) == 0);
    CHECK_ERR(wsf_accept_key(key, strlen(key), NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_accept_key(NULL, 24, accept), WSF_ERR_NULL_POINTER);
}

static void test_close_payloads(void) {
    struct wsf_close c;
    uint8_t out[WSF_MAX_CLOSE_PAYLOAD + 8];
    char reason[130];
    size_t n = 0;
    static const uint8_t bye[] = {0x03, 0xe8, 'b', 'y', 'e'};
    static const uint8_t bad_code[] = {0x03, 0xed};
    static const uint8_t bad_utf8[] = {0x03, 0xe8, 0xff};

    CHECK_ERR(wsf_close_parse(bye, sizeof bye, &c), WSF_OK);
    CHECK(c.code == 1000 && str_eq(c.reason, "bye"));
    CHECK_ERR(wsf_close_parse(NULL, 0, &c), WSF_OK);
    CHECK(c.code == 0 && c.reason.len == 0);
    CHECK_ERR(wsf_close_parse(bye, 1, &c), WSF_ERR_INVALID_CLOSE_PAYLOAD);
    CHECK_ERR(wsf_close_parse(bad_code, 2, &c), WSF_ERR_INVALID_CLOSE_CODE);
    CHECK_ERR(wsf_close_parse(bad_utf8, 3, &c), WSF_ERR_INVALID_UTF8);
    CHECK_ERR(wsf_close_parse(bye, sizeof bye, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_close_parse(NULL, 5, &c), WSF_ERR_NULL_POINTER);

    CHECK_ERR(wsf_close_write(1001, S("restart"), out, sizeof out, &n), WSF_OK);
    CHECK(n == 9 && out[0] == 0x03 && out[1] == 0xe9 && memcmp(out + 2, "restart", 7) == 0);
    CHECK_ERR(wsf_close_write(0, S(NULL), out, sizeof out, &n), WSF_OK);
    CHECK(n == 0);
    CHECK_ERR(wsf_close_write(0, S("why"), out, sizeof out, &n), WSF_ERR_CLOSE_CODE_NOT_SENDABLE);
    CHECK_ERR(wsf_close_write(1006, S(""), out, sizeof out, &n), WSF_ERR_CLOSE_CODE_NOT_SENDABLE);
    memset(reason, 'r', sizeof reason - 1);
    reason[124] = '\0';
    CHECK_ERR(wsf_close_write(1000, S(reason), out, sizeof out, &n),
              WSF_ERR_CONTROL_PAYLOAD_TOO_LONG);
    reason[123] = '\0';
    CHECK_ERR(wsf_close_write(1000, S(reason), out, sizeof out, &n), WSF_OK);
    CHECK(n == 125);
    CHECK_ERR(wsf_close_write(1000, S("bye"), out, 3, &n), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 5);
    CHECK_ERR(wsf_close_write(1000, S("\xff"), out, sizeof out, &n), WSF_ERR_INVALID_TEXT);
    CHECK_ERR(wsf_close_write(1000, S("bye"), out, sizeof out, NULL), WSF_ERR_NULL_POINTER);
}

static void test_server_handshake(void) {
    struct wsf_request req;
    struct wsf_str s;
    struct wsf_handshake_limits limits;
    size_t head_len = 0, n = 0, len = strlen(REQUEST);
    uint8_t buf[1024], out[1024];

    memcpy(buf, REQUEST, len);
    buf[len] = 0x81; /* the first byte of the WebSocket stream */
    CHECK_ERR(wsf_request_parse(buf, len + 1, NULL, &req, &head_len), WSF_OK);
    CHECK(head_len == len && req.head == buf && req.head_len == len);
    CHECK(str_eq(req.path, "/chat?room=1") && str_eq(req.host, "example.com"));
    CHECK(str_eq(req.key, "dGhlIHNhbXBsZSBub25jZQ==") && str_eq(req.origin, "https://example.com"));
    CHECK(wsf_request_protocol(&req, 0, &s) && str_eq(s, "chat"));
    CHECK(wsf_request_protocol(&req, 1, &s) && str_eq(s, "superchat"));
    CHECK(!wsf_request_protocol(&req, 2, &s));
    CHECK(!wsf_request_protocol(NULL, 0, &s));
    CHECK(!wsf_request_protocol(&req, 0, NULL));
    CHECK(wsf_request_extension(&req, 0, &s) && str_eq(s, "permessage-deflate"));
    CHECK(!wsf_request_extension(&req, 1, &s));
    CHECK(!wsf_request_extension(NULL, 0, &s));
    CHECK(wsf_request_header(&req, S("COOKIE"), &s) && str_eq(s, "a=1"));
    CHECK(!wsf_request_header(&req, S("x-missing"), &s));
    CHECK(!wsf_request_header(&req, S("cookie"), NULL));
    CHECK(!wsf_request_header(NULL, S("cookie"), &s));

    /* Accept: the 101 response, optionally with a subprotocol and headers. */
    CHECK_ERR(wsf_response_write(&req, NULL, out, sizeof out, &n), WSF_OK);
    CHECK(contains(out, n, "HTTP/1.1 101 Switching Protocols\r\n"));
    CHECK(contains(out, n, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    CHECK(!contains(out, n, "Sec-WebSocket-Protocol"));
    {
        struct wsf_header headers[2];
        struct wsf_response resp;
        headers[0].name = S("Set-Cookie");
        headers[0].value = S("b=2");
        headers[1].name = S("X-Server");
        headers[1].value = S("c");
        memset(&resp, 0, sizeof resp);
        resp.protocol = S("superchat");
        resp.headers = headers;
        resp.header_count = 2;
        CHECK_ERR(wsf_response_write(&req, &resp, out, sizeof out, &n), WSF_OK);
        CHECK(contains(out, n, "Sec-WebSocket-Protocol: superchat\r\n"));
        CHECK(contains(out, n, "Set-Cookie: b=2\r\nX-Server: c\r\n\r\n"));
        CHECK_ERR(wsf_response_write(&req, &resp, out, 40, &n), WSF_ERR_BUFFER_TOO_SMALL);
        resp.protocol = S("nope");
        CHECK_ERR(wsf_response_write(&req, &resp, out, sizeof out, &n),
                  WSF_ERR_PROTOCOL_NOT_OFFERED);
        resp.protocol = S(NULL);
        headers[1].name = S("bad name");
        CHECK_ERR(wsf_response_write(&req, &resp, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
        headers[1].name = S("X-Server");
        headers[1].value = S("split\r\nInjected: 1");
        CHECK_ERR(wsf_response_write(&req, &resp, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
        resp.header_count = WSF_MAX_EXTRA_HEADERS + 1;
        CHECK_ERR(wsf_response_write(&req, &resp, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
        resp.headers = NULL;
        resp.header_count = 1;
        CHECK_ERR(wsf_response_write(&req, &resp, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
    }
    CHECK_ERR(wsf_response_write(NULL, NULL, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_response_write(&req, NULL, out, sizeof out, NULL), WSF_ERR_NULL_POINTER);

    /* Incomplete and bad requests. */
    CHECK_ERR(wsf_request_parse(buf, len - 2, NULL, &req, &head_len), WSF_NEED_MORE);
    CHECK_ERR(wsf_request_parse(NULL, 0, NULL, &req, &head_len), WSF_NEED_MORE);
    {
        static const char *const bad[] = {
            "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "\x01\x02 garbage\r\n\r\n",
        };
        static const enum wsf_error want[] = {
            WSF_ERR_MISSING_HOST, WSF_ERR_UNSUPPORTED_VERSION, WSF_ERR_METHOD_NOT_GET,
            WSF_ERR_INVALID_KEY,  WSF_ERR_MISSING_UPGRADE,     WSF_ERR_MALFORMED_HTTP,
        };
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            enum wsf_error err =
                wsf_request_parse((const uint8_t *)bad[i], strlen(bad[i]), NULL, &req, &head_len);
            CHECK_ERR(err, want[i]);
            CHECK_ERR(wsf_rejection_write_for_error(err, out, sizeof out, &n), WSF_OK);
            CHECK(n > 12 && out[9] == '4');
        }
    }
    limits.max_bytes = 64;
    limits.max_headers = 32;
    CHECK_ERR(wsf_request_parse(buf, len, &limits, &req, &head_len), WSF_ERR_HANDSHAKE_TOO_LARGE);
    limits.max_bytes = 8192;
    limits.max_headers = 3;
    CHECK_ERR(wsf_request_parse(buf, len, &limits, &req, &head_len), WSF_ERR_TOO_MANY_HEADERS);
    CHECK_ERR(wsf_request_parse(NULL, 10, NULL, &req, &head_len), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_request_parse(buf, len, NULL, NULL, &head_len), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_request_parse(buf, len, NULL, &req, NULL), WSF_ERR_NULL_POINTER);

    /* Rejections. */
    CHECK_ERR(wsf_rejection_write(403, S(NULL), out, sizeof out, &n), WSF_OK);
    CHECK(contains(out, n, "HTTP/1.1 403 Forbidden\r\n"));
    CHECK_ERR(wsf_rejection_write(426, S(NULL), out, sizeof out, &n), WSF_OK);
    CHECK(contains(out, n, "Sec-WebSocket-Version: 13\r\n"));
    CHECK_ERR(wsf_rejection_write(431, S(NULL), out, sizeof out, &n), WSF_OK);
    CHECK(contains(out, n, "HTTP/1.1 431 "));
    CHECK_ERR(wsf_rejection_write(400, S("no room"), out, sizeof out, &n), WSF_OK);
    CHECK(contains(out, n, "\r\n\r\nno room") && contains(out, n, "Content-Length: 7\r\n"));
    CHECK_ERR(wsf_rejection_write(400, S(NULL), out, sizeof out, &n), WSF_OK);
    CHECK(contains(out, n, "\r\n\r\nbad request"));
    CHECK_ERR(wsf_rejection_write(400, S("a\r\nb"), out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_rejection_write(500, S(NULL), out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_rejection_write(403, S(NULL), out, 10, &n), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK_ERR(wsf_rejection_write(403, S(NULL), out, sizeof out, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_rejection_write_for_error(WSF_ERR_UNSUPPORTED_VERSION, out, sizeof out, &n),
              WSF_OK);
    CHECK(contains(out, n, "HTTP/1.1 426 "));
    CHECK_ERR(wsf_rejection_write_for_error(WSF_ERR_TOO_MANY_HEADERS, out, sizeof out, &n), WSF_OK);
    CHECK(contains(out, n, "HTTP/1.1 431 "));
    CHECK_ERR(wsf_rejection_write_for_error(WSF_ERR_NULL_POINTER, out, sizeof out, &n),
              WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_rejection_write_for_error(WSF_ERR_MISSING_HOST, out, sizeof out, NULL),
              WSF_ERR_NULL_POINTER);
}

static struct wsf_client_request client_request(const struct wsf_str *protocols, size_t count) {
    struct wsf_client_request r;
    memset(&r, 0, sizeof r);
    r.host = S("server.example.com");
    r.path = S("/chat");
    memcpy(r.nonce, SAMPLE_NONCE, 16);
    r.protocols = protocols;
    r.protocol_count = count;
    return r;
}

static void test_client_handshake(void) {
    struct wsf_str protocols[2];
    struct wsf_header header;
    struct wsf_client_request r;
    struct wsf_client_response resp;
    uint8_t out[1024];
    size_t n = 0, head_len = 0;
    static const char ok[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                             "Sec-WebSocket-Protocol: chat\r\n\r\n";

    protocols[0] = S("chat");
    protocols[1] = S("superchat");
    r = client_request(protocols, 2);
    r.origin = S("https://example.com");
    header.name = S("Authorization");
    header.value = S("Bearer x");
    r.headers = &header;
    r.header_count = 1;
    CHECK_ERR(wsf_client_request_write(&r, out, sizeof out, &n), WSF_OK);
    CHECK(contains(out, n, "GET /chat HTTP/1.1\r\nHost: server.example.com\r\n"));
    CHECK(contains(out, n, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    CHECK(contains(out, n, "Sec-WebSocket-Protocol: chat, superchat\r\n"));
    CHECK(contains(out, n, "Origin: https://example.com\r\n"));
    CHECK(contains(out, n, "Authorization: Bearer x\r\n"));
    CHECK_ERR(wsf_client_request_write(&r, out, 20, &n), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK_ERR(wsf_client_request_write(&r, out, sizeof out, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_client_request_write(NULL, out, sizeof out, &n), WSF_ERR_NULL_POINTER);

    /* The response check. */
    CHECK_ERR(wsf_client_response_parse((const uint8_t *)ok, strlen(ok), &r, NULL, &resp,
                                        &head_len),
              WSF_OK);
    CHECK(head_len == strlen(ok) && str_eq(resp.protocol, "chat") && resp.head_len == head_len);
    CHECK_ERR(wsf_client_response_parse((const uint8_t *)ok, 30, &r, NULL, &resp, &head_len),
              WSF_NEED_MORE);
    {
        static const char *const bad[] = {
            "HTTP/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Sec-WebSocket-Protocol: other\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
        };
        static const enum wsf_error want[] = {
            WSF_ERR_NOT_SWITCHING_PROTOCOLS, WSF_ERR_ACCEPT_MISMATCH, WSF_ERR_PROTOCOL_NOT_OFFERED,
            WSF_ERR_EXTENSION_NOT_OFFERED,   WSF_ERR_MISSING_UPGRADE,
        };
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
            CHECK_ERR(wsf_client_response_parse((const uint8_t *)bad[i], strlen(bad[i]), &r, NULL,
                                                &resp, &head_len),
                      want[i]);
    }
    CHECK_ERR(wsf_client_response_parse((const uint8_t *)ok, strlen(ok), NULL, NULL, &resp,
                                        &head_len),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_client_response_parse((const uint8_t *)ok, strlen(ok), &r, NULL, NULL,
                                        &head_len),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_client_response_parse(NULL, 5, &r, NULL, &resp, &head_len),
              WSF_ERR_NULL_POINTER);

    /* Requests that cannot be sent. */
    r.path = S("no-slash");
    CHECK_ERR(wsf_client_request_write(&r, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
    r.path = S("/chat");
    r.host = S("\xff\xfe");
    CHECK_ERR(wsf_client_request_write(&r, out, sizeof out, &n), WSF_ERR_INVALID_TEXT);
    r.host = S("h");
    protocols[1] = S("not a token");
    CHECK_ERR(wsf_client_request_write(&r, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
    r.protocol_count = WSF_MAX_PROTOCOLS + 1;
    CHECK_ERR(wsf_client_request_write(&r, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
    r.protocols = NULL;
    r.protocol_count = 1;
    CHECK_ERR(wsf_client_request_write(&r, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
}

/* ---- connections ---------------------------------------------------------------- */

static struct wsf_conn *new_server(void **storage, const struct wsf_config *config) {
    *storage = malloc(wsf_conn_size());
    return wsf_conn_init_server(*storage, wsf_conn_size(), config);
}

/* A fixed masking seed: tests only; a program takes it from its random source. */
static const uint8_t SAMPLE_SEED[WSF_MASK_SEED_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static struct wsf_conn *new_client(void **storage) {
    *storage = malloc(wsf_conn_size());
    return wsf_conn_init_client(*storage, wsf_conn_size(), NULL, SAMPLE_SEED);
}

/* Passes `len` bytes to `conn` and expects exactly one event. */
static enum wsf_error feed(struct wsf_conn *conn, uint8_t *buf, size_t len, struct wsf_event *ev) {
    return wsf_conn_receive(conn, buf, len, ev);
}

static void test_conn_storage(void) {
    void *storage;
    uint8_t *raw;
    struct wsf_config config;
    static const uint8_t seed[WSF_MASK_SEED_LEN] = {0};

    CHECK(wsf_conn_size() > 0);
    CHECK(wsf_conn_align() > 0 && (wsf_conn_align() & (wsf_conn_align() - 1)) == 0);
    CHECK_ERR(wsf_config_default(&config), WSF_OK);
    CHECK(config.max_frame_len == 16u << 20 && config.max_message_len == 16u << 20);
    CHECK(config.max_fragments == 131072 && config.auto_pong);
    CHECK(config.handshake.max_bytes == 8192 && config.handshake.max_headers == 32);
    CHECK_ERR(wsf_config_default(NULL), WSF_ERR_NULL_POINTER);

    raw = malloc(wsf_conn_size() + 16);
    storage = raw;
    CHECK(wsf_conn_init_server(NULL, wsf_conn_size(), NULL) == NULL);
    CHECK(wsf_conn_init_server(storage, wsf_conn_size() - 1, NULL) == NULL);
    if (wsf_conn_align() > 1)
        CHECK(wsf_conn_init_server(raw + 1, wsf_conn_size() + 8, NULL) == NULL);
    CHECK(wsf_conn_init_server(storage, wsf_conn_size(), &config) == (struct wsf_conn *)storage);
    CHECK(wsf_conn_ready_state(storage) == WSF_STATE_CONNECTING);
    CHECK(wsf_conn_init_client(storage, wsf_conn_size(), NULL, NULL) == NULL);
    CHECK(wsf_conn_init_client(NULL, wsf_conn_size(), NULL, seed) == NULL);
    CHECK(wsf_conn_init_client(storage, 8, NULL, seed) == NULL);
    CHECK(wsf_conn_init_client(storage, wsf_conn_size(), &config, seed) != NULL);
    free(raw);

    /* Static storage of the published size. */
    {
        static union {
            uint64_t align;
            unsigned char bytes[WSF_CONN_STORAGE_SIZE];
        } fixed;
        CHECK(wsf_conn_size() <= WSF_CONN_STORAGE_SIZE && wsf_conn_align() <= WSF_CONN_STORAGE_ALIGN);
        CHECK(wsf_conn_init_client(&fixed, sizeof fixed, NULL, seed) == (void *)&fixed);
        CHECK(wsf_conn_ready_state((const struct wsf_conn *)(const void *)&fixed) ==
              WSF_STATE_CONNECTING);
    }

    /* NULL connections are refused, never dereferenced. */
    {
        uint8_t out[64], in[4] = {0};
        size_t n = 0;
        struct wsf_event ev;
        CHECK(wsf_conn_ready_state(NULL) == WSF_STATE_CLOSED);
        CHECK(!wsf_conn_wants_transmit(NULL));
        wsf_conn_abort(NULL);
        CHECK_ERR(wsf_conn_set_handshake_done(NULL), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_receive(NULL, in, 4, &ev), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_poll_transmit(NULL, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_accept(NULL, NULL, NULL, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_reject(NULL, 403, S(NULL), out, sizeof out, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_write_request(NULL, NULL, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_text(NULL, "a", 1, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_binary(NULL, in, 1, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_fragment(NULL, WSF_DATA_TEXT, in, 0, true, out, sizeof out, &n),
                  WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_in_place(NULL, WSF_DATA_BINARY, true, out, sizeof out, 14, &n),
                  WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_ping(NULL, in, 1, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_pong(NULL, in, 1, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_close(NULL, 1000, S(NULL), out, sizeof out, &n),
                  WSF_ERR_NULL_POINTER);
    }
}

/* A client and a server talking through buffers: handshake, data both ways,
 * fragments, ping/pong, sending in place, and the closing handshake. */
static void test_conn_exchange(void) {
    void *ss, *cs;
    struct wsf_conn *server = new_server(&ss, NULL), *client = new_client(&cs);
    struct wsf_str protocols[1];
    struct wsf_client_request creq;
    struct wsf_response resp;
    struct wsf_event ev;
    uint8_t wire[2048], out[256];
    size_t n = 0, m = 0;

    CHECK(server && client);
    protocols[0] = S("chat");
    creq = client_request(protocols, 1);
    CHECK_ERR(wsf_conn_send_text(client, "x", 1, wire, sizeof wire, &n), WSF_ERR_CONNECTING);
    CHECK_ERR(wsf_conn_write_request(client, &creq, wire, sizeof wire, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_write_request(client, &creq, wire, sizeof wire, &n), WSF_OK);
    CHECK(contains(wire, n, "Sec-WebSocket-Protocol: chat\r\n"));
    CHECK_ERR(wsf_conn_write_request(client, &creq, wire, sizeof wire, &m), WSF_ERR_INVALID_ARGUMENT);

    /* The server sees the request in two pieces. */
    CHECK_ERR(feed(server, wire, 20, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_NONE && ev.consumed == 0);
    CHECK_ERR(feed(server, wire, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_REQUEST && ev.consumed == n);
    CHECK(str_eq(ev.request.path, "/chat") && str_eq(ev.request.host, "server.example.com"));
    CHECK(ev.request.origin.ptr == NULL);
    CHECK(wsf_conn_ready_state(server) == WSF_STATE_CONNECTING);
    memset(&resp, 0, sizeof resp);
    resp.protocol = S("chat");
    CHECK_ERR(wsf_conn_accept(server, &ev.request, &resp, out, 10, &m), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK_ERR(wsf_conn_accept(server, &ev.request, &resp, out, sizeof out, NULL),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_accept(server, NULL, &resp, out, sizeof out, &m), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_accept(server, &ev.request, &resp, out, sizeof out, &m), WSF_OK);
    CHECK(wsf_conn_ready_state(server) == WSF_STATE_OPEN);
    CHECK_ERR(wsf_conn_accept(server, &ev.request, &resp, out, sizeof out, &n),
              WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_conn_reject(server, 403, S(NULL), out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);

    /* The client checks the response. */
    memcpy(wire, out, m);
    CHECK_ERR(feed(client, wire, m, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_OPENED && ev.consumed == m);
    CHECK(str_eq(ev.response.protocol, "chat") && ev.response.head == wire);
    CHECK(wsf_conn_ready_state(client) == WSF_STATE_OPEN);
    CHECK_ERR(wsf_conn_set_handshake_done(client), WSF_ERR_INVALID_ARGUMENT);

    /* Text from the client, unmasked in place at the server. */
    CHECK_ERR(wsf_conn_send_text(client, "Hello", 5, wire, sizeof wire, &n), WSF_OK);
    CHECK(n == 11 && wire[0] == 0x81 && wire[1] == 0x85);
    CHECK_ERR(feed(server, wire, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_DATA && ev.data_kind == WSF_DATA_TEXT && ev.consumed == n);
    CHECK(ev.end_of_frame && ev.end_of_message && ev.payload_len == 5);
    CHECK(ev.payload == wire + 6 && memcmp(ev.payload, "Hello", 5) == 0);
    CHECK_ERR(wsf_conn_send_text(client, "\xc3\x28", 2, wire, sizeof wire, &n),
              WSF_ERR_INVALID_TEXT);
    CHECK_ERR(wsf_conn_send_text(client, "Hello", 5, wire, 8, &n), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 11);
    CHECK_ERR(wsf_conn_send_text(client, "Hello", 5, wire, sizeof wire, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_send_text(client, NULL, 5, wire, sizeof wire, &n), WSF_ERR_NULL_POINTER);

    /* Binary from the server, split at the client into header and payload pieces. */
    {
        uint8_t data[300];
        size_t i;
        for (i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)i;
        CHECK_ERR(wsf_conn_send_binary(server, data, sizeof data, wire, sizeof wire, &n), WSF_OK);
        CHECK(n == 304 && wire[0] == 0x82 && wire[1] == 126);
        CHECK_ERR(feed(client, wire, 3, &ev), WSF_OK);
        CHECK(ev.event_type == WSF_EVENT_NONE && ev.consumed == 0);
        CHECK_ERR(feed(client, wire, 104, &ev), WSF_OK);
        CHECK(ev.event_type == WSF_EVENT_DATA && ev.data_kind == WSF_DATA_BINARY);
        CHECK(ev.payload_len == 100 && ev.end_of_frame == false && ev.consumed == 104);
        CHECK(memcmp(ev.payload, data, 100) == 0);
        CHECK_ERR(feed(client, wire + 104, n - 104, &ev), WSF_OK);
        CHECK(ev.payload_len == 200 && ev.end_of_message && memcmp(ev.payload, data + 100, 200) == 0);
        CHECK_ERR(wsf_conn_send_binary(server, NULL, 3, wire, sizeof wire, &n), WSF_ERR_NULL_POINTER);
    }

    /* Fragments: order is enforced. */
    CHECK_ERR(wsf_conn_send_fragment(client, WSF_DATA_TEXT, (const uint8_t *)"Hel", 3, false, wire,
                                     sizeof wire, &n),
              WSF_OK);
    CHECK_ERR(wsf_conn_send_binary(client, (const uint8_t *)"x", 1, out, sizeof out, &m),
              WSF_ERR_FRAGMENT_ORDER);
    CHECK_ERR(wsf_conn_send_fragment(client, WSF_DATA_BINARY, (const uint8_t *)"x", 1, true, out,
                                     sizeof out, &m),
              WSF_ERR_FRAGMENT_ORDER);
    CHECK_ERR(wsf_conn_send_fragment(client, 9, (const uint8_t *)"x", 1, true, out, sizeof out, &m),
              WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_conn_send_fragment(client, WSF_DATA_TEXT, (const uint8_t *)"lo", 2, true,
                                     wire + n, sizeof wire - n, &m),
              WSF_OK);
    CHECK_ERR(feed(server, wire, n + m, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_DATA && !ev.end_of_message && ev.end_of_frame);
    CHECK(ev.payload_len == 3 && memcmp(ev.payload, "Hel", 3) == 0 && ev.consumed == n);
    CHECK_ERR(feed(server, wire + n, m, &ev), WSF_OK);
    CHECK(ev.end_of_message && ev.payload_len == 2 && memcmp(ev.payload, "lo", 2) == 0);
    CHECK_ERR(feed(server, wire + n + m, 0, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_NONE);

    /* Ping: the pong is owed through poll_transmit; a short buffer keeps it owed. */
    CHECK_ERR(wsf_conn_send_ping(client, (const uint8_t *)"hb", 2, wire, sizeof wire, &n), WSF_OK);
    CHECK(!wsf_conn_wants_transmit(server));
    CHECK_ERR(feed(server, wire, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_PING && ev.payload_len == 2 && memcmp(ev.payload, "hb", 2) == 0);
    CHECK(wsf_conn_wants_transmit(server));
    CHECK_ERR(wsf_conn_poll_transmit(server, out, 2, &m), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(m == 4 && wsf_conn_wants_transmit(server));
    CHECK_ERR(wsf_conn_poll_transmit(server, out, sizeof out, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_poll_transmit(server, out, sizeof out, &m), WSF_OK);
    CHECK(m == 4 && out[0] == 0x8a && out[1] == 2 && memcmp(out + 2, "hb", 2) == 0);
    CHECK_ERR(wsf_conn_poll_transmit(server, out, sizeof out, &m), WSF_OK);
    CHECK(m == 0 && !wsf_conn_wants_transmit(server));
    CHECK_ERR(feed(client, out, 4, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_PONG && ev.payload_len == 2 && memcmp(ev.payload, "hb", 2) == 0);
    CHECK_ERR(wsf_conn_send_pong(server, (const uint8_t *)"u", 1, wire, sizeof wire, &n), WSF_OK);
    CHECK(n == 3 && wire[0] == 0x8a);
    {
        uint8_t big[126];
        memset(big, 'p', sizeof big);
        CHECK_ERR(wsf_conn_send_ping(client, big, sizeof big, wire, sizeof wire, &n),
                  WSF_ERR_CONTROL_PAYLOAD_TOO_LONG);
        CHECK_ERR(wsf_conn_send_pong(client, big, sizeof big, wire, sizeof wire, &n),
                  WSF_ERR_CONTROL_PAYLOAD_TOO_LONG);
        CHECK_ERR(wsf_conn_send_ping(client, NULL, 1, wire, sizeof wire, &n), WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_pong(client, NULL, 1, wire, sizeof wire, &n), WSF_ERR_NULL_POINTER);
    }

    /* In place: the header goes in front of the payload; a client masks in place. */
    {
        size_t start = 99;
        memset(wire, 0, WSF_MAX_HEADER_LEN);
        memcpy(wire + WSF_MAX_HEADER_LEN, "abc", 3);
        CHECK_ERR(wsf_conn_send_in_place(client, WSF_DATA_BINARY, true, wire,
                                         WSF_MAX_HEADER_LEN + 3, WSF_MAX_HEADER_LEN, &start),
                  WSF_OK);
        CHECK(start == WSF_MAX_HEADER_LEN - 6 && wire[start] == 0x82 && wire[start + 1] == 0x83);
        CHECK_ERR(feed(server, wire + start, WSF_MAX_HEADER_LEN + 3 - start, &ev), WSF_OK);
        CHECK(ev.event_type == WSF_EVENT_DATA && ev.payload_len == 3 &&
              memcmp(ev.payload, "abc", 3) == 0);
        CHECK_ERR(wsf_conn_send_in_place(client, WSF_DATA_BINARY, true, wire, 10, 5, &start),
                  WSF_ERR_BUFFER_TOO_SMALL);
        CHECK_ERR(wsf_conn_send_in_place(client, WSF_DATA_BINARY, true, wire, 10, 20, &start),
                  WSF_ERR_BUFFER_TOO_SMALL);
        CHECK_ERR(wsf_conn_send_in_place(client, 0, true, wire, 20, 14, &start),
                  WSF_ERR_INVALID_ARGUMENT);
        CHECK_ERR(wsf_conn_send_in_place(client, WSF_DATA_TEXT, true, wire, 20, 14, NULL),
                  WSF_ERR_NULL_POINTER);
        CHECK_ERR(wsf_conn_send_in_place(client, WSF_DATA_TEXT, true, NULL, 20, 14, &start),
                  WSF_ERR_NULL_POINTER);
    }

    /* The closing handshake, started by the client. */
    CHECK_ERR(wsf_conn_send_close(client, 1006, S(NULL), wire, sizeof wire, &n),
              WSF_ERR_CLOSE_CODE_NOT_SENDABLE);
    CHECK_ERR(wsf_conn_send_close(client, 1000, S("\xff"), wire, sizeof wire, &n),
              WSF_ERR_INVALID_TEXT);
    CHECK_ERR(wsf_conn_send_close(client, 1000, S("bye"), wire, 4, &n), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(wsf_conn_ready_state(client) == WSF_STATE_OPEN);
    CHECK_ERR(wsf_conn_send_close(client, 1000, S("bye"), wire, sizeof wire, &n), WSF_OK);
    CHECK(wsf_conn_ready_state(client) == WSF_STATE_CLOSING);
    CHECK_ERR(wsf_conn_send_text(client, "late", 4, out, sizeof out, &m), WSF_ERR_NOT_OPEN);
    CHECK_ERR(feed(server, wire, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_CLOSE && ev.close.code == 1000 && str_eq(ev.close.reason, "bye"));
    CHECK(wsf_conn_ready_state(server) == WSF_STATE_CLOSING && wsf_conn_wants_transmit(server));
    CHECK_ERR(feed(server, wire, n, &ev), WSF_ERR_CLOSED);
    CHECK_ERR(wsf_conn_poll_transmit(server, out, sizeof out, &m), WSF_OK);
    CHECK(m == 4 && out[0] == 0x88 && out[1] == 2 && out[2] == 0x03 && out[3] == 0xe8);
    CHECK(wsf_conn_ready_state(server) == WSF_STATE_CLOSED);
    CHECK_ERR(wsf_conn_send_binary(server, NULL, 0, wire, sizeof wire, &n), WSF_ERR_NOT_OPEN);
    CHECK_ERR(wsf_conn_send_close(server, 1000, S(NULL), wire, sizeof wire, &n), WSF_ERR_NOT_OPEN);
    CHECK_ERR(feed(client, out, m, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_CLOSE && ev.close.code == 1000 && ev.close.reason.len == 0);
    CHECK(wsf_conn_ready_state(client) == WSF_STATE_CLOSED && !wsf_conn_wants_transmit(client));
    CHECK_ERR(feed(client, NULL, 0, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_NONE);
    CHECK_ERR(feed(client, out, m, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(feed(client, NULL, 4, &ev), WSF_ERR_NULL_POINTER);
    free(ss);
    free(cs);
}

/* Writes a masked client frame with `wsf_frame_write`. */
static size_t client_frame(uint8_t opcode, bool fin, const char *payload, size_t len, uint8_t *out,
                           size_t cap) {
    struct wsf_frame_header h;
    size_t n = 0;
    memset(&h, 0, sizeof h);
    h.fin = fin;
    h.opcode = opcode;
    h.masked = true;
    memcpy(h.mask_key, MASK_KEY, 4);
    CHECK_ERR(wsf_frame_write(&h, (const uint8_t *)payload, len, out, cap, &n), WSF_OK);
    return n;
}

/* A failure owes the failing close frame with the error's close code. */
static void expect_failure(struct wsf_conn *conn, uint8_t *frame, size_t len, enum wsf_error want,
                           uint8_t code_hi, uint8_t code_lo) {
    struct wsf_event ev;
    uint8_t out[WSF_MAX_CONTROL_FRAME_LEN];
    size_t n = 0;
    enum wsf_error err = feed(conn, frame, len, &ev);
    CHECK_ERR(err, want);
    CHECK(ev.event_type == WSF_EVENT_NONE);
    CHECK(wsf_conn_wants_transmit(conn));
    CHECK_ERR(wsf_conn_poll_transmit(conn, out, sizeof out, &n), WSF_OK);
    CHECK(n == 4 && out[0] == 0x88 && out[1] == 2);
    CHECK(out[2] == code_hi && out[3] == code_lo);
    CHECK((out[2] << 8 | out[3]) == wsf_error_close_code(err));
    CHECK(wsf_conn_ready_state(conn) == WSF_STATE_CLOSED);
    CHECK_ERR(feed(conn, frame, len, &ev), WSF_ERR_CLOSED);
}

static void test_conn_failures(void) {
    void *storage;
    struct wsf_conn *conn;
    struct wsf_config config;
    struct wsf_event ev;
    uint8_t frame[256], out[512];
    size_t n = 0;

    /* An unmasked frame at a server: 1002. */
    conn = new_server(&storage, NULL);
    CHECK_ERR(wsf_conn_set_handshake_done(conn), WSF_OK);
    CHECK(wsf_conn_ready_state(conn) == WSF_STATE_OPEN);
    frame[0] = 0x81;
    frame[1] = 0x01;
    frame[2] = 'a';
    expect_failure(conn, frame, 3, WSF_ERR_UNMASKED_FRAME, 0x03, 0xea);
    free(storage);

    /* Invalid UTF-8 in a text message: 1007. */
    conn = new_server(&storage, NULL);
    wsf_conn_set_handshake_done(conn);
    n = client_frame(WSF_OPCODE_TEXT, true, "\xce\xba\xff", 3, frame, sizeof frame);
    expect_failure(conn, frame, n, WSF_ERR_INVALID_UTF8, 0x03, 0xef);
    free(storage);

    /* A continuation with no message: 1002. */
    conn = new_server(&storage, NULL);
    wsf_conn_set_handshake_done(conn);
    n = client_frame(WSF_OPCODE_CONTINUATION, true, "x", 1, frame, sizeof frame);
    expect_failure(conn, frame, n, WSF_ERR_UNEXPECTED_CONTINUATION, 0x03, 0xea);
    free(storage);

    /* Over the configured message size: 1009. */
    wsf_config_default(&config);
    config.max_message_len = 4;
    conn = new_server(&storage, &config);
    wsf_conn_set_handshake_done(conn);
    n = client_frame(WSF_OPCODE_BINARY, true, "12345", 5, frame, sizeof frame);
    expect_failure(conn, frame, n, WSF_ERR_MESSAGE_TOO_LARGE, 0x03, 0xf1);
    free(storage);

    /* A bad close payload: 1002. */
    conn = new_server(&storage, NULL);
    wsf_conn_set_handshake_done(conn);
    n = client_frame(WSF_OPCODE_CLOSE, true, "\x03", 1, frame, sizeof frame);
    expect_failure(conn, frame, n, WSF_ERR_INVALID_CLOSE_PAYLOAD, 0x03, 0xea);
    free(storage);

    /* A bad opening request owes the HTTP rejection. */
    conn = new_server(&storage, NULL);
    {
        static const char bad[] = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Key: "
                                  "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n";
        memcpy(frame, bad, sizeof bad - 1);
        CHECK_ERR(feed(conn, frame, sizeof bad - 1, &ev), WSF_ERR_UNSUPPORTED_VERSION);
        CHECK(wsf_conn_wants_transmit(conn));
        CHECK_ERR(wsf_conn_poll_transmit(conn, out, sizeof out, &n), WSF_OK);
        CHECK(contains(out, n, "HTTP/1.1 426 ") && contains(out, n, "Sec-WebSocket-Version: 13"));
        CHECK(wsf_conn_ready_state(conn) == WSF_STATE_CLOSED);
    }
    free(storage);

    /* The application refuses a valid request. */
    conn = new_server(&storage, NULL);
    memcpy(out, REQUEST, strlen(REQUEST));
    CHECK_ERR(feed(conn, out, strlen(REQUEST), &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_REQUEST);
    CHECK(str_eq(ev.request.origin, "https://example.com"));
    CHECK_ERR(wsf_conn_reject(conn, 999, S(NULL), frame, sizeof frame, &n),
              WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_conn_reject(conn, 403, S(NULL), frame, sizeof frame, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_reject(conn, 403, S(NULL), frame, sizeof frame, &n), WSF_OK);
    CHECK(contains(frame, n, "HTTP/1.1 403 Forbidden"));
    CHECK(wsf_conn_ready_state(conn) == WSF_STATE_CLOSED);
    CHECK_ERR(wsf_conn_accept(conn, &ev.request, NULL, frame, sizeof frame, &n),
              WSF_ERR_INVALID_ARGUMENT);
    free(storage);

    /* The client fails on a bad response; abort closes anything. */
    conn = new_client(&storage);
    {
        struct wsf_client_request r = client_request(NULL, 0);
        static const char reply[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
        CHECK_ERR(wsf_conn_write_request(conn, &r, out, sizeof out, &n), WSF_OK);
        memcpy(frame, reply, sizeof reply - 1);
        CHECK_ERR(feed(conn, frame, sizeof reply - 1, &ev), WSF_ERR_NOT_SWITCHING_PROTOCOLS);
        CHECK(wsf_conn_ready_state(conn) == WSF_STATE_CLOSED && !wsf_conn_wants_transmit(conn));
    }
    CHECK(wsf_conn_init_client(storage, wsf_conn_size(), NULL, SAMPLE_SEED) != NULL);
    {
        struct wsf_str bad_protocol = S("a b");
        struct wsf_client_request r = client_request(&bad_protocol, 1);
        CHECK_ERR(wsf_conn_write_request(conn, &r, out, sizeof out, &n), WSF_ERR_INVALID_ARGUMENT);
        CHECK_ERR(wsf_conn_write_request(conn, NULL, out, sizeof out, &n), WSF_ERR_NULL_POINTER);
    }
    wsf_conn_abort(conn);
    CHECK(wsf_conn_ready_state(conn) == WSF_STATE_CLOSED);
    CHECK_ERR(wsf_conn_set_handshake_done(conn), WSF_ERR_INVALID_ARGUMENT);
    free(storage);
}

/* A masked client frame with RSV bits. */
static size_t client_frame_rsv(uint8_t opcode, bool fin, uint8_t rsv, const uint8_t *payload,
                               size_t len, uint8_t *out, size_t cap) {
    struct wsf_frame_header h;
    size_t n = 0;
    memset(&h, 0, sizeof h);
    h.fin = fin;
    h.rsv = rsv;
    h.opcode = opcode;
    h.masked = true;
    memcpy(h.mask_key, MASK_KEY, 4);
    CHECK_ERR(wsf_frame_write(&h, payload, len, out, cap, &n), WSF_OK);
    return n;
}

/* RFC 7692 §7.2.3.1: "Hello" compressed (not valid UTF-8 as it is). */
static const uint8_t DEFLATED_HELLO[] = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};

/* RSV1 on a connection (permessage-deflate's bit): refused until allowed, then carried
 * as `compressed` on a message's first frame only; compressed sends; failing with a
 * code found above the library. None of this needs the deflate feature. */
static void test_conn_rsv(void) {
    void *storage;
    struct wsf_conn *conn;
    struct wsf_event ev;
    uint8_t frame[256], out[256];
    size_t n = 0, m = 0;

    /* Not negotiated: RSV1 fails the connection with 1002, and cannot be sent. */
    conn = new_server(&storage, NULL);
    CHECK_ERR(wsf_conn_set_handshake_done(conn), WSF_OK);
    CHECK_ERR(wsf_conn_send_compressed(conn, WSF_DATA_TEXT, DEFLATED_HELLO, sizeof DEFLATED_HELLO,
                                       out, sizeof out, &n),
              WSF_ERR_EXTENSION_NOT_NEGOTIATED);
    CHECK_ERR(wsf_conn_send_compressed_fragment(conn, WSF_DATA_BINARY, DEFLATED_HELLO, 1, false,
                                                out, sizeof out, &n),
              WSF_ERR_EXTENSION_NOT_NEGOTIATED);
    n = client_frame_rsv(WSF_OPCODE_TEXT, true, WSF_RSV1, DEFLATED_HELLO, sizeof DEFLATED_HELLO,
                         frame, sizeof frame);
    expect_failure(conn, frame, n, WSF_ERR_RESERVED_BITS, 0x03, 0xea);
    free(storage);

    /* Allowed: the compressed payload is delivered as it is, unchecked for UTF-8. */
    conn = new_server(&storage, NULL);
    wsf_conn_set_handshake_done(conn);
    CHECK_ERR(wsf_conn_set_allowed_rsv(conn, WSF_RSV1), WSF_OK);
    CHECK_ERR(wsf_conn_set_allowed_rsv(NULL, WSF_RSV1), WSF_ERR_NULL_POINTER);
    n = client_frame_rsv(WSF_OPCODE_TEXT, true, WSF_RSV1, DEFLATED_HELLO, sizeof DEFLATED_HELLO,
                         frame, sizeof frame);
    CHECK_ERR(feed(conn, frame, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_DATA && ev.compressed && ev.end_of_message);
    CHECK(ev.data_kind == WSF_DATA_TEXT && ev.payload_len == sizeof DEFLATED_HELLO);
    CHECK(memcmp(ev.payload, DEFLATED_HELLO, sizeof DEFLATED_HELLO) == 0);
    n = client_frame_rsv(WSF_OPCODE_BINARY, true, 0, (const uint8_t *)"ab", 2, frame, sizeof frame);
    CHECK_ERR(feed(conn, frame, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_DATA && !ev.compressed);
    /* A fragmented compressed message: its continuation is compressed too. */
    n = client_frame_rsv(WSF_OPCODE_BINARY, false, WSF_RSV1, DEFLATED_HELLO, 3, frame, sizeof frame);
    CHECK_ERR(feed(conn, frame, n, &ev), WSF_OK);
    CHECK(ev.compressed && !ev.end_of_message);
    n = client_frame_rsv(WSF_OPCODE_CONTINUATION, true, 0, DEFLATED_HELLO + 3, 4, frame,
                         sizeof frame);
    CHECK_ERR(feed(conn, frame, n, &ev), WSF_OK);
    CHECK(ev.compressed && ev.end_of_message && ev.payload_len == 4);

    /* Sending: RSV1 on the first frame of a message only (server frames are unmasked). */
    CHECK_ERR(wsf_conn_send_compressed(conn, WSF_DATA_TEXT, DEFLATED_HELLO, sizeof DEFLATED_HELLO,
                                       out, sizeof out, &n),
              WSF_OK);
    CHECK(n == 2 + sizeof DEFLATED_HELLO && out[0] == 0xc1 && out[1] == sizeof DEFLATED_HELLO);
    CHECK(memcmp(out + 2, DEFLATED_HELLO, sizeof DEFLATED_HELLO) == 0);
    CHECK_ERR(wsf_conn_send_compressed(conn, WSF_DATA_TEXT, DEFLATED_HELLO, sizeof DEFLATED_HELLO,
                                       out, 4, &n),
              WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 2 + sizeof DEFLATED_HELLO);
    CHECK_ERR(wsf_conn_send_compressed_fragment(conn, WSF_DATA_BINARY, DEFLATED_HELLO, 3, false,
                                                out, sizeof out, &n),
              WSF_OK);
    CHECK(n == 5 && out[0] == 0x42);
    CHECK_ERR(wsf_conn_send_compressed(conn, WSF_DATA_BINARY, DEFLATED_HELLO, 1, out, sizeof out,
                                       &n),
              WSF_ERR_FRAGMENT_ORDER);
    CHECK_ERR(wsf_conn_send_compressed_fragment(conn, WSF_DATA_BINARY, DEFLATED_HELLO + 3, 4, true,
                                                out, sizeof out, &n),
              WSF_OK);
    CHECK(n == 6 && out[0] == 0x80);
    CHECK_ERR(wsf_conn_send_compressed(conn, 7, DEFLATED_HELLO, 1, out, sizeof out, &n),
              WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_conn_send_compressed_fragment(conn, 0, DEFLATED_HELLO, 1, true, out, sizeof out,
                                                &n),
              WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_conn_send_compressed(conn, WSF_DATA_TEXT, NULL, 3, out, sizeof out, &n),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_send_compressed(conn, WSF_DATA_TEXT, DEFLATED_HELLO, 3, out, sizeof out,
                                       NULL),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_send_compressed(NULL, WSF_DATA_TEXT, DEFLATED_HELLO, 3, out, sizeof out,
                                       &n),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_send_compressed_fragment(NULL, WSF_DATA_TEXT, DEFLATED_HELLO, 3, true, out,
                                                sizeof out, &n),
              WSF_ERR_NULL_POINTER);

    /* RSV1 stays refused on continuations and control frames. */
    n = client_frame_rsv(WSF_OPCODE_TEXT, false, WSF_RSV1, DEFLATED_HELLO, 3, frame, sizeof frame);
    CHECK_ERR(feed(conn, frame, n, &ev), WSF_OK);
    n = client_frame_rsv(WSF_OPCODE_CONTINUATION, true, WSF_RSV1, DEFLATED_HELLO + 3, 4, frame,
                         sizeof frame);
    expect_failure(conn, frame, n, WSF_ERR_RESERVED_BITS, 0x03, 0xea);
    free(storage);
    conn = new_server(&storage, NULL);
    wsf_conn_set_handshake_done(conn);
    wsf_conn_set_allowed_rsv(conn, WSF_RSV1);
    n = client_frame_rsv(WSF_OPCODE_PING, true, WSF_RSV1, (const uint8_t *)"p", 1, frame,
                         sizeof frame);
    expect_failure(conn, frame, n, WSF_ERR_RESERVED_BITS, 0x03, 0xea);
    free(storage);

    /* Failing from above: the close frame with the code is owed, input is refused. */
    conn = new_server(&storage, NULL);
    wsf_conn_set_handshake_done(conn);
    CHECK_ERR(wsf_conn_fail_with(conn, 1005), WSF_ERR_CLOSE_CODE_NOT_SENDABLE);
    CHECK_ERR(wsf_conn_fail_with(conn, 0), WSF_ERR_CLOSE_CODE_NOT_SENDABLE);
    CHECK(!wsf_conn_wants_transmit(conn) && wsf_conn_ready_state(conn) == WSF_STATE_OPEN);
    CHECK_ERR(wsf_conn_fail_with(NULL, 1007), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_conn_fail_with(conn, wsf_error_close_code(WSF_ERR_MESSAGE_TOO_LARGE)), WSF_OK);
    CHECK(wsf_conn_wants_transmit(conn));
    CHECK_ERR(wsf_conn_poll_transmit(conn, out, sizeof out, &m), WSF_OK);
    CHECK(m == 4 && out[0] == 0x88 && out[1] == 2 && out[2] == 0x03 && out[3] == 0xf1);
    CHECK(wsf_conn_ready_state(conn) == WSF_STATE_CLOSED);
    n = client_frame_rsv(WSF_OPCODE_BINARY, true, 0, (const uint8_t *)"ab", 2, frame, sizeof frame);
    CHECK_ERR(feed(conn, frame, n, &ev), WSF_ERR_CLOSED);
    free(storage);
}

#ifdef WSF_HAVE_DEFLATE
static int bytes_eq(const uint8_t *buf, size_t len, const char *want) {
    return len == strlen(want) && memcmp(buf, want, len) == 0;
}

/* Parses a request with `extensions` offered (NULL for none). */
static void request_with(const char *extensions, char *buf, size_t cap, struct wsf_request *req) {
    size_t head_len = 0;
    int n = snprintf(buf, cap,
                     "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     "%s%s%s\r\n",
                     extensions ? "Sec-WebSocket-Extensions: " : "", extensions ? extensions : "",
                     extensions ? "\r\n" : "");
    CHECK(n > 0 && (size_t)n < cap);
    CHECK_ERR(wsf_request_parse((const uint8_t *)buf, (size_t)n, NULL, req, &head_len), WSF_OK);
}

static void test_deflate_negotiation(void) {
    struct wsf_deflate_config config;
    struct wsf_deflate_params params;
    struct wsf_deflate *d = NULL;
    struct wsf_request req;
    char buf[1024], header[128];
    size_t n = 0, head_len = 0;

    CHECK_ERR(wsf_deflate_config_default(&config), WSF_OK);
    CHECK(!config.server_no_context_takeover && !config.client_no_context_takeover);
    CHECK(config.server_max_window_bits == 15 && config.client_max_window_bits == 15);
    CHECK(config.level == 6 && config.min_size == 64);
    CHECK_ERR(wsf_deflate_config_default(NULL), WSF_ERR_NULL_POINTER);

    /* Chromium's offer, in the shared request. */
    CHECK_ERR(wsf_request_parse((const uint8_t *)REQUEST, strlen(REQUEST), NULL, &req, &head_len),
              WSF_OK);
    CHECK_ERR(wsf_deflate_negotiate(&req, NULL, header, sizeof header, &n, &params, &d), WSF_OK);
    CHECK(d != NULL && bytes_eq((const uint8_t *)header, n, "permessage-deflate"));
    CHECK(!params.server_no_context_takeover && !params.client_no_context_takeover);
    CHECK(params.server_max_window_bits == 15 && params.client_max_window_bits == 15);
    wsf_deflate_free(d);
    /* A short buffer: the size needed, nothing created. */
    d = (struct wsf_deflate *)buf;
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, header, 5, &n, NULL, &d),
              WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(n == strlen("permessage-deflate") && d == NULL);
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, NULL, 0, &n, NULL, &d), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK_ERR(wsf_deflate_negotiate(NULL, &config, header, sizeof header, &n, NULL, &d),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, header, sizeof header, NULL, NULL, &d),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, header, sizeof header, &n, NULL, NULL),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, NULL, 10, &n, NULL, &d), WSF_ERR_NULL_POINTER);

    /* No offer: declined. */
    request_with(NULL, buf, sizeof buf, &req);
    n = 99;
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, header, sizeof header, &n, &params, &d), WSF_OK);
    CHECK(d == NULL && n == 0);

    /* An invalid offer is skipped for the next; the offer's parameters are honoured. */
    request_with("x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=16, "
                 "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
                 buf, sizeof buf, &req);
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, header, sizeof header, &n, &params, &d), WSF_OK);
    CHECK(d != NULL && bytes_eq((const uint8_t *)header, n,
                                "permessage-deflate; server_no_context_takeover; "
                                "server_max_window_bits=10"));
    CHECK(params.server_no_context_takeover && params.server_max_window_bits == 10);
    wsf_deflate_free(d);

    /* A server that needs a smaller client window declines an offer that cannot be
     * told so, and says so to one that can. */
    config.client_max_window_bits = 10;
    request_with("permessage-deflate", buf, sizeof buf, &req);
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, header, sizeof header, &n, &params, &d), WSF_OK);
    CHECK(d == NULL && n == 0);
    request_with("permessage-deflate; client_max_window_bits", buf, sizeof buf, &req);
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, header, sizeof header, &n, &params, &d), WSF_OK);
    CHECK(d != NULL && bytes_eq((const uint8_t *)header, n,
                                "permessage-deflate; client_max_window_bits=10"));
    CHECK(params.client_max_window_bits == 10);
    wsf_deflate_free(d);

    /* The client's offer. */
    wsf_deflate_config_default(&config);
    CHECK_ERR(wsf_deflate_offer_write(&config, header, sizeof header, &n), WSF_OK);
    CHECK(bytes_eq((const uint8_t *)header, n, "permessage-deflate; client_max_window_bits"));
    config.server_no_context_takeover = true;
    config.server_max_window_bits = 10;
    CHECK_ERR(wsf_deflate_offer_write(&config, header, sizeof header, &n), WSF_OK);
    CHECK(bytes_eq((const uint8_t *)header, n,
                   "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; "
                   "client_max_window_bits"));
    CHECK_ERR(wsf_deflate_offer_write(&config, header, 10, &n), WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(n == strlen("permessage-deflate; server_no_context_takeover; server_max_window_bits=10; "
                      "client_max_window_bits"));
    CHECK_ERR(wsf_deflate_offer_write(NULL, header, sizeof header, &n), WSF_OK);
    CHECK(bytes_eq((const uint8_t *)header, n, "permessage-deflate; client_max_window_bits"));
    CHECK_ERR(wsf_deflate_offer_write(&config, header, sizeof header, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_offer_write(&config, NULL, 8, &n), WSF_ERR_NULL_POINTER);
}

/* The client checks the server's answer to its offer. */
static void test_deflate_client_answer(void) {
    struct wsf_deflate_config config;
    struct wsf_deflate_params params;
    struct wsf_deflate *d = NULL;
    struct wsf_client_request creq;
    struct wsf_client_response resp;
    char offer[128], buf[512];
    size_t n = 0, head_len = 0;
    static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
    static const char *answers[] = {
        /* accepted, the client's window shrunk */
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9\r\n",
        /* declined */
        "",
        /* client_max_window_bits without a value: invalid in an answer */
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
        /* accepted twice */
        "Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n",
        /* an unknown parameter */
        "Sec-WebSocket-Extensions: permessage-deflate; foo\r\n",
    };
    size_t i;

    wsf_deflate_config_default(&config);
    CHECK_ERR(wsf_deflate_offer_write(&config, offer, sizeof offer, &n), WSF_OK);
    creq = client_request(NULL, 0);
    creq.extensions.ptr = offer;
    creq.extensions.len = n;
    for (i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        int len = snprintf(buf, sizeof buf, "%s%s\r\n", head, answers[i]);
        d = (struct wsf_deflate *)buf;
        CHECK_ERR(wsf_client_response_parse((const uint8_t *)buf, (size_t)len, &creq, NULL, &resp,
                                            &head_len),
                  WSF_OK);
        memset(&params, 0, sizeof params);
        switch (i) {
        case 0:
            CHECK_ERR(wsf_deflate_accept_response(&resp, &creq, &config, &params, &d), WSF_OK);
            CHECK(d != NULL && params.client_max_window_bits == 9);
            CHECK(params.server_max_window_bits == 15 && !params.server_no_context_takeover);
            wsf_deflate_free(d);
            CHECK_ERR(wsf_deflate_accept_response(&resp, &creq, NULL, NULL, &d), WSF_OK);
            CHECK(d != NULL);
            wsf_deflate_free(d);
            /* Checked against another request: the accept value no longer matches. */
            creq.nonce[0] ^= 1;
            CHECK_ERR(wsf_deflate_accept_response(&resp, &creq, &config, &params, &d),
                      WSF_ERR_ACCEPT_MISMATCH);
            creq.nonce[0] ^= 1;
            CHECK(d == NULL);
            CHECK_ERR(wsf_deflate_accept_response(NULL, &creq, &config, &params, &d),
                      WSF_ERR_NULL_POINTER);
            CHECK_ERR(wsf_deflate_accept_response(&resp, NULL, &config, &params, &d),
                      WSF_ERR_NULL_POINTER);
            CHECK_ERR(wsf_deflate_accept_response(&resp, &creq, &config, &params, NULL),
                      WSF_ERR_NULL_POINTER);
            break;
        case 1:
            CHECK_ERR(wsf_deflate_accept_response(&resp, &creq, &config, &params, &d), WSF_OK);
            CHECK(d == NULL);
            break;
        default:
            CHECK_ERR(wsf_deflate_accept_response(&resp, &creq, &config, &params, &d),
                      WSF_ERR_DEFLATE_NEGOTIATION);
            CHECK(d == NULL);
            break;
        }
    }
    /* A server that ignores server_no_context_takeover does not honour the offer. */
    config.server_no_context_takeover = true;
    CHECK_ERR(wsf_deflate_offer_write(&config, offer, sizeof offer, &n), WSF_OK);
    creq.extensions.len = n;
    {
        int len = snprintf(buf, sizeof buf, "%s%s\r\n", head,
                           "Sec-WebSocket-Extensions: permessage-deflate\r\n");
        CHECK_ERR(wsf_client_response_parse((const uint8_t *)buf, (size_t)len, &creq, NULL, &resp,
                                            &head_len),
                  WSF_OK);
        CHECK_ERR(wsf_deflate_accept_response(&resp, &creq, &config, &params, &d),
                  WSF_ERR_DEFLATE_NEGOTIATION);
    }
    CHECK(wsf_error_kind(WSF_ERR_DEFLATE_NEGOTIATION) == WSF_KIND_PROTOCOL);
    CHECK(wsf_error_close_code(WSF_ERR_DEFLATE_NEGOTIATION) == 0);
    CHECK(wsf_error_http_status(WSF_ERR_DEFLATE_NEGOTIATION) == 0);
}

/* A server context and a client context that agreed on `offer`. */
static void deflate_pair(const char *offer, struct wsf_deflate **server, struct wsf_deflate **client) {
    struct wsf_deflate_config config;
    struct wsf_client_request creq;
    struct wsf_client_response cresp;
    struct wsf_request req;
    struct wsf_response resp;
    uint8_t wire[1024], answer[1024];
    char header[128];
    size_t n = 0, m = 0, head_len = 0;

    wsf_deflate_config_default(&config);
    config.min_size = 0;
    creq = client_request(NULL, 0);
    creq.extensions = S(offer);
    CHECK_ERR(wsf_client_request_write(&creq, wire, sizeof wire, &n), WSF_OK);
    CHECK_ERR(wsf_request_parse(wire, n, NULL, &req, &head_len), WSF_OK);
    CHECK_ERR(wsf_deflate_negotiate(&req, &config, header, sizeof header, &m, NULL, server), WSF_OK);
    memset(&resp, 0, sizeof resp);
    resp.extensions.ptr = header;
    resp.extensions.len = m;
    CHECK_ERR(wsf_response_write(&req, &resp, answer, sizeof answer, &n), WSF_OK);
    CHECK_ERR(wsf_client_response_parse(answer, n, &creq, NULL, &cresp, &head_len), WSF_OK);
    CHECK_ERR(wsf_deflate_accept_response(&cresp, &creq, &config, NULL, client), WSF_OK);
    CHECK(*server != NULL && *client != NULL);
}

static void test_deflate_codec(void) {
    struct wsf_deflate *server = NULL, *client = NULL;
    uint8_t *big = malloc(1 << 20), *wire = malloc(1 << 20), *msg = malloc(1 << 20);
    static const char json[] = "[{\"id\":1,\"name\":\"wsframe\",\"tags\":[\"a\",\"b\"]},"
                               "{\"id\":2,\"name\":\"wsframe\",\"tags\":[\"a\",\"b\"]},"
                               "{\"id\":3,\"name\":\"wsframe\",\"tags\":[\"a\",\"b\"]}]";
    size_t n = 0, m = 0, k = 0, i, sizes[3];

    deflate_pair("permessage-deflate; client_max_window_bits", &server, &client);

    /* RFC 7692 §7.2.3.1 and §7.2.3.2: the second "Hello" refers to the first. */
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_TEXT, DEFLATED_HELLO, sizeof DEFLATED_HELLO,
                                     true, 1000, msg, 64, &n),
              WSF_OK);
    CHECK(bytes_eq(msg, n, "Hello"));
    {
        static const uint8_t again[] = {0xf2, 0x00, 0x11, 0x00, 0x00};
        CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_TEXT, again, sizeof again, true, 1000,
                                         msg, 64, &n),
                  WSF_OK);
        CHECK(bytes_eq(msg, n, "Hello"));
    }

    /* Client to server, three times: context takeover makes repeats smaller. */
    for (i = 0; i < 3; i++) {
        CHECK(wsf_deflate_should_compress(client, sizeof json - 1));
        CHECK_ERR(wsf_deflate_compress(client, (const uint8_t *)json, sizeof json - 1, wire, 4096,
                                       &m),
                  WSF_OK);
        sizes[i] = m;
        CHECK(m > 0 && m < sizeof json - 1);
        if (i > 0)
            CHECK(sizes[i] < sizes[0]);
        /* Inflated in two pieces into a buffer that is too small at first. */
        CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_TEXT, wire, 3, false, 1000, msg, 4096, &n),
                  WSF_OK);
        CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_TEXT, wire + 3, m - 3, true, 1000, msg + n,
                                         1, &k),
                  WSF_ERR_BUFFER_TOO_SMALL);
        CHECK(n + k == sizeof json - 1 && k > 1);
        CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_TEXT, wire + 3, m - 4, true, 1000, msg + n,
                                         4096, &k),
                  WSF_ERR_INVALID_ARGUMENT);
        CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_TEXT, wire + 3, m - 3, true, 1000, msg + n,
                                         4096, &k),
                  WSF_OK);
        CHECK(n + k == sizeof json - 1 && memcmp(msg, json, n + k) == 0);
    }

    /* Server to client with a buffer too small: the result is held for the same call. */
    for (i = 0; i < sizeof json - 1; i++)
        big[i] = (uint8_t)json[i];
    CHECK_ERR(wsf_deflate_compress(server, big, sizeof json - 1, wire, 4, &m),
              WSF_ERR_BUFFER_TOO_SMALL);
    CHECK(m > 4);
    CHECK_ERR(wsf_deflate_compress(server, big, 3, wire, 4096, &k), WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_deflate_compress(server, big, sizeof json - 1, wire, m, &k), WSF_OK);
    CHECK(k == m);
    CHECK_ERR(wsf_deflate_decompress(client, WSF_DATA_BINARY, wire, m, true, 1000, msg, 4096, &n),
              WSF_OK);
    CHECK(n == sizeof json - 1 && memcmp(msg, json, n) == 0);

    /* An empty message. */
    CHECK_ERR(wsf_deflate_compress(client, NULL, 0, wire, 4096, &m), WSF_OK);
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_BINARY, wire, m, true, 1000, msg, 4096, &n),
              WSF_OK);
    CHECK(n == 0);

    /* A decompression bomb: 1 MiB of zeros in a few bytes stops at the limit (1009),
     * also when the limit is reached across pieces. */
    memset(big, 0, 1 << 20);
    CHECK_ERR(wsf_deflate_compress(client, big, 1 << 20, wire, 1 << 20, &m), WSF_OK);
    CHECK(m < 4096);
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_BINARY, wire, m, true, 100000, msg, 1 << 20,
                                     &n),
              WSF_ERR_MESSAGE_TOO_LARGE);
    CHECK(wsf_error_close_code(WSF_ERR_MESSAGE_TOO_LARGE) == 1009);
    wsf_deflate_free(server);
    wsf_deflate_free(client);

    deflate_pair("permessage-deflate; client_no_context_takeover", &server, &client);
    CHECK_ERR(wsf_deflate_compress(client, big, 1 << 16, wire, 1 << 20, &m), WSF_OK);
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_BINARY, wire, m / 2, false, (1 << 16) - 1, msg,
                                     1 << 20, &n),
              WSF_OK);
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_BINARY, wire + m / 2, m - m / 2, true,
                                     (1 << 16) - 1, msg + n, (1 << 20) - n, &k),
              WSF_ERR_MESSAGE_TOO_LARGE);
    wsf_deflate_free(server);
    wsf_deflate_free(client);

    /* Text that is not UTF-8 once inflated: 1007; the same bytes as binary are fine. */
    deflate_pair("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                 &server, &client);
    CHECK_ERR(wsf_deflate_compress(client, (const uint8_t *)"ok \xce\xba\xff", 6, wire, 4096, &m),
              WSF_OK);
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_BINARY, wire, m, true, 1000, msg, 4096, &n),
              WSF_OK);
    CHECK(n == 6);
    CHECK_ERR(wsf_deflate_compress(client, (const uint8_t *)"ok \xce\xba\xff", 6, wire, 4096, &m),
              WSF_OK);
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_TEXT, wire, m, true, 1000, msg, 4096, &n),
              WSF_ERR_INVALID_UTF8);
    /* A code point cut at the end of the message. */
    CHECK_ERR(wsf_deflate_compress(client, (const uint8_t *)"ok \xce", 4, wire, 4096, &m), WSF_OK);
    wsf_deflate_free(server);
    wsf_deflate_free(client);
    deflate_pair("permessage-deflate; client_no_context_takeover", &server, &client);
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_TEXT, wire, m, true, 1000, msg, 4096, &n),
              WSF_ERR_INVALID_UTF8);
    wsf_deflate_free(server);
    wsf_deflate_free(client);

    /* Data that does not inflate: 1007. */
    deflate_pair("permessage-deflate", &server, &client);
    memset(wire, 0xff, 16);
    CHECK_ERR(wsf_deflate_decompress(server, WSF_DATA_BINARY, wire, 16, true, 1000, msg, 4096, &n),
              WSF_ERR_INVALID_COMPRESSED_DATA);
    CHECK(wsf_error_close_code(WSF_ERR_INVALID_COMPRESSED_DATA) == 1007);
    CHECK(wsf_error_close_code(WSF_ERR_COMPRESSION_FAILED) == 1011);
    CHECK(wsf_error_kind(WSF_ERR_INVALID_COMPRESSED_DATA) == WSF_KIND_PROTOCOL);
    CHECK(strcmp(wsf_strerror(WSF_ERR_INVALID_COMPRESSED_DATA), "invalid compressed data") == 0);

    /* Bad arguments. */
    CHECK(!wsf_deflate_should_compress(NULL, 100));
    CHECK(wsf_deflate_should_compress(client, 0)); /* min_size 0 here */
    CHECK_ERR(wsf_deflate_compress(NULL, big, 1, wire, 16, &m), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_compress(client, NULL, 1, wire, 16, &m), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_compress(client, big, 1, NULL, 16, &m), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_compress(client, big, 1, wire, 16, NULL), WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_decompress(NULL, WSF_DATA_TEXT, wire, 1, true, 10, msg, 16, &n),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_decompress(client, 3, wire, 1, true, 10, msg, 16, &n),
              WSF_ERR_INVALID_ARGUMENT);
    CHECK_ERR(wsf_deflate_decompress(client, WSF_DATA_TEXT, NULL, 1, true, 10, msg, 16, &n),
              WSF_ERR_NULL_POINTER);
    CHECK_ERR(wsf_deflate_decompress(client, WSF_DATA_TEXT, wire, 1, true, 10, msg, 16, NULL),
              WSF_ERR_NULL_POINTER);
    wsf_deflate_free(server);
    wsf_deflate_free(client);
    wsf_deflate_free(NULL);
    free(big);
    free(wire);
    free(msg);
}

/* Two connections with permessage-deflate: negotiated in the handshake, compressed
 * messages both ways with RSV1, inflated at the receiver. */
static void test_deflate_connections(void) {
    void *ss, *cs;
    struct wsf_conn *server = new_server(&ss, NULL), *client = new_client(&cs);
    struct wsf_deflate *sd = NULL, *cd = NULL;
    struct wsf_client_request creq;
    struct wsf_response resp;
    struct wsf_event ev;
    uint8_t wire[2048], out[1024], msg[1024], packed[1024];
    char offer[128], header[128];
    size_t n = 0, m = 0, k = 0;
    static const char text[] = "compressed compressed compressed compressed compressed text";

    CHECK_ERR(wsf_deflate_offer_write(NULL, offer, sizeof offer, &n), WSF_OK);
    creq = client_request(NULL, 0);
    creq.extensions.ptr = offer;
    creq.extensions.len = n;
    CHECK_ERR(wsf_conn_write_request(client, &creq, wire, sizeof wire, &n), WSF_OK);
    CHECK_ERR(feed(server, wire, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_REQUEST);
    CHECK_ERR(wsf_deflate_negotiate(&ev.request, NULL, header, sizeof header, &m, NULL, &sd), WSF_OK);
    CHECK(sd != NULL);
    CHECK(!wsf_deflate_should_compress(sd, 63) && wsf_deflate_should_compress(sd, 64));
    memset(&resp, 0, sizeof resp);
    resp.extensions.ptr = header;
    resp.extensions.len = m;
    CHECK_ERR(wsf_conn_accept(server, &ev.request, &resp, out, sizeof out, &n), WSF_OK);
    CHECK_ERR(wsf_conn_set_allowed_rsv(server, WSF_RSV1), WSF_OK);
    memcpy(wire, out, n);
    CHECK_ERR(feed(client, wire, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_OPENED);
    CHECK_ERR(wsf_deflate_accept_response(&ev.response, &creq, NULL, NULL, &cd), WSF_OK);
    CHECK(cd != NULL);
    CHECK_ERR(wsf_conn_set_allowed_rsv(client, WSF_RSV1), WSF_OK);

    /* Client to server. */
    CHECK_ERR(wsf_deflate_compress(cd, (const uint8_t *)text, sizeof text - 1, packed, sizeof packed,
                                   &k),
              WSF_OK);
    CHECK(k < sizeof text - 1);
    CHECK_ERR(wsf_conn_send_compressed(client, WSF_DATA_TEXT, packed, k, wire, sizeof wire, &n),
              WSF_OK);
    CHECK(wire[0] == 0xc1);
    CHECK_ERR(feed(server, wire, n, &ev), WSF_OK);
    CHECK(ev.event_type == WSF_EVENT_DATA && ev.compressed && ev.end_of_message);
    CHECK_ERR(wsf_deflate_decompress(sd, ev.data_kind, ev.payload, ev.payload_len,
                                     ev.end_of_message, 1000, msg, sizeof msg, &m),
              WSF_OK);
    CHECK(bytes_eq(msg, m, text));

    /* Server to client, in two frames. */
    CHECK_ERR(wsf_deflate_compress(sd, (const uint8_t *)text, sizeof text - 1, packed, sizeof packed,
                                   &k),
              WSF_OK);
    CHECK_ERR(wsf_conn_send_compressed_fragment(server, WSF_DATA_TEXT, packed, 4, false, wire,
                                                sizeof wire, &n),
              WSF_OK);
    CHECK_ERR(wsf_conn_send_compressed_fragment(server, WSF_DATA_TEXT, packed + 4, k - 4, true,
                                                wire + n, sizeof wire - n, &m),
              WSF_OK);
    CHECK(wire[0] == 0x41 && wire[n] == 0x80);
    n += m;
    {
        size_t pos = 0, got = 0;
        int pieces = 0;
        while (pos < n && pieces < 4) {
            CHECK_ERR(feed(client, wire + pos, n - pos, &ev), WSF_OK);
            CHECK(ev.event_type == WSF_EVENT_DATA && ev.compressed);
            pos += ev.consumed;
            pieces++;
            CHECK_ERR(wsf_deflate_decompress(cd, ev.data_kind, ev.payload, ev.payload_len,
                                             ev.end_of_message, 1000, msg + got, sizeof msg - got,
                                             &m),
                      WSF_OK);
            got += m;
        }
        CHECK(pieces == 2 && bytes_eq(msg, got, text));
    }

    /* A bomb at the server: the application fails the connection with 1009. */
    {
        static uint8_t zeros[4096];
        enum wsf_error err;
        CHECK_ERR(wsf_deflate_compress(cd, zeros, sizeof zeros, packed, sizeof packed, &k), WSF_OK);
        CHECK_ERR(wsf_conn_send_compressed(client, WSF_DATA_BINARY, packed, k, wire, sizeof wire,
                                           &n),
                  WSF_OK);
        CHECK_ERR(feed(server, wire, n, &ev), WSF_OK);
        err = wsf_deflate_decompress(sd, ev.data_kind, ev.payload, ev.payload_len,
                                     ev.end_of_message, 1000, msg, sizeof msg, &m);
        CHECK_ERR(err, WSF_ERR_MESSAGE_TOO_LARGE);
        CHECK_ERR(wsf_conn_fail_with(server, wsf_error_close_code(err)), WSF_OK);
        CHECK_ERR(wsf_conn_poll_transmit(server, out, sizeof out, &m), WSF_OK);
        CHECK(m == 4 && out[0] == 0x88 && out[2] == 0x03 && out[3] == 0xf1);
    }
    wsf_deflate_free(sd);
    wsf_deflate_free(cd);
    free(ss);
    free(cs);
}
#endif /* WSF_HAVE_DEFLATE */

int main(void) {
    test_version();
    test_errors();
    test_frame_decode();
    test_frame_encode();
    test_mask_and_accept();
    test_close_payloads();
    test_server_handshake();
    test_client_handshake();
    test_conn_storage();
    test_conn_exchange();
    test_conn_failures();
    test_conn_rsv();
#ifdef WSF_HAVE_DEFLATE
    test_deflate_negotiation();
    test_deflate_client_answer();
    test_deflate_codec();
    test_deflate_connections();
#endif
    if (failures) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("all %d checks passed\n", checks);
    return 0;
}
