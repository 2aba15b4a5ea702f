/* screen_evidence — bounded, clean evidence strings in two languages. */
#include "screen_evidence.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* Room kept at the end for " (+N more)" and "（另有 N 项未列出）". */
#define EV_TAIL_EN 24
#define EV_TAIL_ZH 48

void ev_init(struct screen_ev *e)
{
    memset(e, 0, sizeof(*e));
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

static void append(struct screen_ev_text *e, const char *t, size_t len, size_t limit)
{
    if (e->n >= limit)
        return;
    len = cut_utf8(t, len, limit - e->n);
    memcpy(e->s + e->n, t, len);
    e->n += len;
    e->s[e->n] = '\0';
}

static size_t tail(const struct screen_ev *e, const struct screen_ev_text *t)
{
    return t == &e->zh ? EV_TAIL_ZH : EV_TAIL_EN;
}

/* fmt over ap into t (SCREEN_EVIDENCE_MAX bytes): its length, or -1 when
 * it failed or did not fit. The Chinese format is a literal at every call
 * (see the header): the compiler checks the English one only. */
static int vformat(char *t, const char *fmt, va_list ap)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    int w = vsnprintf(t, SCREEN_EVIDENCE_MAX, fmt, ap);
#pragma GCC diagnostic pop
    return w;
}

static void text_one(struct screen_ev *e, struct screen_ev_text *x, const char *fmt,
                     va_list ap)
{
    char t[SCREEN_EVIDENCE_MAX];
    int w = vformat(t, fmt, ap);
    if (w < 0)
        return;
    size_t len = (size_t)w < sizeof(t) ? (size_t)w : sizeof(t) - 1;
    append(x, t, len, sizeof(x->s) - 1 - tail(e, x));
}

void ev_text(struct screen_ev *e, const char *en, const char *zh, ...)
{
    va_list ap, aq;
    va_start(ap, zh);
    va_copy(aq, ap);
    text_one(e, &e->en, en, ap);
    text_one(e, &e->zh, zh, aq);
    va_end(aq);
    va_end(ap);
}

static void item_one(struct screen_ev *e, struct screen_ev_text *x, const char *sep,
                     const char *fmt, va_list ap)
{
    char t[SCREEN_EVIDENCE_MAX];
    int w = vformat(t, fmt, ap);
    size_t seplen = x->items ? strlen(sep) : 0;
    if (w < 0 || (size_t)w >= sizeof(t) ||
        x->n + seplen + (size_t)w > sizeof(x->s) - 1 - tail(e, x) || x->more) {
        x->more++;   /* after one is left out, later ones are too: order kept */
        return;
    }
    append(x, sep, seplen, sizeof(x->s) - 1);
    append(x, t, (size_t)w, sizeof(x->s) - 1);
    x->items++;
}

static const char *sep_zh(const char *sep)
{
    if (strcmp(sep, ", ") == 0)
        return "、";
    if (strcmp(sep, "; ") == 0)
        return "；";
    return sep;
}

void ev_item(struct screen_ev *e, const char *sep, const char *en, const char *zh, ...)
{
    va_list ap, aq;
    va_start(ap, zh);
    va_copy(aq, ap);
    item_one(e, &e->en, sep, en, ap);
    item_one(e, &e->zh, sep_zh(sep), zh, aq);
    va_end(aq);
    va_end(ap);
}

size_t ev_entries(const struct screen_ev *e)
{
    return e->en.items + e->en.more;
}

static void done_one(struct screen_ev_text *x, const char *fmt)
{
    char t[EV_TAIL_ZH + 1];
    if (x->more == 0)
        return;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    int w = snprintf(t, sizeof(t), fmt, x->more);
#pragma GCC diagnostic pop
    if (w > 0)
        append(x, t, (size_t)w < sizeof(t) ? (size_t)w : sizeof(t) - 1,
               sizeof(x->s) - 1);
    x->more = 0;
}

void ev_done(struct screen_ev *e)
{
    done_one(&e->en, " (+%zu more)");
    done_one(&e->zh, "（另有 %zu 项未列出）");
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
