/* token — enrollment tokens: `tzctl token create --dept NAME [--expires DAYS]
 * [--uses N] | --admin`, `token list`, `token revoke ID`.
 *
 * The register keeps only a token's hash, so create is the one moment the
 * token can be seen: it goes alone on stdout (for $(...)), the warning to
 * stderr. list shows what the register keeps (id, department, the first
 * characters, dates, uses), never a token. Whether a token still enrolls is
 * collector/admission.c's rule; list shows its verdict. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "admission.h"
#include "grow.h"
#include "pb_clone.h"
#include "tzctl.h"

#define MAX_DAYS 3650          /* --expires: ten years at most */
#define MAX_USES 1000000       /* --uses */

static int print_token(const struct tzctl *c, const char *tok, uint64_t id,
                       const struct register_token_spec *spec)
{
    if (c->format != OUT_JSON) {
        printf("%s\n", tok);
        return 0;
    }
    cJSON *o = cJSON_CreateObject();
    char prefix[11];  /* what the register keeps to recognise it */
    memcpy(prefix, tok, 10);
    prefix[10] = '\0';
    const char *dept = spec->dept;
    if (o == NULL || !cJSON_AddStringToObject(o, "token", tok) ||
        !cJSON_AddNumberToObject(o, "id", (double)id) ||
        !cJSON_AddStringToObject(o, "role", dept ? "dept" : "admin") ||
        !(dept ? cJSON_AddStringToObject(o, "dept", dept)
               : cJSON_AddNullToObject(o, "dept")) ||
        !cJSON_AddStringToObject(o, "prefix", prefix) ||
        !(spec->expires_at ? cJSON_AddNumberToObject(o, "expires_at",
                                                     (double)spec->expires_at)
                           : cJSON_AddNullToObject(o, "expires_at")) ||
        !(spec->max_uses ? cJSON_AddNumberToObject(o, "max_uses", spec->max_uses)
                         : cJSON_AddNullToObject(o, "max_uses"))) {
        cJSON_Delete(o);
        return TZ_ENOMEM;
    }
    return out_print_json_secret(o);
}

/* A whole decimal number in lo..hi; -1 otherwise. */
static int parse_count(const char *s, unsigned long lo, unsigned long hi,
                       unsigned long *out)
{
    char *end;
    errno = 0;
    if (s == NULL || s[0] < '0' || s[0] > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int token_create(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val;
    struct register_token_spec spec = {0};
    int dd = 0, admin = 0;
    unsigned long days = 0, uses = 0;
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos)
                return tzctl_usage("token create: unexpected \"%s\"", pos);
        } else if (strcmp(opt, "--admin") == 0) {
            admin = 1;
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--dept needs a department name");
            spec.dept = val;
        } else if (tzctl_optval(opt, "--expires", argc, argv, &i, &val)) {
            if (parse_count(val, 1, MAX_DAYS, &days) != 0)
                return tzctl_usage("--expires takes days, 1 to %d", MAX_DAYS);
        } else if (tzctl_optval(opt, "--uses", argc, argv, &i, &val)) {
            if (parse_count(val, 1, MAX_USES, &uses) != 0)
                return tzctl_usage("--uses takes a number of enrollments, 1 to %d",
                                   MAX_USES);
        } else {
            return tzctl_usage("token create: unknown option %s", opt);
        }
    }
    if (admin == (spec.dept != NULL))
        return tzctl_usage("token create needs exactly one of --dept NAME "
                           "and --admin");
    if (admin && (days || uses))
        return tzctl_usage("--expires and --uses are for enrollment tokens "
                           "(--dept NAME)");
    int64_t now = (int64_t)time(NULL);
    if (days)
        spec.expires_at = now + (int64_t)days * 86400;
    spec.max_uses = (uint32_t)uses;

    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    char tok[REGISTER_TOKEN_LEN];
    uint64_t id = 0;
    int r = register_token_make(reg, &spec, now, tok, &id, &err);
    register_close(reg);
    if (r != 0)
        return tzctl_fail_err(&err);
    if (print_token(c, tok, id, &spec) != 0)
        rc = tzctl_fail("out of memory");
    else if (fflush(stdout) == 0)  /* the token first, then the warning */
        fprintf(stderr, "tzctl: this %s token (id %" PRIu64 ") is shown only once; "
                "store it now (the register keeps only its hash)\n",
                spec.dept ? "enrollment" : "admin", id);
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

/* ---- list ---- */

static const struct out_col list_cols[] = {
    {"ID", "id", OUT_NUM, "编号"},
    {"DEPT", "dept", OUT_STR, "所属单位"},
    {"ROLE", "role", OUT_WORD, "角色"},
    {"PREFIX", "prefix", OUT_STR, "前缀"},
    {"CREATED", "created", OUT_STR, "创建时间"},
    {"EXPIRES", "expires", OUT_STR, "到期时间"},
    {"USES", "uses", OUT_NUM, "已用次数"},
    {"USES LEFT", "uses_left", OUT_STR, "剩余次数"},
    {"LAST USED", "last_used", OUT_STR, "最近使用"},
    {"STATE", "state", OUT_WORD, "状态"},
};
#define N_LIST_COLS (sizeof(list_cols) / sizeof(list_cols[0]))

struct token_list {
    Tz__TokenRecord **v;
    size_t n, cap;
};

static int collect(const Tz__TokenRecord *t, void *arg)
{
    struct token_list *l = arg;
    if (tz_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)) != 0)
        return TZ_ENOMEM;
    /* The walk's record lives only during the call: keep a copy. */
    if ((l->v[l->n] = pb_clone(&t->base)) == NULL)
        return TZ_ENOMEM;
    l->n++;
    return 0;
}

static int by_id(const void *a, const void *b)
{
    const Tz__TokenRecord *x = *(Tz__TokenRecord *const *)a;
    const Tz__TokenRecord *y = *(Tz__TokenRecord *const *)b;
    if (x->token_id != y->token_id)
        return x->token_id < y->token_id ? -1 : 1;
    return x->created_at < y->created_at ? -1 : x->created_at > y->created_at;
}

/* "active", or why it enrolls nothing any more: admission.c's verdict. */
static const char *state_of(const Tz__TokenRecord *t, int64_t now)
{
    char why[160];
    if (strcmp(t->role, "admin") == 0)
        return t->revoked_at ? "revoked" : "admin";
    if (admission_token(t, now, why, sizeof(why)) == TZ__STATUS__OK)
        return "active";
    if (t->revoked_at)
        return "revoked";
    if (t->expires_at && now >= t->expires_at)
        return "expired";
    if (admission_token_uses_left(t) == 0)
        return "used up";
    return "unusable";
}

static int list_row(struct out_table *tab, const Tz__TokenRecord *t, int64_t now)
{
    char id[24] = "", created[32], expires[32], last[32], uses[16], left[16];
    if (t->token_id)
        snprintf(id, sizeof(id), "%" PRIu64, t->token_id);
    tzctl_time(t->created_at, created);
    tzctl_time(t->expires_at, expires);
    tzctl_time(t->last_used_at, last);
    if (!t->expires_at)
        snprintf(expires, sizeof(expires), "never");
    snprintf(uses, sizeof(uses), "%" PRIu32, t->uses);
    uint32_t l = admission_token_uses_left(t);
    if (l == UINT32_MAX)
        snprintf(left, sizeof(left), "unlimited");
    else
        snprintf(left, sizeof(left), "%" PRIu32, l);
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "%s...", t->prefix);
    const char *cells[N_LIST_COLS] = {id, t->dept, t->role, prefix, created, expires,
                                      uses, left, last, state_of(t, now)};
    return out_add(tab, cells);
}

static int token_list(const struct tzctl *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 2)
        return tzctl_usage("expected \"token list\"");
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct token_list l = {0};
    struct tz_error err = {0};
    int r = register_each_token(reg, collect, &l, &err);
    register_close(reg);
    struct out_table *t = r == 0 ? out_new(list_cols, N_LIST_COLS) : NULL;
    if (r == 0 && t == NULL)
        r = TZ_ENOMEM;
    if (r == 0) {
        qsort(l.v, l.n, sizeof(*l.v), by_id);
        int64_t now = (int64_t)time(NULL);
        for (size_t i = 0; r == 0 && i < l.n; i++)
            r = list_row(t, l.v[i], now);
    }
    if (r == TZ_ENOMEM)
        rc = tzctl_fail("out of memory");
    else if (r != 0)
        rc = tzctl_fail_err(&err);
    else if (out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(t);
    for (size_t i = 0; i < l.n; i++)
        tz__token_record__free_unpacked(l.v[i], NULL);
    free(l.v);
    return rc;
}

/* ---- revoke ---- */

static int token_revoke(const struct tzctl *c, int argc, char **argv)
{
    unsigned long long id;
    char *end;
    errno = 0;
    if (argc != 3 || argv[2][0] < '1' || argv[2][0] > '9' ||
        (id = strtoull(argv[2], &end, 10), *end != '\0') || errno)
        return tzctl_usage("expected \"token revoke ID\" (the ID of token list)");
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    int r = register_token_revoke(reg, id, (int64_t)time(NULL), c->actor.name, &err);
    register_close(reg);
    if (r != 0)
        return tzctl_fail_err(&err);
    printf("revoked token %llu: it enrolls no more agents (those it enrolled stay; "
           "tzctl agent revoke ends one)\n", id);
    return TZCTL_OK;
}

int tzctl_token(const struct tzctl *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "create") == 0)
        return token_create(c, argc, argv);
    if (strcmp(sub, "list") == 0)
        return token_list(c, argc, argv);
    if (strcmp(sub, "revoke") == 0)
        return token_revoke(c, argc, argv);
    return tzctl_usage("expected \"token create --dept NAME [--expires DAYS] "
                       "[--uses N]\", \"token create --admin\", \"token list\" or "
                       "\"token revoke ID\"");
}
