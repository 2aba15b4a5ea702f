/* hosts — `tzctl hosts [--dept D] [--all]` lists the register's hosts from
 * the agent records' summaries (no sections unpacked, so it stays fast at
 * 100k hosts) with the system each belongs to and when its key was revoked
 * (retired hosts only with --all, marked so in that column);
 * `tzctl host show ID` prints one host's record, its binding and latest
 * report. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admission.h"
#include "pb_json.h"
#include "tzctl.h"

static const struct out_col host_cols[] = {
    {"ID", "id", OUT_NUM},
    {"HOSTNAME", "hostname", OUT_STR},
    {"DEPT", "dept", OUT_STR},
    {"OS", "os", OUT_STR},
    {"KERNEL", "kernel", OUT_STR},
    {"PACKAGES", "packages", OUT_NUM},
    {"IPS", "ips", OUT_LIST},
    {"LAST SEEN", "last_seen", OUT_STR},
    {"SYSTEM", "system_id", OUT_NUM},
    {"REVOKED", "revoked", OUT_STR},
};
#define N_HOST_COLS (sizeof(host_cols) / sizeof(host_cols[0]))

/* The listing, and with --dept D the systems of D in id order: a host of D
 * that the network center bound to another department's system shows no
 * system id in D's listing (as in `tzctl export --dept`). */
struct host_list {
    struct out_table *t;
    const char *dept;
    uint64_t *own;
    size_t n, cap;
    int all;         /* --all: retired hosts too */
};

static int own_system(const Tz__SystemRecord *rec, void *arg)
{
    struct host_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        uint64_t *v = realloc(l->own, cap * sizeof(*v));
        if (v == NULL)
            return TZ_ENOMEM;
        l->own = v;
        l->cap = cap;
    }
    l->own[l->n++] = rec->system_id;
    return 0;
}

static int is_own(const struct host_list *l, uint64_t id)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->own[mid] == id)
            return 1;
        if (l->own[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int host_row(const Tz__AgentRecord *rec, uint64_t system_id,
                    Tz__BindingSource src, void *arg)
{
    (void)src;
    struct host_list *l = arg;
    struct out_table *t = l->t;
    if (rec->retirement && !l->all)
        return 0;
    char id[24], pkgs[16], seen[32], sys[24] = "";
    if (l->dept && !is_own(l, system_id))
        system_id = 0;
    if (system_id)
        snprintf(sys, sizeof(sys), "%" PRIu64, system_id);
    snprintf(id, sizeof(id), "%" PRIu64, rec->agent_id);
    /* "" until the first report: a count of 0 would claim an empty host */
    if (rec->reports > 0)
        snprintf(pkgs, sizeof(pkgs), "%" PRIu32, rec->package_count);
    else
        pkgs[0] = '\0';
    tzctl_time(rec->last_seen, seen);
    char revoked[48] = "";
    if (rec->revocation)
        tzctl_time(rec->revocation->at, revoked);
    else if (rec->retirement && rec->retirement->merged_into)
        snprintf(revoked, sizeof(revoked), "merged into %" PRIu64,
                 rec->retirement->merged_into);
    else if (rec->retirement) {
        /* Its key is refused like a revoked one: the column says why. */
        char at[32];
        tzctl_time(rec->retirement->at, at);
        snprintf(revoked, sizeof(revoked), "retired %.20s", at);
    }
    size_t len = 1;
    for (size_t i = 0; i < rec->n_ips; i++)
        len += strlen(rec->ips[i]) + 1;
    char *ips = malloc(len);
    if (ips == NULL)
        return TZ_ENOMEM;
    ips[0] = '\0';
    for (size_t i = 0; i < rec->n_ips; i++) {
        if (i)
            strcat(ips, ",");
        strcat(ips, rec->ips[i]);
    }
    const char *cells[N_HOST_COLS] = {id, rec->hostname, rec->dept,
                                      rec->os_pretty, rec->kernel, pkgs,
                                      ips, seen, sys, revoked};
    int rc = out_add(t, cells);
    free(ips);
    return rc;
}

struct dept_find {
    const char *name;
    int found;
};

static int dept_match(const Tz__DeptRecord *rec, void *arg)
{
    struct dept_find *f = arg;
    if (strcmp(rec->name, f->name) == 0)
        f->found = 1;
    return 0;
}

int tzctl_hosts(const struct tzctl *c, int argc, char **argv)
{
    const char *dept = NULL, *pos, *opt, *val;
    int dd = 0, all = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos)
                return tzctl_usage("hosts takes no argument \"%s\"", pos);
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--dept needs a department name");
            dept = val;
        } else if (strcmp(opt, "--all") == 0) {
            all = 1;
        } else {
            return tzctl_usage("hosts: unknown option %s", opt);
        }
    }

    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct out_table *t = out_new(host_cols, N_HOST_COLS);
    if (t == NULL) {
        register_close(reg);
        return tzctl_fail("out of memory");
    }
    if (dept) {
        /* A mistyped department should say so, not print an empty list. */
        struct dept_find f = {dept, 0};
        if (register_each_dept(reg, dept_match, &f, &err) != 0)
            rc = tzctl_fail_err(&err);
        else if (!f.found)
            rc = tzctl_fail("no department \"%s\"", dept);
    }
    struct host_list l = {t, dept, NULL, 0, 0, all};
    if (rc == 0) {
        int r = dept ? register_each_system(reg, dept, own_system, &l, &err) : 0;
        if (r == 0)
            r = register_each_host_binding(reg, dept, host_row, &l, &err);
        if (r == TZ_ENOMEM)
            rc = tzctl_fail("out of memory");
        else if (r != 0)
            rc = tzctl_fail_err(&err);
    }
    free(l.own);
    register_close(reg);
    if (rc == 0 && out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(t);
    return rc;
}

/* pb_write_text into memory, then out with control characters defused:
 * the strings are what an agent sent, and this goes to a terminal. */
static int write_text_safe(const ProtobufCMessage *m, const char *indent)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return TZ_ENOMEM;
    int rc = pb_write_text(f, m);
    if (fclose(f) != 0 && rc == 0)
        rc = TZ_EIO;
    if (rc == 0) {
        char *s = out_sanitize(buf, "\n");
        if (s == NULL) {
            rc = TZ_ENOMEM;
        } else {
            for (char *line = s, *nl; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                if (nl == NULL)
                    nl = line + strlen(line) - 1;
                else
                    *nl = '\0';
                printf("%s%s\n", indent, line);
            }
            free(s);
        }
    }
    free(buf);
    return rc;
}

static void show_line(const char *label, const char *value)
{
    char *s = out_sanitize(value, NULL);
    printf("  %-13s %s\n", label, s && s[0] ? s : "-");
    free(s);
}

/* The host's system and how it got there (register_host_binding). */
struct binding {
    uint64_t system_id;
    Tz__BindingSource src;
    char name[TZ_MAX_NAME_BUF];
    Tz__BindingRecord *rec;       /* the explicit binding, NULL if none */
    uint64_t refused_id;          /* another department's system refused */
    Tz__BindingSource refused_src;
};

/* Who bound it explicitly, when, and whether it crossed departments. */
static void show_explicit(const Tz__BindingRecord *r)
{
    char t[32], line[3 * TZ_MAX_NAME_BUF + 96];
    tzctl_time(r->bound_at, t);
    snprintf(line, sizeof(line), "%s, %s", r->by[0] ? r->by : "(unknown)", t);
    show_line("bound by:", line);
    if (r->host_dept[0] && r->system_dept[0] &&
        strcmp(r->host_dept, r->system_dept) != 0) {
        snprintf(line, sizeof(line), "yes: host of %s, system of %s",
                 r->host_dept, r->system_dept);
        show_line("across depts:", line);
    }
}

static int show_text(const Tz__AgentRecord *rec, const Tz__Report *rep,
                     const struct binding *b)
{
    char t[32], buf[64];
    snprintf(buf, sizeof(buf), "%" PRIu64, rec->agent_id);
    printf("Host %s\n", buf);
    show_line("hostname:", rec->hostname);
    show_line("department:", rec->dept);
    show_line("os:", rec->os_pretty);
    show_line("kernel:", rec->kernel);
    tzctl_time(rec->enrolled_at, t);
    show_line("enrolled:", t);
    tzctl_time(rec->last_seen, t);
    show_line("last seen:", t);
    tzctl_time(rec->last_report_at, t);
    show_line("last report:", t[0] ? t : "never");
    if (rec->revocation) {
        const Tz__AgentRevocation *rv = rec->revocation;
        char line[2 * ADMISSION_REASON_MAX + 64];
        tzctl_time(rv->at, t);
        snprintf(line, sizeof(line), "%s%s%s%s%s (its key is refused)", t,
                 rv->by[0] ? " by " : "", rv->by, rv->reason[0] ? ": " : "",
                 rv->reason);
        show_line("revoked:", line);
    }
    snprintf(buf, sizeof(buf), "%" PRIu64, rec->reports);
    show_line("reports:", buf);
    if (b->system_id) {
        char sys[TZ_MAX_NAME_BUF + 64];
        snprintf(sys, sizeof(sys), "%" PRIu64 " %s (%s)", b->system_id,
                 b->name, tzctl_binding_source(b->src));
        show_line("system:", sys);
        if (b->rec)
            show_explicit(b->rec);
    } else {
        show_line("system:", "none (not in the ledger)");
    }
    if (b->refused_id) {
        char r[128];
        snprintf(r, sizeof(r), "system %" PRIu64 " of another department (%s): "
                 "see BINDING_OTHER_DEPT", b->refused_id,
                 tzctl_binding_source(b->refused_src));
        show_line("refused:", r);
    }
    printf("\nAgent record:\n");
    int rc = write_text_safe(&rec->base, "  ");
    printf("\nLatest report:\n");
    if (rc == 0 && rep)
        rc = write_text_safe(&rep->base, "  ");
    else if (rc == 0)
        printf("  (no report received yet)\n");
    return rc;
}

static cJSON *binding_json(const struct binding *b)
{
    if (b->system_id == 0)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    if (o == NULL ||
        !cJSON_AddNumberToObject(o, "system_id", (double)b->system_id) ||
        !cJSON_AddStringToObject(o, "name", b->name) ||
        !cJSON_AddStringToObject(o, "source", tzctl_binding_source(b->src)) ||
        (b->rec &&
         (!cJSON_AddStringToObject(o, "by", b->rec->by) ||
          !cJSON_AddNumberToObject(o, "bound_at", (double)b->rec->bound_at) ||
          !cJSON_AddStringToObject(o, "host_dept", b->rec->host_dept) ||
          !cJSON_AddStringToObject(o, "system_dept", b->rec->system_dept) ||
          !cJSON_AddBoolToObject(o, "across_departments",
                                 b->rec->host_dept[0] && b->rec->system_dept[0] &&
                                     strcmp(b->rec->host_dept,
                                            b->rec->system_dept) != 0)))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int show_json(const Tz__AgentRecord *rec, const Tz__Report *rep,
                     const struct binding *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *a = pb_to_json(&rec->base);
    cJSON *r = rep ? pb_to_json(&rep->base) : cJSON_CreateNull();
    cJSON *bj = binding_json(b);
    if (o == NULL || a == NULL || r == NULL || bj == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(a);
        cJSON_Delete(r);
        cJSON_Delete(bj);
        return TZ_ENOMEM;
    }
    cJSON_AddItemToObject(o, "agent", a);
    cJSON_AddItemToObject(o, "binding", bj);
    cJSON_AddItemToObject(o, "report", r);
    return out_print_json(o);
}

int tzctl_host(const struct tzctl *c, int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "retire") == 0 || strcmp(argv[1], "merge") == 0))
        return tzctl_host_retire(c, argc, argv);
    const char *pos, *opt, *words[3] = {0};
    int nw = 0, dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) != NULL)
            return tzctl_usage("host: unknown option %s", opt);
        if (pos && nw < 3)
            words[nw++] = pos;
    }
    if (nw == 0 || strcmp(words[0], "show") != 0)
        return tzctl_usage("host: expected \"host show ID\"");
    if (nw != 2)
        return tzctl_usage("host show takes one host (id or hostname)");
    if (c->format == OUT_CSV)
        return tzctl_usage("host show prints table or json, not csv");

    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    uint64_t id;
    if ((rc = tzctl_find_host(reg, words[1], &id, NULL, NULL)) != 0) {
        register_close(reg);
        return rc;
    }
    struct tz_error err = {0};
    Tz__AgentRecord *rec;
    Tz__Report *rep;
    int r = register_get_host(reg, id, &rec, &rep, &err);
    struct binding b = {0};
    struct register_binding rb;
    if (r == 0 && (r = register_binding_of(reg, id, &rb, &err)) == 0) {
        b.system_id = rb.system_id;
        b.src = rb.src;
        b.refused_id = rb.refused_id;
        b.refused_src = rb.refused_src;
    }
    if (r == 0 && b.src == TZ__BINDING_SOURCE__BIND_EXPLICIT &&
        (r = register_explicit_binding(reg, id, &b.rec, &err)) == TZ_ENOENT)
        r = 0;
    Tz__SystemRecord *sys = NULL;
    if (r == 0 && b.system_id &&
        (r = register_system_get(reg, b.system_id, &sys, &err)) == 0)
        snprintf(b.name, sizeof(b.name), "%s", sys->name);
    if (sys)
        protobuf_c_message_free_unpacked(&sys->base, NULL);
    register_close(reg);
    if (r != 0) {
        if (b.rec)
            protobuf_c_message_free_unpacked(&b.rec->base, NULL);
        if (rec)
            protobuf_c_message_free_unpacked(&rec->base, NULL);
        if (rep)
            protobuf_c_message_free_unpacked(&rep->base, NULL);
        return tzctl_fail_err(&err);
    }
    r = c->format == OUT_JSON ? show_json(rec, rep, &b)
                              : show_text(rec, rep, &b);
    if (r != 0)
        rc = tzctl_fail("%s", tz_strerror(r));
    if (b.rec)
        protobuf_c_message_free_unpacked(&b.rec->base, NULL);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    if (rep)
        protobuf_c_message_free_unpacked(&rep->base, NULL);
    return rc;
}
