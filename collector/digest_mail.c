/* digest_mail — formatting a digest as a MIME message, safe to hand to SMTP. */
#include "digest_mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "digest_config.h"

int digest_addr_ok(const char *a)
{
    size_t n = strlen(a);
    const char *at = strchr(a, '@');
    if (n == 0 || n > DIGEST_ADDR_MAX || at == NULL || at == a || at[1] == '\0' ||
        strchr(at + 1, '@'))
        return 0;
    for (const char *p = a; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch >= 0x7f || strchr("<>()[]\\,;:\"", ch))
            return 0;
        if (p > at && !(ch == '.' || ch == '-' || (ch >= '0' && ch <= '9') ||
                        ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')))
            return 0;
    }
    return at[1] != '.' && a[n - 1] != '.';
}

/* RFC 5322 date in local time, English names whatever the locale. */
static void mail_date(int64_t now, char *buf, size_t cap)
{
    static const char *wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    long off = tm.tm_gmtoff / 60;
    snprintf(buf, cap, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld", wd[tm.tm_wday],
             tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* Subject as encoded words of at most 42 bytes of UTF-8 each (a 68-column
 * word: "Subject: " and one word fit 78), never splitting a character,
 * folded one word a line. */
static void subject_words(FILE *f, const char *s)
{
    size_t n = strlen(s), i = 0;
    fputs("Subject:", f);
    if (n == 0)
        fputs(" ", f);
    while (i < n) {
        size_t take = n - i > 42 ? 42 : n - i;
        while (i + take < n && take > 0 &&
               ((unsigned char)s[i + take] & 0xC0) == 0x80)
            take--;
        if (take == 0)
            take = 1;
        char b64[sodium_base64_ENCODED_LEN(42, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s + i, take,
                          sodium_base64_VARIANT_ORIGINAL);
        fprintf(f, "%s=?UTF-8?B?%s?=", i ? "\r\n " : " ", b64);
        i += take;
    }
    fputs("\r\n", f);
}

/* The body with CRLF line ends, base64 in 76-column lines. */
static int body_base64(FILE *f, const char *body)
{
    size_t n = strlen(body), m = 0;
    unsigned char *crlf = malloc(2 * n + 1);
    if (crlf == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
            crlf[m++] = '\r';
        crlf[m++] = (unsigned char)body[i];
    }
    for (size_t i = 0; i < m; i += 57) {
        size_t take = m - i > 57 ? 57 : m - i;
        char line[sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(line, sizeof(line), crlf + i, take,
                          sodium_base64_VARIANT_ORIGINAL);
        fprintf(f, "%s\r\n", line);
    }
    free(crlf);
    return 0;
}

int digest_mail_compose(const char *from, const char *to, const char *subject,
                        const char *body, int64_t now, char **out,
                        struct tz_error *err)
{
    *out = NULL;
    if (!digest_addr_ok(from) || !digest_addr_ok(to))
        return tz_err(err, TZ_EINVAL, NULL, 0, "not a plain e-mail address: \"%.80s\"",
                      digest_addr_ok(from) ? to : from);
    if (strlen(body) > DIGEST_BODY_MAX)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "digest body over %u bytes",
                      DIGEST_BODY_MAX);
    char date[64], id[33];
    unsigned char rnd[16];
    mail_date(now, date, sizeof(date));
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
    size_t len;
    FILE *f = open_memstream(out, &len);
    if (f == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    fprintf(f, "Date: %s\r\nMessage-ID: <%s.taizhang@%s>\r\nFrom: %s\r\nTo: %s\r\n",
            date, id, strchr(from, '@') + 1, from, to);
    subject_words(f, subject);
    fputs("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
          "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n",
          f);
    int rc = body_base64(f, body);
    if (fclose(f) != 0 || rc != 0 || *out == NULL) {
        free(*out);
        *out = NULL;
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    return 0;
}
