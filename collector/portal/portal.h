/* portal — tz-portal's request model: what a route gets and what it
 * answers, and the state the server shares between requests.
 *
 * The server (portal_http.c, libmicrohttpd) turns each HTTP request into a
 * struct portal_req — raw path and query parsed by the bounded parsers of
 * http_*.h, the body only when it is within PORTAL_MAX_BODY — resolves
 * the person behind its cookie or bearer token (portal_auth.c), and hands
 * it to portal_route (portal_routes.c), which fills a struct portal_resp.
 * Requests are served one at a time on the server's thread: the register
 * handle and the control client are used by that thread only. */
#ifndef TZ_PORTAL_H
#define TZ_PORTAL_H

#include <stddef.h>
#include <stdint.h>

#include "control_client.h"
#include "html_buf.h"
#include "http_form.h"
#include "http_lang.h"
#include "register.h"

#define PORTAL_MAX_BODY      (64 * 1024)
#define PORTAL_SESSION_COOKIE "tz_session"
#define PORTAL_PRELOGIN_COOKIE "tz_login"

struct portal_config {
    char data[4096];          /* the register (read-only) */
    char listen[256];         /* ADDR:PORT, default 127.0.0.1:7451 */
    char control[4200];       /* control socket URL, default ipc://DATA/control.sock */
    int secure_cookies;       /* -1 auto (X-Forwarded-Proto https), 0 no, 1 yes */
    unsigned max_connections; /* all clients */
    unsigned per_ip;          /* one address */
    unsigned timeout;         /* seconds a connection may idle */
};

void portal_config_defaults(struct portal_config *c);
/* Read the [portal] section of an INI file over c. TZ_EPARSE/TZ_EINVAL
 * with the line for a bad value or an unknown key. */
int portal_config_load(struct portal_config *c, const char *path,
                       struct tz_error *err);

/* What every request is served with. */
struct portal {
    const struct portal_config *cfg;
    struct tz_register *reg;          /* read-only */
    struct control_client *ctl;       /* writes and logins */
    uint8_t csrf_key[32];             /* per process: login-form CSRF */
    struct bearer_cache *bearers;     /* portal_auth.c */
};

enum portal_method { PM_GET, PM_HEAD, PM_POST, PM_OTHER };

struct portal_req {
    enum portal_method method;
    const char *path;                 /* raw, %-encoded, without the query */
    size_t path_len;
    struct http_form *query;          /* never NULL once parsed */
    struct http_form *form;           /* POST urlencoded body, else NULL */
    const char *body;                 /* raw body (JSON API), may be NULL */
    size_t body_len;
    const char *cookie;               /* Cookie header, may be NULL */
    const char *authorization;        /* Authorization header, may be NULL */
    const char *accept_language;
    int https;                        /* X-Forwarded-Proto: https from a proxy */
    enum http_lang lang;
    /* set by portal_auth_resolve */
    Tz__UserRecord *user;             /* NULL: nobody logged in */
    uint8_t session[32];              /* the session id, when by cookie */
    int has_session;
    int bearer;                       /* authenticated by a bearer token */
};

struct portal_resp {
    int status;
    const char *content_type;         /* static string */
    char *body;                       /* heap, freed by the server */
    size_t body_len;
    char location[512];               /* a redirect, when set */
    char set_cookie[2][256];          /* up to two Set-Cookie headers */
    char disposition[256];            /* Content-Disposition, for downloads */
};

/* An HTML error page of status with a short text (portal_routes.c). */
void portal_error(struct portal_req *q, struct portal_resp *r, int status,
                  const char *text);

/* Serve one request. Never fails: errors become 4xx/5xx pages. */
void portal_route(struct portal *p, struct portal_req *q,
                  struct portal_resp *r);

#endif
