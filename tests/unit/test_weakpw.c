/* Tests for weakpw: the candidate list in order, each hash scheme libxcrypt
 * offers, the bounds, and the dictionary loader (including the shipped
 * schemas/weak-passwords.txt). Hashes are made here with fresh salts. */
#include <criterion/criterion.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tz_test.h"
#include "weakpw.h"

static char *make_hash(const char *prefix, unsigned long count, const char *pw)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    cr_assert_not_null(crypt_gensalt_rn(prefix, count, NULL, 0, salt,
                                        sizeof(salt)), "gensalt %s", prefix);
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    cr_assert_not_null(cd);
    const char *h = crypt_rn(pw, salt, cd, (int)sizeof(*cd));
    cr_assert(h != NULL && h[0] != '*', "crypt %s", prefix);
    char *out = strdup(h);
    free(cd);
    return out;
}

static struct weakpw_dict small_dict(void)
{
    static char *words[] = {"123456", "P@ssw0rd", "woaini1314"};
    struct weakpw_dict d = {words, 3};
    return d;
}

/* ---- candidate generator ---- */

Test(weakpw_candidates, username_then_variants_then_dictionary_in_order)
{
    struct weakpw_dict d = small_dict();
    static const char *const want[] = {
        "alice", "alice123", "123alice", "ecila", "Alice", "alice@123",
        "alice1", "alice2024", "alice2025", "alice2026", "alicealice",
        "Alice123", "Alice@123", "alice123456", "alice888",
        "123456", "P@ssw0rd", "woaini1314"};
    size_t nwant = sizeof(want) / sizeof(want[0]);
    cr_assert_eq(weakpw_candidate_count(&d), nwant);
    char buf[WEAKPW_MAX_PASSWORD + 1];
    for (size_t i = 0; i < nwant; i++) {
        enum weakpw_reason why = WEAKPW_NONE;
        cr_assert_eq(weakpw_candidate("alice", &d, i, buf, sizeof(buf), &why), 1,
                     "candidate %zu", i);
        cr_expect_str_eq(buf, want[i], "candidate %zu", i);
        enum weakpw_reason expect = i == 0 ? WEAKPW_USERNAME
                                    : i <= WEAKPW_N_VARIANTS ? WEAKPW_VARIANT
                                                             : WEAKPW_DICTIONARY;
        cr_expect_eq(why, expect, "reason of candidate %zu", i);
    }
    enum weakpw_reason why;
    cr_expect_eq(weakpw_candidate("alice", &d, nwant, buf, sizeof(buf), &why), 0);
    cr_expect_eq(weakpw_candidate("alice", NULL, 1 + WEAKPW_N_VARIANTS, buf,
                                  sizeof(buf), &why), 0, "no dictionary");
}

Test(weakpw_candidates, skips_variants_equal_to_an_earlier_one)
{
    char buf[WEAKPW_MAX_PASSWORD + 1];
    enum weakpw_reason why;
    /* "anna" reversed is "anna"; "Root" capitalised is "Root" */
    cr_expect_eq(weakpw_candidate("anna", NULL, 3, buf, sizeof(buf), &why), -1);
    cr_expect_eq(weakpw_candidate("Root", NULL, 4, buf, sizeof(buf), &why), -1);
    /* "Root123" (variant 11) equals "Root"+"123" (variant 1) */
    cr_expect_eq(weakpw_candidate("Root", NULL, 11, buf, sizeof(buf), &why), -1);
    cr_expect_eq(weakpw_candidate("root", NULL, 4, buf, sizeof(buf), &why), 1);
    cr_expect_str_eq(buf, "Root");
}

Test(weakpw_candidates, overlong_username_is_skipped_not_truncated)
{
    char user[200];
    memset(user, 'u', sizeof(user) - 1);
    user[sizeof(user) - 1] = '\0';
    char buf[WEAKPW_MAX_PASSWORD + 1];
    enum weakpw_reason why;
    for (size_t i = 0; i <= WEAKPW_N_VARIANTS; i++)
        cr_expect_eq(weakpw_candidate(user, NULL, i, buf, sizeof(buf), &why), -1,
                     "candidate %zu", i);
    /* 100 chars: the name fits, name+name does not */
    user[100] = '\0';
    cr_expect_eq(weakpw_candidate(user, NULL, 0, buf, sizeof(buf), &why), 1);
    cr_expect_eq(weakpw_candidate(user, NULL, 10, buf, sizeof(buf), &why), -1);
}

/* ---- schemes ---- */

struct scheme {
    const char *name, *prefix;
    unsigned long count;       /* 0: libxcrypt's default cost */
};

static const struct scheme schemes[] = {
    {"yescrypt", "$y$", 0},
    {"sha512crypt", "$6$", 0},
    {"sha256crypt", "$5$", 0},
    {"bcrypt", "$2b$", 0},
    {"md5crypt", "$1$", 0},
};

static void check_scheme(const struct scheme *s)
{
    struct weakpw_dict d = small_dict();
    struct weakpw_limits lim;
    weakpw_limits_default(&lim);
    struct weakpw_result r;
    struct tz_error err;

    char *h = make_hash(s->prefix, s->count, "alice");
    cr_assert_eq(weakpw_check("alice", h, &d, &lim, &r, &err), 0, "%s", err.msg);
    cr_expect(r.weak && r.reason == WEAKPW_USERNAME && r.tried == 1 && !r.cut,
              "%s: username", s->name);
    free(h);

    h = make_hash(s->prefix, s->count, "Alice@123");
    cr_assert_eq(weakpw_check("alice", h, &d, &lim, &r, &err), 0);
    cr_expect(r.weak && r.reason == WEAKPW_VARIANT && r.tried == 13,
              "%s: variant, tried %u", s->name, r.tried);
    free(h);

    h = make_hash(s->prefix, s->count, "P@ssw0rd");
    cr_assert_eq(weakpw_check("alice", h, &d, &lim, &r, &err), 0);
    cr_expect(r.weak && r.reason == WEAKPW_DICTIONARY, "%s: dictionary", s->name);
    free(h);

    h = make_hash(s->prefix, s->count, "k9#Vq2!mZt7@Lx4$Wp8&");
    cr_assert_eq(weakpw_check("alice", h, &d, &lim, &r, &err), 0);
    cr_expect(!r.weak && r.reason == WEAKPW_NONE && !r.cut, "%s: strong",
              s->name);
    cr_expect_eq(r.tried, weakpw_candidate_count(&d), "%s: all tried", s->name);
    /* the figure the lead asked for: one crypt call of this scheme */
    fprintf(stderr, "weakpw timing: %-12s %7.2f ms per candidate "
            "(%u candidates in %u ms)\n", s->name,
            r.tried ? (double)r.ms / r.tried : 0.0, r.tried, r.ms);
    free(h);
}

Test(weakpw_schemes, yescrypt) { check_scheme(&schemes[0]); }
Test(weakpw_schemes, sha512crypt) { check_scheme(&schemes[1]); }
Test(weakpw_schemes, sha256crypt) { check_scheme(&schemes[2]); }
Test(weakpw_schemes, bcrypt) { check_scheme(&schemes[3]); }
Test(weakpw_schemes, md5crypt) { check_scheme(&schemes[4]); }

Test(weakpw_schemes, settings_no_password_can_produce_are_einval)
{
    struct weakpw_result r;
    struct tz_error err;
    static const char *const bad[] = {"x", "NP", "LK", "$9$nonsense", "*"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(weakpw_check("alice", bad[i], NULL, NULL, &r, &err),
                     TZ_EINVAL, "\"%s\"", bad[i]);
}

/* ---- bounds ---- */

Test(weakpw_limits, candidate_cap_cuts_and_says_so)
{
    struct weakpw_dict d = small_dict();
    struct weakpw_limits lim = {3, 60000, 0};
    char *h = make_hash("$6$", 1000, "woaini1314");
    struct weakpw_result r;
    struct tz_error err;
    cr_assert_eq(weakpw_check("alice", h, &d, &lim, &r, &err), 0);
    cr_expect(!r.weak);
    cr_expect(r.cut);
    cr_expect_eq(r.tried, 3);
    /* a cap that reaches the end is not a cut */
    lim.max_candidates = (unsigned)weakpw_candidate_count(&d);
    cr_assert_eq(weakpw_check("alice", h, &d, &lim, &r, &err), 0);
    cr_expect(r.weak && !r.cut && r.reason == WEAKPW_DICTIONARY);
    free(h);
}

Test(weakpw_limits, time_cap_cuts_slow_schemes)
{
    struct weakpw_dict d = small_dict();
    struct weakpw_limits lim = {1000, 1, 0};
    char *h = make_hash("$y$", 0, "k9#Vq2!mZt7@Lx4$Wp8&");
    struct weakpw_result r;
    struct tz_error err;
    cr_assert_eq(weakpw_check("alice", h, &d, &lim, &r, &err), 0);
    cr_expect(r.cut, "1 ms is not enough for %zu yescrypt calls",
              weakpw_candidate_count(&d));
    cr_expect_lt(r.tried, weakpw_candidate_count(&d));
    free(h);
}

/* ---- dictionary ---- */

Test(weakpw_dict, comments_blanks_duplicates_and_overlong_words)
{
    char *dir = tz_test_tmpdir("weakpw");
    char longw[WEAKPW_MAX_PASSWORD + 10];
    memset(longw, 'a', sizeof(longw) - 1);
    longw[sizeof(longw) - 1] = '\0';
    char *text = tz_test_path("# comment\n\n  123456  \nqwerty\r\n123456\n%s\n"
                              "#notaword\nadmin\n", longw);
    tz_test_write(dir, "dict.txt", text);
    char *path = tz_test_path("%s/dict.txt", dir);
    struct weakpw_dict d;
    struct warnlist w = {NULL, 0, 0};
    struct tz_error err;
    cr_assert_eq(weakpw_dict_load(path, &d, &w, &err), 0, "%s", err.msg);
    cr_assert_eq(d.n, 3);
    cr_expect_str_eq(d.words[0], "123456");
    cr_expect_str_eq(d.words[1], "qwerty");
    cr_expect_str_eq(d.words[2], "admin");
    cr_assert_eq(w.n, 1);
    cr_expect(strstr(w.v[0], ":6: 1 dictionary words longer than 128") != NULL,
              "%s", w.v[0]);
    weakpw_dict_free(&d);
    warnlist_free(&w);
    cr_expect_eq(weakpw_dict_load("/nonexistent/dict", &d, NULL, &err),
                 TZ_ENOENT);
    tz_test_rm_rf(dir);
    free(dir);
    free(text);
    free(path);
}

Test(weakpw_dict, shipped_list_has_300_distinct_entries_with_the_usual_suspects)
{
    struct weakpw_dict d;
    struct tz_error err;
    struct warnlist w = {NULL, 0, 0};
    cr_assert_eq(weakpw_dict_load(TZ_SOURCE_DIR "/schemas/weak-passwords.txt",
                                  &d, &w, &err), 0, "%s", err.msg);
    cr_expect_geq(d.n, 300);
    cr_expect_eq(w.n, 0, "no overlong words");
    static const char *const must[] = {"123456", "5201314", "Admin@123",
                                       "P@ssw0rd", "1qaz2wsx", "woaini1314",
                                       "zhangsan123", "19900101"};
    for (size_t k = 0; k < sizeof(must) / sizeof(must[0]); k++) {
        int found = 0;
        for (size_t i = 0; i < d.n && !found; i++)
            found = strcmp(d.words[i], must[k]) == 0;
        cr_expect(found, "%s missing", must[k]);
    }
    cr_expect_str_eq(d.words[0], "123456", "likeliest first");
    weakpw_dict_free(&d);
    warnlist_free(&w);
}
