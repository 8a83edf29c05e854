/* The WebSocket echo server on lwIP's raw API (ws_server.c). */
#ifndef WS_SERVER_H
#define WS_SERVER_H

#include "lwip/arch.h"

/* Where the server reports refused requests and failed connections; the board build
 * defines it away (no console). */
#ifndef WS_SERVER_LOG
#include <stdio.h>
#define WS_SERVER_LOG(...) fprintf(stderr, __VA_ARGS__)
#endif

/* Listens on `port` of every address and serves each connection with the echo step
 * (../echo/echo.h). Returns 0 when lwIP has no memory or the port is taken. */
int ws_server_listen(u16_t port);

#endif
