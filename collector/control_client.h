/* control_client — one request to the collector's control socket and its
 * answer (the portal's side of control.h).
 *
 * A nanomsg REQ socket kept open between calls. A call waits at most
 * timeout_ms for the collector; REQ's automatic resend is pushed beyond
 * that, so a slow answer never makes the collector apply a change twice.
 * One thread at a time per client. */
#ifndef TZ_CONTROL_CLIENT_H
#define TZ_CONTROL_CLIENT_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

struct control_client;

/* Connect to url (e.g. ipc:///var/lib/taizhang/control.sock); the
 * collector need not be up yet. */
int control_client_open(const char *url, int timeout_ms,
                        struct control_client **out, struct tz_error *err);
void control_client_close(struct control_client *c);

/* Send q (its version and request_id are set here) and wait for the reply.
 * TZ_ETIMEOUT ("the collector did not answer ...") when it does not come in
 * time, TZ_EPROTO when it does not decode or answers another request.
 * Ownership: free *out with tz__control_reply__free_unpacked. */
int control_client_call(struct control_client *c, Tz__ControlRequest *q,
                        Tz__ControlReply **out, struct tz_error *err);

/* The same for an operator request (operator.h): q->operator_ and
 * q->sent_at set by the caller, signed here with key once version and
 * request_id are in (mac holds the MAC q then points at). */
int control_client_call_signed(struct control_client *c, Tz__ControlRequest *q,
                               const uint8_t key[32], uint8_t mac[32],
                               Tz__ControlReply **out, struct tz_error *err);

#endif
