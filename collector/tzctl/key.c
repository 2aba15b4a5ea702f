/* key — `tzctl key show [-q]`: the collector's public key as agents pin it
 * (`collector_key =` in tz-agent.ini) and its fingerprint, read from
 * DATA/collector.pub. Only the public half is read: the secret key stays
 * the collector's. -q prints the hex alone, for
 * `collector_key = $(tzctl key show -q)`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "keys.h"
#include "rootfs.h"
#include "tzctl.h"

struct pubkey {
    char hex[TZ_KEY_HEX];
    char fpr[TZ_KEY_FPR_LEN];
};

/* DATA/collector.pub, checked and in its canonical (lowercase) form. */
static int load_pub(const char *data, struct pubkey *k)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/collector.pub", data) >= (int)sizeof(path))
        return tzctl_fail("%s: path too long", data);
    char *text = NULL;
    struct tz_error err = {0};
    int rc = tz_read_file(path, 256, &text, NULL, &err);
    if (rc == TZ_ENOENT)
        return tzctl_fail("no collector key in %s (%s does not exist): "
                          "tz-collector makes it on its first start there",
                          data, path);
    if (rc != 0)
        return tzctl_fail_err(&err);
    uint8_t pk[TZ_KEY_LEN];
    rc = tz_hex_decode(text, pk, sizeof(pk));
    free(text);
    if (rc != 0)
        return tzctl_fail("%s: not a public key (expected 64 hex digits)", path);
    tz_hex_encode(pk, sizeof(pk), k->hex);
    tz_key_fingerprint(pk, k->fpr);
    return 0;
}

static int print_json(const struct pubkey *k)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddStringToObject(o, "public_key", k->hex) ||
        !cJSON_AddStringToObject(o, "fingerprint", k->fpr)) {
        cJSON_Delete(o);
        return TZ_ENOMEM;
    }
    return out_print_json(o);
}

static int print_csv(const struct pubkey *k)
{
    static const struct out_col cols[] = {
        {"PUBLIC KEY", "public_key", OUT_STR, NULL},
        {"FINGERPRINT", "fingerprint", OUT_STR, NULL},
    };
    struct out_table *t = out_new(cols, 2);
    const char *cells[2] = {k->hex, k->fpr};
    int rc = t ? out_add(t, cells) : TZ_ENOMEM;
    if (rc == 0)
        rc = out_write(t, OUT_CSV, stdout);
    out_free(t);
    return rc;
}

int tzctl_key(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *words[2] = {0};
    int nw = 0, dd = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos == NULL)
                continue;   /* "--" */
            if (nw == 2)
                return tzctl_usage("key: unexpected \"%s\"", pos);
            words[nw++] = pos;
        } else if (strcmp(opt, "-q") == 0 || strcmp(opt, "--quiet") == 0) {
            quiet = 1;
        } else {
            return tzctl_usage("key: unknown option %s", opt);
        }
    }
    if (nw != 1 || strcmp(words[0], "show") != 0)
        return tzctl_usage("key: expected \"key show [-q]\"");

    struct pubkey k;
    int rc = load_pub(c->data, &k);
    if (rc != 0)
        return rc;
    if (quiet) {
        printf("%s\n", k.hex);
        return TZCTL_OK;
    }
    if (c->format == OUT_TABLE) {
        printf("public key:   %s\nfingerprint:  %s\n", k.hex, k.fpr);
        return TZCTL_OK;
    }
    rc = c->format == OUT_JSON ? print_json(&k) : print_csv(&k);
    return rc == 0 ? TZCTL_OK : tzctl_fail("%s", tz_strerror(rc));
}
