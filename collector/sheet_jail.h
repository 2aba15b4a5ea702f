/* sheet_jail — run a sheet reader we cannot trust with hostile input in a
 * confined child process, and take only its cells back.
 *
 * FreeXL 1.0.6, Debian's, reads past a stack buffer on a crafted .xls
 * (found by tests/fuzz/fuzz_xls.c: an over-long name through its code page
 * conversion). tzctl runs as the operator, often root, on files that come
 * from departments; so the reader runs in a child that holds the file's
 * bytes in a memfd and nothing of the caller's (its register is not open
 * there), has dropped to nobody when it was root, may not gain privileges
 * (no_new_privs), may not dump core or write files, and is bounded in CPU
 * time (and address space, outside sanitizer builds). It writes the cells
 * of its table to a pipe; the parent bounds what it reads (lim) and builds
 * its own table from it through sheet_table_add, which checks every cell
 * again. A child that crashes, is killed or says nothing is an error, not
 * a hang: the file is refused. This confines, it does not sandbox: a code
 * execution in the child could still read what nobody may read.
 * Errors: the reader's own (carried over with their message), TZ_EPARSE
 * ("the .xls reader failed on this file": it crashed), TZ_ELIMIT, TZ_EIO
 * (fork, pipe, memfd), TZ_ENOMEM.
 * Ownership: on success *out is the caller's (sheet_table_free). */
#ifndef TZ_SHEET_JAIL_H
#define TZ_SHEET_JAIL_H

#include <stddef.h>

#include "sheet.h"
#include "sheet_table.h"

/* A reader: the file at path (a /proc/self/fd path in the child) into
 * *out; name is what its errors call the file. */
typedef int (*sheet_jail_fn)(const char *path, const char *name, void *arg,
                             struct sheet_table **out, struct tz_error *err);

/* Run fn on len bytes of data in a confined child. */
int sheet_jail_run(const void *data, size_t len, const char *name,
                   const struct sheet_limits *lim, sheet_jail_fn fn,
                   void *arg, struct sheet_table **out,
                   struct tz_error *err);

/* The parent's half alone: a child's answer read from fd and checked as
 * sheet_jail_run checks it (tests/fuzz/fuzz_xls.c: a compromised child
 * may send any bytes). TZ_EPARSE when it is cut short or malformed,
 * TZ_ELIMIT past lim, or the error the answer carries. */
int sheet_jail_answer(int fd, const char *name,
                      const struct sheet_limits *lim,
                      struct sheet_table **out, struct tz_error *err);

#endif
