/* portal_http — libmicrohttpd glue for tz-portal. */
#include "portal_http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "portal_auth.h"
#include "tz_log.h"

struct portal_http {
    struct MHD_Daemon *d;
    unsigned port;
};

/* One request's state, from its URI to its completion. */
struct conn {
    char *uri;              /* raw request target */
    char *body;
    size_t body_len;
    int too_big;
    int started;
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    struct conn *cn = calloc(1, sizeof(*cn));
    if (cn)
        cn->uri = strdup(uri ? uri : "/");
    return cn;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct conn *cn = *con_cls;
    if (cn) {
        free(cn->uri);
        free(cn->body);
        free(cn);
    }
    *con_cls = NULL;
}

/* Leave every %XX as it came: the routes decode with http_path/http_form. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    tz_log(TZ_LOG_WARN, "http: %s", buf);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct portal_resp *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->body_len, r->body ? r->body : (void *)"", r->body ? MHD_RESPMEM_MUST_FREE
                                                              : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(r->body);
        return MHD_NO;
    }
    r->body = NULL;
    MHD_add_response_header(resp, "Content-Type",
                            r->content_type ? r->content_type : "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; "
                            "img-src 'self'; form-action 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'");
    if (r->location[0])
        MHD_add_response_header(resp, "Location", r->location);
    for (size_t i = 0; i < 2; i++)
        if (r->set_cookie[i][0])
            MHD_add_response_header(resp, "Set-Cookie", r->set_cookie[i]);
    if (r->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum portal_method method_of(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return PM_GET;
    if (strcmp(m, "HEAD") == 0)
        return PM_HEAD;
    if (strcmp(m, "POST") == 0)
        return PM_POST;
    return PM_OTHER;
}

static int is_form(const char *ct)
{
    return ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

/* Build the request from what arrived and route it. */
static void serve(struct portal *p, struct MHD_Connection *c, struct conn *cn,
                  const char *method, struct portal_resp *r)
{
    struct portal_req q;
    memset(&q, 0, sizeof(q));
    q.method = method_of(method);
    q.cookie = header(c, "Cookie");
    q.authorization = header(c, "Authorization");
    q.accept_language = header(c, "Accept-Language");
    const char *proto = header(c, "X-Forwarded-Proto");
    q.https = proto && strcmp(proto, "https") == 0;
    const char *uri = cn->uri ? cn->uri : "/";
    const char *qm = strchr(uri, '?');
    q.path = uri;
    q.path_len = qm ? (size_t)(qm - uri) : strlen(uri);
    struct tz_error err = {0};
    const char *qs = qm ? qm + 1 : "";
    int bad = http_form_parse(qs, strlen(qs), &q.query, &err) != 0;
    if (!bad && http_form_parse("", 0, &q.form, NULL) != 0)
        bad = 1;   /* out of memory: no request is served half-parsed */
    const char *lang = bad ? NULL : http_form_get(q.query, "lang");
    q.lang = http_lang_choose(q.accept_language,
                              q.accept_language ? strlen(q.accept_language) : 0, lang);
    if (bad) {
        if (q.query == NULL)
            http_form_parse("", 0, &q.query, NULL);
        portal_error(&q, r, 400, err.msg[0] ? err.msg : "bad request");
        goto out;
    }
    if (q.method == PM_POST && is_form(header(c, "Content-Type"))) {
        http_form_free(q.form);
        q.form = NULL;
        if (http_form_parse(cn->body ? cn->body : "", cn->body_len, &q.form, &err) != 0) {
            portal_error(&q, r, 400, err.msg);
            goto out;
        }
    }
    q.body = cn->body;
    q.body_len = cn->body_len;
    if (portal_auth_resolve(p, &q, (int64_t)time(NULL), &err) != 0) {
        tz_log(TZ_LOG_ERROR, "portal: %s", err.msg);
        portal_error(&q, r, 503, "the register or the collector could not be reached");
        goto out;
    }
    portal_route(p, &q, r);
out:
    if (q.user)
        protobuf_c_message_free_unpacked(&q.user->base, NULL);
    http_form_free(q.query);
    http_form_free(q.form);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    struct portal *p = cls;
    struct conn *cn = *con_cls;
    if (cn == NULL)
        return MHD_NO;   /* out of memory in on_uri: drop the connection */
    if (!cn->started) {
        cn->started = 1;
        const char *cl = header(c, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > PORTAL_MAX_BODY)
            cn->too_big = 1;
        return MHD_YES;
    }
    if (*upload_size) {
        /* Keep reading what an oversized body sends, but store none of it. */
        if (!cn->too_big && cn->body_len + *upload_size <= PORTAL_MAX_BODY) {
            char *nb = realloc(cn->body, cn->body_len + *upload_size + 1);
            if (nb == NULL)
                return MHD_NO;
            memcpy(nb + cn->body_len, upload, *upload_size);
            cn->body = nb;
            cn->body_len += *upload_size;
            cn->body[cn->body_len] = '\0';
        } else {
            cn->too_big = 1;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    struct portal_resp r;
    memset(&r, 0, sizeof(r));
    if (cn->too_big) {
        r.status = 413;
        r.content_type = "text/plain; charset=utf-8";
        r.body = strdup("request body too large (64 KiB at most)\n");
        r.body_len = r.body ? strlen(r.body) : 0;
    } else {
        serve(p, c, cn, method, &r);
    }
    return send_resp(c, &r);
}

static int parse_listen(const char *s, struct sockaddr_storage *ss,
                        struct tz_error *err)
{
    char host[256];
    const char *port;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == NULL || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
            goto bad;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        port = end + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
            goto bad;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        port = colon + 1;
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        goto bad;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return 0;
bad:
    return tz_err(err, TZ_EINVAL, NULL, 0, "listen \"%s\": expected ADDR:PORT "
                  "(127.0.0.1:7451, [::1]:7451)", s);
}

int portal_http_start(struct portal *p, struct portal_http **out,
                      struct tz_error *err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    int rc = parse_listen(p->cfg->listen, &ss, err);
    if (rc != 0)
        return rc;
    struct portal_http *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                     MHD_USE_AUTO | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, p,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, p->cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, p->cfg->per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, p->cfg->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)PORTAL_HEADER_MEMORY,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (h->d == NULL) {
        free(h);
        return tz_err(err, TZ_EIO, NULL, 0, "cannot listen on %s (in use, or "
                      "not an address of this machine?)", p->cfg->listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : 0;
    *out = h;
    return 0;
}

unsigned portal_http_port(const struct portal_http *h)
{
    return h->port;
}

void portal_http_stop(struct portal_http *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
