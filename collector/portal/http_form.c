/* http_form — urlencoded pairs: count, allocate once, decode, check. */
#include "http_form.h"

#include <stdlib.h>
#include <string.h>

#include "http_pct.h"
#include "utf8.h"

/* The non-empty '&'-separated pieces of data; stops counting past max. */
static size_t count_pieces(const char *data, size_t len, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len && n <= max; i++)
        if (i == len || data[i] == '&') {
            n += i > start;
            start = i + 1;
        }
    return n;
}

/* A value may carry tab, CR and LF and nothing else below U+0020, no DEL
 * and no C1 control (C2 80..C2 9F; s is valid UTF-8, so C2 leads). */
static int value_has_control(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') ||
            s[i] == 0x7f || (s[i] == 0xc2 && i + 1 < len && s[i + 1] < 0xa0))
            return 1;
    }
    return 0;
}

/* Decode and check one piece "name[=value]" into f, its strings at *dst.
 * k is the 1-based position used in messages. */
static int parse_piece(const char *p, size_t len, size_t k, char **dst,
                       struct http_form_field *f, struct tz_error *err)
{
    const char *eq = memchr(p, '=', len);
    size_t nlen = eq ? (size_t)(eq - p) : len;
    const char *why;
    char *name = *dst;
    if (http_pct_decode(p, nlen, 1, name, &f->name_len, &why) != 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "field %zu: name has %s", k, why);
    if (f->name_len == 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "field %zu has no name", k);
    if (f->name_len > HTTP_FORM_MAX_NAME)
        return tz_err(err, TZ_ELIMIT, NULL, 0,
                      "field %zu: name longer than %d bytes", k, HTTP_FORM_MAX_NAME);
    if (tz_text_check(name, f->name_len, NULL) != TZ_TEXT_OK)
        return tz_err(err, TZ_EINVAL, NULL, 0, "field %zu: name is not "
                      "UTF-8 text without control characters", k);
    char *value = name + f->name_len + 1;
    const char *v = eq ? eq + 1 : p + len;
    if (http_pct_decode(v, (size_t)(p + len - v), 1, value, &f->value_len, &why) != 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "field %zu (%s): value has %s",
                      k, name, why);
    if (f->value_len > HTTP_FORM_MAX_VALUE)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "field %zu (%s): value longer "
                      "than %d bytes", k, name, HTTP_FORM_MAX_VALUE);
    if (!tz_utf8_valid_len(value, f->value_len))
        return tz_err(err, TZ_EINVAL, NULL, 0, "field %zu (%s): value is not "
                      "valid UTF-8", k, name);
    if (value_has_control((const unsigned char *)value, f->value_len))
        return tz_err(err, TZ_EINVAL, NULL, 0, "field %zu (%s): value has a "
                      "control character", k, name);
    f->name = name;
    f->value = value;
    f->multiline = memchr(value, '\r', f->value_len) != NULL ||
                   memchr(value, '\n', f->value_len) != NULL;
    *dst = value + f->value_len + 1;
    return 0;
}

int http_form_parse(const char *data, size_t len, struct http_form **out,
                    struct tz_error *err)
{
    if (len > HTTP_FORM_MAX_INPUT)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "form data longer than %d bytes",
                      HTTP_FORM_MAX_INPUT);
    size_t n = count_pieces(data, len, HTTP_FORM_MAX_FIELDS);
    if (n > HTTP_FORM_MAX_FIELDS)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "more than %d form fields",
                      HTTP_FORM_MAX_FIELDS);
    /* Decoding never lengthens: names and values fit in len bytes plus two
     * NULs per field. Bounded by the limits above, so no overflow. */
    struct http_form *f = malloc(sizeof(*f) + n * sizeof(f->field[0]) + len + 2 * n + 1);
    if (f == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    f->n = 0;
    char *dst = (char *)&f->field[n];
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && data[i] != '&')
            continue;
        if (i > start) {
            int rc = parse_piece(data + start, i - start, f->n + 1, &dst,
                                 &f->field[f->n], err);
            if (rc != 0) {
                free(f);
                return rc;
            }
            f->n++;
        }
        start = i + 1;
    }
    *out = f;
    return 0;
}

const char *http_form_get(const struct http_form *form, const char *name)
{
    for (size_t i = 0; i < form->n; i++)
        if (strcmp(form->field[i].name, name) == 0)
            return form->field[i].value;
    return NULL;
}

void http_form_free(struct http_form *form)
{
    free(form);
}
