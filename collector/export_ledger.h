/* export_ledger — the ledger as a file to hand on: CSV, JSON or XLSX of the
 * whole school or of one department (`tzctl export`, the portal's downloads).
 *
 * Scope is a security property: with dept set, nothing of another
 * department is written — systems by their 所属单位, hosts by the agent's
 * department, flags by the flag's department. A host of dept A bound to a
 * system of dept B is in A's export without B's system (its system_id is
 * left out and "system_other_dept" says why), and not in B's export; the
 * evidence of a BINDING_OTHER_DEPT flag, which names the other department's
 * system, and of an AMBIGUOUS_BINDING naming one, is replaced by words that
 * do not.
 *
 * Formats:
 *  CSV   the systems ledger only, exactly the columns `tzctl system import`
 *        reads back (every field of ledger_fields.h, by Chinese label; no
 *        id): UTF-8 BOM, CRLF, RFC 4180 quoting, formula-like cells guarded
 *        (cell_guard.h). Importing it into a register with the same
 *        departments and exporting again gives the same bytes. Retired
 *        systems are included (状态 says so).
 *  JSON  {"generated_at", "dept" (null: whole school), "systems", "hosts",
 *        "flags" (open ones, each with "evidence" and "evidence_zh"),
 *        "counts"}.
 *  XLSX  sheets 系统台账, 主机, 未关闭问题: Chinese headers, bold, frozen
 *        header row, autofilter over the data. A flag's 证据 is its Chinese
 *        evidence (the English when it was stored before it had one), its
 *        English evidence in the column beside it (Evidence).
 *  A flag's evidence, in either language, is scoped as said above.
 *
 * Writes as it reads, through a 64 KiB buffer: memory stays O(systems) (the
 * ids and names a host's system is looked up in), whatever the number of
 * hosts and flags. A register walk is open while its rows are written, so
 * a pipe given as fd must be drained promptly (a stalled reader keeps an
 * old register snapshot alive). XLSX is built in a temporary file in
 * $TMPDIR (else /tmp), mode 0600, removed on every path, then copied to fd.
 * Works on a register opened REGISTER_RDONLY; one thread per handle.
 * Errors: TZ_ENOENT no such department (message names it), TZ_EINVAL bad
 * format, TZ_EIO fd or the temporary file could not be written (message
 * says why; fd then holds part of an export), TZ_ELIMIT more rows than a
 * sheet holds, TZ_ENOMEM, register errors. */
#ifndef TZ_EXPORT_LEDGER_H
#define TZ_EXPORT_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "register.h"

enum export_format { EXPORT_CSV, EXPORT_JSON, EXPORT_XLSX };

/* "csv", "json" or "xlsx" (ASCII case-insensitive); TZ_EINVAL otherwise. */
int export_format_parse(const char *s, enum export_format *out);
/* "csv", "json", "xlsx". */
const char *export_format_name(enum export_format f);

/* What an export wrote. */
struct export_counts {
    size_t systems, hosts, flags;
};

/* Write the export of dept (NULL: the whole school) in format f to fd (a
 * regular file or a pipe open for writing; not closed). now is the time the
 * export says it was made (unix seconds). counts may be NULL. */
int export_ledger(struct tz_register *reg, const char *dept,
                  enum export_format f, int fd, int64_t now,
                  struct export_counts *counts, struct tz_error *err);

#endif
