/* token — `tzctl token create --dept NAME | --admin`. The register keeps only
 * the token's hash, so this is the one moment the token can be seen: it goes
 * alone on stdout (for $(...)), the warning to stderr. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "tzctl.h"

static int print_token(const struct tzctl *c, const char *tok,
                       const char *dept)
{
    if (c->format != OUT_JSON) {
        printf("%s\n", tok);
        return 0;
    }
    cJSON *o = cJSON_CreateObject();
    char prefix[11];  /* what the register keeps to recognise it */
    memcpy(prefix, tok, 10);
    prefix[10] = '\0';
    if (o == NULL || !cJSON_AddStringToObject(o, "token", tok) ||
        !cJSON_AddStringToObject(o, "role", dept ? "dept" : "admin") ||
        !(dept ? cJSON_AddStringToObject(o, "dept", dept)
               : cJSON_AddNullToObject(o, "dept")) ||
        !cJSON_AddStringToObject(o, "prefix", prefix)) {
        cJSON_Delete(o);
        return TZ_ENOMEM;
    }
    return out_print_json_secret(o);
}

int tzctl_token(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *dept = NULL, *words[2] = {0};
    int nw = 0, dd = 0, admin = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos && nw < 2)
                words[nw++] = pos;
            else if (pos)
                return tzctl_usage("token: unexpected \"%s\"", pos);
        } else if (strcmp(opt, "--admin") == 0) {
            admin = 1;
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--dept needs a department name");
            dept = val;
        } else {
            return tzctl_usage("token: unknown option %s", opt);
        }
    }
    if (nw != 1 || strcmp(words[0], "create") != 0)
        return tzctl_usage("token: expected \"token create --dept NAME\" or "
                           "\"token create --admin\"");
    if (admin == (dept != NULL))
        return tzctl_usage("token create needs exactly one of --dept NAME "
                           "and --admin");

    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    char tok[REGISTER_TOKEN_LEN];
    int r = register_token_create(reg, dept, (int64_t)time(NULL), tok, &err);
    register_close(reg);
    if (r != 0)
        return tzctl_fail_err(&err);
    if (print_token(c, tok, dept) != 0)
        rc = tzctl_fail("out of memory");
    else if (fflush(stdout) == 0)  /* the token first, then the warning */
        fprintf(stderr, "tzctl: this %s token is shown only once; store it "
                        "now (the register keeps only its hash)\n",
                dept ? "enrollment" : "admin");
    sodium_memzero(tok, sizeof(tok));
    return rc;
}
