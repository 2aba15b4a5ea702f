/* export_priv — what export_csv.c, export_json.c and export_xlsx.c share
 * with export_ledger.c: the buffered writer to the caller's fd and the
 * scope (which department, which systems a host may be shown bound to).
 * Not for other modules: they call export_ledger.h. */
#ifndef TZ_EXPORT_PRIV_H
#define TZ_EXPORT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "export_ledger.h"
#include "register.h"

/* ---- the output: a buffer in front of fd ---- */

struct export_out;

/* NULL on ENOMEM. name is what errors call the output ("the export"). */
struct export_out *export_out_new(int fd, const char *name);
/* Append n bytes, writing the buffer out when full. 0 or TZ_EIO (err
 * filled: "the export: cannot write: No space left on device"). */
int export_out_write(struct export_out *o, const void *p, size_t n,
                     struct tz_error *err);
int export_out_puts(struct export_out *o, const char *s,
                    struct tz_error *err);
/* Write out what is buffered. 0 or TZ_EIO. */
int export_out_flush(struct export_out *o, struct tz_error *err);
/* Frees without flushing. */
void export_out_free(struct export_out *o);

/* ---- the scope ---- */

struct export_sys {
    uint64_t id;
    char *name;
};

struct export_scope {
    const char *dept;          /* NULL: the whole school */
    struct export_sys *sys;    /* systems exported, by id (walk order) */
    size_t n, cap;
};

/* Remember a system written to the export (systems come in id order). */
int export_scope_add(struct export_scope *s, const Tz__SystemRecord *rec);
void export_scope_free(struct export_scope *s);

/* A host's system as the export may show it: *id and *name (NULL when
 * unbound or out of scope); *other 1 when the host is bound to a system
 * this export must not show (another department's). */
void export_host_system(const struct export_scope *s, uint64_t system_id,
                        uint64_t *id, const char **name, int *other);

/* Is flag f in the scope? */
int export_flag_in_scope(const struct export_scope *s,
                         const Tz__FlagRecord *f);
/* f's evidence as this export may show it, in Chinese when zh (the
 * English when f was stored before it had a Chinese one). */
const char *export_flag_evidence(const struct export_scope *s,
                                 const Tz__FlagRecord *f, int zh);

/* "explicit", "config", "match", or NULL when unbound. */
const char *export_binding_name(Tz__BindingSource src);
/* "2026-03-01T08:00:00Z" into buf; "" for 0 (never). */
void export_time(int64_t t, char buf[32]);

/* ---- the formats ---- */

int export_csv(struct tz_register *reg, struct export_scope *s,
               struct export_out *o, struct export_counts *c,
               struct tz_error *err);
int export_json(struct tz_register *reg, struct export_scope *s,
                struct export_out *o, int64_t now, struct export_counts *c,
                struct tz_error *err);
int export_xlsx(struct tz_register *reg, struct export_scope *s,
                struct export_out *o, int64_t now, struct export_counts *c,
                struct tz_error *err);

#endif
