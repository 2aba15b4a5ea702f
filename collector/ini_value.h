/* ini_value — reading a collector-side INI file (tz-collector.ini,
 * rules.ini, screening.ini, tz-portal.ini): the load and its errors, a
 * bounded integer, a yes/no switch, a list of TCP ports.
 *
 * ini_int, ini_bool and ini_ports return 0, or -1 when the value does not parse or is out of bounds;
 * the caller words the error with the option's name and its file and line
 * (and fails the whole load: a port list may be half written then). */
#ifndef TZ_INI_VALUE_H
#define TZ_INI_VALUE_H

#include <stdint.h>

#include "tz_error.h"

/* A decimal integer in lo..hi; trailing blanks allowed, nothing else. */
int ini_int(const char *v, long lo, long hi, int *out);

/* yes or no, in any case ("Yes", "NO"): *out 1 or 0. The one spelling
 * of a switch in the collector's INI files. */
int ini_bool(const char *v, int *out);

/* Ports 1..65535 separated by commas or blanks, at most max of them
 * (and at most 1023 bytes of text); *n is their count. */
int ini_ports(const char *v, uint16_t *out, int max, int *n);

/* Parse the INI file path with inih, calling kv(user, section, name,
 * value) per line; kv returns 0 to refuse a line after writing why (a
 * buffer inside user). TZ_ENOENT "cannot open <what>", or TZ_EPARSE with
 * the file, the line and why (else "syntax error"). The one loader of the
 * collector's, the rules' and the portal's files. */
int ini_load(const char *path, const char *what,
             int (*kv)(void *user, const char *section, const char *name,
                       const char *value),
             void *user, const char *why, struct tz_error *err);

/* ini_load on text already in memory (NUL-terminated: what the register
 * keeps of a rules file); name is what errors call it. */
int ini_load_text(const char *text, const char *name,
                  int (*kv)(void *user, const char *section, const char *name,
                            const char *value),
                  void *user, const char *why, struct tz_error *err);

#endif
