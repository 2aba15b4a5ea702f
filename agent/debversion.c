/* debversion — compare and check Debian version strings.
 *
 * The comparison is dpkg's (lib/dpkg/version.c) so that "newer" here means
 * what apt and dpkg mean; the epoch is compared as a digit string instead of
 * dpkg's int so that a hostile 100-digit epoch orders instead of overflowing. */
#include "debversion.h"

#include <string.h>

#include "tz_limits.h"

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* dpkg's weight of one character in a non-digit run; 0 is the end or a digit. */
static int order(int c)
{
    if (is_digit(c))
        return 0;
    if (is_alpha(c))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

/* Compare a[0..an) with b[0..bn): dpkg's verrevcmp over bounded slices. */
static int verrevcmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
#define A (i < an ? (unsigned char)a[i] : 0)
#define B (j < bn ? (unsigned char)b[j] : 0)
    while (A || B) {
        int first_diff = 0;
        while ((A && !is_digit(A)) || (B && !is_digit(B))) {
            int ac = order(A), bc = order(B);
            if (ac != bc)
                return ac - bc;
            i++;
            j++;
        }
        while (A == '0')
            i++;
        while (B == '0')
            j++;
        /* Same-length digit runs: the first differing digit decides; a
         * longer run (after leading zeros) is the larger number. */
        while (is_digit(A) && is_digit(B)) {
            if (!first_diff)
                first_diff = (int)A - (int)B;
            i++;
            j++;
        }
        if (is_digit(A))
            return 1;
        if (is_digit(B))
            return -1;
        if (first_diff)
            return first_diff;
    }
#undef A
#undef B
    return 0;
}

struct parts {
    const char *epoch, *up, *rev;
    size_t epoch_n, up_n, rev_n;
};

/* Split like dpkg's parseversion: epoch before the first ':', revision after
 * the last '-' of what remains. */
static void split(const char *v, struct parts *p)
{
    if (v == NULL)
        v = "";
    const char *colon = strchr(v, ':');
    if (colon) {
        p->epoch = v;
        p->epoch_n = (size_t)(colon - v);
        v = colon + 1;
    } else {
        p->epoch = "";
        p->epoch_n = 0;
    }
    const char *dash = strrchr(v, '-');
    p->up = v;
    if (dash) {
        p->up_n = (size_t)(dash - v);
        p->rev = dash + 1;
        p->rev_n = strlen(dash + 1);
    } else {
        p->up_n = strlen(v);
        p->rev = "";
        p->rev_n = 0;
    }
}

/* Epochs as unbounded decimal numbers; a non-digit stops the number (an
 * invalid epoch still orders, never faults). */
static int epoch_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    while (an > 0 && *a == '0')
        a++, an--;
    while (bn > 0 && *b == '0')
        b++, bn--;
    size_t al = 0, bl = 0;
    while (al < an && is_digit((unsigned char)a[al]))
        al++;
    while (bl < bn && is_digit((unsigned char)b[bl]))
        bl++;
    if (al != bl)
        return al < bl ? -1 : 1;
    int c = memcmp(a, b, al);
    return c;
}

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

int debversion_cmp(const char *a, const char *b)
{
    struct parts pa, pb;
    split(a, &pa);
    split(b, &pb);
    int c = epoch_cmp(pa.epoch, pa.epoch_n, pb.epoch, pb.epoch_n);
    if (c == 0)
        c = verrevcmp(pa.up, pa.up_n, pb.up, pb.up_n);
    if (c == 0)
        c = verrevcmp(pa.rev, pa.rev_n, pb.rev, pb.rev_n);
    return sign(c);
}

int debversion_valid(const char *v)
{
    if (v == NULL)
        return 0;
    size_t n = strnlen(v, TZ_MAX_NAME + 1);
    if (n == 0 || n > TZ_MAX_NAME)
        return 0;
    struct parts p;
    split(v, &p);
    int has_epoch = strchr(v, ':') != NULL;
    if (has_epoch) {
        if (p.epoch_n == 0)
            return 0;
        for (size_t i = 0; i < p.epoch_n; i++)
            if (!is_digit((unsigned char)p.epoch[i]))
                return 0;
    }
    if (p.up_n == 0 || !is_digit((unsigned char)p.up[0]))
        return 0;
    for (size_t i = 0; i < p.up_n; i++) {
        int c = (unsigned char)p.up[i];
        if (is_digit(c) || is_alpha(c) || strchr(".+~-", c) != NULL)
            continue;
        if (c == ':' && has_epoch)
            continue;
        return 0;
    }
    if (strrchr(v + (has_epoch ? p.epoch_n + 1 : 0), '-') != NULL &&
        p.rev_n == 0)
        return 0;       /* "1.0-": dpkg says the revision is empty */
    for (size_t i = 0; i < p.rev_n; i++) {
        int c = (unsigned char)p.rev[i];
        if (!(is_digit(c) || is_alpha(c) || strchr(".+~", c) != NULL))
            return 0;
    }
    return 1;
}
