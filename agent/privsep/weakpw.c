/* weakpw — candidates, crypt(3), constant-time comparison, wiping. */
#include "weakpw.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "clock.h"
#include "nameidx.h"
#include "rootfs.h"
#include "textfile.h"

void weakpw_limits_default(struct weakpw_limits *lim)
{
    lim->max_candidates = WEAKPW_DEFAULT_CANDIDATES;
    lim->max_ms = WEAKPW_DEFAULT_MS;
    lim->max_total_ms = WEAKPW_DEFAULT_TOTAL_MS;
}

const char *weakpw_reason_str(enum weakpw_reason r)
{
    switch (r) {
    case WEAKPW_USERNAME: return "matches username";
    case WEAKPW_VARIANT: return "username variant";
    case WEAKPW_DICTIONARY: return "dictionary";
    default: return "";
    }
}

/* ---- dictionary ---- */

void weakpw_dict_free(struct weakpw_dict *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->words[i]);
    free(d->words);
    d->words = NULL;
    d->n = 0;
}

static int drop_duplicates(struct weakpw_dict *d)
{
    struct nameidx ni;
    if (nameidx_build(&ni, d->words, d->n, sizeof(*d->words), 0) != 0)
        return TZ_ENOMEM;
    if (d->n == 0)
        return 0;
    unsigned char *dup = malloc(d->n);
    if (dup == NULL) {
        nameidx_free(&ni);
        return TZ_ENOMEM;
    }
    nameidx_dups(&ni, dup);
    nameidx_free(&ni);
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (dup[i])
            free(d->words[i]);
        else
            d->words[k++] = d->words[i];
    }
    free(dup);
    d->n = k;
    return 0;
}

int weakpw_dict_load(const char *path, struct weakpw_dict *d,
                     struct warnlist *w, struct tz_error *err)
{
    d->words = NULL;
    d->n = 0;
    struct textfile tf;
    int rc = textfile_read(path, WEAKPW_DICT_MAX_BYTES, &tf, err);
    if (rc != 0)
        return rc;
    size_t cap = 0, too_long = 0;
    long first_long = 0;
    char *line;
    size_t len;
    while (textfile_next(&tf, &line, &len) == 1) {
        char *p = tz_trim(line);
        if (p[0] == '\0' || p[0] == '#')
            continue;
        if (strlen(p) > WEAKPW_MAX_PASSWORD) {
            if (too_long++ == 0)
                first_long = tf.lineno;
            continue;
        }
        if (d->n >= WEAKPW_DICT_MAX_WORDS) {
            rc = tz_err(err, TZ_ELIMIT, path, tf.lineno,
                        "more than %d words", WEAKPW_DICT_MAX_WORDS);
            break;
        }
        if (d->n == cap) {
            size_t ncap = cap ? cap * 2 : 512;
            char **nv = realloc(d->words, ncap * sizeof(*nv));
            if (nv == NULL) {
                rc = tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
                break;
            }
            d->words = nv;
            cap = ncap;
        }
        if ((d->words[d->n] = strdup(p)) == NULL) {
            rc = tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
            break;
        }
        d->n++;
    }
    textfile_free(&tf);
    if (rc == 0 && too_long)
        rc = warnlist_add(w, path, first_long,
                          "%zu dictionary words longer than %d bytes skipped",
                          too_long, WEAKPW_MAX_PASSWORD);
    if (rc == 0 && (rc = drop_duplicates(d)) != 0)
        tz_err(err, rc, path, 0, "out of memory");
    if (rc != 0)
        weakpw_dict_free(d);
    return rc;
}

/* ---- candidates ---- */

size_t weakpw_candidate_count(const struct weakpw_dict *d)
{
    return 1 + WEAKPW_N_VARIANTS + (d ? d->n : 0);
}

/* Variant v (1-based) of user into buf; 0 when it does not fit. */
static int variant(const char *u, int v, char *buf, size_t len)
{
    size_t n = strlen(u);
    int r;
    char cap[WEAKPW_MAX_PASSWORD + 1];
    if (n > WEAKPW_MAX_PASSWORD)
        return 0;
    memcpy(cap, u, n + 1);
    if (cap[0] >= 'a' && cap[0] <= 'z')
        cap[0] = (char)(cap[0] - 'a' + 'A');
    switch (v) {
    case 1: r = snprintf(buf, len, "%s123", u); break;
    case 2: r = snprintf(buf, len, "123%s", u); break;
    case 3:
        if (n + 1 > len)
            return 0;
        for (size_t i = 0; i < n; i++)
            buf[i] = u[n - 1 - i];
        buf[n] = '\0';
        r = (int)n;
        break;
    case 4: r = snprintf(buf, len, "%s", cap); break;
    case 5: r = snprintf(buf, len, "%s@123", u); break;
    case 6: r = snprintf(buf, len, "%s1", u); break;
    case 7: r = snprintf(buf, len, "%s2024", u); break;
    case 8: r = snprintf(buf, len, "%s2025", u); break;
    case 9: r = snprintf(buf, len, "%s2026", u); break;
    case 10: r = snprintf(buf, len, "%s%s", u, u); break;
    case 11: r = snprintf(buf, len, "%s123", cap); break;
    case 12: r = snprintf(buf, len, "%s@123", cap); break;
    case 13: r = snprintf(buf, len, "%s123456", u); break;
    case 14: r = snprintf(buf, len, "%s888", u); break;
    default: return 0;
    }
    sodium_memzero(cap, sizeof(cap));
    return r >= 0 && (size_t)r < len && (size_t)r <= WEAKPW_MAX_PASSWORD;
}

int weakpw_candidate(const char *user, const struct weakpw_dict *d, size_t i,
                     char *buf, size_t len, enum weakpw_reason *why)
{
    if (i == 0) {
        if (strlen(user) > WEAKPW_MAX_PASSWORD || strlen(user) + 1 > len)
            return -1;
        memcpy(buf, user, strlen(user) + 1);
        *why = WEAKPW_USERNAME;
        return 1;
    }
    if (i <= WEAKPW_N_VARIANTS) {
        if (!variant(user, (int)i, buf, len))
            return -1;
        /* "anna" reversed, "Root" capitalised: no second crypt call */
        char prev[WEAKPW_MAX_PASSWORD + 1];
        int dup = strcmp(buf, user) == 0;
        for (int v = 1; v < (int)i && !dup; v++)
            if (variant(user, v, prev, sizeof(prev)) && strcmp(prev, buf) == 0)
                dup = 1;
        sodium_memzero(prev, sizeof(prev));
        if (dup)
            return -1;
        *why = WEAKPW_VARIANT;
        return 1;
    }
    size_t k = i - 1 - WEAKPW_N_VARIANTS;
    if (d == NULL || k >= d->n)
        return 0;
    size_t n = strlen(d->words[k]);
    if (n + 1 > len)
        return -1;
    memcpy(buf, d->words[k], n + 1);
    *why = WEAKPW_DICTIONARY;
    return 1;
}

/* ---- the check ---- */


int weakpw_check(const char *user, const char *hash,
                 const struct weakpw_dict *d, const struct weakpw_limits *lim,
                 struct weakpw_result *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    struct weakpw_limits def;
    weakpw_limits_default(&def);
    unsigned max_c = lim && lim->max_candidates ? lim->max_candidates
                                                : def.max_candidates;
    unsigned max_ms = lim && lim->max_ms ? lim->max_ms : def.max_ms;

    /* "x", "NP", "*LK*", an unknown $id$: nothing can hash to it */
    if (crypt_checksalt(hash) == CRYPT_SALT_INVALID)
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "password field of %s is not a hash crypt(3) knows",
                      user);
    size_t hlen = strlen(hash);
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    char cand[WEAKPW_MAX_PASSWORD + 1];
    if (cd == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");

    unsigned long long start = tz_now_ms();
    size_t total = weakpw_candidate_count(d);
    int rc = 0;
    size_t i;
    for (i = 0; i < total; i++) {
        enum weakpw_reason why = WEAKPW_NONE;
        int g = weakpw_candidate(user, d, i, cand, sizeof(cand), &why);
        if (g == 0)
            break;
        if (g < 0)
            continue;
        if (out->tried >= max_c || tz_now_ms() - start >= max_ms) {
            out->cut = 1;
            break;
        }
        out->tried++;
        const char *h = crypt_rn(cand, hash, cd, (int)sizeof(*cd));
        if (h == NULL || h[0] == '*') {
            /* setting accepted by checksalt but refused by crypt (e.g. a
             * scheme disabled in this libxcrypt build) */
            rc = tz_err(err, TZ_EINVAL, NULL, 0,
                        "crypt(3) cannot hash with the setting of %s", user);
            break;
        }
        /* "NP", "LK" pass checksalt as DES salts but are not whole hashes:
         * every output is longer, so nothing can match — say so */
        if (out->tried == 1 && strlen(h) != hlen) {
            rc = tz_err(err, TZ_EINVAL, NULL, 0,
                        "password field of %s is a salt, not a hash", user);
            break;
        }
        if (strlen(h) == hlen && sodium_memcmp(h, hash, hlen) == 0) {
            out->weak = 1;
            out->reason = why;
            break;
        }
    }
    out->ms = (unsigned)(tz_now_ms() - start);
    sodium_memzero(cand, sizeof(cand));
    sodium_memzero(cd, sizeof(*cd));
    free(cd);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
