/* fuzz_apt_lists — a hostile Packages list through apt_lists, against the
 * line-by-line reading it replaced (apt_lists_ref.h).
 *
 * The input is the list. It is written plain and as .lz4, and the fast
 * reader must report on each exactly what the oracle reports on the plain
 * file: the same stanzas, fields, line numbers, warnings and result. Any
 * difference aborts with both traces. */
#include <stdint.h>
#include <stdlib.h>

#include <lz4frame.h>

#include "apt_lists_ref.h"
#include "fuzz_common.h"

static char *root;
static char plain[FZ_PATH_MAX], lz4[FZ_PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("aptlists");
    snprintf(plain, sizeof(plain), "%s/x_Packages", root);
    snprintf(lz4, sizeof(lz4), "%s/x_Packages.lz4", root);
    return 0;
}

static char *trace(const char *path, int fast, unsigned long stop_after)
{
    struct warnlist w = {0};
    struct apt_trace t;
    apt_trace_open(&t, &w, stop_after);
    int rc = fast ? apt_list_read(NULL, path, "L", &w, apt_trace_fn, &t)
                  : apt_ref_read(path, "L", &w, apt_trace_fn, &t);
    char *s = apt_trace_close(&t, rc);
    warnlist_free(&w);
    return s;
}

static void expect_same(const char *want, const char *got, const char *what)
{
    if (strcmp(want, got) != 0) {
        fprintf(stderr, "fuzz_apt_lists: %s differs\n--- line by line:\n%s"
                        "--- apt_lists:\n%s", what, want, got);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write(plain, data, size);
    LZ4F_preferences_t pref;
    memset(&pref, 0, sizeof(pref));
    pref.frameInfo.blockMode = LZ4F_blockLinked;    /* as apt writes it */
    size_t cap = LZ4F_compressFrameBound(size, &pref);
    uint8_t *z = malloc(cap);
    if (z == NULL)
        abort();
    size_t zn = LZ4F_compressFrame(z, cap, data, size, &pref);
    if (LZ4F_isError(zn))
        abort();
    fz_write(lz4, z, zn);
    free(z);

    /* the first byte picks a stanza to stop at, as a global bound would */
    unsigned long stop = size ? data[0] % 8 : 0;
    char *want = trace(plain, 0, stop);
    char *got = trace(plain, 1, stop);
    expect_same(want, got, "plain list");
    free(got);
    got = trace(lz4, 1, stop);
    expect_same(want, got, ".lz4 list");
    free(got);
    free(want);
    return 0;
}
