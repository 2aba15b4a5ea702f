/* test_http_parse — what tz-portal reads from a request (form bodies and
 * query strings, cookies, Accept-Language, paths and ids) and how it writes
 * text into a page: exact values for what is accepted, the exact error for
 * what is refused, and the escapes a hostile value comes out as. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_buf.h"
#include "http_cookie.h"
#include "http_form.h"
#include "http_lang.h"
#include "http_path.h"
#include "http_pct.h"

/* ---- forms and query strings ---- */

static struct http_form *form_ok(const char *s)
{
    struct http_form *f = NULL;
    struct tz_error err = {0};
    int rc = http_form_parse(s, strlen(s), &f, &err);
    cr_assert_eq(rc, 0, "\"%s\": %d %s", s, rc, err.msg);
    return f;
}

static int form_rc(const char *s, size_t len, const char *want_msg)
{
    struct http_form *f = NULL;
    struct tz_error err = {0};
    int rc = http_form_parse(s, len, &f, &err);
    cr_expect_null(f, "no form on error");
    if (want_msg)
        cr_expect_str_eq(err.msg, want_msg);
    return rc;
}

Test(http_form, plus_is_space_and_escaped_plus_is_plus)
{
    struct http_form *f = form_ok("q=a+b%2Bc&empty=&bare");
    cr_assert_eq(f->n, 3);
    cr_expect_str_eq(f->field[0].name, "q");
    cr_expect_str_eq(f->field[0].value, "a b+c");
    cr_expect_eq(f->field[0].value_len, 5);
    cr_expect_str_eq(f->field[1].name, "empty");
    cr_expect_str_eq(f->field[1].value, "");
    cr_expect_str_eq(f->field[2].name, "bare");
    cr_expect_str_eq(f->field[2].value, "");
    cr_expect_str_eq(http_form_get(f, "q"), "a b+c");
    cr_expect_null(http_form_get(f, "Q"), "names are case-sensitive");
    cr_expect_null(http_form_get(f, "missing"));
    http_form_free(f);
}

Test(http_form, chinese_owner_decodes_to_utf8)
{
    struct http_form *f = form_ok("owner=%E7%8E%8B%E4%BA%94&dept=%e4%bf%a1%e6%81%af");
    cr_assert_eq(f->n, 2);
    cr_expect_str_eq(http_form_get(f, "owner"), "王五");
    cr_expect_eq(f->field[0].value_len, 6);
    cr_expect_str_eq(http_form_get(f, "dept"), "信息", "lower-case hex too");
    http_form_free(f);
}

Test(http_form, duplicates_kept_in_order_and_get_returns_first)
{
    struct http_form *f = form_ok("&tag=a&&tag=b&x=1&tag=c&");
    cr_assert_eq(f->n, 4, "empty pieces are skipped");
    cr_expect_str_eq(f->field[0].value, "a");
    cr_expect_str_eq(f->field[1].value, "b");
    cr_expect_str_eq(f->field[3].value, "c");
    cr_expect_str_eq(http_form_get(f, "tag"), "a");
    http_form_free(f);
}

Test(http_form, value_keeps_equals_signs_and_textarea_line_breaks)
{
    struct http_form *f = form_ok("b64=YQ==&note=line1%0D%0Aline2%09x&one=x");
    cr_expect_str_eq(http_form_get(f, "b64"), "YQ==");
    cr_expect_str_eq(http_form_get(f, "note"), "line1\r\nline2\tx");
    cr_expect_eq(f->field[1].multiline, 1);
    cr_expect_eq(f->field[0].multiline, 0);
    cr_expect_eq(f->field[2].multiline, 0);
    http_form_free(f);
}

Test(http_form, empty_input_is_an_empty_form)
{
    struct http_form *f = NULL;
    cr_assert_eq(http_form_parse(NULL, 0, &f, NULL), 0);
    cr_assert_not_null(f);
    cr_expect_eq(f->n, 0);
    cr_expect_null(http_form_get(f, "a"));
    http_form_free(f);
}

Test(http_form, nul_is_refused_escaped_or_raw)
{
    cr_expect_eq(form_rc("a=x%00y", 7, "field 1 (a): value has a NUL character (%00)"),
                 TZ_EINVAL);
    cr_expect_eq(form_rc("a%00=x", 6, "field 1: name has a NUL character (%00)"),
                 TZ_EINVAL);
    cr_expect_eq(form_rc("a=x\0y", 5, NULL), TZ_EINVAL);
}

Test(http_form, bad_escapes_are_refused)
{
    static const char *bad[] = {"a=%G1", "a=%4", "a=%", "a=1&b=%4x", "%zz=1", "a=%%41"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(form_rc(bad[i], strlen(bad[i]), NULL), TZ_EINVAL, "%s", bad[i]);
    cr_expect_eq(form_rc("a=1&b=%4", 8,
                         "field 2 (b): value has a '%' not followed by two hex digits"),
                 TZ_EINVAL);
}

Test(http_form, bad_utf8_controls_and_empty_names_are_refused)
{
    cr_expect_eq(form_rc("a=%FF", 5, "field 1 (a): value is not valid UTF-8"),
                 TZ_EINVAL);
    cr_expect_eq(form_rc("a=%C0%AF", 8, NULL), TZ_EINVAL, "overlong '/'");
    cr_expect_eq(form_rc("a=%E7%8E", 8, NULL), TZ_EINVAL, "cut-short 王");
    cr_expect_eq(form_rc("a=x%1By", 7, "field 1 (a): value has a control character"),
                 TZ_EINVAL);
    cr_expect_eq(form_rc("a=%7F", 5, NULL), TZ_EINVAL, "DEL");
    cr_expect_eq(form_rc("a=%C2%85", 8, NULL), TZ_EINVAL, "C1 NEL");
    cr_expect_eq(form_rc("a%0A=1", 6, "field 1: name is not UTF-8 text without "
                                      "control characters"), TZ_EINVAL);
    cr_expect_eq(form_rc("a%E2%80%AE=1", 12, NULL), TZ_EINVAL, "bidi in a name");
    cr_expect_eq(form_rc("a=1&=2", 6, "field 2 has no name"), TZ_EINVAL);
    /* a bidi control in a value is the ledger rules' call, not the parser's */
    struct http_form *f = form_ok("a=x%E2%80%AEy");
    cr_expect_str_eq(f->field[0].value, "x\xe2\x80\xaey");
    http_form_free(f);
}

Test(http_form, limits_are_tz_elimit)
{
    char *s = malloc(HTTP_FORM_MAX_INPUT + 16);
    cr_assert_not_null(s);

    /* 64 fields pass, 65 do not */
    size_t n = 0;
    for (int i = 0; i < HTTP_FORM_MAX_FIELDS; i++)
        n += (size_t)sprintf(s + n, "%sf=%d", i ? "&" : "", i);
    struct http_form *f = form_ok(s);
    cr_expect_eq(f->n, HTTP_FORM_MAX_FIELDS);
    http_form_free(f);
    strcpy(s + n, "&g=1");
    cr_expect_eq(form_rc(s, n + 4, "more than 64 form fields"), TZ_ELIMIT);

    /* a name of 64 bytes passes, 65 do not; %41 counts once decoded */
    memset(s, 'n', 64);
    strcpy(s + 64, "=1");
    f = form_ok(s);
    http_form_free(f);
    memcpy(s, "%41", 3);
    f = form_ok(s);
    cr_expect_eq(f->field[0].name_len, 62);
    http_form_free(f);
    memset(s, 'n', 65);
    strcpy(s + 65, "=1");
    cr_expect_eq(form_rc(s, 67, "field 1: name longer than 64 bytes"), TZ_ELIMIT);

    /* a value of 8192 bytes passes, 8193 do not */
    strcpy(s, "v=");
    memset(s + 2, 'x', HTTP_FORM_MAX_VALUE);
    s[2 + HTTP_FORM_MAX_VALUE] = '\0';
    f = form_ok(s);
    cr_expect_eq(f->field[0].value_len, HTTP_FORM_MAX_VALUE);
    http_form_free(f);
    strcpy(s + 2 + HTTP_FORM_MAX_VALUE, "x");
    cr_expect_eq(form_rc(s, 3 + HTTP_FORM_MAX_VALUE,
                         "field 1 (v): value longer than 8192 bytes"), TZ_ELIMIT);

    /* 64 KiB of input pass (bounded by the other limits), one byte more not */
    memset(s, '&', HTTP_FORM_MAX_INPUT + 1);
    cr_expect_eq(form_rc(s, HTTP_FORM_MAX_INPUT + 1, "form data longer than 65536 bytes"),
                 TZ_ELIMIT);
    memcpy(s, "a=1", 3);
    f = NULL;
    cr_expect_eq(http_form_parse(s, HTTP_FORM_MAX_INPUT, &f, NULL), 0);
    cr_expect_eq(f ? f->n : 0, 1);
    http_form_free(f);
    free(s);
}

Test(http_pct, decodes_without_plus_in_paths)
{
    char out[16];
    size_t n;
    const char *why = NULL;
    cr_assert_eq(http_pct_decode("a+b%20c", 7, 0, out, &n, &why), 0);
    cr_expect_str_eq(out, "a+b c");
    cr_expect_eq(n, 5);
    cr_expect_eq(http_pct_decode("%4", 2, 0, out, &n, &why), TZ_EINVAL);
    cr_expect_str_eq(why, "a '%' not followed by two hex digits");
}

/* ---- cookies ---- */

static int cookie(const char *header, const char *name, char *out, size_t cap)
{
    return http_cookie_find(header, header ? strlen(header) : 0, name, out, cap);
}

Test(http_cookie, plain_quoted_and_spaced_pairs)
{
    char v[64];
    const char *h = "sid=abc123;  lang=\"en\" ;\tempty=; q=\"\"";
    cr_assert_eq(cookie(h, "sid", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "abc123");
    cr_assert_eq(cookie(h, "lang", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "en", "quotes are not part of the value");
    cr_assert_eq(cookie(h, "empty", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "");
    cr_assert_eq(cookie(h, "q", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "");
    cr_expect_eq(cookie(h, "Sid", v, sizeof(v)), TZ_ENOENT, "names are case-sensitive");
    cr_expect_eq(cookie(h, "abc123", v, sizeof(v)), TZ_ENOENT);
    cr_expect_eq(cookie(NULL, "sid", v, sizeof(v)), TZ_ENOENT);
    cr_expect_eq(cookie("", "sid", v, sizeof(v)), TZ_ENOENT);
}

Test(http_cookie, duplicates_first_wins_and_all_are_listed)
{
    char v[64];
    const char *h = "sid=first; sid=second";
    cr_assert_eq(cookie(h, "sid", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "first");
    struct http_cookies all;
    cr_assert_eq(http_cookie_parse(h, strlen(h), &all, NULL), 0);
    cr_assert_eq(all.n, 2);
    cr_expect_eq(all.c[1].value_len, 6);
    cr_expect_eq(memcmp(all.c[1].value, "second", 6), 0);
}

Test(http_cookie, unreadable_pairs_are_skipped_not_fatal)
{
    char v[64];
    /* no '=', empty name, a space, a comma, a backslash, a stray quote, a
     * high byte, a separator in a name: each pair skipped, sid still read */
    const char *h = "flag; =x; a=b c; d=e,f; g=h\\; i=\"j; k=\"l\"m; u=\xe7\x8e\x8b; "
                    "n(1)=2; sid=ok";
    struct http_cookies all;
    cr_assert_eq(http_cookie_parse(h, strlen(h), &all, NULL), 0);
    cr_expect_eq(all.n, 1);
    cr_expect_eq(all.skipped, 9);
    cr_assert_eq(cookie(h, "sid", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "ok");
    cr_expect_eq(cookie(h, "flag", v, sizeof(v)), TZ_ENOENT);
    cr_expect_eq(cookie(h, "a", v, sizeof(v)), TZ_ENOENT);
    cr_expect_eq(cookie(";;;", "a", v, sizeof(v)), TZ_ENOENT);
    cr_expect_eq(cookie("\x01\xff=\"", "a", v, sizeof(v)), TZ_ENOENT);
}

Test(http_cookie, bounds)
{
    char v[8], h[HTTP_COOKIE_MAX_HEADER + 64];
    cr_expect_eq(cookie("sid=12345678", "sid", v, sizeof(v)), TZ_ELIMIT,
                 "8 bytes and a NUL do not fit in 8");
    cr_expect_eq(cookie("sid=1234567", "sid", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "1234567");

    size_t n = 0;
    for (int i = 0; i < HTTP_COOKIE_MAX_COUNT; i++)
        n += (size_t)sprintf(h + n, "c%d=%d; ", i, i);
    struct http_cookies all;
    cr_expect_eq(http_cookie_parse(h, n, &all, NULL), 0);
    cr_expect_eq(all.n, HTTP_COOKIE_MAX_COUNT);
    strcpy(h + n, "sid=x");
    struct tz_error err = {0};
    cr_expect_eq(http_cookie_parse(h, n + 5, &all, &err), TZ_ELIMIT);
    cr_expect_str_eq(err.msg, "more than 32 cookies");
    cr_expect_eq(cookie(h, "sid", v, sizeof(v)), TZ_ENOENT, "over a bound: absent");

    memset(h, ' ', sizeof(h));
    memcpy(h + HTTP_COOKIE_MAX_HEADER - 5, "sid=x", 5);
    cr_expect_eq(http_cookie_find(h, HTTP_COOKIE_MAX_HEADER, "sid", v, sizeof(v)), 0);
    cr_expect_eq(http_cookie_parse(h, HTTP_COOKIE_MAX_HEADER + 1, &all, &err), TZ_ELIMIT);
    cr_expect_str_eq(err.msg, "Cookie header longer than 4096 bytes");
}

/* ---- Accept-Language ---- */

static const char *lang(const char *accept, const char *override)
{
    return http_lang_code(http_lang_choose(accept, accept ? strlen(accept) : 0,
                                           override));
}

Test(http_lang, accept_language_cases)
{
    static const struct {
        const char *h, *want;
    } c[] = {
        {"en-US,en;q=0.9", "en"},
        {"zh-CN,zh;q=0.9,en;q=0.8", "zh"},
        {"en;q=0, zh;q=0.1", "zh"},
        {"zh-Hans-CN", "zh"},
        {"ZH-tw", "zh"},
        {"en-GB;q=0.8, zh;q=0.7", "en"},
        {"zh;q=0.5, en;q=0.5", "zh"},       /* a tie goes to the first */
        {"en;q=0.5, zh;q=0.5", "en"},
        {"en, zh", "en"},
        {"en;q=0.5, zh;q=0.5, en-US;q=0.5", "en"},   /* en's first range counts */
        {"fr-FR, en;q=0.3", "en"},
        {"fr-FR, de", "zh"},                /* neither: the default */
        {"zh;q=0", "en"},                   /* Chinese refused, English not */
        {"zh;q=0, en;q=0", "zh"},           /* both refused: the default */
        {"*;q=0.5, en;q=0.4", "zh"},        /* "*" speaks for zh here */
        {"zh;q=0.1, *", "en"},              /* and for en here */
        {"en;q=1.0", "en"},
        {"en;q=1.001, zh;q=0.1", "zh"},     /* q above 1: that range skipped */
        {"en;q=0.9999", "zh"},              /* four decimals: skipped */
        {"en;q=.5", "zh"},
        {"en;level=1", "zh"},
        {"english", "zh"},                  /* not the subtag en */
        {"en-", "zh"},
        {"e n", "zh"},
        {",,, en ;q=0.5 ,", "en"},
        {"\xff\xfe;;;q=", "zh"},
        {"", "zh"},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
        cr_expect_str_eq(lang(c[i].h, NULL), c[i].want, "\"%s\"", c[i].h);
    cr_expect_str_eq(lang(NULL, NULL), "zh");
}

Test(http_lang, override_only_zh_or_en)
{
    cr_expect_str_eq(lang("zh-CN", "en"), "en");
    cr_expect_str_eq(lang("en-US", "zh"), "zh");
    cr_expect_str_eq(lang("en-US", "fr"), "en", "anything else is ignored");
    cr_expect_str_eq(lang("en-US", "EN"), "en");
    cr_expect_str_eq(lang("zh", "EN"), "zh");
    cr_expect_str_eq(lang("zh", "en-US"), "zh");
    cr_expect_str_eq(lang("zh", ""), "zh");
}

Test(http_lang, bounds)
{
    char h[HTTP_LANG_MAX_HEADER + 2];
    memset(h, ' ', sizeof(h));
    memcpy(h, "en", 2);
    cr_expect_eq(http_lang_choose(h, HTTP_LANG_MAX_HEADER, NULL), HTTP_LANG_EN);
    cr_expect_eq(http_lang_choose(h, HTTP_LANG_MAX_HEADER + 1, NULL), HTTP_LANG_ZH,
                 "an over-long header is ignored");
    /* the 33rd range is not read */
    size_t n = 0;
    for (int i = 0; i < HTTP_LANG_MAX_RANGES; i++)
        n += (size_t)sprintf(h + n, "fr,");
    strcpy(h + n, "en");
    cr_expect_eq(http_lang_choose(h, n + 2, NULL), HTTP_LANG_ZH);
    cr_expect_eq(http_lang_choose(h + 3, n - 1, NULL), HTTP_LANG_EN);
}

/* ---- html_buf ---- */

static char *render_text(const char *s, size_t len, int attr)
{
    struct html_buf b;
    html_buf_init(&b, 0);
    cr_assert_eq(attr ? html_buf_attr(&b, s, len) : html_buf_text(&b, s, len), 0);
    char *out;
    size_t n;
    cr_assert_eq(html_buf_take(&b, &out, &n), 0);
    cr_assert_eq(strlen(out), n);
    return out;
}

static void expect_text(const char *in, size_t len, int attr, const char *want,
                        const char *what)
{
    char *out = render_text(in, len, attr);
    cr_expect_str_eq(out, want, "%s", what);
    free(out);
}

Test(html_buf, script_and_quotes_are_escaped)
{
    const char *s = "<script>alert('x&y')</script>";
    expect_text(s, strlen(s), 0,
                "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;", "script");
    expect_text("\"'&", 3, 0, "&quot;&#39;&amp;", "quotes");
    expect_text("\" onmouseover=`x`\n", 18, 1,
                "&quot; onmouseover=&#96;x&#96;&#10;", "attribute breakout");
    expect_text("a\tb\r\nc`", 7, 0, "a\tb\r\nc`", "text keeps tab, CR, LF");
    expect_text("王五", strlen("王五"), 1, "王五", "Chinese as it is");
}

Test(html_buf, invalid_utf8_and_controls_become_fffd)
{
    expect_text("a\xff" "b", 3, 0, "a\xef\xbf\xbd" "b", "stray 0xff");
    expect_text("\xe7\x8e", 2, 0, "\xef\xbf\xbd\xef\xbf\xbd", "cut-short 王: one per byte");
    expect_text("\xc0\xbc" "x", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd" "x", "overlong '<'");
    expect_text("\xed\xa0\x80", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogate");
    expect_text("a\0b", 3, 0, "a\xef\xbf\xbd" "b", "NUL");
    expect_text("\x1b[31m", 5, 0, "\xef\xbf\xbd[31m", "ESC");
    expect_text("x\xe2\x80\xaey", 5, 0, "x\xef\xbf\xbdy", "U+202E");
    expect_text("\xc2\x85", 2, 1, "\xef\xbf\xbd", "C1 in an attribute");
}

Test(html_buf, url_component_encoding)
{
    struct html_buf b;
    html_buf_init(&b, 0);
    const char *s = "a b/c?d=e&f+王~._-\xff";
    cr_assert_eq(html_buf_url(&b, s, strlen(s)), 0);
    cr_expect_str_eq(b.data, "a%20b%2Fc%3Fd%3De%26f%2B%E7%8E%8B~._-%FF");
    /* and back */
    char back[64];
    size_t n;
    const char *why;
    cr_assert_eq(http_pct_decode(b.data, b.len, 1, back, &n, &why), 0);
    cr_expect_str_eq(back, s);
    html_buf_free(&b);
}

Test(html_buf, printf_and_append)
{
    struct html_buf b;
    html_buf_init(&b, 0);
    cr_assert_eq(html_buf_puts(&b, "<td>"), 0);
    cr_assert_eq(html_buf_printf(&b, "%d/%s", 42, "x"), 0);
    /* longer than the first allocation: formatted twice */
    cr_assert_eq(html_buf_printf(&b, "%1000s|", ""), 0);
    cr_expect_eq(b.len, 4 + 4 + 1001);
    cr_expect_eq(memcmp(b.data, "<td>42/x ", 9), 0);
    cr_expect_eq(b.data[b.len - 1], '|');
    cr_expect_eq(b.data[b.len], '\0');
    html_buf_free(&b);
    cr_expect_null(b.data);

    char *out;
    size_t n;
    html_buf_init(&b, 0);
    cr_assert_eq(html_buf_take(&b, &out, &n), 0);
    cr_expect_str_eq(out, "", "nothing appended is an empty string, not NULL");
    cr_expect_eq(n, 0);
    free(out);
}

Test(html_buf, cap_is_sticky_and_leaves_no_partial_escape)
{
    struct html_buf b;
    html_buf_init(&b, 16);
    cr_assert_eq(html_buf_puts(&b, "0123456789"), 0);
    /* 5 bytes fit, the escape of "<<" (8) does not: nothing of it is kept */
    cr_expect_eq(html_buf_text(&b, "ab<<", 4), TZ_ELIMIT);
    cr_expect_eq(b.len, 10);
    cr_expect_str_eq(b.data, "0123456789");
    /* the failure is remembered: even a one-byte append now fails */
    cr_expect_eq(html_buf_puts(&b, "x"), TZ_ELIMIT);
    cr_expect_eq(html_buf_printf(&b, "%d", 1), TZ_ELIMIT);
    cr_expect_eq(html_buf_url(&b, "a", 1), TZ_ELIMIT);
    cr_expect_eq(html_buf_error(&b), TZ_ELIMIT);
    cr_expect_eq(b.len, 10);
    char *out = (char *)1;
    size_t n = 1;
    cr_expect_eq(html_buf_take(&b, &out, &n), TZ_ELIMIT);
    cr_expect_null(out);
    cr_expect_eq(n, 0);
    cr_expect_null(b.data);

    /* exactly the cap passes; printf over it fails */
    html_buf_init(&b, 16);
    cr_expect_eq(html_buf_printf(&b, "%s", "0123456789abcdef"), 0);
    cr_expect_eq(b.len, 16);
    html_buf_free(&b);
    html_buf_init(&b, 16);
    cr_expect_eq(html_buf_printf(&b, "%s", "0123456789abcdefg"), TZ_ELIMIT);
    cr_expect_eq(b.len, 0);
    html_buf_free(&b);
}

Test(html_buf, default_cap_holds_a_large_page_then_stops)
{
    struct html_buf b;
    html_buf_init(&b, 0);
    cr_assert_eq(b.cap, HTML_BUF_DEFAULT_CAP);
    char *chunk = malloc(1 << 20);
    cr_assert_not_null(chunk);
    memset(chunk, 'x', 1 << 20);
    for (int i = 0; i < 32; i++)
        cr_assert_eq(html_buf_append(&b, chunk, 1 << 20), 0, "MiB %d", i);
    cr_expect_eq(b.len, HTML_BUF_DEFAULT_CAP);
    cr_expect_eq(html_buf_append(&b, "x", 1), TZ_ELIMIT);
    cr_expect_leq(b.alloc, HTML_BUF_DEFAULT_CAP + 1, "the cap bounds memory too");
    free(chunk);
    html_buf_free(&b);
}

/* ---- paths and ids ---- */

static int split(const char *p, struct http_path *out, struct tz_error *err)
{
    return http_path_split(p, strlen(p), out, err);
}

Test(http_path, segments_of_routes)
{
    struct http_path p;
    cr_assert_eq(split("/api/v1/hosts/7", &p, NULL), 0);
    cr_assert_eq(p.n, 4);
    cr_expect_str_eq(p.seg[0], "api");
    cr_expect_str_eq(p.seg[2], "hosts");
    cr_expect_str_eq(p.seg[3], "7");
    cr_expect_eq(p.trailing_slash, 0);
    cr_assert_eq(split("/systems/", &p, NULL), 0);
    cr_expect_eq(p.n, 1);
    cr_expect_str_eq(p.seg[0], "systems");
    cr_expect_eq(p.trailing_slash, 1);
    cr_assert_eq(split("/", &p, NULL), 0);
    cr_expect_eq(p.n, 0);
    cr_assert_eq(split("/flags/%E9%AB%98+x%20y", &p, NULL), 0);
    cr_expect_str_eq(p.seg[1], "高+x y", "'+' is not a space in a path");
}

Test(http_path, traversal_encoded_slash_and_empty_segments_refused)
{
    static const struct {
        const char *p, *msg;
    } bad[] = {
        {"/systems/../keys", "path segment 2 is '.' or '..'"},
        {"/./x", "path segment 1 is '.' or '..'"},
        {"/x/%2e%2E", "path segment 2 is '.' or '..'"},
        {"/systems/1%2F..%2F2", "path segment 2 has an encoded '/' (%2F)"},
        {"/a//b", "empty path segment 2"},
        {"//", "empty path segment 1"},
        {"/a/b//", "empty path segment 3"},
        {"systems/1", "a path must start with '/'"},
        {"", "a path must start with '/'"},
        {"/a?b=1", "a '?' or '#' in the path"},
        {"/a%00", "path segment 1 has a NUL character (%00)"},
        {"/a%4", "path segment 1 has a '%' not followed by two hex digits"},
        {"/a%0Ab", "path segment 1 is not UTF-8 text without control characters"},
        {"/a%FF", "path segment 1 is not UTF-8 text without control characters"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct http_path p;
        struct tz_error err = {0};
        cr_expect_eq(split(bad[i].p, &p, &err), TZ_EINVAL, "%s", bad[i].p);
        cr_expect_str_eq(err.msg, bad[i].msg, "%s", bad[i].p);
        cr_expect_eq(p.n, 0, "no half a route for %s", bad[i].p);
    }
}

Test(http_path, bounds)
{
    char s[HTTP_PATH_MAX + 2];
    struct http_path p;
    struct tz_error err = {0};
    s[0] = '/';
    memset(s + 1, 'a', HTTP_PATH_MAX);
    cr_expect_eq(http_path_split(s, HTTP_PATH_MAX, &p, NULL), 0);
    cr_expect_eq(strlen(p.seg[0]), HTTP_PATH_MAX - 1);
    cr_expect_eq(http_path_split(s, HTTP_PATH_MAX + 1, &p, &err), TZ_ELIMIT);
    cr_expect_str_eq(err.msg, "path longer than 1024 bytes");
    size_t n = 0;
    for (int i = 0; i < HTTP_PATH_MAX_SEGMENTS; i++)
        n += (size_t)sprintf(s + n, "/%d", i);
    cr_expect_eq(http_path_split(s, n, &p, NULL), 0);
    cr_expect_eq(p.n, HTTP_PATH_MAX_SEGMENTS);
    cr_expect_str_eq(p.seg[15], "15");
    s[n] = '/';
    cr_expect_eq(http_path_split(s, n + 1, &p, NULL), 0, "a trailing slash is no segment");
    cr_expect_eq(p.n, HTTP_PATH_MAX_SEGMENTS);
    strcpy(s + n, "/x");
    cr_expect_eq(http_path_split(s, n + 2, &p, &err), TZ_ELIMIT);
    cr_expect_str_eq(err.msg, "more than 16 path segments");
}

Test(http_path, id_edge_cases)
{
    uint64_t id = 99;
    cr_expect_eq(http_path_id("1", &id), 0);
    cr_expect_eq(id, 1);
    cr_expect_eq(http_path_id("42", &id), 0);
    cr_expect_eq(id, 42);
    cr_expect_eq(http_path_id("18446744073709551615", &id), 0);
    cr_expect_eq(id, UINT64_MAX);
    id = 99;
    static const char *bad[] = {
        "0", "18446744073709551616", "99999999999999999999", "000000000000000000001",
        "007", "-1", "+1", "1e3", " 1", "1 ", "0x10", "", "1.0", "\xef\xbc\x91",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(http_path_id(bad[i], &id), TZ_EINVAL, "\"%s\"", bad[i]);
    cr_expect_eq(id, 99, "untouched on error");
}
