/* scan_ports — the TCP ports the outside scan probes, from
 * schemas/screening-ports.txt.
 *
 * One port a line, decimal 1..65535; '#' starts a comment (whole line or
 * after the number); blank lines are skipped. A line that is anything else,
 * or a port listed twice, is TZ_EPARSE naming file and line: the network
 * center edits this file, and a typo must not quietly drop a port.
 * Bounds: the file at most SCAN_PORTS_MAX_BYTES, a line at most
 * SCAN_PORTS_MAX_LINE bytes, at most max ports (TZ_ELIMIT beyond).
 * Ownership: ports is the caller's array of max entries; *n is how many were
 * filled, in file order (0 on error). */
#ifndef TZ_SCAN_PORTS_H
#define TZ_SCAN_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "tz_error.h"

#define SCAN_PORTS_MAX_BYTES (64u << 10)
#define SCAN_PORTS_MAX_LINE  256

/* Read the port list at path. Errors: TZ_ENOENT (no file), TZ_EIO, TZ_EPARSE,
 * TZ_ELIMIT, TZ_EINVAL (NULL arguments). */
int scan_ports_load(const char *path, uint16_t *ports, size_t max, size_t *n,
                    struct tz_error *err);

/* The same on text already in memory (len bytes, NUL bytes refused); name
 * is what err->file says. */
int scan_ports_parse(const char *text, size_t len, const char *name,
                     uint16_t *ports, size_t max, size_t *n,
                     struct tz_error *err);

#endif
