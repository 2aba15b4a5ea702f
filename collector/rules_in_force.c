/* rules_in_force — read once, judge by it, record it. */
#include "rules_in_force.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void rules_in_force_clear(Tz__RulesInForce *rec)
{
    free(rec->content.data);
    if (rec->digest != protobuf_c_empty_string)
        free(rec->digest);
    tz__rules_in_force__init(rec);
}

static int slurp(const char *path, char **out, size_t *len, struct tz_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tz_err(err, TZ_ENOENT, path, 0, "cannot open the rules file: %s",
                      strerror(errno));
    char *buf = malloc(RULES_FILE_MAX + 2);
    if (buf == NULL) {
        fclose(f);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    size_t n = fread(buf, 1, RULES_FILE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > RULES_FILE_MAX || memchr(buf, '\0', n)) {
        free(buf);
        return tz_err(err, bad ? TZ_EIO : TZ_ELIMIT, path, 0,
                      bad ? "cannot read the rules file"
                          : "a rules file is text of at most %u bytes",
                      RULES_FILE_MAX);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int rules_in_force_read(const char *path, int64_t now, struct rules_config *cfg,
                        Tz__RulesInForce *rec, struct tz_error *err)
{
    tz__rules_in_force__init(rec);
    rules_config_defaults(cfg);
    rec->recorded_at = now;
    if (path == NULL || path[0] == '\0')
        return 0;
    char *text = NULL;
    size_t len = 0;
    int rc = slurp(path, &text, &len, err);
    if (rc != 0)
        return rc;
    if ((rc = rules_config_load_text(cfg, text, path, err)) != 0) {
        free(text);
        return rc;
    }
    uint8_t h[16];
    char *hex = malloc(2 * sizeof(h) + 1);
    if (hex == NULL) {
        free(text);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    crypto_generichash(h, sizeof(h), (const uint8_t *)text, len, NULL, 0);
    sodium_bin2hex(hex, 2 * sizeof(h) + 1, h, sizeof(h));
    rec->source = (char *)path;
    rec->content.data = (uint8_t *)text;
    rec->content.len = len;
    rec->digest = hex;
    return 0;
}

int rules_in_force_apply(const Tz__RulesInForce *rec, struct rules_config *cfg,
                         struct tz_error *err)
{
    rules_config_defaults(cfg);
    if (rec == NULL || rec->content.len == 0)
        return 0;
    if (rec->content.len > RULES_FILE_MAX ||
        memchr(rec->content.data, '\0', rec->content.len))
        return tz_err(err, TZ_EPARSE, "the register's rules in force", 0,
                      "the recorded rules are not text of at most %u bytes",
                      RULES_FILE_MAX);
    char *text = malloc(rec->content.len + 1);
    if (text == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    memcpy(text, rec->content.data, rec->content.len);
    text[rec->content.len] = '\0';
    char name[600];
    snprintf(name, sizeof(name), "%.500s (as the collector recorded it)",
             rec->source && rec->source[0] ? rec->source : "rules");
    int rc = rules_config_load_text(cfg, text, name, err);
    free(text);
    return rc;
}
