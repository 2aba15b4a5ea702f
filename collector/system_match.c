/* system_match — address blocks and URL host parts, for binding hosts to the
 * ledger's systems (register_host_binding) and for validating ledger IPs. */
#include "system_match.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tz_error.h"

static int why_set(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t len, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return TZ_EINVAL;
}

int sm_net_parse(const char *s, struct sm_net *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    size_t alen = strcspn(s, "/");
    char a[INET6_ADDRSTRLEN + 1];
    if (alen == 0 || alen >= sizeof(a))
        return why_set(why, whylen, "\"%.80s\" is not an IP address", s);
    memcpy(a, s, alen);
    a[alen] = '\0';
    if (inet_pton(AF_INET, a, out->addr) == 1) {
        out->family = 4;
        out->prefix = 32;
    } else if (inet_pton(AF_INET6, a, out->addr) == 1) {
        out->family = 6;
        out->prefix = 128;
    } else {
        return why_set(why, whylen, "\"%.80s\" is not an IP address", s);
    }
    if (s[alen] == '\0')
        return 0;
    /* Plain decimal only: "/024" or "/+8" is a typo, not a prefix. */
    const char *p = s + alen + 1;
    size_t n = strspn(p, "0123456789");
    unsigned v = 0;
    for (size_t i = 0; i < n && i < 4; i++)
        v = v * 10 + (unsigned)(p[i] - '0');
    if (n == 0 || n > 3 || p[n] != '\0' || (n > 1 && p[0] == '0') ||
        v > out->prefix)
        return why_set(why, whylen,
                       "\"%.80s\": the prefix after / must be 0 to %u", s,
                       out->prefix);
    out->prefix = v;
    return 0;
}

void sm_net_format(const struct sm_net *n, char buf[SM_NET_STRLEN])
{
    char a[INET6_ADDRSTRLEN];
    if (inet_ntop(n->family == 4 ? AF_INET : AF_INET6, n->addr, a,
                  sizeof(a)) == NULL)
        a[0] = '\0';
    unsigned full = n->family == 4 ? 32 : 128;
    if (n->prefix == full)
        snprintf(buf, SM_NET_STRLEN, "%s", a);
    else
        snprintf(buf, SM_NET_STRLEN, "%s/%u", a, n->prefix);
}

int sm_net_contains(const struct sm_net *net, const struct sm_net *addr)
{
    if (net->family != addr->family || net->family == 0)
        return 0;
    unsigned bits = net->prefix, full = net->family == 4 ? 32 : 128;
    if (bits > full)
        return 0;
    size_t whole = bits / 8;
    if (memcmp(net->addr, addr->addr, whole) != 0)
        return 0;
    unsigned rest = bits % 8;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net->addr[whole] & mask) == (addr->addr[whole] & mask);
}

int sm_url_host(const char *u, char *buf, size_t len)
{
    if (len == 0)
        return TZ_EINVAL;
    buf[0] = '\0';
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    /* userinfo ends at the last '@' before the path */
    size_t auth = strcspn(p, "/?#");
    for (size_t i = auth; i > 0; i--)
        if (p[i - 1] == '@') {
            p += i;
            auth -= i;
            break;
        }
    size_t hlen;
    if (p[0] == '[') {
        const char *close = memchr(p, ']', auth);
        if (close == NULL)
            return TZ_EINVAL;
        p++;
        hlen = (size_t)(close - p);
    } else {
        hlen = strcspn(p, ":/?#");
        if (hlen > auth)
            hlen = auth;
    }
    if (hlen > 0 && p[hlen - 1] == '.')
        hlen--;
    if (hlen == 0 || hlen >= len)
        return TZ_EINVAL;
    memcpy(buf, p, hlen);
    buf[hlen] = '\0';
    return 0;
}

int sm_host_matches(const char *domain_or_url, const char *hostname)
{
    char h[1024];
    if (hostname == NULL || hostname[0] == '\0' ||
        sm_url_host(domain_or_url, h, sizeof(h)) != 0)
        return 0;
    size_t n = strlen(hostname);
    if (n > 0 && hostname[n - 1] == '.')
        n--;
    return strlen(h) == n && strncasecmp(h, hostname, n) == 0;
}

/* ---- ranges ---- */

static size_t addr_len(int family)
{
    return family == 4 ? 4 : 16;
}

/* The first and last address of a block (host bits cleared, then set). */
static void net_span(const struct sm_net *n, struct sm_range *r)
{
    size_t len = addr_len(n->family);
    r->family = n->family;
    memset(r->first, 0, sizeof(r->first));
    memset(r->last, 0, sizeof(r->last));
    for (size_t i = 0; i < len; i++) {
        unsigned bits = n->prefix > i * 8 ? n->prefix - (unsigned)i * 8 : 0;
        uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
        r->first[i] = n->addr[i] & mask;
        r->last[i] = (uint8_t)(n->addr[i] | (uint8_t)~mask);
    }
}

/* One end of a range: a whole address (no prefix) into a. */
static int range_end(const char *s, size_t n, struct sm_net *a)
{
    char b[INET6_ADDRSTRLEN + 1];
    if (n == 0 || n >= sizeof(b))
        return -1;
    memcpy(b, s, n);
    b[n] = '\0';
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, b, a->addr) == 1)
        a->family = 4;
    else if (inet_pton(AF_INET6, b, a->addr) == 1)
        a->family = 6;
    else
        return -1;
    a->prefix = a->family == 4 ? 32 : 128;
    return 0;
}

static int range_parse(const char *s, struct sm_range *out, char *canon,
                       char *why, size_t whylen)
{
    size_t dash = strcspn(s, "-");
    const char *second = s + dash + 1;
    struct sm_net a, b;
    if (range_end(s, dash, &a) != 0)
        return why_set(why, whylen, "\"%.80s\": the range does not start "
                       "with an IP address", s);
    size_t n = strlen(second), d = strspn(second, "0123456789");
    if (a.family == 4 && n > 0 && d == n && n <= 3) {
        /* 10.1.2.3-9: the last octet of the first address */
        unsigned v = 0;
        for (size_t i = 0; i < n; i++)
            v = v * 10 + (unsigned)(second[i] - '0');
        if (v > 255 || (n > 1 && second[0] == '0'))
            return why_set(why, whylen, "\"%.80s\": the range ends with an "
                           "octet over 255", s);
        b = a;
        b.addr[3] = (uint8_t)v;
    } else if (range_end(second, n, &b) != 0) {
        return why_set(why, whylen, "\"%.80s\": the range does not end "
                       "with an IP address", s);
    }
    if (a.family != b.family)
        return why_set(why, whylen, "\"%.80s\": a range is IPv4 or IPv6 "
                       "at both ends", s);
    if (memcmp(a.addr, b.addr, 16) > 0)
        return why_set(why, whylen, "\"%.80s\": the range ends before it "
                       "starts", s);
    out->family = a.family;
    memcpy(out->first, a.addr, 16);
    memcpy(out->last, b.addr, 16);
    if (canon) {
        char x[SM_NET_STRLEN], y[SM_NET_STRLEN];
        sm_net_format(&a, x);
        sm_net_format(&b, y);
        if (memcmp(a.addr, b.addr, 16) == 0)
            snprintf(canon, SM_ITEM_STRLEN, "%s", x);
        else
            snprintf(canon, SM_ITEM_STRLEN, "%s-%s", x, y);
    }
    return 0;
}

int sm_item_parse(const char *s, struct sm_range *out,
                  char canon[SM_ITEM_STRLEN], char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    if (strchr(s, '-') != NULL)
        return range_parse(s, out, canon, why, whylen);
    struct sm_net n;
    int rc = sm_net_parse(s, &n, why, whylen);
    if (rc != 0)
        return rc;
    net_span(&n, out);
    if (canon) {
        char b[SM_NET_STRLEN];
        sm_net_format(&n, b);
        snprintf(canon, SM_ITEM_STRLEN, "%s", b);
    }
    return 0;
}

int sm_range_contains(const struct sm_range *r, const struct sm_net *addr)
{
    if (r->family != addr->family || (r->family != 4 && r->family != 6))
        return 0;
    size_t len = addr_len(r->family);
    return memcmp(r->first, addr->addr, len) <= 0 &&
           memcmp(addr->addr, r->last, len) <= 0;
}

/* Are the bits of a below prefix p all v (0 or 1)? */
static int host_bits_are(const uint8_t *a, unsigned p, unsigned full, int v)
{
    for (unsigned bit = p; bit < full; bit++) {
        int b = (a[bit / 8] >> (7 - bit % 8)) & 1;
        if (b != v)
            return 0;
    }
    return 1;
}

/* a += 1 over len bytes; 1 when it wrapped past the last address. */
static int addr_inc(uint8_t *a, size_t len)
{
    for (size_t i = len; i-- > 0;)
        if (++a[i] != 0)
            return 0;
    return 1;
}

size_t sm_range_blocks(const struct sm_range *r, struct sm_net *out,
                       size_t max)
{
    if (r->family != 4 && r->family != 6)
        return 0;
    size_t len = addr_len(r->family), n = 0;
    unsigned full = r->family == 4 ? 32 : 128;
    uint8_t cur[16];
    memcpy(cur, r->first, 16);
    if (memcmp(cur, r->last, len) > 0)
        return 0;
    for (;;) {
        /* The largest block starting at cur that ends at or before last. */
        unsigned p = 0;
        for (; p < full; p++) {
            if (!host_bits_are(cur, p, full, 0))
                continue;
            struct sm_net blk = {r->family, {0}, p};
            struct sm_range span;
            memcpy(blk.addr, cur, 16);
            net_span(&blk, &span);
            if (memcmp(span.last, r->last, len) <= 0)
                break;
        }
        struct sm_net blk = {r->family, {0}, p};
        memcpy(blk.addr, cur, 16);
        if (n < max)
            out[n] = blk;
        n++;
        struct sm_range span;
        net_span(&blk, &span);
        if (memcmp(span.last, r->last, len) == 0 ||
            host_bits_are(span.last, 0, full, 1))
            return n;
        memcpy(cur, span.last, 16);
        addr_inc(cur, len);
    }
}
