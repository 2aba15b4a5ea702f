/* html_buf — appends with a sticky error, escaping a character at a time. */
#include "html_buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

void html_buf_init(struct html_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = b->alloc = 0;
    /* cap + 1 (the NUL) and the doubling in reserve must not wrap */
    b->cap = cap == 0 ? HTML_BUF_DEFAULT_CAP : cap > SIZE_MAX / 4 ? SIZE_MAX / 4 : cap;
    b->err = 0;
}

static int fail(struct html_buf *b, int code)
{
    b->err = code;
    return code;
}

/* Room for extra more bytes and the NUL, within the cap. */
static int reserve(struct html_buf *b, size_t extra)
{
    if (b->err)
        return b->err;
    if (extra > b->cap - b->len)
        return fail(b, TZ_ELIMIT);
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return 0;
    /* Doubling, but never past cap + 1: cap bounds memory, not just len. */
    size_t n = b->alloc < 256 ? 256 : b->alloc;
    while (n < need && n <= b->cap / 2)
        n *= 2;
    if (n < need || n > b->cap + 1)   /* need <= cap + 1: checked above */
        n = b->cap + 1;
    char *p = realloc(b->data, n);
    if (p == NULL)
        return fail(b, TZ_ENOMEM);
    b->data = p;
    b->alloc = n;
    return 0;
}

int html_buf_append(struct html_buf *b, const char *s, size_t len)
{
    int rc = reserve(b, len);
    if (rc != 0)
        return rc;
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int html_buf_puts(struct html_buf *b, const char *s)
{
    return html_buf_append(b, s, strlen(s));
}

int html_buf_vprintf(struct html_buf *b, const char *fmt, va_list ap)
{
    if (b->err)
        return b->err;
    va_list again;
    va_copy(again, ap);
    size_t room = b->alloc > b->len ? b->alloc - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    int rc = n < 0 ? fail(b, TZ_EINVAL) : 0;
    if (rc == 0 && (size_t)n >= room) {
        /* did not fit: grow to the size it told us and format again */
        rc = reserve(b, (size_t)n);
        if (rc == 0)
            vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
    }
    va_end(again);
    if (rc != 0) {
        if (b->data)
            b->data[b->len] = '\0';   /* undo a partial first attempt */
        return rc;
    }
    /* A first attempt that fit is within the cap: alloc <= cap + 1. */
    b->len += (size_t)n;
    return 0;
}

int html_buf_printf(struct html_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = html_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Escaped output is gathered here and appended in blocks. */
struct stage {
    char buf[512];
    size_t n;
};

static int put(struct html_buf *b, struct stage *st, const char *s, size_t len)
{
    if (st->n + len > sizeof(st->buf)) {
        int rc = html_buf_append(b, st->buf, st->n);
        if (rc != 0)
            return rc;
        st->n = 0;
    }
    memcpy(st->buf + st->n, s, len);
    st->n += len;
    return 0;
}

enum { ESC_TEXT, ESC_ATTR };

/* The entity for ASCII c in mode, or NULL when c stands for itself. */
static const char *entity(unsigned char c, int mode)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    case '`': return mode == ESC_ATTR ? "&#96;" : NULL;
    case '\t': return mode == ESC_ATTR ? "&#9;" : NULL;
    case '\n': return mode == ESC_ATTR ? "&#10;" : NULL;
    case '\r': return mode == ESC_ATTR ? "&#13;" : NULL;
    default: return NULL;
    }
}

static int escape(struct html_buf *b, const char *s, size_t len, int mode)
{
    static const char fffd[] = "\xef\xbf\xbd";
    size_t mark = b->len;
    struct stage st = {.n = 0};
    int rc = b->err;
    for (size_t i = 0; i < len && rc == 0;) {
        uint32_t cp = 0;
        size_t n = tz_utf8_next(s + i, len - i, &cp);
        const char *ent = n == 1 ? entity((unsigned char)s[i], mode) : NULL;
        if (ent)
            rc = put(b, &st, ent, strlen(ent));
        else if (n == 0 || (tz_text_unsafe_cp(cp) && cp != '\t' && cp != '\n' &&
                            cp != '\r'))
            rc = put(b, &st, fffd, 3);
        else
            rc = put(b, &st, s + i, n);
        i += n ? n : 1;
    }
    if (rc == 0)
        rc = html_buf_append(b, st.buf, st.n);
    if (rc != 0 && b->data && b->len != mark) {
        b->len = mark;   /* no half-escaped value in what is kept */
        b->data[mark] = '\0';
    }
    return rc;
}

int html_buf_text(struct html_buf *b, const char *s, size_t len)
{
    return escape(b, s, len, ESC_TEXT);
}

int html_buf_attr(struct html_buf *b, const char *s, size_t len)
{
    return escape(b, s, len, ESC_ATTR);
}

int html_buf_url(struct html_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t mark = b->len;
    struct stage st = {.n = 0};
    int rc = b->err;
    for (size_t i = 0; i < len && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
            rc = put(b, &st, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = put(b, &st, e, 3);
        }
    }
    if (rc == 0)
        rc = html_buf_append(b, st.buf, st.n);
    if (rc != 0 && b->data && b->len != mark) {
        b->len = mark;
        b->data[mark] = '\0';
    }
    return rc;
}

int html_buf_error(const struct html_buf *b)
{
    return b->err;
}

int html_buf_take(struct html_buf *b, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int rc = b->err;
    if (rc == 0 && b->data == NULL && (b->data = malloc(1)) != NULL)
        b->data[0] = '\0';
    if (rc == 0 && b->data == NULL)
        rc = TZ_ENOMEM;
    if (rc != 0) {
        html_buf_free(b);
        return rc;
    }
    *out = b->data;
    *len = b->len;
    b->data = NULL;
    html_buf_init(b, b->cap);
    return 0;
}

void html_buf_free(struct html_buf *b)
{
    free(b->data);
    html_buf_init(b, b->cap);
}
