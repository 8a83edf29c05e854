/*
 * The lwIP echo server on QEMU mps2-an386: lwIP (built from its source, NO_SYS) on
 * the board's LAN9118 with the static address QEMU's user networking expects
 * (10.0.2.15/24, gateway 10.0.2.2), serving ws://…:80/ with ../ws_server.c, the
 * same server the host build runs. One loop: frames in, lwIP's timers, sleep until
 * the next millisecond tick.
 */
#include <stdint.h>

#include "lan9118.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "ws_server.h"

#define CORE_HZ 25000000u /* SYSCLK of the mps2 boards */
#define SYST_CSR (*(volatile uint32_t *)0xe000e010u)
#define SYST_RVR (*(volatile uint32_t *)0xe000e014u)
#define SYST_CVR (*(volatile uint32_t *)0xe000e018u)

static volatile uint32_t millis;

/* SysTick (picolibc's vector table names it): one tick per millisecond. */
void arm_systick_isr(void) { millis++; }

/* lwIP's clock (NO_SYS). */
u32_t sys_now(void) { return millis; }

int main(void) {
    static struct netif netif;
    static const uint8_t mac[6] = {0x02, 0x00, 0x57, 0x53, 0x00, 0x02};
    ip4_addr_t addr, mask, gateway;

    SYST_RVR = CORE_HZ / 1000 - 1;
    SYST_CVR = 0;
    SYST_CSR = 7; /* core clock, interrupt, enable */

    lwip_init();
    IP4_ADDR(&addr, 10, 0, 2, 15);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gateway, 10, 0, 2, 2);
    for (int i = 0; i < 6; i++)
        netif.hwaddr[i] = mac[i];
    if (!netif_add(&netif, &addr, &mask, &gateway, NULL, lan9118_init, ethernet_input))
        return 1;
    netif_set_default(&netif);
    netif_set_up(&netif);
    if (!ws_server_listen(80))
        return 2;
    for (;;) {
        lan9118_poll(&netif);
        sys_check_timeouts();
        if (!lan9118_rx_pending())
            __asm__ volatile("wfi");
    }
}
