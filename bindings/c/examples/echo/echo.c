#include "echo.h"

/* Appends everything the connection owes (pongs, close replies, refusals). */
static size_t drain(struct wsf_conn *conn, uint8_t *out, size_t cap) {
    size_t written = 0, n = 0;
    while (wsf_conn_poll_transmit(conn, out + written, cap - written, &n) == WSF_OK && n > 0)
        written += n;
    return written;
}

struct ws_echo_result ws_echo_step(struct wsf_conn *conn, uint8_t *in, size_t len, uint8_t *out,
                                   size_t cap) {
    struct ws_echo_result r = {0, 0, WSF_OK};
    struct wsf_event ev;
    while (r.status == WSF_OK && cap - r.written >= len - r.consumed + WS_ECHO_SLACK) {
        size_t n = 0;
        r.status = wsf_conn_receive(conn, in + r.consumed, len - r.consumed, &ev);
        if (r.status != WSF_OK)
            break; /* a bad request or frame: the refusal or failing close is owed */
        r.consumed += ev.consumed;
        if (ev.event_type == WSF_EVENT_NONE)
            break; /* needs more input */
        if (ev.event_type == WSF_EVENT_REQUEST)
            r.status = wsf_conn_accept(conn, &ev.request, NULL, out + r.written, cap - r.written, &n);
        else if (ev.event_type == WSF_EVENT_DATA)
            r.status = wsf_conn_send_fragment(conn, (int)ev.data_kind, ev.payload, ev.payload_len,
                                              ev.end_of_message, out + r.written, cap - r.written,
                                              &n);
        r.written += n;
        r.written += drain(conn, out + r.written, cap - r.written);
        if (ev.event_type == WSF_EVENT_CLOSE)
            r.status = WSF_ERR_CLOSED; /* the reply is written: nothing more to read */
    }
    r.written += drain(conn, out + r.written, cap - r.written);
    return r;
}
