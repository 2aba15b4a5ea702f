/* ledger_overlap — the warnings of an import (ledger_import.h) about rows
 * that claim addresses or names another system already claims: a stored
 * system or another row of the file (system_overlap.h). A host there would
 * be bound by no match (AMBIGUOUS_BINDING), so the person importing should
 * know; but the ledger may be right (two systems on one server), so it is
 * a warning, never a reason to refuse the import.
 * Ownership: the warnings are appended to *w (free with
 * ledger_warnings_free). Errors: TZ_ENOMEM. */
#ifndef TZ_LEDGER_OVERLAP_H
#define TZ_LEDGER_OVERLAP_H

#include <stddef.h>

#include "register.h"
#include "system_list.h"

#define LEDGER_MAX_WARNINGS 1000   /* kept; the rest are only counted */

struct ledger_warnings {
    char **v;        /* "line 3: \"教务系统\" of 教务处: IP ..." */
    size_t n;        /* kept in v */
    size_t total;    /* found */
};

void ledger_warnings_free(struct ledger_warnings *w);

/* rows[i] is the file's row at where[i] ("line 3", "Sheet1 row 3"); rows
 * in file order. stored: the register's systems as the import read them
 * (system_list_load, with or without claims_only), so an import walks the
 * register once. Stored pairs (both already in the register) are not
 * warned about: `tzctl systems --conflicts` lists those. */
int ledger_overlap_warnings(const struct system_list *stored,
                            Tz__SystemRecord *const *rows,
                            const char *const *where, size_t n,
                            struct ledger_warnings *w, struct tz_error *err);

#endif
