/* weakpw_time — what the on-host weak-password check costs per account.
 *
 * For each hash scheme an account may use, hash a strong random password
 * with a fresh salt at libxcrypt's default cost, then run the agent's own
 * weakpw_check with the whole dictionary and no bound: the worst case, an
 * account whose password is not weak. Prints one markdown row per scheme.
 * usage: weakpw_time DICTIONARY */
#include <crypt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "warnlist.h"
#include "weakpw.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: weakpw_time DICTIONARY\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    struct weakpw_dict d;
    struct warnlist w;
    struct tz_error err = {0};
    memset(&w, 0, sizeof(w));
    if (weakpw_dict_load(argv[1], &d, &w, &err) != 0) {
        fprintf(stderr, "weakpw_time: %s\n", err.msg);
        return 1;
    }
    static const struct { const char *name, *prefix; } schemes[] = {
        {"yescrypt ($y$, Debian's default)", "$y$"},
        {"sha512crypt ($6$)", "$6$"},
        {"sha256crypt ($5$)", "$5$"},
        {"bcrypt ($2b$)", "$2b$"},
        {"md5crypt ($1$)", "$1$"},
    };
    struct weakpw_limits lim = {1000000, 3600000, 3600000};
    printf("| scheme | candidates tried | ms per account | ms per candidate |\n");
    printf("|---|---:|---:|---:|\n");
    int rc = 0;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        char setting[CRYPT_GENSALT_OUTPUT_SIZE], pw[33];
        struct crypt_data cd;
        memset(&cd, 0, sizeof(cd));
        unsigned char rnd[16];
        randombytes_buf(rnd, sizeof(rnd));
        for (size_t k = 0; k < 32; k++)
            pw[k] = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"[
                randombytes_uniform(55)];
        pw[32] = '\0';
        if (crypt_gensalt_rn(schemes[i].prefix, 0, (const char *)rnd, sizeof(rnd),
                             setting, sizeof(setting)) == NULL ||
            crypt_rn(pw, setting, &cd, sizeof(cd)) == NULL || cd.output[0] == '*') {
            printf("| %s | - | not supported by this libxcrypt | - |\n", schemes[i].name);
            continue;
        }
        struct weakpw_result res;
        if (weakpw_check("benchuser", cd.output, &d, &lim, &res, &err) != 0 || res.weak) {
            fprintf(stderr, "weakpw_time: %s: check failed\n", schemes[i].name);
            rc = 1;
            continue;
        }
        printf("| %s | %u | %u | %.2f |\n", schemes[i].name, res.tried, res.ms,
               res.tried ? (double)res.ms / res.tried : 0.0);
    }
    weakpw_dict_free(&d);
    warnlist_free(&w);
    return rc;
}
