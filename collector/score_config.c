/* score_config — read scoring.ini into weights and thresholds. */
#include "score_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ini_value.h"

const struct score_indicator score_indicators[SC_COUNT] = {
    {"ledger_complete", "台账完整", NULL, 10, 0, 0},
    {"filing", "备案", NULL, 10, 0, 0},
    {"grading", "定级与测评", NULL, 10, 0, 0},
    {"reviewed", "上线前审查", NULL, 10, 0, 0},
    {"weak_passwords", "无弱口令", NULL, 15, 0, 0},
    {"patches", "补丁及时", "max_days", 10, 30, 3650},
    {"high_flags", "高危问题按期整改", "max_days", 15, 7, 3650},
    {"agent_coverage", "探针覆盖", "min_percent", 10, 90, 100},
    {"leaders_named", "责任人明确", NULL, 5, 0, 0},
    {"meeting", "年度网络安全工作会议", NULL, 5, 0, 0},
};

void score_config_defaults(struct score_config *c)
{
    for (int i = 0; i < SC_COUNT; i++) {
        c->weight[i] = score_indicators[i].weight_default;
        c->param[i] = score_indicators[i].param_default;
    }
}

struct load_ctx {
    struct score_config *c;
    char why[256];
};

static int bad(struct load_ctx *lc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad(struct load_ctx *lc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lc->why, sizeof(lc->why), fmt, ap);
    va_end(ap);
    return 0;
}

static int on_kv(void *user, const char *section, const char *name,
                 const char *value)
{
    struct load_ctx *lc = user;
    int k = -1;
    for (int i = 0; i < SC_COUNT; i++)
        if (strcmp(section, score_indicators[i].key) == 0)
            k = i;
    if (k < 0)
        return bad(lc, "unknown section [%.64s]", section);
    const struct score_indicator *s = &score_indicators[k];
    if (strcmp(name, "weight") == 0) {
        if (ini_int(value, 0, 100, &lc->c->weight[k]) != 0)
            return bad(lc, "%s weight must be 0..100", s->key);
    } else if (s->param && strcmp(name, s->param) == 0) {
        if (ini_int(value, 1, s->param_max, &lc->c->param[k]) != 0)
            return bad(lc, "%s %s must be 1..%d", s->key, s->param,
                       s->param_max);
    } else {
        return bad(lc, "unknown option \"%.64s\" in [%s]", name, s->key);
    }
    return 1;
}

int score_config_load(struct score_config *c, const char *path,
                      struct tz_error *err)
{
    struct score_config tmp;
    score_config_defaults(&tmp);
    struct load_ctx lc = {.c = &tmp};
    int rc = ini_load(path, "scoring file", on_kv, &lc, lc.why, err);
    if (rc != 0)
        return rc;
    int sum = 0;
    for (int i = 0; i < SC_COUNT; i++)
        sum += tmp.weight[i];
    if (sum != 100)
        return tz_err(err, TZ_EPARSE, path, 0, "the weights add up to %d, "
                      "not 100", sum);
    *c = tmp;
    return 0;
}

int score_config_find(struct score_config *c, const char *path,
                      struct tz_error *err)
{
    score_config_defaults(c);
    if (path == NULL && access(TZ_SCORING_INSTALLED, R_OK) == 0)
        path = TZ_SCORING_INSTALLED;
    if (path == NULL && access(TZ_SCORING_SOURCE, R_OK) == 0)
        path = TZ_SCORING_SOURCE;
    return path ? score_config_load(c, path, err) : 0;
}
