/* apt_lists_ref — the oracle for agent/apt_lists.c: the line-by-line reading
 * of a Packages list it replaced (tz_lines: one copied line at a time, each
 * judged by the same rules), kept verbatim so that tests and the fuzzer can
 * demand the fast reader give the same stanzas and the same warnings on any
 * input. Also a recorder that writes what a reader reports as text, so two
 * readings compare with strcmp. Header-only: shared by
 * tests/unit/test_apt_lists.c and tests/fuzz/fuzz_apt_lists.c. */
#ifndef TZ_APT_LISTS_REF_H
#define TZ_APT_LISTS_REF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apt_lists.h"
#include "collect_patch.h"
#include "rootfs.h"
#include "tz_limits.h"
#include "warnlist.h"

struct ref_stanza {
    struct apt_stanza st;
    size_t bytes;
    int have_field;
    int bad;
};

#define REF_WARN(w, host, line, ...)                                           \
    (warnlist_add(w, host, line, __VA_ARGS__) ? TZ_ENOMEM : 0)

static inline void ref_reset(struct ref_stanza *st)
{
    memset(st, 0, sizeof(*st));
}

static inline int ref_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static inline int ref_field(struct warnlist *w, const char *host,
                            struct ref_stanza *st, char *line, size_t len,
                            long lineno)
{
    char *colon = memchr(line, ':', len);
    if (st->st.start == 0)
        st->st.start = lineno;
    if (colon == NULL) {
        st->bad = 1;
        return REF_WARN(w, host, lineno,
                        "expected \"Field: value\"; stanza skipped");
    }
    st->have_field = 1;
    size_t flen = (size_t)(colon - line);
    long *seen;
    char *dst;
    size_t *dlen;            /* the one addition: apt_stanza's lengths */
    const char *name;
    if (flen == 7 && strncasecmp(line, "Package", 7) == 0)
        seen = &st->st.pkg_line, dst = st->st.pkg, name = "Package",
        dlen = &st->st.pkg_len;
    else if (flen == 7 && strncasecmp(line, "Version", 7) == 0)
        seen = &st->st.ver_line, dst = st->st.ver, name = "Version",
        dlen = &st->st.ver_len;
    else if (flen == 12 && strncasecmp(line, "Architecture", 12) == 0)
        seen = &st->st.arch_line, dst = st->st.arch, name = "Architecture",
        dlen = &st->st.arch_len;
    else
        return 0;
    if (st->bad)
        return 0;
    if (*seen) {
        st->bad = 1;
        return REF_WARN(w, host, lineno,
                        "field %s given twice (first at line %ld); stanza "
                        "skipped", name, *seen);
    }
    *seen = lineno;
    char *v = colon + 1, *end = line + len;
    while (v < end && ref_is_space(*v))
        v++;
    while (end > v && ref_is_space(end[-1]))
        end--;
    size_t vlen = (size_t)(end - v);
    if (vlen > TZ_MAX_NAME) {
        st->bad = 1;
        return REF_WARN(w, host, lineno, "%s longer than %d bytes; stanza "
                        "skipped", name, TZ_MAX_NAME);
    }
    memcpy(dst, v, vlen);
    dst[vlen] = '\0';
    *dlen = vlen;
    return 0;
}

/* rc of fn folded as apt_list_read does: > 0 stops, < 0 fails. */
static inline int ref_end(struct ref_stanza *st, apt_stanza_fn fn, void *arg,
                          int *stop)
{
    if (!st->have_field || st->bad)
        return 0;
    int rc = fn(arg, &st->st);
    if (rc > 0) {
        *stop = 1;
        rc = 0;
    }
    return rc;
}

/* apt_list_read as it was: same contract. */
static inline int apt_ref_read(const char *path, const char *host,
                               struct warnlist *w, apt_stanza_fn fn, void *arg)
{
    struct tz_lines lr;
    struct tz_error e;
    if (tz_lines_open(&lr, path, TZ_PATCH_MAX_LINE, &e) != 0) {
        tz_lines_close(&lr);
        return REF_WARN(w, host, 0, "cannot read: %s", e.msg);
    }
    struct ref_stanza st;
    ref_reset(&st);
    int rc, stop = 0;
    char *line;
    size_t len;
    for (;;) {
        rc = tz_lines_next(&lr, &line, &len, &e);
        if (rc == 0) {
            rc = ref_end(&st, fn, arg, &stop);
            break;
        }
        if (rc < 0) {
            if (rc == TZ_ENOMEM)
                break;
            rc = REF_WARN(w, host, lr.lineno + 1, "%s; rest of the file skipped",
                          rc == TZ_ELIMIT ? "line longer than 1 MiB" : e.msg);
            break;
        }
        size_t i = 0;
        while (i < len && ref_is_space(line[i]))
            i++;
        if (i == len) {
            rc = ref_end(&st, fn, arg, &stop);
            ref_reset(&st);
            if (rc != 0 || stop)
                break;
            continue;
        }
        st.bytes += len + 1;
        if (st.bytes > TZ_PATCH_MAX_STANZA) {
            if (!st.bad &&
                (rc = REF_WARN(w, host, lr.lineno,
                               "stanza at line %ld larger than 1 MiB; skipped",
                               st.st.start ? st.st.start : lr.lineno)) != 0)
                break;
            st.bad = 1;
            continue;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            if (!st.have_field && !st.bad) {
                st.bad = 1;
                if (st.st.start == 0)
                    st.st.start = lr.lineno;
                if ((rc = REF_WARN(w, host, lr.lineno,
                                   "continuation line before any field; "
                                   "stanza skipped")) != 0)
                    break;
            }
            continue;
        }
        if ((rc = ref_field(w, host, &st, line, len, lr.lineno)) != 0)
            break;
    }
    tz_lines_close(&lr);
    return rc;
}

/* ---- what a reader reported, as text -------------------------------------- */

struct apt_trace {
    char *text;
    size_t len;
    FILE *f;
    struct warnlist *w;      /* where fn's own warnings go, as collect_patch's */
    unsigned long stanzas;
    unsigned long stop_after;   /* fn returns 1 at this stanza (0: never) */
};

static inline void apt_trace_open(struct apt_trace *t, struct warnlist *w,
                                  unsigned long stop_after)
{
    memset(t, 0, sizeof(*t));
    t->f = open_memstream(&t->text, &t->len);
    if (t->f == NULL)
        abort();
    t->w = w;
    t->stop_after = stop_after;
}

/* The stanza callback: records it, warns about one without Package (so
 * fn's warnings interleave with the reader's, as in collect_patch). */
static inline int apt_trace_fn(void *arg, const struct apt_stanza *st)
{
    struct apt_trace *t = arg;
    t->stanzas++;
    fprintf(t->f, "stanza@%ld pkg@%ld=[%s] ver@%ld=[%s] arch@%ld=[%s]\n",
            st->start, st->pkg_line, st->pkg, st->ver_line, st->ver,
            st->arch_line, st->arch);
    if (st->pkg_len != strlen(st->pkg) || st->ver_len != strlen(st->ver) ||
        st->arch_len != strlen(st->arch))
        fprintf(t->f, "  lengths wrong: %zu %zu %zu\n", st->pkg_len,
                st->ver_len, st->arch_len);
    if (st->pkg[0] == '\0' &&
        warnlist_add(t->w, "cb", st->start, "no package") != 0)
        return TZ_ENOMEM;
    if (t->stop_after && t->stanzas == t->stop_after)
        return 1;
    return 0;
}

/* Close the trace: stanzas, then rc and every warning; malloc'd. */
static inline char *apt_trace_close(struct apt_trace *t, int rc)
{
    char **v = NULL;
    size_t n = 0;
    if (warnlist_take(t->w, &v, &n) != 0)
        abort();
    fprintf(t->f, "rc %d, %zu warnings\n", rc, n);
    for (size_t i = 0; i < n; i++) {
        fprintf(t->f, "W %s\n", v[i]);
        free(v[i]);
    }
    free(v);
    fclose(t->f);
    return t->text;
}

#endif
