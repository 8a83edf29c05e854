/*
 * A WebSocket echo server on lwIP's raw (callback) API and libwsframe: the part the
 * host build (host.c, Debian's liblwip on a TAP device) and the board build
 * (board/main.c, lwIP from source on the LAN9118 of QEMU mps2-an386) share.
 *
 * The WebSocket part is ../echo/echo.c, the same step the firmware self-test runs:
 * the library parses and checks the request, writes the 101 answer or the HTTP
 * refusal with its status, unmasks and checks frames, and owes the pongs, close
 * replies and failing closes. This file only moves bytes between lwIP and that step,
 * in fixed buffers: a pool of MAX_CLIENTS connections, no allocation.
 *
 * Flow control: received pbufs wait in `pending` and are copied into `in` as room
 * frees, and the TCP window opens (tcp_recved) only for copied bytes; input is taken
 * only while `out` is empty, and `out` goes to lwIP as its send buffer allows (sent
 * callback). So a fast peer is slowed down by TCP, not by dropping or buffering more.
 *
 * Callbacks run where lwIP runs them (its tcpip thread on the host, the main loop on
 * the board); ws_server_listen must be called there too (or with the core locked).
 */
#include <string.h>

#include "lwip/tcp.h"

#include "echo.h"
#include "ws_server.h"

#ifndef MAX_CLIENTS
#define MAX_CLIENTS 8
#endif
/* Seconds a client may take from connecting to a complete opening request; past it
 * the connection is dropped, so clients that trickle a request (slowloris) cannot hold
 * the slots. */
#ifndef HANDSHAKE_TIMEOUT_S
#define HANDSHAKE_TIMEOUT_S 5
#endif
/* The input buffer; the opening request may take all of it (handshake.max_bytes). */
#ifndef IN_CAP
#define IN_CAP 8192u
#endif

struct client {
    struct tcp_pcb *pcb; /* NULL: the slot is free */
    union {
        uint64_t align;
        unsigned char bytes[WSF_CONN_STORAGE_SIZE];
    } storage;
    struct wsf_conn *conn;
    struct pbuf *pending; /* received, not yet in `in` (and not yet tcp_recved) */
    uint8_t in[IN_CAP];   /* received bytes the library has not taken yet */
    size_t in_len;
    uint8_t out[IN_CAP + WS_ECHO_SLACK]; /* out[out_pos..out_len): to hand to lwIP */
    size_t out_pos, out_len;
    int closing; /* 0, CLOSE_WHEN_SENT or FIN_SENT */
    int polls;   /* poll callbacks since the FIN went out */
    int age;     /* poll callbacks (seconds) since the connection was accepted */
};

/* `closing`: end the connection once `out` is handed over; our FIN is out. */
enum { CLOSE_WHEN_SENT = 1, FIN_SENT = 2 };
/* Poll callbacks (one a second) to wait for the peer's FIN after ours. */
#define FIN_WAIT_TICKS 10

static struct client clients[MAX_CLIENTS];
static struct wsf_config config;

/* Frees the slot and whatever it still holds; the pcb is gone or handed back. */
static void release(struct client *c) {
    if (c->pending)
        pbuf_free(c->pending);
    c->pending = NULL;
    c->pcb = NULL;
}

/* Lets go of the pcb: no more callbacks, the slot is free. */
static void detach(struct client *c) {
    struct tcp_pcb *pcb = c->pcb;
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
    release(c);
}

/* Drops the connection at once (RST, or nothing in TIME-WAIT). Returns ERR_ABRT, what
 * an lwIP callback must return after it. */
static err_t drop(struct client *c) {
    struct tcp_pcb *pcb = c->pcb;
    detach(c);
    tcp_abort(pcb);
    return ERR_ABRT;
}

/* Ends the TCP connection: FIN after the queued bytes (the server closes first,
 * RFC 6455 §7.1.1), then waits for the peer's FIN (on_recv) or FIN_WAIT_TICKS polls. */
static err_t finish(struct client *c) {
    if (c->pending) { /* unread input would make lwIP answer with RST: read it away */
        tcp_recved(c->pcb, c->pending->tot_len);
        pbuf_free(c->pending);
        c->pending = NULL;
    }
    c->closing = FIN_SENT;
    c->polls = 0;
    if (tcp_shutdown(c->pcb, 0, 1) != ERR_OK)
        return drop(c);
    return ERR_OK;
}

/* Hands as much of `out` to lwIP as its send buffer takes. Returns 1 when all of it
 * is handed over. */
static int flush(struct client *c) {
    while (c->out_pos < c->out_len) {
        size_t n = c->out_len - c->out_pos;
        u16_t room = tcp_sndbuf(c->pcb);
        if (n > room)
            n = room;
        if (n == 0 || tcp_write(c->pcb, c->out + c->out_pos, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break; /* the sent or poll callback tries again */
        c->out_pos += n;
    }
    tcp_output(c->pcb);
    if (c->out_pos < c->out_len)
        return 0;
    c->out_pos = c->out_len = 0;
    return 1;
}

/* Moves received bytes into `in` while there is room; opens the window for them. */
static void take_pending(struct client *c) {
    u16_t copied = 0;
    while (c->pending && c->in_len < IN_CAP) {
        size_t room = IN_CAP - c->in_len;
        u16_t n = c->pending->tot_len < room ? c->pending->tot_len : (u16_t)room;
        pbuf_copy_partial(c->pending, c->in + c->in_len, n, 0);
        c->in_len += n;
        copied += n;
        c->pending = pbuf_free_header(c->pending, n);
    }
    if (copied)
        tcp_recved(c->pcb, copied);
}

/* Moves bytes until it must wait for lwIP: more input, or room to send. Returns
 * ERR_ABRT when the pcb was aborted. */
static err_t pump(struct client *c) {
    if (c->closing == FIN_SENT)
        return ERR_OK;
    for (;;) {
        if (!flush(c))
            return ERR_OK;
        if (c->closing)
            return finish(c);
        take_pending(c);
        if (c->in_len == 0)
            return ERR_OK;
        struct ws_echo_result r = ws_echo_step(c->conn, c->in, c->in_len, c->out, sizeof c->out);
        memmove(c->in, c->in + r.consumed, c->in_len - r.consumed);
        c->in_len -= r.consumed;
        c->out_len = r.written;
        if (r.status != WSF_OK) {
            /* The close handshake is over, or the peer sent a bad request or frame:
             * the library wrote the refusal or failing close; send it and close. */
            if (r.status != WSF_ERR_CLOSED)
                WS_SERVER_LOG("echo_lwip: %s (close code %u, HTTP status %u)\n",
                              wsf_strerror(r.status), wsf_error_close_code(r.status),
                              wsf_error_http_status(r.status));
            c->closing = CLOSE_WHEN_SENT;
        } else if (r.consumed == 0 && r.written == 0 && (c->in_len == IN_CAP || !c->pending)) {
            return ERR_OK; /* needs bytes that have not arrived yet */
        }
    }
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
    struct client *c = arg;
    if (p == NULL || err != ERR_OK) {
        if (p)
            pbuf_free(p);
        if (c->closing == FIN_SENT) {
            /* The peer's FIN after ours: the connection is over. Acknowledge it and
             * free the pcb now rather than after TIME-WAIT (2 × TCP_MSL = 2 min in
             * lwIP), where lwIP answers a new SYN from the same client port with an
             * ACK instead of taking it, and that client cannot connect until it ends:
             * clients reuse ports sooner than that. */
            tcp_output(pcb);
            return drop(c);
        }
        /* The peer closed its side without a closing handshake (or lwIP gave up):
         * nothing more will arrive, so end ours. */
        return finish(c);
    }
    if (c->closing) { /* after the close: read away and ignore */
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    if (c->pending)
        pbuf_cat(c->pending, p);
    else
        c->pending = p;
    return pump(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
    (void)pcb;
    (void)len;
    return pump(arg);
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb) {
    struct client *c = arg;
    (void)pcb;
    if (c->closing == FIN_SENT && ++c->polls > FIN_WAIT_TICKS)
        return drop(c); /* the peer does not close its side */
    if (wsf_conn_ready_state(c->conn) == WSF_STATE_CONNECTING && ++c->age > HANDSHAKE_TIMEOUT_S) {
        WS_SERVER_LOG("echo_lwip: handshake timeout\n");
        return drop(c);
    }
    return pump(c);
}

static void on_err(void *arg, err_t err) {
    (void)err;
    if (arg) /* lwIP has freed the pcb */
        release(arg);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    struct client *c = NULL;
    for (size_t i = 0; i < MAX_CLIENTS && !c; i++)
        if (clients[i].pcb == NULL)
            c = &clients[i];
    if (c == NULL) {
        tcp_abort(pcb); /* every slot is taken */
        return ERR_ABRT;
    }
    c->pcb = pcb;
    c->conn = wsf_conn_init_server(&c->storage, sizeof c->storage, &config);
    c->pending = NULL;
    c->in_len = c->out_pos = c->out_len = 0;
    c->closing = 0;
    c->polls = 0;
    c->age = 0;
    tcp_nagle_disable(pcb);
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    /* Every second: retries a send lwIP had no memory for, times the handshake and
     * the wait for FIN. */
    tcp_poll(pcb, on_poll, 2);
    return ERR_OK;
}

int ws_server_listen(u16_t port) {
    wsf_config_default(&config);
    config.handshake.max_bytes = IN_CAP;
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL)
        return 0;
    if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        tcp_close(pcb);
        return 0;
    }
    struct tcp_pcb *listener = tcp_listen(pcb);
    if (listener == NULL) {
        tcp_close(pcb);
        return 0;
    }
    tcp_accept(listener, on_accept);
    return 1;
}
