/* portal_http — tz-portal's HTTP server: libmicrohttpd turned into
 * portal_req / portal_resp (portal.h).
 *
 * Bounds, all enforced before a route runs: connections in all
 * (max_connections) and per address (per_ip), idle time (timeout: a slow
 * client is cut off, the others are served meanwhile), request line and
 * headers (PORTAL_HEADER_MEMORY per connection: more gets 431/413 from
 * libmicrohttpd), body PORTAL_MAX_BODY (more gets 413 and is discarded).
 * The path and query are parsed from the raw request target by http_path
 * and http_form (libmicrohttpd's own decoding is turned off), so %00, an
 * encoded slash or bad UTF-8 is a 400, never a surprise.
 * One thread serves every request (libmicrohttpd's internal polling
 * thread), so the register handle and control client need no locks. */
#ifndef TZ_PORTAL_HTTP_H
#define TZ_PORTAL_HTTP_H

#include "portal.h"

#define PORTAL_HEADER_MEMORY (32 * 1024)

struct portal_http;

/* Listen on p->cfg->listen ("ADDR:PORT", "[ADDR6]:PORT") and serve.
 * Ownership: p must outlive the server; stop it with portal_http_stop. */
int portal_http_start(struct portal *p, struct portal_http **out,
                      struct tz_error *err);
/* The port actually bound (for listen ports of 0 in tests). */
unsigned portal_http_port(const struct portal_http *h);
void portal_http_stop(struct portal_http *h);

#endif
