/* fuzz_scan_ports — schemas/screening-ports.txt as an operator could mangle
 * it. Nothing may crash or read past the input; a list that loads holds
 * only ports 1..65535, each once, no more than asked for. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan_ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    uint16_t ports[64];
    size_t n = 99;
    struct tz_error err;
    int rc = scan_ports_parse(text, size, "fuzz", ports, 64, &n, &err);
    if (rc != 0 && (n != 0 || err.msg[0] == '\0'))
        abort();
    if (rc == 0) {
        if (n > 64)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (ports[i] == 0)
                abort();
            for (size_t j = 0; j < i; j++)
                if (ports[j] == ports[i])
                    abort();
        }
    }
    free(text);
    return 0;
}
