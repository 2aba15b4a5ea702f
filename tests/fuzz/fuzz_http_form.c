/* fuzz_http_form — a form body or query string from anyone on the campus
 * network. Nothing may crash, leak or read out of bounds; every form
 * accepted must keep the promises of http_form.h (bounds, UTF-8, no
 * controls, multiline exact, first value found by name), and must read
 * back unchanged after its pairs are %-encoded again by html_buf_url. A
 * refusal is TZ_EINVAL or TZ_ELIMIT with a reason. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html_buf.h"
#include "http_form.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const struct http_form *f, size_t i)
{
    const struct http_form_field *x = &f->field[i];
    if (x->name_len == 0 || x->name_len > HTTP_FORM_MAX_NAME ||
        strlen(x->name) != x->name_len ||
        tz_text_check(x->name, x->name_len, NULL) != TZ_TEXT_OK)
        abort();
    if (x->value_len > HTTP_FORM_MAX_VALUE || strlen(x->value) != x->value_len ||
        !tz_utf8_valid_len(x->value, x->value_len))
        abort();
    int br = strchr(x->value, '\r') || strchr(x->value, '\n');
    if (br != x->multiline)
        abort();
    for (size_t k = 0; k < x->value_len; k++) {
        unsigned char c = (unsigned char)x->value[k];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            abort();
    }
    /* the first field of that name is what a lookup finds */
    size_t first = 0;
    while (strcmp(f->field[first].name, x->name) != 0)
        first++;
    if (http_form_get(f, x->name) != f->field[first].value)
        abort();
}

/* Encode f again and parse that: the same pairs must come back. */
static void round_trip(const struct http_form *f)
{
    struct html_buf b;
    html_buf_init(&b, 0);
    for (size_t i = 0; i < f->n; i++) {
        if (i)
            html_buf_append(&b, "&", 1);
        html_buf_url(&b, f->field[i].name, f->field[i].name_len);
        html_buf_append(&b, "=", 1);
        html_buf_url(&b, f->field[i].value, f->field[i].value_len);
    }
    char *enc;
    size_t len;
    if (html_buf_take(&b, &enc, &len) != 0)
        abort();
    struct http_form *g = NULL;
    int rc = http_form_parse(enc, len, &g, NULL);
    /* %-encoding triples a byte: only the input bound may refuse it */
    if (rc == TZ_ELIMIT && len > HTTP_FORM_MAX_INPUT) {
        free(enc);
        return;
    }
    if (rc != 0 || g->n != f->n)
        abort();
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(g->field[i].name, f->field[i].name) != 0 ||
            g->field[i].value_len != f->field[i].value_len ||
            memcmp(g->field[i].value, f->field[i].value, f->field[i].value_len) != 0)
            abort();
    http_form_free(g);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_form *f = NULL;
    struct tz_error err = {0};
    int rc = http_form_parse((const char *)data, size, &f, &err);
    if (rc != 0) {
        if (f != NULL || (rc != TZ_EINVAL && rc != TZ_ELIMIT && rc != TZ_ENOMEM) ||
            err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (f->n > HTTP_FORM_MAX_FIELDS)
        abort();
    for (size_t i = 0; i < f->n; i++)
        check_field(f, i);
    round_trip(f);
    http_form_free(f);
    return 0;
}
