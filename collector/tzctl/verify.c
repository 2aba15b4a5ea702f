/* verify — `tzctl verify [FILE]`: check the register (or a backup file)
 * with register_verify. Consistent: one summary line, exit 0. Not: each
 * problem on a line of its own, then "tzctl: ... N problems" on stderr,
 * exit 1. Runs beside a live collector (one read transaction). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tzctl.h"

struct sink {
    enum out_format format;
    cJSON *problems;        /* json: collected, printed at the end */
    struct out_table *t;    /* csv */
    int failed;             /* out of memory while collecting */
};

static void on_problem(const char *problem, void *arg)
{
    struct sink *s = arg;
    if (s->format == OUT_JSON) {
        cJSON *p = cJSON_CreateString(problem);
        if (p == NULL || !cJSON_AddItemToArray(s->problems, p))
            s->failed = 1;
        return;
    }
    if (s->format == OUT_CSV) {
        const char *cells[1] = {problem};
        if (out_add(s->t, cells) != 0)
            s->failed = 1;
        return;
    }
    /* Hostnames and package names come from agents: no terminal controls. */
    char *clean = out_sanitize(problem, NULL);
    printf("%s\n", clean ? clean : "?");
    free(clean);
}

static void count(char *buf, size_t len, size_t *used, uint64_t n,
                  const char *one, const char *many)
{
    if (*used < len)
        *used += (size_t)snprintf(buf + *used, len - *used, "%s%" PRIu64 " %s",
                                  *used ? ", " : "", n, n == 1 ? one : many);
}

/* "3 agents (2 reported), 1 department, ..." */
static void summary(const struct register_verify_counts *n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    count(buf, len, &used, n->agents, "agent", "agents");
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used, " (%" PRIu64 " reported)",
                                 n->hosts);
    count(buf, len, &used, n->depts, "department", "departments");
    count(buf, len, &used, n->tokens, "token", "tokens");
    count(buf, len, &used, n->systems, "system", "systems");
    count(buf, len, &used, n->bindings, "binding", "bindings");
    count(buf, len, &used, n->open_flags, "open flag", "open flags");
    count(buf, len, &used, n->closed_flags, "closed flag", "closed flags");
    count(buf, len, &used, n->history, "history entry", "history entries");
    count(buf, len, &used, n->pkgidx, "package index row", "package index rows");
    count(buf, len, &used, n->users, "user", "users");
    count(buf, len, &used, n->sessions, "session", "sessions");
    count(buf, len, &used, n->ledger_changes, "ledger change", "ledger changes");
    count(buf, len, &used, n->screenings, "screening", "screenings");
    count(buf, len, &used, n->reviews, "review decision", "review decisions");
}

static int json_out(const char *what, const struct register_verify_counts *n,
                    cJSON *problems)
{
    cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateObject();
    if (o == NULL || c == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(c);
        return TZ_ENOMEM;
    }
    cJSON_AddBoolToObject(o, "consistent", n->problems == 0);
    cJSON_AddStringToObject(o, "register", what);
    cJSON_AddNumberToObject(c, "agents", (double)n->agents);
    cJSON_AddNumberToObject(c, "hosts_reported", (double)n->hosts);
    cJSON_AddNumberToObject(c, "departments", (double)n->depts);
    cJSON_AddNumberToObject(c, "tokens", (double)n->tokens);
    cJSON_AddNumberToObject(c, "systems", (double)n->systems);
    cJSON_AddNumberToObject(c, "bindings", (double)n->bindings);
    cJSON_AddNumberToObject(c, "open_flags", (double)n->open_flags);
    cJSON_AddNumberToObject(c, "closed_flags", (double)n->closed_flags);
    cJSON_AddNumberToObject(c, "history_entries", (double)n->history);
    cJSON_AddNumberToObject(c, "package_index_rows", (double)n->pkgidx);
    cJSON_AddNumberToObject(c, "users", (double)n->users);
    cJSON_AddNumberToObject(c, "sessions", (double)n->sessions);
    cJSON_AddNumberToObject(c, "ledger_changes", (double)n->ledger_changes);
    cJSON_AddNumberToObject(c, "screenings", (double)n->screenings);
    cJSON_AddNumberToObject(c, "reviews", (double)n->reviews);
    cJSON_AddItemToObject(o, "counts", c);
    cJSON_AddNumberToObject(o, "problem_count", (double)n->problems);
    cJSON_AddItemReferenceToObject(o, "problems", problems);
    return out_print_json(o);
}

int tzctl_verify_register(struct tz_register *reg, const char *what,
                          enum out_format format, uint64_t *problems)
{
    static const struct out_col cols[] = {{"PROBLEM", "problem", OUT_STR, "问题"}};
    struct sink s = {.format = format};
    if ((format == OUT_JSON && (s.problems = cJSON_CreateArray()) == NULL) ||
        (format == OUT_CSV && (s.t = out_new(cols, 1)) == NULL))
        return tzctl_fail("out of memory");
    struct register_verify_counts n;
    struct tz_error err = {0};
    int rc = register_verify(reg, &n, on_problem, &s, &err);
    if (rc == 0 && s.failed)
        rc = tz_err(&err, TZ_ENOMEM, NULL, 0, "out of memory");
    if (rc == 0 && format == OUT_JSON)
        rc = json_out(what, &n, s.problems);
    else if (rc == 0 && format == OUT_CSV)
        rc = out_write(s.t, OUT_CSV, stdout);
    cJSON_Delete(s.problems);
    out_free(s.t);
    if (rc != 0)
        return err.msg[0] ? tzctl_fail_err(&err) : tzctl_fail("%s", tz_strerror(rc));
    *problems = n.problems;
    if (n.problems == 0 && format == OUT_TABLE) {
        char buf[512];
        summary(&n, buf, sizeof(buf));
        printf("register consistent: %s\n", buf);
    }
    return TZCTL_OK;
}

int tzctl_verify(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *file = NULL;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) != NULL)
            return tzctl_usage("verify: unknown option %s", opt);
        if (pos && file)
            return tzctl_usage("verify takes one backup file at most");
        if (pos)
            file = pos;
    }
    struct tz_register *reg;
    struct tz_error err = {0};
    if (file) {
        if (register_open(file, REGISTER_RDONLY | REGISTER_FILE, &reg, &err) != 0)
            return tzctl_fail_err(&err);
    } else if (tzctl_open(c, REGISTER_RDONLY, &reg) != 0) {
        return TZCTL_FAIL;
    }
    const char *what = file ? file : c->data;
    uint64_t problems = 0;
    int rc = tzctl_verify_register(reg, what, c->format, &problems);
    register_close(reg);
    if (rc == TZCTL_OK && problems) {
        fflush(stdout);   /* the problems, then the verdict */
        rc = tzctl_fail("the register %s is not consistent: %" PRIu64 " problem%s",
                        what, problems, problems == 1 ? "" : "s");
    }
    return rc;
}
