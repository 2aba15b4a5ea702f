/* rules_config — defaults and the INI reader for rule thresholds. */
#include "rules_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini_value.h"

static const uint16_t default_high_risk[] = {21,   23,   445,  1433, 2375, 3306,
                                             3389, 5432, 6379, 9200, 11211, 27017};
static const uint16_t default_web[] = {80, 443, 8080, 8443};

void rules_config_defaults(struct rules_config *c)
{
    memset(c, 0, sizeof(*c));
    c->agent_silent_hours = 48;
    c->account_check_failed_days = 2;
    c->eval_max_days[3] = 365;
    c->eval_max_days[4] = 182;
    c->eval_max_days[5] = 182;
    c->filing_required_from_grade = 2;
    c->n_high_risk = (int)(sizeof(default_high_risk) / sizeof(default_high_risk[0]));
    memcpy(c->high_risk, default_high_risk, sizeof(default_high_risk));
    c->n_web = (int)(sizeof(default_web) / sizeof(default_web[0]));
    memcpy(c->web, default_web, sizeof(default_web));
    for (int f = 0; f < FLAG__COUNT; f++)
        c->severity[f] = flag_def(f)->severity;
}

int rules_port_in(const uint16_t *ports, int n, uint32_t port)
{
    for (int i = 0; i < n; i++)
        if (ports[i] == port)
            return 1;
    return 0;
}

struct load_ctx {
    struct rules_config *c;
    char why[256];
};

#define BAD(...) do { snprintf(lc->why, sizeof(lc->why), __VA_ARGS__); return 0; } while (0)

static int on_kv(void *user, const char *section, const char *name,
                 const char *value)
{
    struct load_ctx *lc = user;
    struct rules_config *c = lc->c;
    if (strcmp(section, "silence") == 0 && strcmp(name, "agent_silent_hours") == 0) {
        if (ini_int(value, 1, 24 * 365, &c->agent_silent_hours) != 0)
            BAD("agent_silent_hours must be 1..8760");
    } else if (strcmp(section, "accounts") == 0 &&
               strcmp(name, "account_check_failed_days") == 0) {
        if (ini_int(value, 1, 365, &c->account_check_failed_days) != 0)
            BAD("account_check_failed_days must be 1..365");
    } else if (strcmp(section, "evaluation") == 0) {
        int g;
        if (sscanf(name, "grade%d_max_days", &g) != 1 || g < 1 || g > 5)
            BAD("unknown option \"%s\" (expected gradeN_max_days, N = 1..5)", name);
        if (ini_int(value, 0, 3650, &c->eval_max_days[g]) != 0)
            BAD("%s must be 0..3650 days", name);
    } else if (strcmp(section, "grading") == 0 &&
               strcmp(name, "filing_required_from_grade") == 0) {
        if (ini_int(value, 1, 5, &c->filing_required_from_grade) != 0)
            BAD("filing_required_from_grade must be 1..5");
    } else if (strcmp(section, "ports") == 0 && strcmp(name, "high_risk") == 0) {
        if (ini_ports(value, c->high_risk, RULES_MAX_PORTS, &c->n_high_risk) != 0)
            BAD("high_risk must list at most %d ports in 1..65535", RULES_MAX_PORTS);
    } else if (strcmp(section, "ports") == 0 && strcmp(name, "web") == 0) {
        if (ini_ports(value, c->web, RULES_MAX_PORTS, &c->n_web) != 0)
            BAD("web must list at most %d ports in 1..65535", RULES_MAX_PORTS);
    } else if (strcmp(section, "severity") == 0) {
        int f = flag_lookup(name), s = severity_lookup(value);
        if (f < 0)
            BAD("unknown flag \"%s\"", name);
        if (s < 0)
            BAD("severity of %s must be high, medium or low", name);
        c->severity[f] = (Tz__Severity)s;
    } else if (strcmp(section, "disabled") == 0) {
        int f = flag_lookup(name);
        if (f < 0)
            BAD("unknown flag \"%s\"", name);
        if (ini_bool(value, &c->disabled[f]) != 0)
            BAD("%s must be yes or no", name);
    } else {
        BAD("unknown option \"%s\" in [%s]", name, section);
    }
    return 1;
}

int rules_config_load(struct rules_config *c, const char *path,
                      struct tz_error *err)
{
    struct load_ctx lc = {.c = c};
    return ini_load(path, "rules file", on_kv, &lc, lc.why, err);
}

int rules_config_load_text(struct rules_config *c, const char *text,
                           const char *name, struct tz_error *err)
{
    struct load_ctx lc = {.c = c};
    return ini_load_text(text, name, on_kv, &lc, lc.why, err);
}
