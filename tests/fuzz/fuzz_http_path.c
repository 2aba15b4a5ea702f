/* fuzz_http_path — a request path from any client. Nothing may crash or
 * read past it; every path accepted has segments that keep the promises
 * of http_path.h (no '/', no "." or "..", UTF-8 text), that read back the
 * same after html_buf_url encodes them again, and an id parsed from a
 * segment prints back as exactly that segment. */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_buf.h"
#include "http_path.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_segment(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
        tz_text_check(s, n, NULL) != TZ_TEXT_OK)
        abort();
    uint64_t id;
    if (http_path_id(s, &id) == 0) {
        char back[32];
        snprintf(back, sizeof(back), "%" PRIu64, id);
        if (id == 0 || strcmp(back, s) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = malloc(size ? size : 1);   /* exactly size bytes for ASan */
    if (path == NULL)
        return 0;
    memcpy(path, data, size);
    static struct http_path p, q;
    struct tz_error err = {0};
    int rc = http_path_split(path, size, &p, &err);
    free(path);
    if (rc != 0) {
        if ((rc != TZ_EINVAL && rc != TZ_ELIMIT) || err.msg[0] == '\0' || p.n != 0)
            abort();
        return 0;
    }
    if (p.n > HTTP_PATH_MAX_SEGMENTS || (p.trailing_slash && p.n == 0))
        abort();
    struct html_buf b;
    html_buf_init(&b, 0);
    for (size_t i = 0; i < p.n; i++) {
        check_segment(p.seg[i]);
        html_buf_append(&b, "/", 1);
        html_buf_url(&b, p.seg[i], strlen(p.seg[i]));
    }
    if (p.n == 0 || p.trailing_slash)
        html_buf_append(&b, "/", 1);
    char *enc;
    size_t len;
    if (html_buf_take(&b, &enc, &len) != 0)
        abort();
    rc = http_path_split(enc, len, &q, NULL);
    /* %-encoding triples a byte: only the length bound may refuse it */
    if (!(rc == TZ_ELIMIT && len > HTTP_PATH_MAX)) {
        if (rc != 0 || q.n != p.n || q.trailing_slash != p.trailing_slash)
            abort();
        for (size_t i = 0; i < p.n; i++)
            if (strcmp(q.seg[i], p.seg[i]) != 0)
                abort();
    }
    free(enc);
    return 0;
}
