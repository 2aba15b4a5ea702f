/* fuzz_dpkg — a hostile /var/lib/dpkg/status through collect_dpkg.
 *
 * The input is written as <tmproot>/var/lib/dpkg/status (the root is made
 * once per process under $TMPDIR). A package list that comes back must be
 * within the bounds the collector enforces, or the host's reports would be
 * refused as INVALID forever. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "collect_dpkg.h"
#include "fuzz_common.h"
#include "validate.h"

static char *root, *status_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("dpkg");
    char p[4200];
    snprintf(p, sizeof(p), "%s/var", root);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/var/lib", root);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/var/lib/dpkg", root);
    mkdir(p, 0755);
    status_path = malloc(4200);
    snprintf(status_path, 4200, "%s/var/lib/dpkg/status", root);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write(status_path, data, size);
    Tz__PackagesSection *ps = NULL;
    struct tz_error err = {0};
    int rc = collect_dpkg(root, &ps, &err);
    if (rc == 0) {
        if (ps == NULL)
            abort();
        for (size_t i = 0; i < ps->n_packages; i++)
            if (ps->packages[i]->name == NULL || ps->packages[i]->name[0] == '\0')
                abort();    /* the register refuses nameless packages */
        protobuf_c_message_free_unpacked(&ps->base, NULL);
    } else if (ps != NULL || err.msg[0] == '\0') {
        abort();            /* errors leave *out alone and say why */
    }
    return 0;
}
