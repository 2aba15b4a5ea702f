/* screen_config — the checklist's built-in defaults and its INI reader.
 *
 * Items that check what a flag checks show the flag's words (flag_catalog.c),
 * so a weak password reads the same in `tzctl flags` and in a screening. */
#include "screen_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ini.h>
#include <sodium.h>

#include "flag_catalog.h"
#include "ini_value.h"
#include "utf8.h"

#define NO_FLAG (-1)

/* The words of an item; a NULL word is taken from flag (its label, article,
 * remedy), so both say the same thing. */
static const struct item_default {
    const char *name;
    int per_host;
    int blocking;
    int flag;
    const char *label_zh, *label_en, *cites, *remedy_zh, *remedy_en;
} defaults[SCREEN__COUNT] = {
    [SCREEN_NO_HOSTS] = {
        "no_hosts", 0, 1, NO_FLAG, "未绑定主机", "No host bound to the system",
        "第五条(五), 第六条(五)",
        "将承载该系统的主机绑定到该系统（tzctl bind），并在主机上运行采集程序。",
        "Bind the hosts that serve the system (tzctl bind HOST SYSTEM) and run "
        "tz-agent on each."},
    [SCREEN_HOST_SILENT] = {
        "host_silent", 0, 1, FLAG_AGENT_SILENT, "主机未回报", "Host not reporting",
        "第五条(五)", NULL, NULL},
    [SCREEN_LEDGER_FIELDS] = {
        "ledger_fields", 0, 1, NO_FLAG, "台账信息不完整", "Ledger record incomplete",
        "第六条(五), 第六条(六)",
        "补全信息系统台账的负责人、管理员、联系方式、等保等级、校内备案；对外服务的"
        "系统补全ICP备案号及公安备案号。",
        "Fill in the system's ledger record (tzctl system set): the fields "
        "named in the evidence."},
    [SCREEN_WEAK_PASSWORD] = {
        "weak_password", 1, 1, FLAG_WEAK_PASSWORD, NULL, NULL, NULL, NULL, NULL},
    [SCREEN_UID0_DUPLICATE] = {
        "uid0_duplicate", 1, 1, FLAG_UID0_DUPLICATE, NULL, NULL, NULL, NULL, NULL},
    [SCREEN_SUDO_NOPASSWD] = {
        "sudo_nopasswd", 1, 0, FLAG_SUDO_NOPASSWD, NULL, NULL, NULL, NULL, NULL},
    [SCREEN_ROOT_SSH_LOGIN] = {
        "root_ssh_login", 1, 1, FLAG_ROOT_SSH_LOGIN, NULL, NULL, NULL, NULL, NULL},
    [SCREEN_EXPOSED_PORTS] = {
        "exposed_ports", 1, 1, FLAG_EXPOSED_HIGH_RISK_PORT, NULL, NULL, NULL, NULL,
        NULL},
    [SCREEN_PATCHES] = {
        "patches", 1, 1, FLAG_PATCHES_PENDING, NULL, NULL, NULL, NULL, NULL},
    [SCREEN_REBOOT_REQUIRED] = {
        "reboot_required", 1, 0, FLAG_REBOOT_REQUIRED, NULL, NULL, NULL, NULL, NULL},
    [SCREEN_SCAN_UNEXPLAINED_PORT] = {
        "scan_unexplained_port", 0, 0, NO_FLAG, "外部可达的未知端口",
        "Port open from outside that no agent reports", "第五条(三), 第五条(五)",
        "查明提供该端口的服务：不需要的关闭或用防火墙限制，需要的确认其主机已绑定"
        "并运行采集程序。",
        "Find the service behind the port: close or firewall it if it is not "
        "needed, else bind its host to the system and run tz-agent there."},
    [SCREEN_SCAN_HIGH_RISK_PORT] = {
        "scan_high_risk_port", 0, 1, FLAG_EXPOSED_HIGH_RISK_PORT, "高危端口外部可达",
        "High-risk port reachable from outside", NULL, NULL, NULL},
};

static const enum ledger_id default_required[] = {LF_OWNER, LF_ADMIN, LF_CONTACT,
                                                  LF_MLPS_GRADE, LF_SCHOOL_FILING};
static const enum ledger_id default_required_public[] = {LF_ICP_FILING, LF_PSB_FILING};

const char *screen_item_name(enum screen_item i)
{
    return (i >= 0 && i < SCREEN__COUNT) ? defaults[i].name : NULL;
}

int screen_item_lookup(const char *name)
{
    for (int i = 0; i < SCREEN__COUNT; i++)
        if (strcmp(defaults[i].name, name) == 0)
            return i;
    return -1;
}

int screen_item_per_host(enum screen_item i)
{
    return (i >= 0 && i < SCREEN__COUNT) ? defaults[i].per_host : 0;
}

static void word(char *dst, const char *own, const char *from_flag)
{
    snprintf(dst, SCREEN_TEXT_MAX, "%s", own ? own : from_flag);
}

void screen_config_defaults(struct screen_config *c)
{
    memset(c, 0, sizeof(*c));
    for (int i = 0; i < SCREEN__COUNT; i++) {
        const struct item_default *d = &defaults[i];
        const struct flag_def *f = d->flag == NO_FLAG ? NULL : flag_def(d->flag);
        struct screen_item_def *it = &c->item[i];
        it->blocking = d->blocking;
        word(it->label_zh, d->label_zh, f ? f->label_zh : "");
        word(it->label_en, d->label_en, f ? f->label_en : "");
        word(it->cites, d->cites, f ? f->cites : "");
        word(it->remedy_zh, d->remedy_zh, f ? f->remedy_zh : "");
        word(it->remedy_en, d->remedy_en, f ? f->remedy_en : "");
    }
    c->max_report_age_hours = 48;
    c->max_security_pending = 0;
    c->max_screening_age_days = 14;
    /* The same high-risk ports as the flags: rules.ini's defaults. */
    struct rules_config rc;
    rules_config_defaults(&rc);
    memcpy(c->high_risk, rc.high_risk, sizeof(c->high_risk));
    c->n_high_risk = rc.n_high_risk;
    for (size_t i = 0; i < sizeof(default_required) / sizeof(default_required[0]); i++)
        c->required[c->n_required++] = (uint8_t)default_required[i];
    for (size_t i = 0;
         i < sizeof(default_required_public) / sizeof(default_required_public[0]); i++)
        c->required_public[c->n_required_public++] = (uint8_t)default_required_public[i];
}

/* ---- the reader ---- */

enum key { K_LEVEL, K_LABEL_ZH, K_LABEL_EN, K_CITES, K_REMEDY_ZH, K_REMEDY_EN,
           K_THRESHOLD, K_THRESHOLD2, K__COUNT };
static const char *const key_names[] = {"level", "label_zh", "label_en", "cites",
                                        "remedy_zh", "remedy_en"};

struct load_ctx {
    struct screen_config *c;
    FILE *f;
    long line;                       /* of the line inih is handling */
    long long_line;                  /* first line over the bound, 0 if none */
    int max_line;
    long why_line;                   /* line of the first error a handler found */
    char why[256];
    unsigned seen[SCREEN__COUNT + 1]; /* keys set, per item and for [ports] */
    int seen_review;                 /* [review] max_screening_age_days */
};

/* fgets for inih that notices a line longer than inih's buffer: inih would
 * read its rest as a line of its own. It is skipped and reported instead. */
static char *read_line(char *str, int num, void *stream)
{
    struct load_ctx *lc = stream;
    if (fgets(str, num, lc->f) == NULL)
        return NULL;
    lc->line++;
    lc->max_line = num - 1;
    size_t n = strlen(str);
    if (n > 0 && str[n - 1] != '\n' && n == (size_t)num - 1) {
        int ch = fgetc(lc->f);
        if (ch != '\n' && ch != EOF) {
            while (ch != '\n' && ch != EOF)
                ch = fgetc(lc->f);
            if (lc->long_line == 0)
                lc->long_line = lc->line;
            str[0] = '\0';
        }
    }
    return str;
}

#define BAD(...)                                                    \
    do {                                                            \
        if (lc->why_line == 0) {                                    \
            snprintf(lc->why, sizeof(lc->why), __VA_ARGS__);        \
            lc->why_line = lc->line;                                \
        }                                                           \
        return 0;                                                   \
    } while (0)

static int text_ok(const char *v)
{
    size_t n = strlen(v);
    return n > 0 && n < SCREEN_TEXT_MAX && tz_text_check(v, n, NULL) == TZ_TEXT_OK;
}

/* A list of ledger fields by key or label: "owner, admin, 联系方式". */
static int parse_fields(const char *v, uint8_t *out, int *n, char *bad, size_t badlen)
{
    char buf[SCREEN_TEXT_MAX];
    if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
        return snprintf(bad, badlen, "the list is too long"), -1;
    int k = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        const struct ledger_field *f = ledger_field_find(t);
        if (f == NULL)
            return snprintf(bad, badlen, "unknown ledger field \"%s\"", t), -1;
        if (f->kind == LK_BOOL)
            return snprintf(bad, badlen, "%s is yes or no, never missing", f->key), -1;
        for (int i = 0; i < k; i++)
            if (out[i] == f->id)
                return snprintf(bad, badlen, "%s is listed twice", f->key), -1;
        out[k++] = (uint8_t)f->id;   /* at most LF_COUNT: no field twice */
    }
    *n = k;
    return 0;
}

/* The option name of item it, as a key; -1 if the item has no such option. */
static int item_key(int it, const char *name)
{
    for (int i = 0; i < (int)(sizeof(key_names) / sizeof(key_names[0])); i++)
        if (strcmp(name, key_names[i]) == 0)
            return i;
    if ((it == SCREEN_HOST_SILENT && strcmp(name, "max_report_age_hours") == 0) ||
        (it == SCREEN_PATCHES && strcmp(name, "max_security_pending") == 0) ||
        (it == SCREEN_LEDGER_FIELDS && strcmp(name, "required") == 0))
        return K_THRESHOLD;
    if (it == SCREEN_LEDGER_FIELDS && strcmp(name, "required_public") == 0)
        return K_THRESHOLD2;
    return -1;
}

static int threshold_kv(struct load_ctx *lc, int it, int k, const char *value)
{
    struct screen_config *c = lc->c;
    char bad[160] = "";
    if (it == SCREEN_HOST_SILENT) {
        if (ini_int(value, 1, 24 * 365, &c->max_report_age_hours) != 0)
            BAD("max_report_age_hours must be 1..8760");
    } else if (it == SCREEN_PATCHES) {
        if (ini_int(value, 0, 100000, &c->max_security_pending) != 0)
            BAD("max_security_pending must be 0..100000");
    } else if (k == K_THRESHOLD) {
        if (parse_fields(value, c->required, &c->n_required, bad, sizeof(bad)) != 0)
            BAD("required: %s", bad);
    } else if (parse_fields(value, c->required_public, &c->n_required_public, bad,
                            sizeof(bad)) != 0) {
        BAD("required_public: %s", bad);
    }
    return 1;
}

static int item_kv(struct load_ctx *lc, int it, const char *section, const char *name,
                   const char *value)
{
    struct screen_item_def *d = &lc->c->item[it];
    char *texts[] = {NULL, d->label_zh, d->label_en, d->cites, d->remedy_zh, d->remedy_en};
    int k = item_key(it, name);
    if (k < 0)
        BAD("unknown option \"%s\" in [%s]", name, section);
    /* inih hands a continuation line over as the same option again. */
    if (lc->seen[it] & (1u << k))
        BAD("%s is set twice in [%s] (a value is one line)", name, section);
    lc->seen[it] |= 1u << k;
    if (k >= K_THRESHOLD)
        return threshold_kv(lc, it, k, value);
    if (k == K_LEVEL) {
        if (strcmp(value, "blocking") == 0)
            d->blocking = 1;
        else if (strcmp(value, "advisory") == 0)
            d->blocking = 0;
        else
            BAD("level of [%s] must be blocking or advisory, not \"%s\"", section, value);
        return 1;
    }
    if (!text_ok(value))
        BAD("%s of [%s] must be non-empty UTF-8 text without control characters",
            name, section);
    snprintf(texts[k], SCREEN_TEXT_MAX, "%s", value);
    return 1;
}

static int on_kv(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *lc = user;
    struct screen_config *c = lc->c;
    if (strcmp(section, "ports") == 0) {
        if (strcmp(name, "high_risk") != 0)
            BAD("unknown option \"%s\" in [ports]", name);
        if (lc->seen[SCREEN__COUNT])
            BAD("high_risk is set twice in [ports] (a value is one line)");
        lc->seen[SCREEN__COUNT] = 1;
        if (ini_ports(value, c->high_risk, RULES_MAX_PORTS, &c->n_high_risk) != 0)
            BAD("high_risk must list at most %d ports in 1..65535", RULES_MAX_PORTS);
        return 1;
    }
    if (strcmp(section, "review") == 0) {
        if (strcmp(name, "max_screening_age_days") != 0)
            BAD("unknown option \"%s\" in [review]", name);
        if (lc->seen_review)
            BAD("max_screening_age_days is set twice in [review]");
        lc->seen_review = 1;
        if (ini_int(value, 1, 365, &c->max_screening_age_days) != 0)
            BAD("max_screening_age_days must be 1..365");
        return 1;
    }
    int it = screen_item_lookup(section);
    if (section[0] == '\0')
        BAD("option \"%s\" before any [section]", name);
    if (it < 0)
        BAD("unknown checklist item [%s]", section);
    return item_kv(lc, it, section, name, value);
}

int screen_config_load(struct screen_config *c, const char *path,
                       struct tz_error *err)
{
    struct load_ctx lc = {.c = c};
    if ((lc.f = fopen(path, "r")) == NULL)
        return tz_err(err, TZ_ENOENT, path, 0, "cannot open the screening checklist");
    int r = ini_parse_stream(read_line, &lc, on_kv, &lc);
    fclose(lc.f);
    if (r < 0)
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory reading the checklist");
    if (lc.long_line && (r == 0 || lc.long_line < r))
        return tz_err(err, TZ_EPARSE, path, lc.long_line,
                      "line longer than %d bytes", lc.max_line);
    if (r > 0)
        return tz_err(err, TZ_EPARSE, path, r, "%s",
                      r == lc.why_line ? lc.why
                                       : "expected [section] or option = value");
    return 0;
}

/* ---- the digest ---- */

static void put(crypto_generichash_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(crypto_generichash_state *st, const char *fmt, ...)
{
    char buf[SCREEN_TEXT_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)   /* the \n ends each field: "a" "bc" differs from "ab" "c" */
        crypto_generichash_update(st, (const unsigned char *)buf,
                                  (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void screen_config_digest(const struct screen_config *c, char out[SCREEN_DIGEST_LEN])
{
    unsigned char h[8];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    for (int i = 0; i < SCREEN__COUNT; i++) {
        const struct screen_item_def *d = &c->item[i];
        put(&st, "[%s]\n%d\n", defaults[i].name, d->blocking);
        put(&st, "%s\n", d->label_zh);
        put(&st, "%s\n", d->label_en);
        put(&st, "%s\n", d->cites);
        put(&st, "%s\n", d->remedy_zh);
        put(&st, "%s\n", d->remedy_en);
    }
    put(&st, "%d\n%d\n", c->max_report_age_hours, c->max_security_pending);
    for (int i = 0; i < c->n_high_risk; i++)
        put(&st, "p%u\n", c->high_risk[i]);
    for (int i = 0; i < c->n_required; i++)
        put(&st, "required %s\n", ledger_fields[c->required[i] % LF_COUNT].key);
    for (int i = 0; i < c->n_required_public; i++)
        put(&st, "public %s\n",
            ledger_fields[c->required_public[i] % LF_COUNT].key);
    crypto_generichash_final(&st, h, sizeof(h));
    sodium_bin2hex(out, SCREEN_DIGEST_LEN, h, sizeof(h));
}
