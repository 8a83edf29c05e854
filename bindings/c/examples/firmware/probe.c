/*
 * Size probe: the flow of the Rust probes in examples/embedded/firmware (`size-base`,
 * `size-core`) in C. Bytes come in from a "device" and go out to it through volatile
 * accesses, so nothing is known at compile time. Built with -DWEBSOCKET=1 the bytes go
 * through `ws_echo_step` (a server connection of libwsframe: request parsed and
 * checked, 101 or a refusal written, frames decoded, unmasked, text checked, echoed,
 * pings answered, close replied to); with -DWEBSOCKET=0 they are copied back, which
 * leaves the skeleton: start-up code, picolibc, the loop. Built to be measured, not run.
 */
#include <stddef.h>
#include <stdint.h>

#if WEBSOCKET
#include "echo.h"
#endif

static volatile uint8_t device_in[512];
static volatile uint8_t device_out[512];

/* Reads what the "device" received; returns how many bytes of `buf` to use. */
static size_t receive(uint8_t buf[512]) {
    for (size_t i = 0; i < 512; i++)
        buf[i] = device_in[i];
    return (size_t)buf[0] + 256;
}

/* Hands up to 512 bytes to the "device". */
static void transmit(const uint8_t *bytes, size_t len) {
    for (size_t i = 0; i < len && i < 512; i++)
        device_out[i] = bytes[i];
}

#if WEBSOCKET
static union {
    uint64_t align;
    unsigned char bytes[WSF_CONN_STORAGE_SIZE];
} storage;
#endif

int main(void) {
    uint8_t in[512];
#if WEBSOCKET
    uint8_t out[512 + WS_ECHO_SLACK];
#endif
    for (;;) {
        size_t n = receive(in);
#if WEBSOCKET
        struct wsf_conn *conn = wsf_conn_init_server(&storage, sizeof storage, NULL);
        struct ws_echo_result r = ws_echo_step(conn, in, n, out, sizeof out);
        transmit(out, r.written);
#else
        transmit(in, n);
#endif
    }
}
