/* lwIP's platform header for the board: picolibc supplies the C types; diagnostics
 * are dropped and a failed lwIP assertion ends the image (exit status 3). */
#ifndef BOARD_ARCH_CC_H
#define BOARD_ARCH_CC_H

#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x)                                                                  \
    do {                                                                                       \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) exit(3)
#define LWIP_RAND() ((u32_t)rand())

#endif
