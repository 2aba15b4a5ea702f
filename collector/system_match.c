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
