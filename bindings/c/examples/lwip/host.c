/*
 * The lwIP echo server on the host: Debian's liblwip-dev (lwIP 2.1 with its Unix
 * port) on a TAP device.
 *
 *   PRECONFIGURED_TAPIF=TAP echo_lwip ADDRESS/PREFIX GATEWAY [PORT]
 *
 * lwIP runs its own TCP/IP stack on the TAP device TAP (which must exist and be up;
 * run_netns.sh makes one in a network namespace) with the address ADDRESS and serves
 * ws://ADDRESS:PORT/ (default 9001) until SIGTERM or SIGINT. The port's NO_SYS=0:
 * a tcpip thread runs the stack and every callback, tapif reads the TAP device in a
 * thread of its own; the server is ws_server.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#include "ws_server.h"

static int parse_address(const char *text, ip4_addr_t *addr, ip4_addr_t *mask) {
    char buf[32];
    const char *slash = strchr(text, '/');
    if (!slash || (size_t)(slash - text) >= sizeof buf)
        return 0;
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    int prefix = atoi(slash + 1);
    if (!ip4addr_aton(buf, addr) || prefix < 1 || prefix > 32)
        return 0;
    ip4_addr_set_u32(mask, lwip_htonl(0xffffffffu << (32 - prefix)));
    return 1;
}

int main(int argc, char **argv) {
    static struct netif netif;
    ip4_addr_t addr, mask, gateway;
    if (argc < 3 || argc > 4 || !parse_address(argv[1], &addr, &mask) ||
        !ip4addr_aton(argv[2], &gateway) || !getenv("PRECONFIGURED_TAPIF")) {
        fprintf(stderr, "usage: PRECONFIGURED_TAPIF=TAP %s ADDRESS/PREFIX GATEWAY [PORT]\n",
                argv[0]);
        return 2;
    }
    u16_t port = argc == 4 ? (u16_t)atoi(argv[3]) : 9001;

    /* SIGTERM and SIGINT are taken by sigwait below, in this thread only. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    tcpip_init(NULL, NULL);
    LOCK_TCPIP_CORE();
    int ok = netif_add(&netif, &addr, &mask, &gateway, NULL, tapif_init, tcpip_input) != NULL;
    if (ok) {
        netif_set_default(&netif);
        netif_set_up(&netif);
        ok = ws_server_listen(port);
    }
    UNLOCK_TCPIP_CORE();
    if (!ok) {
        fprintf(stderr, "echo_lwip: cannot bring up %s or listen on port %u\n",
                getenv("PRECONFIGURED_TAPIF"), port);
        return 1;
    }
    fprintf(stderr, "echo_lwip: ws://%s:%u/ on %s\n", ip4addr_ntoa(&addr), port,
            getenv("PRECONFIGURED_TAPIF"));

    int sig = 0;
    sigwait(&stop, &sig);
    return 0;
}
