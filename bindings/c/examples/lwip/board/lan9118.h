/*
 * A polled lwIP network interface for the SMSC LAN9118 Ethernet controller as QEMU
 * models it on the mps2 boards (at 0x4020_0000): the C counterpart of the Rust
 * driver in examples/embedded/firmware/src/lan9118.rs.
 */
#ifndef BOARD_LAN9118_H
#define BOARD_LAN9118_H

#include "lwip/netif.h"

/* netif_add's init function: resets the controller, sets the MAC address in
 * netif->hwaddr (set it before netif_add), turns receiver and transmitter on.
 * ERR_IF when there is no LAN9118 or it does not come out of reset. */
err_t lan9118_init(struct netif *netif);

/* Hands every frame waiting in the receive FIFO to netif->input. */
void lan9118_poll(struct netif *netif);

/* Whether a received frame waits in the FIFO. */
int lan9118_rx_pending(void);

#endif
