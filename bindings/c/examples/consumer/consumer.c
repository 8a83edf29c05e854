/* A minimal program linking an installed wsframe: checks the header against the
 * library, computes the RFC 6455 §1.3 accept key and parses a close payload. */
#include <stdio.h>
#include <string.h>

#include <wsframe.h>

int main(void) {
    static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
    static const uint8_t close_payload[] = {0x03, 0xe8, 'b', 'y', 'e'};
    uint8_t accept[WSF_ACCEPT_KEY_LEN];
    struct wsf_close close;

    if (wsf_version() != WSF_VERSION_NUMBER) {
        fprintf(stderr, "header %d, library %u\n", WSF_VERSION_NUMBER, (unsigned)wsf_version());
        return 1;
    }
    if (wsf_accept_key(key, strlen(key), accept) != WSF_OK ||
        memcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WSF_ACCEPT_KEY_LEN) != 0) {
        fprintf(stderr, "wrong accept key\n");
        return 1;
    }
    if (wsf_close_parse(close_payload, sizeof close_payload, &close) != WSF_OK ||
        close.code != 1000 || close.reason.len != 3) {
        fprintf(stderr, "wrong close parse\n");
        return 1;
    }
    printf("wsframe %s ok: %.*s\n", wsf_version_string(), WSF_ACCEPT_KEY_LEN, (const char *)accept);
    return 0;
}
