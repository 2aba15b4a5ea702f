/* screen_evidence — bounded, clean evidence strings. */
#include "screen_evidence.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* Room kept for " (+N more)" at the end. */
#define EV_TAIL 24

void ev_init(struct screen_ev *e)
{
    e->s[0] = '\0';
    e->n = e->items = e->more = 0;
}

/* Shorten s to at most max bytes without splitting a character. */
static size_t cut_utf8(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

static void append(struct screen_ev *e, const char *t, size_t len, size_t limit)
{
    if (e->n >= limit)
        return;
    len = cut_utf8(t, len, limit - e->n);
    memcpy(e->s + e->n, t, len);
    e->n += len;
    e->s[e->n] = '\0';
}

void ev_text(struct screen_ev *e, const char *fmt, ...)
{
    char t[SCREEN_EVIDENCE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t, sizeof(t), fmt, ap);
    va_end(ap);
    if (w < 0)
        return;
    size_t len = (size_t)w < sizeof(t) ? (size_t)w : sizeof(t) - 1;
    append(e, t, len, sizeof(e->s) - 1 - EV_TAIL);
}

void ev_item(struct screen_ev *e, const char *sep, const char *fmt, ...)
{
    char t[SCREEN_EVIDENCE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t, sizeof(t), fmt, ap);
    va_end(ap);
    size_t seplen = e->items ? strlen(sep) : 0;
    if (w < 0 || (size_t)w >= sizeof(t) ||
        e->n + seplen + (size_t)w > sizeof(e->s) - 1 - EV_TAIL || e->more) {
        e->more++;   /* after one is left out, later ones are too: order kept */
        return;
    }
    append(e, sep, seplen, sizeof(e->s) - 1);
    append(e, t, (size_t)w, sizeof(e->s) - 1);
    e->items++;
}

const char *ev_done(struct screen_ev *e)
{
    if (e->more) {
        char t[EV_TAIL + 1];
        int w = snprintf(t, sizeof(t), " (+%zu more)", e->more);
        if (w > 0)
            append(e, t, (size_t)w < sizeof(t) ? (size_t)w : sizeof(t) - 1,
                   sizeof(e->s) - 1);
        e->more = 0;
    }
    return e->s;
}

char *ev_clean(char *dst, size_t max, const char *s)
{
    size_t n = 0;
    if (s == NULL)
        s = "";
    size_t avail = strlen(s);
    while (avail > 0 && n + 1 < max) {
        uint32_t cp;
        size_t k = tz_utf8_next(s, avail, &cp);
        if (k == 0 || tz_text_unsafe_cp(cp)) {
            dst[n++] = '?';
            k = k ? k : 1;
        } else {
            if (n + k >= max)
                break;
            memcpy(dst + n, s, k);
            n += k;
        }
        s += k;
        avail -= k;
    }
    if (max)
        dst[n] = '\0';
    return dst;
}
