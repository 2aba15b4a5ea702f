/* apt_lists — Packages lists stanza by stanza, without copying lines.
 *
 * Reading line by line through tz_lines cost more than half of a collection:
 * a call, a copy and a NUL search per line of a 50 MB list. Here the lines
 * of a run are found 64 bytes at a time and judged where they lie; what each
 * line means is unchanged. */
#include "apt_lists.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "collect_patch.h"
#include "rootfs.h"

/* ---- line ends ------------------------------------------------------------ */

/* The '\n' of a run in order, each with whether its line holds a ':'. With
 * SSE2 (every x86-64) both come from bit masks of 64 bytes, so no byte is
 * looked at twice and no loop runs per line; elsewhere memchr per line. */
struct nl_iter {
    const char *p;
    size_t len;
    size_t next;             /* offset of the next 64-byte block to load */
    size_t at;               /* offset of the block bits describe */
    uint64_t bits;           /* its '\n' not yet returned */
    uint64_t bare;           /* its '\n' that end a line without ':' */
    unsigned carry;          /* a line's search for ':' runs into the next block */
    unsigned nl_last;        /* the block ended in '\n': the next starts a line */
};

static void nl_init(struct nl_iter *it, const char *p, size_t len)
{
    memset(it, 0, sizeof(*it));
    it->p = p;
    it->len = len;
    it->nl_last = 1;         /* a run starts with a line */
}

#if defined(__SSE2__)
static inline uint64_t bits16(__m128i x, __m128i ch)
{
    return (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, ch));
}

/* Where '\n' and ':' are in the 64 bytes at b, one bit a byte. */
static inline void masks64(const char *b, uint64_t *nl, uint64_t *colon)
{
    const __m128i n = _mm_set1_epi8('\n'), c = _mm_set1_epi8(':');
    const __m128i *v = (const __m128i *)(const void *)b;
    __m128i x0 = _mm_loadu_si128(v), x1 = _mm_loadu_si128(v + 1);
    __m128i x2 = _mm_loadu_si128(v + 2), x3 = _mm_loadu_si128(v + 3);
    *nl = bits16(x0, n) | bits16(x1, n) << 16 | bits16(x2, n) << 32 |
          bits16(x3, n) << 48;
    *colon = bits16(x0, c) | bits16(x1, c) << 16 | bits16(x2, c) << 32 |
             bits16(x3, c) << 48;
}

/* Masks of the block at it->next. Which lines lack a ':' comes from one
 * addition: from each line start a carry runs through the bytes that are
 * neither ':' nor '\n' and stops on the first one that is, so a '\n' the
 * carry lands on ends a line without ':'. A carry out of bit 63 goes on in
 * the next block, as its line does. */
static void nl_load(struct nl_iter *it)
{
    const char *b = it->p + it->next;
    char tail[64];
    size_t left = it->len - it->next;
    if (left < 64) {         /* never read past the run: pad with NUL */
        memset(tail, 0, sizeof(tail));
        memcpy(tail, b, left);
        b = tail;
    }
    uint64_t nl, colon, landed;
    masks64(b, &nl, &colon);
    uint64_t ev = nl | colon, starts = nl << 1 | it->nl_last;
    it->carry = __builtin_add_overflow(~ev, starts | it->carry, &landed);
    it->nl_last = (unsigned)(nl >> 63);
    it->bits = nl;
    it->bare = landed & nl;
    it->at = it->next;
    it->next += 64;
}

/* Next '\n', or NULL at the end of the run; *colon: its line holds a ':'. */
static inline const char *nl_next(struct nl_iter *it, int *colon)
{
    while (it->bits == 0) {
        if (it->next >= it->len)
            return NULL;
        nl_load(it);
    }
    uint64_t low = it->bits & (0 - it->bits);
    it->bits ^= low;
    *colon = (it->bare & low) == 0;
    return it->p + it->at + (size_t)__builtin_ctzll(low);
}
#else
static inline const char *nl_next(struct nl_iter *it, int *colon)
{
    if (it->next >= it->len)
        return NULL;
    const char *line = it->p + it->next;
    const char *nl = memchr(line, '\n', it->len - it->next);
    if (nl == NULL) {
        it->next = it->len;
        return NULL;
    }
    *colon = memchr(line, ':', (size_t)(nl - line)) != NULL;
    it->next = (size_t)(nl - it->p) + 1;
    return nl;
}
#endif

/* ---- stanzas -------------------------------------------------------------- */

struct scan {
    const char *host;
    struct warnlist *w;
    apt_stanza_fn fn;
    void *arg;
    long lineno;             /* of the line being judged */
    struct apt_stanza st;
    size_t bytes;            /* of the stanza so far */
    int have_field;
    int bad;                 /* a warning was given; the stanza is dropped */
    int stop;                /* fn asked to stop */
};

#define warn(s, line, ...)                                                     \
    (warnlist_add((s)->w, (s)->host, line, __VA_ARGS__) ? TZ_ENOMEM : 0)

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static void stanza_reset(struct scan *s)
{
    s->st.start = 0;
    s->st.pkg_line = s->st.ver_line = s->st.arch_line = 0;
    s->st.pkg[0] = s->st.ver[0] = s->st.arch[0] = '\0';
    s->st.pkg_len = s->st.ver_len = s->st.arch_len = 0;
    s->bytes = 0;
    s->have_field = 0;
    s->bad = 0;
}

/* A blank line or the end of the list: hand over a good stanza. */
static int stanza_end(struct scan *s)
{
    int rc = 0;
    if (s->have_field && !s->bad) {
        rc = s->fn(s->arg, &s->st);
        if (rc > 0) {
            s->stop = 1;
            rc = 0;
        }
    }
    stanza_reset(s);
    return rc;
}

/* The field name at l is want (lower-case letters only, n of them) in any
 * case: OR-ing 0x20 folds exactly the letters, so this is strncasecmp. */
static inline int name_is(const char *l, const char *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((l[i] | 0x20) != want[i])
            return 0;
    return 1;
}

/* A line that is not blank nor a continuation: "Name: value". colon says
 * whether it holds a ':' at all; only three names matter, and a name of
 * letters holds no ':', so line[7] or line[12] being one finds them. */
static int stanza_field(struct scan *s, const char *line, size_t len,
                        int colon)
{
    if (s->st.start == 0)
        s->st.start = s->lineno;
    if (!colon) {
        s->bad = 1;
        return warn(s, s->lineno, "expected \"Field: value\"; stanza skipped");
    }
    s->have_field = 1;
    struct apt_stanza *st = &s->st;
    long *seen;
    char *dst;
    size_t *dlen, flen;
    const char *name;
    if (len > 7 && line[7] == ':' && name_is(line, "package", 7))
        seen = &st->pkg_line, dst = st->pkg, dlen = &st->pkg_len,
        name = "Package", flen = 7;
    else if (len > 7 && line[7] == ':' && name_is(line, "version", 7))
        seen = &st->ver_line, dst = st->ver, dlen = &st->ver_len,
        name = "Version", flen = 7;
    else if (len > 12 && line[12] == ':' && name_is(line, "architecture", 12))
        seen = &st->arch_line, dst = st->arch, dlen = &st->arch_len,
        name = "Architecture", flen = 12;
    else
        return 0;
    if (s->bad)
        return 0;
    if (*seen) {
        s->bad = 1;
        return warn(s, s->lineno,
                    "field %s given twice (first at line %ld); stanza skipped",
                    name, *seen);
    }
    *seen = s->lineno;
    const char *v = line + flen + 1, *end = line + len;
    while (v < end && is_space(*v))
        v++;
    while (end > v && is_space(end[-1]))
        end--;
    size_t vlen = (size_t)(end - v);
    if (vlen > TZ_MAX_NAME) {
        s->bad = 1;
        return warn(s, s->lineno, "%s longer than %d bytes; stanza skipped",
                    name, TZ_MAX_NAME);
    }
    memcpy(dst, v, vlen);
    dst[vlen] = '\0';
    *dlen = vlen;
    return 0;
}

/* One line, without its '\n'; colon: it holds a ':'. */
static inline __attribute__((always_inline)) int
scan_line(struct scan *s, const char *line, size_t len, int colon)
{
    s->lineno++;
    if (len == 0 || is_space(line[0])) {
        size_t i = 1;
        while (i < len && is_space(line[i]))
            i++;
        if (i >= len)
            return stanza_end(s);
    }
    s->bytes += len + 1;
    if (s->bytes > TZ_PATCH_MAX_STANZA) {
        int rc = 0;
        if (!s->bad)
            rc = warn(s, s->lineno, "stanza at line %ld larger than 1 MiB; skipped",
                      s->st.start ? s->st.start : s->lineno);
        s->bad = 1;
        return rc;
    }
    if (line[0] == ' ' || line[0] == '\t') {
        if (!s->have_field && !s->bad) {
            s->bad = 1;
            if (s->st.start == 0)
                s->st.start = s->lineno;
            return warn(s, s->lineno,
                        "continuation line before any field; stanza skipped");
        }
        return 0;
    }
    /* The common line, a field but not one of the three, in a stanza
     * under way: all stanza_field would do is note that a field was seen. */
    if (colon && s->st.start != 0 && !(len > 7 && line[7] == ':') &&
        !(len > 12 && line[12] == ':')) {
        s->have_field = 1;
        return 0;
    }
    return stanza_field(s, line, len, colon);
}

/* Every line of a run: whole lines, the last without '\n' only at the end of
 * the list. */
static int scan_run(struct scan *s, const char *run, size_t len)
{
    struct nl_iter it;
    nl_init(&it, run, len);
    const char *line = run, *nl;
    int rc, colon = 0;
    while ((nl = nl_next(&it, &colon)) != NULL) {
        if ((rc = scan_line(s, line, (size_t)(nl - line), colon)) != 0 ||
            s->stop)
            return rc;
        line = nl + 1;
    }
    if (line < run + len) {
        size_t n = (size_t)(run + len - line);
        return scan_line(s, line, n, memchr(line, ':', n) != NULL);
    }
    return 0;
}

int apt_list_read(const char *root, const char *path, const char *host,
                  struct warnlist *w, apt_stanza_fn fn, void *arg)
{
    struct scan s;
    memset(&s, 0, sizeof(s));
    s.host = host;
    s.w = w;
    s.fn = fn;
    s.arg = arg;
    stanza_reset(&s);

    struct tz_chunks cr;
    struct tz_error e;
    if (tz_chunks_open_in(&cr, root, path, TZ_PATCH_MAX_LINE, &e) != 0) {
        tz_chunks_close(&cr);
        return warn(&s, 0, "cannot read: %s", e.msg);
    }
    int rc;
    const char *run;
    size_t len;
    for (;;) {
        rc = tz_chunks_next(&cr, &run, &len, &e);
        if (rc == 0) {
            rc = stanza_end(&s);
            break;
        }
        if (rc < 0) {
            if (rc == TZ_ENOMEM)
                break;
            /* the reader cannot resync inside a long line: drop the rest */
            rc = warn(&s, s.lineno + 1, "%s; rest of the file skipped",
                      rc == TZ_ELIMIT ? "line longer than 1 MiB" : e.msg);
            break;
        }
        if ((rc = scan_run(&s, run, len)) != 0 || s.stop)
            break;
    }
    tz_chunks_close(&cr);
    return rc;
}
