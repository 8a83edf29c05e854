/*
 * A WebSocket echo server in C on POSIX sockets and wsframe (libwsframe).
 *
 *   echo_server [--deflate] [--handshake-timeout SECS] [PORT]
 *                                    listens on 127.0.0.1:PORT (default 9002)
 *
 * With --deflate (a library built with the deflate feature, compiled with
 * -DWSF_HAVE_DEFLATE) it accepts permessage-deflate (RFC 7692): messages that arrive
 * compressed are inflated, and echoes of 64 bytes or more are sent compressed.
 *
 * One thread, poll() over every client, non-blocking sockets. Each connection has
 * malloc'd buffers (the library itself allocates nothing): the input, the message
 * being gathered (echoed whole when it ends, up to the connection's 16 MiB limit)
 * and the output queue. The library does the protocol: this file only moves bytes
 * between the sockets and the connection.
 *
 * Limits (docs/load-and-faults.md measures them): at most MAX_CLIENTS connections, a
 * connection past them gets 503 and is closed; the opening handshake must finish
 * within the handshake timeout (10 s); a client whose pending output passes OUT_HIGH
 * is not read until it takes some (backpressure), and one that takes nothing for
 * STALL_TIMEOUT_MS, or does not let its closing bytes go out within it, is dropped.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsframe.h"

#define MAX_CLIENTS 64
#define INPUT_CAP (256u * 1024u)
#define MAX_MESSAGE ((size_t)16 * 1024 * 1024)
/* Pending output past which a client is not read (its echoes wait for it to read). */
#define OUT_HIGH ((size_t)1024 * 1024)
/* A client whose pending output makes no progress for this long is dropped. */
#define STALL_TIMEOUT_MS 30000
/* How often timers are looked at while nothing happens. */
#define TICK_MS 250

static const char service_unavailable[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n"
    "Retry-After: 1\r\n\r\n";

struct client {
    int fd;
    void *storage; /* the connection lives here */
    struct wsf_conn *conn;
    uint8_t *in; /* received bytes not yet consumed */
    size_t in_len;
    uint8_t *msg; /* the message being gathered */
    size_t msg_len, msg_cap;
    int msg_kind;
    uint8_t *out; /* bytes to write: out[out_pos..out_len] */
    size_t out_pos, out_len, out_cap;
    int closing; /* close the socket once the output is written */
    long long accepted_ms;  /* when the connection was accepted (handshake timeout) */
    long long progress_ms;  /* when pending output last went out (or none was pending) */
#ifdef WSF_HAVE_DEFLATE
    struct wsf_deflate *deflate; /* permessage-deflate, when negotiated */
    uint8_t *packed;             /* the compressed echo */
    size_t packed_cap;
#endif
};

static struct client clients[MAX_CLIENTS];
static volatile sig_atomic_t stop;
static int use_deflate;
static long long handshake_timeout_ms = 10000;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static int grow(uint8_t **buf, size_t *cap, size_t need) {
    size_t n = *cap ? *cap : 4096;
    uint8_t *p;
    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* Room for `need` more bytes at the end of the output queue. */
static uint8_t *out_room(struct client *c, size_t need) {
    if (c->out_pos == c->out_len) {
        c->out_pos = c->out_len = 0;
    }
    if (grow(&c->out, &c->out_cap, c->out_len + need) != 0)
        return NULL;
    return c->out + c->out_len;
}

static int fcntl_nonblock(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void drop(struct client *c) {
    if (c->fd >= 0)
        close(c->fd);
    free(c->storage);
    free(c->in);
    free(c->msg);
    free(c->out);
#ifdef WSF_HAVE_DEFLATE
    wsf_deflate_free(c->deflate);
    free(c->packed);
#endif
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* Moves whatever the connection owes the peer into the output queue. */
static int transmit(struct client *c) {
    for (;;) {
        size_t n = 0;
        uint8_t *room = out_room(c, 256);
        enum wsf_error err;
        if (!room)
            return -1;
        err = wsf_conn_poll_transmit(c->conn, room, 256, &n);
        if (err != WSF_OK)
            return -1;
        if (n == 0)
            return 0;
        c->out_len += n;
    }
}

#ifdef WSF_HAVE_DEFLATE
/* Compresses the gathered message into c->packed: its length, or -1. */
static long compress_message(struct client *c) {
    size_t n = 0;
    enum wsf_error err = wsf_deflate_compress(c->deflate, c->msg, c->msg_len, c->packed,
                                              c->packed_cap, &n);
    if (err == WSF_ERR_BUFFER_TOO_SMALL) {
        /* The result is held: grow and ask again with the same message. */
        if (grow(&c->packed, &c->packed_cap, n) != 0)
            return -1;
        err = wsf_deflate_compress(c->deflate, c->msg, c->msg_len, c->packed, c->packed_cap, &n);
    }
    if (err != WSF_OK) {
        fprintf(stderr, "compress: %s\n", wsf_strerror(err));
        return -1;
    }
    return (long)n;
}

/* Inflates a piece of a compressed message onto the gathered message. Returns 0, or
 * the error that fails the connection. */
static enum wsf_error inflate_piece(struct client *c, const struct wsf_event *ev) {
    size_t n = 0;
    enum wsf_error err;
    if (grow(&c->msg, &c->msg_cap, c->msg_len + 1) != 0)
        return WSF_ERR_COMPRESSION_FAILED;
    err = wsf_deflate_decompress(c->deflate, ev->data_kind, ev->payload, ev->payload_len,
                                 ev->end_of_message, MAX_MESSAGE, c->msg + c->msg_len,
                                 c->msg_cap - c->msg_len, &n);
    if (err == WSF_ERR_BUFFER_TOO_SMALL) {
        /* The inflated bytes are held: grow and ask again with the same piece. */
        if (grow(&c->msg, &c->msg_cap, c->msg_len + n) != 0)
            return WSF_ERR_COMPRESSION_FAILED;
        err = wsf_deflate_decompress(c->deflate, ev->data_kind, ev->payload, ev->payload_len,
                                     ev->end_of_message, MAX_MESSAGE, c->msg + c->msg_len,
                                     c->msg_cap - c->msg_len, &n);
    }
    if (err == WSF_OK)
        c->msg_len += n;
    return err;
}
#endif

static int echo(struct client *c) {
    size_t need = c->msg_len + WSF_MAX_HEADER_LEN, n = 0;
    uint8_t *room;
    enum wsf_error err;
#ifdef WSF_HAVE_DEFLATE
    if (c->deflate && wsf_deflate_should_compress(c->deflate, c->msg_len)) {
        long packed = compress_message(c);
        c->msg_len = 0;
        if (packed < 0)
            return -1;
        need = (size_t)packed + WSF_MAX_HEADER_LEN;
        room = out_room(c, need);
        if (!room)
            return -1;
        err = wsf_conn_send_compressed(c->conn, c->msg_kind, c->packed, (size_t)packed, room,
                                       need, &n);
        goto sent;
    }
#endif
    room = out_room(c, need);
    if (!room)
        return -1;
    err = wsf_conn_send_fragment(c->conn, c->msg_kind, c->msg, c->msg_len, true, room,
                                 need, &n);
    c->msg_len = 0;
#ifdef WSF_HAVE_DEFLATE
sent:
#endif
    if (err == WSF_ERR_NOT_OPEN)
        return 0; /* we are closing: nothing more to echo */
    if (err != WSF_OK) {
        fprintf(stderr, "send: %s\n", wsf_strerror(err));
        return -1;
    }
    c->out_len += n;
    return 0;
}

/* Handles the input received so far; returns -1 to drop the client. */
static int process(struct client *c) {
    size_t pos = 0;
    for (;;) {
        struct wsf_event ev;
        enum wsf_error err = wsf_conn_receive(c->conn, c->in + pos, c->in_len - pos, &ev);
        if (err != WSF_OK) {
            /* A protocol or handshake failure: the library owes the failing close
             * frame or the HTTP rejection; send it, then close. */
            if (err != WSF_ERR_CLOSED)
                fprintf(stderr, "fd %d: %s (close code %u)\n", c->fd, wsf_strerror(err),
                        (unsigned)wsf_error_close_code(err));
            c->closing = 1;
            c->in_len = 0;
            return transmit(c);
        }
        pos += ev.consumed;
        if (ev.event_type == WSF_EVENT_NONE)
            break;
        switch (ev.event_type) {
        case WSF_EVENT_REQUEST: {
            size_t n = 0;
            struct wsf_response response;
            uint8_t *room = out_room(c, 1024);
            if (!room)
                return -1;
            memset(&response, 0, sizeof response);
#ifdef WSF_HAVE_DEFLATE
            char agreed[128];
            size_t agreed_len = 0;
            if (use_deflate) {
                err = wsf_deflate_negotiate(&ev.request, NULL, agreed, sizeof agreed,
                                            &agreed_len, NULL, &c->deflate);
                if (err != WSF_OK) {
                    fprintf(stderr, "negotiate: %s\n", wsf_strerror(err));
                    return -1;
                }
                if (c->deflate) {
                    response.extensions.ptr = agreed;
                    response.extensions.len = agreed_len;
                }
            }
#endif
            err = wsf_conn_accept(c->conn, &ev.request, &response, room, 1024, &n);
            if (err != WSF_OK) {
                fprintf(stderr, "accept: %s\n", wsf_strerror(err));
                return -1;
            }
#ifdef WSF_HAVE_DEFLATE
            if (c->deflate)
                wsf_conn_set_allowed_rsv(c->conn, WSF_RSV1);
#endif
            c->out_len += n;
            break;
        }
        case WSF_EVENT_DATA:
            if (c->msg_len == 0)
                c->msg_kind = ev.data_kind;
#ifdef WSF_HAVE_DEFLATE
            if (ev.compressed) {
                err = inflate_piece(c, &ev);
                if (err != WSF_OK) {
                    /* Bad compressed data (1007), an inflated message over the limit
                     * (1009), or text that is not UTF-8 (1007): fail the connection. */
                    fprintf(stderr, "fd %d: %s (close code %u)\n", c->fd, wsf_strerror(err),
                            (unsigned)wsf_error_close_code(err));
                    wsf_conn_fail_with(c->conn, wsf_error_close_code(err));
                    c->closing = 1;
                    c->in_len = 0;
                    return transmit(c);
                }
                if (ev.end_of_message && echo(c) != 0)
                    return -1;
                break;
            }
#endif
            if (grow(&c->msg, &c->msg_cap, c->msg_len + ev.payload_len) != 0)
                return -1;
            if (ev.payload_len)
                memcpy(c->msg + c->msg_len, ev.payload, ev.payload_len);
            c->msg_len += ev.payload_len;
            if (ev.end_of_message && echo(c) != 0)
                return -1;
            break;
        case WSF_EVENT_CLOSE:
            c->closing = 1; /* the reply comes from poll_transmit */
            break;
        default: /* pings are answered through poll_transmit; pongs need nothing */
            break;
        }
        if (transmit(c) != 0)
            return -1;
    }
    /* Keep the unconsumed rest (a partial header or control frame) at the front. */
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
    if (wsf_conn_ready_state(c->conn) == WSF_STATE_CLOSED)
        c->closing = 1;
    return 0;
}

static int flush(struct client *c) {
    if (c->out_pos == c->out_len)
        c->progress_ms = now_ms();
    while (c->out_pos < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        c->out_pos += (size_t)n;
        c->progress_ms = now_ms();
    }
    return 0;
}

static void on_readable(struct client *c) {
    ssize_t n;
    if (c->closing) {
        /* Drain and ignore what arrives while our last bytes go out. */
        uint8_t sink[4096];
        n = recv(c->fd, sink, sizeof sink, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            drop(c);
        return;
    }
    n = recv(c->fd, c->in + c->in_len, INPUT_CAP - c->in_len, 0);
    if (n == 0) {
        wsf_conn_abort(c->conn);
        drop(c);
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            drop(c);
        return;
    }
    c->in_len += (size_t)n;
    if (process(c) != 0 || flush(c) != 0) {
        drop(c);
        return;
    }
    if (c->closing && c->out_pos == c->out_len)
        drop(c);
}

/* Drops clients whose handshake is too slow (slowloris) and clients that take none
 * of their pending output (or of their last bytes while closing) for too long. */
static void expire_timers(void) {
    long long now = now_ms();
    int i;
    for (i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (c->fd < 0)
            continue;
        if (wsf_conn_ready_state(c->conn) == WSF_STATE_CONNECTING && !c->closing &&
            now - c->accepted_ms >= handshake_timeout_ms) {
            wsf_conn_abort(c->conn);
            drop(c);
        } else if (c->out_pos < c->out_len && now - c->progress_ms >= STALL_TIMEOUT_MS) {
            wsf_conn_abort(c->conn);
            drop(c);
        }
    }
}

static void on_accept(int listener) {
    struct wsf_config config;
    struct client *c = NULL;
    size_t align;
    int fd = accept(listener, NULL, NULL), one = 1, i;
    if (fd < 0)
        return;
    for (i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].fd < 0) {
            c = &clients[i];
            memset(c, 0, sizeof *c);
            break;
        }
    }
    if (!c) {
        /* Full: refuse cleanly. A fresh socket's send buffer takes this at once. */
        ssize_t sent = send(fd, service_unavailable, sizeof service_unavailable - 1,
                            MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)sent;
        shutdown(fd, SHUT_WR);
        close(fd);
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fcntl_nonblock(fd) != 0) {
        close(fd);
        return;
    }
    wsf_config_default(&config);
    config.max_message_len = MAX_MESSAGE;
    config.max_frame_len = MAX_MESSAGE;
    c->fd = fd;
    c->accepted_ms = c->progress_ms = now_ms();
    align = wsf_conn_align() < sizeof(void *) ? sizeof(void *) : wsf_conn_align();
    if (posix_memalign(&c->storage, align, wsf_conn_size()) != 0)
        c->storage = NULL;
    c->in = malloc(INPUT_CAP);
    if (!c->storage || !c->in) {
        drop(c);
        return;
    }
    c->conn = wsf_conn_init_server(c->storage, wsf_conn_size(), &config);
    if (!c->conn)
        drop(c);
}

int main(int argc, char **argv) {
    int port = 9002, listener, one = 1, i;
    struct sockaddr_in addr;
    struct pollfd fds[MAX_CLIENTS + 1];
    int index[MAX_CLIENTS + 1];

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--deflate") == 0) {
#ifdef WSF_HAVE_DEFLATE
            use_deflate = 1;
#else
            fprintf(stderr, "--deflate: built without WSF_HAVE_DEFLATE\n");
            return 2;
#endif
        } else if (strcmp(argv[i], "--handshake-timeout") == 0 && i + 1 < argc) {
            double secs = atof(argv[++i]);
            if (!(secs > 0 && secs < 1e6)) {
                fprintf(stderr, "--handshake-timeout takes a positive number of seconds\n");
                return 2;
            }
            handshake_timeout_ms = (long long)(secs * 1000);
        } else {
            port = atoi(argv[i]);
        }
    }
    if (wsf_version() != WSF_VERSION_NUMBER) {
        fprintf(stderr, "header and library versions differ\n");
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    for (i = 0; i < MAX_CLIENTS; i++)
        clients[i].fd = -1;

    listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) {
        perror("socket");
        return 1;
    }
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 64) != 0) {
        perror("bind/listen");
        return 1;
    }
    fprintf(stderr, "echo server (wsframe %s%s) on ws://127.0.0.1:%d\n", wsf_version_string(),
            use_deflate ? ", permessage-deflate" : "", port);

    while (!stop) {
        int n = 0, ready;
        fds[n].fd = listener;
        fds[n].events = POLLIN;
        index[n++] = -1;
        for (i = 0; i < MAX_CLIENTS; i++) {
            if (clients[i].fd < 0)
                continue;
            fds[n].fd = clients[i].fd;
            /* Backpressure: a client with OUT_HIGH unread echoes is not read. */
            fds[n].events = clients[i].out_len - clients[i].out_pos < OUT_HIGH ? POLLIN : 0;
            if (clients[i].out_pos < clients[i].out_len)
                fds[n].events |= POLLOUT;
            index[n++] = i;
        }
        ready = poll(fds, (nfds_t)n, TICK_MS);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            break;
        }
        for (i = 1; i < n; i++) {
            struct client *c = &clients[index[i]];
            if (c->fd != fds[i].fd)
                continue;
            if (fds[i].revents & POLLOUT) {
                if (flush(c) != 0 || (c->closing && c->out_pos == c->out_len)) {
                    drop(c);
                    continue;
                }
            }
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
                on_readable(c);
        }
        if (fds[0].revents & POLLIN)
            on_accept(listener);
        expire_timers();
    }
    for (i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0)
            drop(&clients[i]);
    close(listener);
    return 0;
}
