/* user — the people who log in to the portal: `tzctl user add NAME --dept D
 * [--role viewer|editor]`, `user add NAME --admin`, `user list`, `user
 * revoke NAME`. Separate from the agents' enrollment tokens (token.c).
 *
 * The login token is hashed with a key derived from the collector's secret
 * key (people.h), so adding a user reads DATA/collector.key: run it where
 * the collector runs, as root or the collector's user. The token goes alone
 * on stdout (for $(...)) and is never shown again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "people.h"
#include "tzctl.h"

static int print_token(const struct tzctl *c, const char *name,
                       const char *tok)
{
    if (c->format != OUT_JSON) {
        printf("%s\n", tok);
        fflush(stdout);  /* the token first, then the warning */
        fprintf(stderr, "tzctl: the login token of %s above is shown only "
                "now: hand it over safely (it cannot be shown again; `tzctl "
                "user revoke %s` ends it)\n", name, name);
        return 0;
    }
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddStringToObject(o, "user", name) ||
        !cJSON_AddStringToObject(o, "token", tok)) {
        cJSON_Delete(o);
        return TZ_ENOMEM;
    }
    return out_print_json_secret(o);
}

static int user_add(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *name = NULL, *dept = NULL, *role = NULL;
    int dd = 0, admin = 0;
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (name)
                return tzctl_usage("user add: unexpected \"%s\"", pos);
            name = pos;
        } else if (strcmp(opt, "--admin") == 0) {
            admin = 1;
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--dept needs a department name");
            dept = val;
        } else if (tzctl_optval(opt, "--role", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--role needs viewer or editor");
            role = val;
        } else {
            return tzctl_usage("user add: unknown option %s", opt);
        }
    }
    if (name == NULL || admin == (dept != NULL) || (admin && role))
        return tzctl_usage("expected \"user add NAME --dept D [--role "
                           "viewer|editor]\" or \"user add NAME --admin\"");
    Tz__Role r = TZ__ROLE__ROLE_ADMIN;
    if (!admin && (people_role_parse(role ? role : "viewer", &r) != 0 ||
                   r == TZ__ROLE__ROLE_ADMIN))
        return tzctl_usage("--role is viewer or editor (an admin is "
                           "\"user add NAME --admin\")");
    char why[128];
    if (people_name_check(name, why, sizeof(why)) != 0)
        return tzctl_usage("user add: %s", why);

    struct tz_error err = {0};
    struct tz_keypair kp;
    if (tz_keypair_load(c->data, "collector", 0, &kp, &err) != 0) {
        if (err.code == TZ_ENOENT || err.msg[0] == '\0')
            return tzctl_fail("no collector key in %s: start tz-collector "
                              "once first (it makes the key login tokens "
                              "are hashed with)", c->data);
        return tzctl_fail_err(&err);
    }
    uint8_t key[32];
    people_hash_key(&kp, key);
    tz_keypair_wipe(&kp);
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0) {
        sodium_memzero(key, sizeof(key));
        return rc;
    }
    char tok[PEOPLE_TOKEN_LEN];
    int ar = people_user_add(reg, key, name, r, dept, c->actor.name,
                             (int64_t)time(NULL), tok, &err);
    sodium_memzero(key, sizeof(key));
    register_close(reg);
    if (ar != 0)
        return tzctl_fail_err(&err);
    if (print_token(c, name, tok) != 0)
        rc = tzctl_fail("out of memory");
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

static const struct out_col list_cols[] = {
    {"用户", "name", OUT_STR, NULL},
    {"角色", "role", OUT_WORD, NULL},
    {"所属单位", "dept", OUT_STR, NULL},
    {"令牌前缀", "token_prefix", OUT_STR, NULL},
    {"创建时间", "created_at", OUT_STR, NULL},
    {"创建人", "created_by", OUT_STR, NULL},
    {"最近登录", "last_login", OUT_STR, NULL},
    {"吊销时间", "revoked_at", OUT_STR, NULL},
};

static int list_row(const Tz__UserRecord *u, void *arg)
{
    char created[32], login[32], revoked[32];
    tzctl_time(u->created_at, created);
    tzctl_time(u->last_login, login);
    tzctl_time(u->revoked_at, revoked);
    const char *cells[] = {u->name, people_role_name(u->role), u->dept,
                           u->token_prefix, created, u->created_by, login,
                           revoked};
    return out_add(arg, cells);
}

static int user_list(const struct tzctl *c)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct out_table *t = out_new(list_cols, sizeof(list_cols) / sizeof(list_cols[0]));
    struct tz_error err = {0};
    int r = t ? register_each_user(reg, list_row, t, &err) : TZ_ENOMEM;
    register_close(reg);
    if (r == TZ_ENOMEM)
        rc = tzctl_fail("out of memory");
    else if (r != 0)
        rc = tzctl_fail_err(&err);
    else if (out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(t);
    return rc;
}

static int user_revoke(const struct tzctl *c, int argc, char **argv)
{
    if (argc != 3)
        return tzctl_usage("expected \"user revoke NAME\"");
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    size_t ended = 0;
    int r = register_user_revoke(reg, argv[2], (int64_t)time(NULL), &ended, &err);
    register_close(reg);
    if (r != 0)
        return tzctl_fail_err(&err);
    char *s = out_sanitize(argv[2], NULL);
    printf("revoked %s (%zu session%s ended)\n", s ? s : "", ended,
           ended == 1 ? "" : "s");
    free(s);
    return TZCTL_OK;
}

int tzctl_user(const struct tzctl *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "add") == 0)
        return user_add(c, argc, argv);
    if (strcmp(sub, "list") == 0 && argc == 2)
        return user_list(c);
    if (strcmp(sub, "revoke") == 0)
        return user_revoke(c, argc, argv);
    return tzctl_usage("expected \"user add|list|revoke\"");
}
