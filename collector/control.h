/* control — the collector's local control socket (ipc://DATA/control.sock):
 * the one way the portal (and later screening) changes the register.
 *
 * A cooked nanomsg REP socket driven from the collector's libuv loop, like
 * ingest, so every write happens on the loop thread with the register
 * handle ingest uses. The socket is mode 0660: the collector's group (the
 * portal's user is in it) may connect; everyone else may not. Being able
 * to connect grants nothing: each request carries a person's session or
 * login token, and the collector finds the user behind it, checks the role
 * and department against the register (people.h) and records that user as
 * the actor of the change (register.h, struct register_actor). tzctl
 * speaks for the operator with a MAC only a reader of the collector's key
 * can make (operator.h); it counts as an admin named by the request.
 * Requests are ControlRequest messages (proto/taizhang.proto), at most
 * CONTROL_MAX_MSG bytes; every request gets exactly one ControlReply.
 * screening_request (上线申请): editors of the system's department and
 * admins; a viewer is CTL_FORBIDDEN, another department's system
 * CTL_NOT_FOUND as one that does not exist. The note is at most
 * CONTROL_MAX_NOTE bytes of UTF-8 text without control characters (one
 * paragraph), else CTL_INVALID, as is a retired system. A system with an
 * open request gets CTL_CONFLICT, the message and screening_request_id
 * naming the open one. */
#ifndef TZ_CONTROL_H
#define TZ_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "register.h"
#include "rules_config.h"
#include "tz_error.h"

#define CONTROL_MAX_MSG (64 * 1024)
#define CONTROL_SOCKET  "control.sock"
#define CONTROL_MAX_COLLECT 4096   /* hosts per collect-now request */
#define CONTROL_MAX_NOTE 1000      /* bytes of a screening request's note */

/* What a request is served with. The caller keeps it alive while the
 * control socket runs. */
struct publisher;

struct control_ctx {
    struct tz_register *reg;
    uint8_t hash_key[32];               /* people_hash_key of the collector key */
    uint8_t operator_key[32];           /* operator_key of the collector key */
    struct publisher *pub;              /* "collect now"; NULL: not published */
    const struct rules_config *rules;   /* flags after a ledger change; NULL: none */
    int session_hours;                  /* PEOPLE_SESSION_HOURS_DEFAULT when 0 */
};

/* Serve one request (the socket-free core: tests and the fuzzer call it).
 * *reply is always set to a packed ControlReply (caller frees) unless
 * TZ_ENOMEM is returned. */
int control_handle(const struct control_ctx *cx, const uint8_t *req,
                   size_t len, int64_t now, uint8_t **reply, size_t *rlen);

struct control;

/* Bind url (ipc:// paths are made mode 0660) and serve on loop.
 * Ownership: free with control_stop (closes the socket). */
int control_start(uv_loop_t *loop, const struct control_ctx *cx,
                  const char *url, struct control **out, struct tz_error *err);
void control_stop(struct control *c);

#endif
