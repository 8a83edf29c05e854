/*
 * Self-test image for QEMU mps2-an386: a server connection of libwsframe, fed a
 * client's bytes from memory the way a socket delivers them (all at once, then in
 * pieces of 1, 7 and 64 bytes), checked on what it answers:
 *   - the opening handshake (101 with the RFC 6455 §1.3 accept value),
 *   - echoes of a text, a binary and a fragmented text message,
 *   - the pong for a ping, the reply to a close,
 *   - bad requests refused with the library's HTTP status, an unmasked frame
 *     failed with 1002.
 * The verdict is the semihosting exit status: QEMU exits 0 when every check passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo.h"

#define IN_CAP 512u
#define WIRE_CAP 4096u

static int failures;
#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "selftest: line %d: %s\n", __LINE__, #cond);                      \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* Static storage for one connection: on firmware nothing comes from a heap. */
static union {
    uint64_t align;
    unsigned char bytes[WSF_CONN_STORAGE_SIZE];
} storage;

/* The client's side of the conversation (built by `client_bytes`). */
static uint8_t client[1024];
static size_t client_len;
/* The connection under test and what it wrote, in order. */
static struct wsf_conn *conn;
static uint8_t wire[WIRE_CAP];
static size_t wire_len;

static const char REQUEST[] = "GET /chat HTTP/1.1\r\n"
                              "Host: server.example.com\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";

/* Appends a masked client frame (§5.3) to `client`. */
static void client_frame(uint8_t opcode, int fin, const void *payload, size_t len) {
    struct wsf_frame_header h = {0};
    size_t n = 0;
    h.fin = fin;
    h.opcode = opcode;
    h.masked = true;
    memcpy(h.mask_key, "\x37\xfa\x21\x3d", 4);
    CHECK(wsf_frame_write(&h, payload, len, client + client_len, sizeof client - client_len, &n) ==
          WSF_OK);
    client_len += n;
}

static void append(const void *bytes, size_t len) {
    memcpy(client + client_len, bytes, len);
    client_len += len;
}

/* Runs a fresh server connection on `client`, delivered `piece` bytes at a time. */
static struct ws_echo_result serve(size_t piece) {
    static uint8_t in[IN_CAP];
    static uint8_t out[IN_CAP + WS_ECHO_SLACK];
    conn = wsf_conn_init_server(&storage, sizeof storage, NULL);
    struct ws_echo_result r = {0, 0, WSF_OK};
    size_t sent = 0, in_len = 0;
    wire_len = 0;
    CHECK(conn != NULL);
    while (r.status == WSF_OK) {
        size_t n = client_len - sent;
        if (n > piece)
            n = piece;
        if (n > IN_CAP - in_len)
            n = IN_CAP - in_len;
        memcpy(in + in_len, client + sent, n);
        sent += n;
        in_len += n;
        r = ws_echo_step(conn, in, in_len, out, sizeof out);
        memmove(in, in + r.consumed, in_len - r.consumed);
        in_len -= r.consumed;
        CHECK(wire_len + r.written <= sizeof wire);
        if (wire_len + r.written > sizeof wire)
            break;
        memcpy(wire + wire_len, out, r.written);
        wire_len += r.written;
        if (n == 0 && r.consumed == 0)
            break; /* all delivered and nothing more taken */
    }
    if (r.status == WSF_ERR_CLOSED) /* a refusal or failure leaves input behind */
        CHECK(in_len == 0 && sent == client_len);
    return r;
}

static int starts_with(const uint8_t *bytes, size_t len, const char *prefix) {
    return len >= strlen(prefix) && memcmp(bytes, prefix, strlen(prefix)) == 0;
}

static int contains(const uint8_t *bytes, size_t len, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= len; i++)
        if (memcmp(bytes + i, needle, k) == 0)
            return 1;
    return 0;
}

/* The messages the server sent after its 101 head, reassembled from its frames. */
struct message {
    uint8_t opcode;
    uint8_t payload[64];
    size_t len;
};

static size_t messages_on_wire(struct message *msgs, size_t max) {
    static const struct wsf_decode_rules rules = {WSF_ROLE_CLIENT, 0, UINT64_MAX};
    size_t pos = 0, count = 0;
    int open = 0; /* a data message is being reassembled in msgs[count] */
    while (pos + 4 <= wire_len && memcmp(wire + pos, "\r\n\r\n", 4) != 0)
        pos++;
    pos += 4;
    while (pos < wire_len && count < max) {
        struct wsf_frame_header h;
        size_t head = 0;
        if (wsf_frame_decode(wire + pos, wire_len - pos, &rules, &h, &head) != WSF_OK ||
            h.payload_len > wire_len - pos - head)
            break;
        struct message *m = &msgs[count];
        if (!open) {
            m->opcode = h.opcode;
            m->len = 0;
        }
        if (m->len + h.payload_len > sizeof m->payload)
            break;
        memcpy(m->payload + m->len, wire + pos + head, (size_t)h.payload_len);
        m->len += (size_t)h.payload_len;
        pos += head + (size_t)h.payload_len;
        open = !h.fin && h.opcode < WSF_OPCODE_CLOSE;
        if (!open)
            count++;
    }
    CHECK(pos == wire_len && !open);
    return count;
}

static int message_is(const struct message *m, uint8_t opcode, const void *payload, size_t len) {
    return m->opcode == opcode && m->len == len && memcmp(m->payload, payload, len) == 0;
}

static void echo_conversation(void) {
    static const size_t pieces[] = {sizeof client, 1, 7, 64};
    client_len = 0;
    append(REQUEST, sizeof REQUEST - 1);
    client_frame(WSF_OPCODE_TEXT, 1, "Hello", 5);
    client_frame(WSF_OPCODE_BINARY, 1, "\x00\xff\x80", 3);
    client_frame(WSF_OPCODE_PING, 1, "hi", 2);
    client_frame(WSF_OPCODE_TEXT, 0, "caf\xc3", 4); /* a character split across frames */
    client_frame(WSF_OPCODE_CONTINUATION, 1, "\xa9!", 2);
    client_frame(WSF_OPCODE_CLOSE, 1, "\x03\xe8" "bye", 5);
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        struct message msgs[8];
        struct ws_echo_result r = serve(pieces[i]);
        CHECK(r.status == WSF_ERR_CLOSED);
        CHECK(starts_with(wire, wire_len, "HTTP/1.1 101 "));
        CHECK(contains(wire, wire_len, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        size_t n = messages_on_wire(msgs, 8);
        CHECK(n == 5);
        if (n != 5)
            continue;
        CHECK(message_is(&msgs[0], WSF_OPCODE_TEXT, "Hello", 5));
        CHECK(message_is(&msgs[1], WSF_OPCODE_BINARY, "\x00\xff\x80", 3));
        CHECK(message_is(&msgs[2], WSF_OPCODE_PONG, "hi", 2));
        CHECK(message_is(&msgs[3], WSF_OPCODE_TEXT, "caf\xc3\xa9!", 6));
        CHECK(message_is(&msgs[4], WSF_OPCODE_CLOSE, "\x03\xe8", 2));
        CHECK(wsf_conn_ready_state(conn) == WSF_STATE_CLOSED);
    }
}

/* A refused request: the library's error, its HTTP status on the wire. */
static void refused(const char *request, unsigned status) {
    char line[32];
    client_len = 0;
    append(request, strlen(request));
    struct ws_echo_result r = serve(sizeof client);
    CHECK(r.status != WSF_OK && r.status != WSF_ERR_CLOSED);
    CHECK(wsf_error_http_status(r.status) == status);
    snprintf(line, sizeof line, "HTTP/1.1 %u ", status);
    CHECK(starts_with(wire, wire_len, line));
}

int main(void) {
    echo_conversation();
    refused("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n",
            426);
    refused("GET /chat HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("POST /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400);

    /* An unmasked client frame after the handshake fails the connection with 1002. */
    client_len = 0;
    append(REQUEST, sizeof REQUEST - 1);
    append("\x81\x02hi", 4);
    struct ws_echo_result r = serve(sizeof client);
    CHECK(wsf_error_close_code(r.status) == 1002);
    CHECK(wire_len >= 4 && memcmp(wire + wire_len - 4, "\x88\x02\x03\xea", 4) == 0);

    fprintf(stderr, "selftest: %s (%d failed checks)\n", failures ? "FAIL" : "ok", failures);
    exit(failures ? 1 : 0);
}
