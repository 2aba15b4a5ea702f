/* weakpw — is this account's password one an attacker tries first?
 *
 * For one account: crypt(3) each candidate (the username, WEAKPW_N_VARIANTS
 * variants of it, then the dictionary, in that order) with the account's own
 * hash as setting, and compare in constant time. libxcrypt does the hashing,
 * so every scheme the host itself accepts works: yescrypt ($y$), sha512crypt
 * ($6$), sha256crypt ($5$), bcrypt ($2b$), md5crypt ($1$), DES.
 *
 * Secrets: the hash is only read; every candidate and crypt's work area live
 * in this module's memory and are wiped (sodium_memzero) before returning.
 * The result says why a password is weak, never which password it is.
 * Bounds: lim->max_candidates crypt calls and lim->max_ms milliseconds per
 * account; out->cut says the check stopped on one before the list ended.
 * (lim->max_total_ms bounds all accounts together; acct_audit applies it.)
 * yescrypt is slow by design (~15 ms a call at libxcrypt's default cost on a
 * 2-core EPYC VM: the ~450 default candidates take ~7 s), hence the 10 s
 * default per account; a costlier setting is cut by the time bound. */
#ifndef TZ_WEAKPW_H
#define TZ_WEAKPW_H

#include <stddef.h>

#include "tz_error.h"
#include "warnlist.h"

#define WEAKPW_DEFAULT_CANDIDATES 1000
#define WEAKPW_DEFAULT_MS         10000    /* 449 yescrypt calls take ~7 s */
#define WEAKPW_DEFAULT_TOTAL_MS   120000
#define WEAKPW_MAX_PASSWORD       128      /* longest candidate tried */
#define WEAKPW_DICT_MAX_BYTES     (4u << 20)
#define WEAKPW_DICT_MAX_WORDS     200000
#define WEAKPW_N_VARIANTS         14

struct weakpw_limits {
    unsigned max_candidates;   /* per account; 0 means the default */
    unsigned max_ms;           /* per account; 0 means the default */
    unsigned max_total_ms;     /* all accounts; 0 means the default */
};

void weakpw_limits_default(struct weakpw_limits *lim);

enum weakpw_reason {
    WEAKPW_NONE = 0,
    WEAKPW_USERNAME = 1,       /* "matches username" */
    WEAKPW_VARIANT = 2,        /* "username variant" */
    WEAKPW_DICTIONARY = 3      /* "dictionary" */
};

/* The words the report uses; "" for WEAKPW_NONE. */
const char *weakpw_reason_str(enum weakpw_reason r);

/* The dictionary: one password per line; blank lines and lines starting
 * with '#' are skipped, surrounding blanks trimmed, duplicates dropped (the
 * first keeps its place: put the likeliest first, the cap cuts the tail).
 * Over WEAKPW_MAX_PASSWORD bytes: skipped, one warning for all of them.
 * Ownership: free with weakpw_dict_free(). Errors as textfile_read, plus
 * TZ_ELIMIT over WEAKPW_DICT_MAX_WORDS words. */
struct weakpw_dict {
    char **words;
    size_t n;
};

int weakpw_dict_load(const char *path, struct weakpw_dict *d,
                     struct warnlist *w, struct tz_error *err);
void weakpw_dict_free(struct weakpw_dict *d);

/* Candidate number i for user into buf (len >= WEAKPW_MAX_PASSWORD + 1):
 * 0 is the username, 1..WEAKPW_N_VARIANTS its variants (user123, 123user,
 * resu, User, user@123, user1, user2024, user2025, user2026, useruser,
 * User123, User@123, user123456, user888), then the dictionary (d may be
 * NULL). Returns 1 (buf and *why set), 0 when i is past the end, or -1 when
 * candidate i is skipped (same as an earlier variant, or too long). */
int weakpw_candidate(const char *user, const struct weakpw_dict *d, size_t i,
                     char *buf, size_t len, enum weakpw_reason *why);

/* How many candidates weakpw_candidate numbers for d (skips included). */
size_t weakpw_candidate_count(const struct weakpw_dict *d);

struct weakpw_result {
    int weak;                  /* a candidate matched */
    enum weakpw_reason reason;
    int cut;                   /* a bound stopped it before the end */
    unsigned tried;            /* crypt calls made */
    unsigned ms;               /* time spent */
};

/* Check user's hash. Errors: TZ_EINVAL when hash is not a setting crypt(3)
 * accepts ("x", "NP", an unknown $id$: no password can produce it; the
 * caller decides what that means), TZ_ENOMEM. lim NULL: defaults. */
int weakpw_check(const char *user, const char *hash,
                 const struct weakpw_dict *d, const struct weakpw_limits *lim,
                 struct weakpw_result *out, struct tz_error *err);

#endif
