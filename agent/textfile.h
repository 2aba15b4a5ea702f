/* textfile — a small configuration file read whole, bounded, and walked by
 * lines in memory.
 *
 * The account files (passwd, shadow, group, sudoers) are small, so reading
 * each in one piece is simpler than streaming and lets a parser skip an
 * overlong line with a warning instead of losing its place in the file.
 * The buffer is allocated once and never realloc'd behind the caller's back,
 * so textfile_free() can wipe every copy: /etc/shadow holds hashes.
 * Ownership: tf->data is the caller's until textfile_free().
 * Errors: TZ_ENOENT (missing), TZ_EPERM (permission denied), TZ_ELIMIT (over
 * max bytes, or not a regular file), TZ_EIO, TZ_ENOMEM; err->file is path. */
#ifndef TZ_TEXTFILE_H
#define TZ_TEXTFILE_H

#include <stddef.h>

#include "tz_error.h"

struct textfile {
    char *data;       /* NUL-terminated; lines are cut in place */
    size_t len;
    size_t pos;       /* next unread byte */
    long lineno;      /* number of the line last returned */
};

int textfile_read(const char *path, size_t max, struct textfile *tf,
                  struct tz_error *err);
/* The same for path below root, resolved inside it (tz_root_open); err->file
 * is root + path. */
int textfile_read_in(const char *root, const char *path, size_t max,
                     struct textfile *tf, struct tz_error *err);

/* 1: *line is the next line (no '\n', a trailing '\r' dropped), NUL-
 * terminated, *len its length; 0: end of file. Lines longer than max_line
 * are returned too, so the caller can warn and go on: compare *len. */
int textfile_next(struct textfile *tf, char **line, size_t *len);

/* Split line in place at each sep into at most maxf fields. Returns the
 * number of fields the line has (which may exceed maxf: then only the first
 * maxf are set and the caller knows the line is malformed). */
size_t textfile_split(char *line, char sep, char **f, size_t maxf);

/* (Numbers in fields: tz_decimal in decimal.h, the one strict parser.) */

/* Wipes and frees the buffer. */
void textfile_free(struct textfile *tf);

#endif
