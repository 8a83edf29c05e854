/*
 * lwIP options of the board build: no operating system (NO_SYS: one main loop runs
 * the stack, the timers and every callback), IPv4, ARP, ICMP and TCP only, and
 * statically sized memory (a heap array and pools, no malloc).
 */
#ifndef BOARD_LWIPOPTS_H
#define BOARD_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* nothing runs lwIP from an interrupt */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_TCP 1
#define LWIP_UDP 0
#define LWIP_RAW 0
#define LWIP_DHCP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_STATS 0
#define LWIP_NETIF_LOOPBACK 0

#define MEM_ALIGNMENT 4
/* The heap: received frames (each in a pbuf of its size, lan9118.c) and the TCP
 * segments queued for sending. */
#define MEM_SIZE (64 * 1024)
#define PBUF_POOL_SIZE 4 /* lwIP itself takes none on this path */
#define MEMP_NUM_PBUF 16
/* The 4 clients (MAX_CLIENTS) and room to take a 5th, 6th... connection and reset it
 * (ws_server.c): with 6, a burst of connections to a full server found no pcb, and
 * lwIP dropped their SYNs without an answer (tests/load/faults.py, idle flood). */
#define MEMP_NUM_TCP_PCB 10
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 32
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN 16
#define LWIP_TCP_KEEPALIVE 0

#endif
