/* digest_send — one message, one SMTP conversation, through libcurl. */
#include "digest_send.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "tz_error.h"

int digest_send_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : TZ_EIO;
}

struct source {
    const char *p;
    size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *arg)
{
    struct source *s = arg;
    size_t take = size * n < s->left ? size * n : s->left;
    memcpy(buf, s->p, take);
    s->p += take;
    s->left -= take;
    return take;
}

static long use_ssl(enum digest_starttls t)
{
    return t == DIGEST_TLS_REQUIRED ? (long)CURLUSESSL_ALL
           : t == DIGEST_TLS_TRY    ? (long)CURLUSESSL_TRY
                                    : (long)CURLUSESSL_NONE;
}

/* The options of one conversation; non-zero when curl refuses one. */
static CURLcode set_opts(CURL *c, const struct digest_config *cfg,
                         struct curl_slist *rcpt, struct source *src,
                         char *from, char *errbuf)
{
    CURLcode rc = CURLE_OK;
#define OPT(o, v) if (rc == CURLE_OK) rc = curl_easy_setopt(c, o, v)
    OPT(CURLOPT_ERRORBUFFER, errbuf);
    OPT(CURLOPT_URL, cfg->smtp_url);
    OPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    OPT(CURLOPT_NOSIGNAL, 1L);   /* a worker thread: no SIGALRM for timeouts */
    OPT(CURLOPT_TIMEOUT, (long)cfg->timeout);
    OPT(CURLOPT_CONNECTTIMEOUT, (long)(cfg->timeout < 30 ? cfg->timeout : 30));
    OPT(CURLOPT_USE_SSL, use_ssl(cfg->starttls));
    OPT(CURLOPT_MAIL_FROM, from);
    OPT(CURLOPT_MAIL_RCPT, rcpt);
    OPT(CURLOPT_READFUNCTION, read_cb);
    OPT(CURLOPT_READDATA, src);
    OPT(CURLOPT_UPLOAD, 1L);
    OPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)src->left);
    if (cfg->username[0]) {
        OPT(CURLOPT_USERNAME, cfg->username);
        OPT(CURLOPT_PASSWORD, cfg->password);
    }
#undef OPT
    return rc;
}

int digest_send(const struct digest_config *cfg, const char *to,
                const char *message, char *why, size_t why_len)
{
    char from[DIGEST_ADDR_MAX + 3], rcpt_s[DIGEST_ADDR_MAX + 3];
    char errbuf[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof(from), "<%s>", cfg->from);
    snprintf(rcpt_s, sizeof(rcpt_s), "<%s>", to);
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_s);
    if (c == NULL || rcpt == NULL) {
        curl_easy_cleanup(c);
        curl_slist_free_all(rcpt);
        snprintf(why, why_len, "out of memory");
        return TZ_ENOMEM;
    }
    struct source src = {message, strlen(message)};
    CURLcode rc = set_opts(c, cfg, rcpt, &src, from, errbuf);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c);
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    if (rc != CURLE_OK) {
        int k = snprintf(why, why_len, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (reply && k >= 0 && (size_t)k < why_len)
            snprintf(why + k, why_len - (size_t)k, " (last SMTP reply %ld)", reply);
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : TZ_EIO;
}
