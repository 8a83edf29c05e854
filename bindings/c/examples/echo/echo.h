/*
 * The echo step shared by the firmware images and the lwIP server: input bytes in,
 * the bytes owed to the peer out. The library does the protocol; this only hands it
 * the bytes and passes on what it writes.
 */
#ifndef WSF_EXAMPLE_ECHO_H
#define WSF_EXAMPLE_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "wsframe.h"

/*
 * Room `ws_echo_step` keeps free in `out` beyond the input it may take: an event's
 * answer is never longer than its input plus this (the 101 response to a minimal
 * request, an HTTP refusal of a short one, a control frame).
 */
#define WS_ECHO_SLACK 256u

/* What one step did. */
struct ws_echo_result {
    size_t consumed; /* bytes of input used; keep the rest, append new bytes after it */
    size_t written;  /* bytes written to `out`, to send in order */
    /*
     * WSF_OK: wants more input. WSF_ERR_CLOSED: the closing handshake is over (the
     * reply is in `out`); close the connection once `out` is sent. Any other value:
     * the peer broke the protocol or sent a bad request; `out` holds the failing
     * close frame or the HTTP refusal, `wsf_error_close_code` /
     * `wsf_error_http_status` tell which; close once it is sent.
     */
    enum wsf_error status;
};

/*
 * Serves `conn` (a server connection) from in[0..len): answers the opening request
 * with 101, echoes each data piece as a fragment of the same kind as it arrives,
 * and writes the pongs, close replies and refusals the library owes. Takes input
 * only while `out` keeps room for its answer (`len` + WS_ECHO_SLACK), so with a
 * smaller `cap` it stops early and leaves input for the next call.
 */
struct ws_echo_result ws_echo_step(struct wsf_conn *conn, uint8_t *in, size_t len, uint8_t *out,
                                   size_t cap);

#endif
