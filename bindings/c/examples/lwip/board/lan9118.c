/*
 * The controller is driven through its FIFO ports in 32-bit mode, without
 * interrupts: the receive status FIFO says when a frame waits; a frame goes to the
 * transmit data FIFO as one buffer (command A, command B, data words). Frame bytes
 * travel little-endian within each FIFO word (register map: LAN9118 datasheet,
 * "System Control and Status Registers").
 */
#include <string.h>

#include "lan9118.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"

#define BASE 0x40200000u
#define MAX_FRAME 1514u /* without the FCS */

enum {
    RX_DATA_FIFO = 0x00,
    TX_DATA_FIFO = 0x20,
    RX_STATUS_FIFO = 0x40,
    TX_STATUS_FIFO = 0x48,
    BYTE_TEST = 0x64,
    TX_CFG = 0x70,
    HW_CFG = 0x74,
    RX_FIFO_INF = 0x7c,
    TX_FIFO_INF = 0x80,
    PMT_CTRL = 0x84,
    MAC_CSR_CMD = 0xa4,
    MAC_CSR_DATA = 0xa8,
};
/* MAC registers, reached through MAC_CSR_CMD/DATA. */
enum { MAC_CR = 1, MAC_ADDRH = 2, MAC_ADDRL = 3 };

#define BYTE_TEST_VALUE 0x87654321u
#define HW_CFG_SRST (1u << 0)
#define PMT_CTRL_READY (1u << 0)
#define MAC_CSR_BUSY (1u << 31)
#define MAC_CR_FDPX (1u << 20)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_RXEN (1u << 2)
#define TX_CFG_TXSAO (1u << 2)
#define TX_CFG_TX_ON (1u << 1)
#define TX_CMD_A_FIRST (1u << 13)
#define TX_CMD_A_LAST (1u << 12)
#define RX_STS_ERROR (1u << 15)
#define MAX_SPINS 100000u /* register polls a reset or MAC access may take */

static uint32_t rd(uint32_t offset) { return *(volatile uint32_t *)(BASE + offset); }
static void wr(uint32_t offset, uint32_t value) { *(volatile uint32_t *)(BASE + offset) = value; }

/* Waits until (register & mask) == want; 0 on timeout. */
static int spin_until(uint32_t offset, uint32_t mask, uint32_t want) {
    for (uint32_t i = 0; i < MAX_SPINS; i++)
        if ((rd(offset) & mask) == want)
            return 1;
    return 0;
}

static int mac_write(uint32_t reg, uint32_t value) {
    if (!spin_until(MAC_CSR_CMD, MAC_CSR_BUSY, 0))
        return 0;
    wr(MAC_CSR_DATA, value);
    wr(MAC_CSR_CMD, MAC_CSR_BUSY | reg);
    return spin_until(MAC_CSR_CMD, MAC_CSR_BUSY, 0);
}

int lan9118_rx_pending(void) { return ((rd(RX_FIFO_INF) >> 16) & 0xff) != 0; }

/* Pushes one frame (a pbuf chain) into the transmit FIFO. */
static err_t link_output(struct netif *netif, struct pbuf *p) {
    static uint8_t frame[MAX_FRAME + 3]; /* whole words */
    (void)netif;
    while ((rd(TX_FIFO_INF) >> 16) & 0xff) /* statuses are not needed: drain them */
        (void)rd(TX_STATUS_FIFO);
    uint32_t len = p->tot_len;
    if (len == 0 || len > MAX_FRAME || (rd(TX_FIFO_INF) & 0xffff) < (len + 3) / 4 * 4 + 8)
        return ERR_MEM;
    pbuf_copy_partial(p, frame, (u16_t)len, 0);
    memset(frame + len, 0, 3);
    wr(TX_DATA_FIFO, TX_CMD_A_FIRST | TX_CMD_A_LAST | len);
    wr(TX_DATA_FIFO, len);
    for (uint32_t at = 0; at < len; at += 4) {
        uint32_t word;
        memcpy(&word, frame + at, 4); /* little-endian, as the FIFO wants */
        wr(TX_DATA_FIFO, word);
    }
    return ERR_OK;
}

void lan9118_poll(struct netif *netif) {
    static uint8_t frame[MAX_FRAME + 4 + 3]; /* with the FCS, whole words */
    while (lan9118_rx_pending()) {
        uint32_t status = rd(RX_STATUS_FIFO);
        uint32_t len = (status >> 16) & 0x3fff; /* counts the 4-byte FCS after the frame */
        uint32_t words = (len + 3) / 4;
        int keep = !(status & RX_STS_ERROR) && len >= 18 && len - 4 <= MAX_FRAME;
        for (uint32_t i = 0; i < words; i++) {
            uint32_t word = rd(RX_DATA_FIFO);
            if (keep)
                memcpy(frame + 4 * i, &word, 4); /* little-endian, as the FIFO gives it */
        }
        if (!keep)
            continue;
        /* Each frame gets a heap pbuf of its own size, not a pool buffer of the largest
         * frame's: a peer sending small segments would otherwise take every pool
         * buffer while the server waits for room to send, and the ACKs that make that
         * room could not be received. */
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(len - 4), PBUF_RAM);
        if (p == NULL)
            continue; /* dropped: TCP sends it again */
        pbuf_take(p, frame, (u16_t)(len - 4));
        if (netif->input(p, netif) != ERR_OK)
            pbuf_free(p);
    }
}

err_t lan9118_init(struct netif *netif) {
    const uint8_t *mac = netif->hwaddr;
    if (rd(BYTE_TEST) != BYTE_TEST_VALUE)
        return ERR_IF;
    wr(HW_CFG, HW_CFG_SRST);
    if (!spin_until(HW_CFG, HW_CFG_SRST, 0) || !spin_until(PMT_CTRL, PMT_CTRL_READY, PMT_CTRL_READY))
        return ERR_IF;
    if (!mac_write(MAC_ADDRL, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
                                  (uint32_t)mac[3] << 24) ||
        !mac_write(MAC_ADDRH, (uint32_t)mac[4] | (uint32_t)mac[5] << 8) ||
        !mac_write(MAC_CR, MAC_CR_FDPX | MAC_CR_TXEN | MAC_CR_RXEN))
        return ERR_IF;
    /* TXSAO: a full status FIFO must not stall transmission. */
    wr(TX_CFG, TX_CFG_TX_ON | TX_CFG_TXSAO);
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                   NETIF_FLAG_LINK_UP;
    netif->output = etharp_output;
    netif->linkoutput = link_output;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    return ERR_OK;
}
