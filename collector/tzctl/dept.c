/* dept — `tzctl dept add NAME`, `dept list`, and the dispatch of `dept
 * set|show|import` (dept_record.c). Departments scope enrollment tokens,
 * what a department's portal users see, and its responsibility record. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grow.h"
#include "tzctl.h"

static const struct out_col dept_cols[] = {
    {"NAME", "name", OUT_STR, "单位"},
    {"HOSTS", "hosts", OUT_NUM, "主机数"},
    {"CREATED", "created", OUT_STR, "创建时间"},
};
#define N_DEPT_COLS (sizeof(dept_cols) / sizeof(dept_cols[0]))

/* Hosts per department, counted in one walk over the agents (departments
 * are few, agents many: one walk per department would be O(d * a)). */
struct dept_count {
    char *name;
    uint64_t n;
};

struct dept_walk {
    struct dept_count *c;
    size_t n, cap;
    struct out_table *t;
};

static int count_agent(const Tz__AgentRecord *rec, void *arg)
{
    struct dept_walk *w = arg;
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->c[i].name, rec->dept) == 0) {
            w->c[i].n++;
            return 0;
        }
    if (tz_grow((void **)&w->c, &w->cap, w->n, sizeof(*w->c)) != 0)
        return TZ_ENOMEM;
    if ((w->c[w->n].name = strdup(rec->dept)) == NULL)
        return TZ_ENOMEM;
    w->c[w->n++].n = 1;
    return 0;
}

static int dept_row(const Tz__DeptRecord *rec, void *arg)
{
    struct dept_walk *w = arg;
    uint64_t n = 0;
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->c[i].name, rec->name) == 0)
            n = w->c[i].n;
    char hosts[24], created[32];
    snprintf(hosts, sizeof(hosts), "%" PRIu64, n);
    tzctl_time(rec->created_at, created);
    const char *cells[N_DEPT_COLS] = {rec->name, hosts, created};
    return out_add(w->t, cells);
}

static int dept_list(const struct tzctl *c)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct out_table *t = out_new(dept_cols, N_DEPT_COLS);
    struct dept_walk w = {.t = t};
    int r = t ? register_each_agent(reg, NULL, count_agent, &w, &err)
              : TZ_ENOMEM;
    if (r == 0)
        r = register_each_dept(reg, dept_row, &w, &err);
    register_close(reg);
    for (size_t i = 0; i < w.n; i++)
        free(w.c[i].name);
    free(w.c);
    if (r == TZ_ENOMEM)
        rc = tzctl_fail("out of memory");
    else if (r != 0)
        rc = tzctl_fail_err(&err);
    else if (out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(t);
    return rc;
}

static int dept_add(const struct tzctl *c, const char *name)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    if (register_dept_add(reg, name, (int64_t)time(NULL), &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0)
        printf("added department %s\n", name);
    return rc;
}

/* dept import FILE [--sheet NAME] */
static int dept_import(const struct tzctl *c, int argc, char **argv)
{
    struct tzctl_import_args a;
    int rc = tzctl_import_args(argc, argv, "dept import", 0, &a);
    return rc ? rc : tzctl_dept_import(c, a.path, a.sheet);
}

int tzctl_dept(const struct tzctl *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "set") == 0)
        return tzctl_dept_set(c, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return dept_import(c, argc, argv);
    const char *pos, *opt, *words[3] = {0};
    int nw = 0, dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) != NULL)
            return tzctl_usage("dept: unknown option %s", opt);
        if (pos && nw < 3)
            words[nw++] = pos;
    }
    if (nw >= 1 && strcmp(words[0], "list") == 0) {
        if (nw != 1)
            return tzctl_usage("dept list takes no argument");
        return dept_list(c);
    }
    if (nw >= 1 && strcmp(words[0], "add") == 0) {
        if (nw != 2)
            return tzctl_usage("dept add takes one department name");
        return dept_add(c, words[1]);
    }
    if (nw >= 1 && strcmp(words[0], "show") == 0) {
        if (nw != 2)
            return tzctl_usage("dept show takes one department name");
        return tzctl_dept_show(c, words[1]);
    }
    return tzctl_usage("dept: expected add, list, set, show or import");
}

static int dept_seen(const Tz__DeptRecord *rec, void *arg)
{
    const char **want = arg;
    if (*want && strcmp(rec->name, *want) == 0)
        *want = NULL;
    return 0;
}

int tzctl_dept_known(struct tz_register *reg, const char *name, int *known,
                     struct tz_error *err)
{
    const char *want = name;
    int rc = register_each_dept(reg, dept_seen, &want, err);
    *known = rc == 0 && want == NULL;
    return rc;
}
