/* http_lang — Accept-Language reduced to the two languages we have. */
#include "http_lang.h"

#include <string.h>

/* The best weight (thousandths, -1 when not named) and where it was. */
struct pick {
    int q;
    size_t pos;
};

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* 1 when s[0..len) is "*" or 1*8ALPHA *("-" 1*8alphanum). */
static int valid_range(const char *s, size_t len)
{
    if (len == 1 && s[0] == '*')
        return 1;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-' && run > 0) {
            run = 0;
            continue;
        }
        /* the first subtag is letters only; later ones may have digits */
        int ok = is_alpha(c) || (c >= '0' && c <= '9' && memchr(s, '-', i));
        if (!ok || ++run > 8)
            return 0;
    }
    return run > 0;
}

/* RFC 7231 qvalue in thousandths, or -1: "0", "0.", "0.5", "0.125", "1",
 * "1.000"; nothing above 1. */
static int parse_q(const char *s, size_t len)
{
    if (len == 0 || (s[0] != '0' && s[0] != '1') || len > 5 ||
        (len > 1 && s[1] != '.'))
        return -1;
    int q = (s[0] - '0') * 1000, scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
    while (*len && is_ows(**s))
        (*s)++, (*len)--;
    while (*len && is_ows((*s)[*len - 1]))
        (*len)--;
}

/* One element "range[;q=w]": its weight, or -1 when it does not parse. */
static int parse_element(const char *s, size_t len, size_t *range_len)
{
    const char *semi = memchr(s, ';', len);
    size_t rlen = semi ? (size_t)(semi - s) : len;
    while (rlen && is_ows(s[rlen - 1]))   /* "en ;q=1" */
        rlen--;
    if (!valid_range(s, rlen))
        return -1;
    *range_len = rlen;
    if (semi == NULL)
        return 1000;
    const char *w = semi + 1;
    size_t wlen = (size_t)(s + len - w);
    trim(&w, &wlen);
    if (wlen < 2 || lower((unsigned char)w[0]) != 'q' || w[1] != '=')
        return -1;
    return parse_q(w + 2, wlen - 2);
}

static void note(struct pick *p, int q, size_t pos)
{
    if (q > p->q) {   /* strictly: on a tie the earlier range stays */
        p->q = q;
        p->pos = pos;
    }
}

/* Whether the range s (valid, rlen bytes) is lang or one of its subtags. */
static int range_is(const char *s, size_t rlen, const char *lang)
{
    return rlen >= 2 && lower((unsigned char)s[0]) == lang[0] &&
           lower((unsigned char)s[1]) == lang[1] && (rlen == 2 || s[2] == '-');
}

enum http_lang http_lang_choose(const char *accept, size_t len,
                                const char *override)
{
    if (override && strcmp(override, "en") == 0)
        return HTTP_LANG_EN;
    if (override && strcmp(override, "zh") == 0)
        return HTTP_LANG_ZH;
    if (accept == NULL || len > HTTP_LANG_MAX_HEADER)
        return HTTP_LANG_ZH;
    struct pick zh = {-1, 0}, en = {-1, 0}, star = {-1, 0};
    size_t pos = 0, start = 0;
    for (size_t i = 0; i <= len && pos < HTTP_LANG_MAX_RANGES; i++) {
        if (i < len && accept[i] != ',')
            continue;
        const char *e = accept + start;
        size_t elen = i - start, rlen = 0;
        start = i + 1;
        trim(&e, &elen);
        if (elen == 0)
            continue;   /* "en,,zh": empty list elements are allowed */
        int q = parse_element(e, elen, &rlen);
        if (q >= 0 && range_is(e, rlen, "zh"))
            note(&zh, q, pos);
        else if (q >= 0 && range_is(e, rlen, "en"))
            note(&en, q, pos);
        else if (q >= 0 && rlen == 1 && e[0] == '*')
            note(&star, q, pos);
        pos++;
    }
    /* "*" speaks for a language no range named (RFC 4647 §3.3.1) */
    if (zh.q < 0)
        zh = star;
    if (en.q < 0)
        en = star;
    if (en.q > 0 && (en.q > zh.q || (en.q == zh.q && en.pos < zh.pos)))
        return HTTP_LANG_EN;
    if (zh.q > 0)
        return HTTP_LANG_ZH;
    /* Nothing acceptable: English only when Chinese alone was refused. */
    return zh.q == 0 && en.q < 0 ? HTTP_LANG_EN : HTTP_LANG_ZH;
}

const char *http_lang_code(enum http_lang lang)
{
    return lang == HTTP_LANG_EN ? "en" : "zh";
}
