/* export_ledger — the entry of an export: check the department, then hand
 * the register to one format's writer; and what the writers share, the
 * buffered output and the scope that keeps other departments out. */
#include "export_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "flag_catalog.h"
#include "grow.h"
#include "time_text.h"

/* ---- the output ---- */

#define OUT_BUF (64 * 1024)

struct export_out {
    int fd;
    const char *name;
    size_t n;
    char buf[OUT_BUF];
};

struct export_out *export_out_new(int fd, const char *name)
{
    struct export_out *o = malloc(sizeof(*o));
    if (o) {
        o->fd = fd;
        o->name = name;
        o->n = 0;
    }
    return o;
}

void export_out_free(struct export_out *o)
{
    free(o);
}

static int write_all(struct export_out *o, const char *p, size_t n,
                     struct tz_error *err)
{
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return tz_err(err, TZ_EIO, NULL, 0, "%s: cannot write: %s",
                          o->name, w < 0 ? strerror(errno) : "nothing written");
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int export_out_flush(struct export_out *o, struct tz_error *err)
{
    int rc = write_all(o, o->buf, o->n, err);
    o->n = 0;
    return rc;
}

int export_out_write(struct export_out *o, const void *p, size_t n,
                     struct tz_error *err)
{
    if (o->n + n > OUT_BUF) {
        int rc = export_out_flush(o, err);
        if (rc != 0)
            return rc;
        if (n > OUT_BUF)
            return write_all(o, p, n, err);
    }
    memcpy(o->buf + o->n, p, n);
    o->n += n;
    return 0;
}

int export_out_puts(struct export_out *o, const char *s, struct tz_error *err)
{
    return export_out_write(o, s, strlen(s), err);
}

/* ---- the scope ---- */

int export_scope_add(struct export_scope *s, const Tz__SystemRecord *rec)
{
    if (tz_grow((void **)&s->sys, &s->cap, s->n, sizeof(*s->sys)) != 0)
        return TZ_ENOMEM;
    char *name = strdup(rec->name);
    if (name == NULL)
        return TZ_ENOMEM;
    s->sys[s->n++] = (struct export_sys){rec->system_id, name};
    return 0;
}

void export_scope_free(struct export_scope *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->sys[i].name);
    free(s->sys);
    s->sys = NULL;
    s->n = s->cap = 0;
}

static const struct export_sys *scope_find(const struct export_scope *s,
                                           uint64_t id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->sys[mid].id == id)
            return &s->sys[mid];
        if (s->sys[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Only systems this export wrote are named: in a department's export that
 * keeps out the system of another department a host was bound to. */
void export_host_system(const struct export_scope *s, uint64_t system_id,
                        uint64_t *id, const char **name, int *other)
{
    const struct export_sys *x = system_id ? scope_find(s, system_id) : NULL;
    *id = x ? x->id : 0;
    *name = x ? x->name : NULL;
    *other = system_id != 0 && x == NULL && s->dept != NULL;
}

int export_flag_in_scope(const struct export_scope *s,
                         const Tz__FlagRecord *f)
{
    return s->dept == NULL || strcmp(f->dept, s->dept) == 0;
}

/* BINDING_OTHER_DEPT is raised on a host of this department and its
 * evidence names the refused system of another one (rules.c): the
 * network center needs that, the department must not see it. */
const char *export_flag_evidence(const struct export_scope *s,
                                 const Tz__FlagRecord *f, int zh)
{
    return flag_evidence_lang(f, s->dept == NULL, zh);
}

const char *export_binding_name(Tz__BindingSource src)
{
    switch (src) {
    case TZ__BINDING_SOURCE__BIND_EXPLICIT: return "explicit";
    case TZ__BINDING_SOURCE__BIND_CONFIG: return "config";
    case TZ__BINDING_SOURCE__BIND_MATCH: return "match";
    default: return NULL;
    }
}

void export_time(int64_t t, char buf[32])
{
    time_text(t, TIME_ISO, buf);
}

/* ---- the entry ---- */

static const char *const format_names[] = {"csv", "json", "xlsx"};

int export_format_parse(const char *s, enum export_format *out)
{
    for (int i = 0; s && i < 3; i++)
        if (strcasecmp(s, format_names[i]) == 0) {
            *out = (enum export_format)i;
            return 0;
        }
    return TZ_EINVAL;
}

const char *export_format_name(enum export_format f)
{
    return (unsigned)f < 3 ? format_names[f] : "?";
}

struct dept_find {
    const char *name;
    int found;
};

static int dept_cb(const Tz__DeptRecord *rec, void *arg)
{
    struct dept_find *d = arg;
    if (strcmp(rec->name, d->name) == 0)
        d->found = 1;
    return 0;
}

int export_ledger(struct tz_register *reg, const char *dept,
                  enum export_format f, int fd, int64_t now,
                  struct export_counts *counts, struct tz_error *err)
{
    struct export_counts c = {0};
    if (counts)
        *counts = c;
    if ((unsigned)f > EXPORT_XLSX)
        return tz_err(err, TZ_EINVAL, NULL, 0, "unknown export format %d",
                      (int)f);
    if (fd < 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "no file to export to");
    /* A mistyped department must say so, not give an empty ledger. */
    if (dept) {
        struct dept_find d = {dept, 0};
        int rc = register_each_dept(reg, dept_cb, &d, err);
        if (rc != 0)
            return rc;
        if (!d.found)
            return tz_err(err, TZ_ENOENT, NULL, 0, "no department \"%s\" "
                          "(tzctl dept list shows them)", dept);
    }
    struct export_out *o = export_out_new(fd, "the export");
    if (o == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    struct export_scope s = {.dept = dept};
    int rc;
    switch (f) {
    case EXPORT_CSV:
        rc = export_csv(reg, &s, o, &c, err);
        break;
    case EXPORT_JSON:
        rc = export_json(reg, &s, o, now, &c, err);
        break;
    default:
        rc = export_xlsx(reg, &s, o, now, &c, err);
        break;
    }
    if (rc == 0)
        rc = export_out_flush(o, err);
    else if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    export_out_free(o);
    export_scope_free(&s);
    if (rc == 0 && counts)
        *counts = c;
    return rc;
}
