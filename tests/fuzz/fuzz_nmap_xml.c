/* fuzz_nmap_xml — nmap's XML report as a scanned host could shape it (nmap
 * echoes banners and names into it) or a broken nmap could cut it. Nothing
 * may crash, expand an entity or read past the input; what comes out keeps
 * the header's promises: at most SCAN_MAX_OPEN ports, each a valid address
 * in canonical text and a port 1..65535, sorted and unique; a result that
 * did not run says why; an error leaves nothing behind. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nmap_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_port(const struct scan_port *p)
{
    unsigned char bin[16];
    char canon[64];
    if (memchr(p->addr, '\0', sizeof(p->addr)) == NULL ||
        memchr(p->service, '\0', sizeof(p->service)) == NULL || p->port == 0)
        abort();
    int af = strchr(p->addr, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(af, p->addr, bin) != 1 ||
        inet_ntop(af, bin, canon, sizeof(canon)) == NULL ||
        strcmp(canon, p->addr) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a heap copy of exactly size bytes: ASan sees any read past it */
    char *xml = malloc(size ? size : 1);
    if (xml == NULL)
        return 0;
    memcpy(xml, data, size);
    struct scan_result r;
    struct nmap_xml_run run;
    struct tz_error err;
    int rc = nmap_xml_parse_run(xml, size, &r, &run, &err);
    if (rc != 0) {
        if (r.open || r.n_open || r.addrs || r.ran || err.msg[0] == '\0')
            abort();
    } else {
        if (r.n_open > SCAN_MAX_OPEN || (r.n_open && r.open == NULL) ||
            (r.truncated && r.n_open != SCAN_MAX_OPEN) || r.addrs)
            abort();
        if (memchr(r.why_not, '\0', sizeof(r.why_not)) == NULL ||
            memchr(r.nmap_version, '\0', sizeof(r.nmap_version)) == NULL ||
            (!r.ran && r.why_not[0] == '\0'))
            abort();
        if (r.ran && (!run.finished || !run.success || run.hosts_timedout))
            abort();
        for (size_t i = 0; i < r.n_open; i++) {
            check_port(&r.open[i]);
            if (i && strcmp(r.open[i - 1].addr, r.open[i].addr) == 0 &&
                r.open[i - 1].port >= r.open[i].port)
                abort();
        }
    }
    scan_result_free(&r);
    free(xml);
    return 0;
}
