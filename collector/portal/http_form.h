/* http_form — application/x-www-form-urlencoded bodies and URL query
 * strings as a bounded list of (name, value) pairs.
 *
 * "a=1&b=x+y&c=%E7%8E%8B" → (a,"1") (b,"x y") (c,"王"): '+' is a space, %XX
 * a byte (http_pct.h); empty pieces ("a=1&&b=2", a trailing '&') are
 * skipped, a piece without '=' is a name with an empty value. Duplicates
 * are kept in input order (a multi-select sends one pair per choice).
 * Refused, TZ_EINVAL: a bad escape, %00, an empty name, a name or value
 * that is not valid UTF-8, a name with any control or bidi character
 * (utf8.h), a value with a C0 control other than tab, CR and LF, or with
 * DEL or a C1 control. A value may hold line breaks (a textarea sends
 * %0D%0A): .multiline says so, and a field that must be one line checks it.
 * Bidi controls in a value are not refused here; the ledger field rules
 * decide, and html_buf shows them as U+FFFD.
 * Refused, TZ_ELIMIT: input over HTTP_FORM_MAX_INPUT bytes, more than
 * HTTP_FORM_MAX_FIELDS pairs, a decoded name over HTTP_FORM_MAX_NAME or a
 * decoded value over HTTP_FORM_MAX_VALUE bytes.
 * err->msg is a short English reason fit for a 400 page: it names a field
 * by its position, and by its name once the name has passed the checks
 * above; it never quotes a value.
 * Ownership: one allocation per parsed form, names and values included;
 * on success *out is the caller's, freed with http_form_free. */
#ifndef TZ_HTTP_FORM_H
#define TZ_HTTP_FORM_H

#include <stddef.h>

#include "tz_error.h"

#define HTTP_FORM_MAX_FIELDS 64
#define HTTP_FORM_MAX_NAME   64
#define HTTP_FORM_MAX_VALUE  8192
#define HTTP_FORM_MAX_INPUT  (64 * 1024)

struct http_form_field {
    const char *name;     /* NUL-terminated, 1..HTTP_FORM_MAX_NAME bytes */
    const char *value;    /* NUL-terminated, value_len bytes, may be "" */
    size_t name_len, value_len;
    int multiline;        /* value contains CR or LF */
};

struct http_form {
    size_t n;
    struct http_form_field field[];   /* n of them, in input order */
};

/* Parse len bytes of data (a body, or a query string without its '?';
 * data may be NULL when len is 0). */
int http_form_parse(const char *data, size_t len, struct http_form **out,
                    struct tz_error *err);

/* The value of the first field called name, or NULL if there is none. */
const char *http_form_get(const struct http_form *form, const char *name);

/* form may be NULL. */
void http_form_free(struct http_form *form);

#endif
