/* control_client — REQ side of the collector's control socket. */
#include "control_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <sodium.h>

#include "control.h"
#include "operator.h"

struct control_client {
    int sock;
    char url[256];
};

int control_client_open(const char *url, int timeout_ms,
                        struct control_client **out, struct tz_error *err)
{
    struct control_client *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    snprintf(c->url, sizeof(c->url), "%s", url);
    c->sock = nn_socket(AF_SP, NN_REQ);
    int maxsz = CONTROL_MAX_MSG;
    /* Longer than any wait: REQ must not resend a request on its own. */
    int resend = timeout_ms * 4 + 60000;
    if (c->sock < 0 ||
        nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout_ms,
                      sizeof(timeout_ms)) < 0 ||
        nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms,
                      sizeof(timeout_ms)) < 0 ||
        nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsz,
                      sizeof(maxsz)) < 0 ||
        nn_setsockopt(c->sock, NN_REQ, NN_REQ_RESEND_IVL, &resend,
                      sizeof(resend)) < 0 ||
        nn_connect(c->sock, url) < 0) {
        int e = nn_errno();
        control_client_close(c);
        return tz_err(err, TZ_EIO, url, 0, "control socket: %s", nn_strerror(e));
    }
    *out = c;
    return 0;
}

void control_client_close(struct control_client *c)
{
    if (c == NULL)
        return;
    if (c->sock >= 0)
        nn_close(c->sock);
    free(c);
}

static void prepare(Tz__ControlRequest *q)
{
    q->version = 1;
    randombytes_buf(&q->request_id, sizeof(q->request_id));
}

static int exchange(struct control_client *c, Tz__ControlRequest *q,
                    Tz__ControlReply **out, struct tz_error *err);

int control_client_call(struct control_client *c, Tz__ControlRequest *q,
                        Tz__ControlReply **out, struct tz_error *err)
{
    prepare(q);
    return exchange(c, q, out, err);
}

int control_client_call_signed(struct control_client *c, Tz__ControlRequest *q,
                               const uint8_t key[32], uint8_t mac[32],
                               Tz__ControlReply **out, struct tz_error *err)
{
    prepare(q);
    if (operator_sign(key, q, mac) != 0)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    return exchange(c, q, out, err);
}

static int exchange(struct control_client *c, Tz__ControlRequest *q,
                    Tz__ControlReply **out, struct tz_error *err)
{
    *out = NULL;
    size_t n = tz__control_request__get_packed_size(q);
    if (n > CONTROL_MAX_MSG)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "request over %d bytes",
                      CONTROL_MAX_MSG);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    tz__control_request__pack(q, buf);
    int sent = nn_send(c->sock, buf, n, 0);
    sodium_memzero(buf, n);   /* it may hold a token */
    free(buf);
    void *msg = NULL;
    int got = sent < 0 ? -1 : nn_recv(c->sock, &msg, NN_MSG, 0);
    if (got < 0) {
        int e = nn_errno();
        if (e == ETIMEDOUT)
            return tz_err(err, TZ_ETIMEOUT, c->url, 0, "the collector did not "
                          "answer on its control socket (is tz-collector "
                          "running on this data dir?)");
        return tz_err(err, TZ_EIO, c->url, 0, "control socket: %s", nn_strerror(e));
    }
    Tz__ControlReply *r = tz__control_reply__unpack(NULL, (size_t)got, msg);
    nn_freemsg(msg);
    if (r == NULL || r->request_id != q->request_id) {
        if (r)
            tz__control_reply__free_unpacked(r, NULL);
        return tz_err(err, TZ_EPROTO, c->url, 0, "the collector's answer "
                      "does not decode or answers another request");
    }
    *out = r;
    return 0;
}
