/* transport — nanomsg REQ exchange with failover across collector URLs. */
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "tz_limits.h"

/* A reply is an Ack: small. Anything bigger is not from our collector. */
#define MAX_REPLY (64 * 1024)

int transport_request(const char (*urls)[512], int n_urls, int timeout_ms,
                      const uint8_t *req, size_t len, uint8_t **reply,
                      size_t *reply_len, struct tz_error *err)
{
    if (n_urls < 1)
        return tz_err(err, TZ_EINVAL, NULL, 0, "no collector configured");
    int s = nn_socket(AF_SP, NN_REQ);
    if (s < 0)
        return tz_err(err, TZ_EIO, NULL, 0, "nn_socket: %s", nn_strerror(nn_errno()));
    int maxsz = MAX_REPLY, linger = 1000;
    /* Resend only when several collectors are listed (failover): a resend to
     * the same collector would just arrive as a replay of a stored seq. */
    int resend = n_urls > 1 ? timeout_ms / 3 : timeout_ms + 1000;
    if (resend < 1000)
        resend = 1000;
    if (nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout_ms, sizeof(int)) < 0 ||
        nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms, sizeof(int)) < 0 ||
        nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsz, sizeof(int)) < 0 ||
        nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &linger, sizeof(int)) < 0 ||
        nn_setsockopt(s, NN_REQ, NN_REQ_RESEND_IVL, &resend, sizeof(int)) < 0) {
        int e = nn_errno();
        nn_close(s);
        return tz_err(err, TZ_EIO, NULL, 0, "socket options: %s", nn_strerror(e));
    }
    for (int i = 0; i < n_urls; i++) {
        if (nn_connect(s, urls[i]) < 0) {
            int e = nn_errno();
            nn_close(s);
            return tz_err(err, TZ_EINVAL, urls[i], 0, "bad collector URL: %s",
                          nn_strerror(e));
        }
    }
    if (nn_send(s, req, len, 0) < 0) {
        int e = nn_errno();
        nn_close(s);
        return tz_err(err, e == ETIMEDOUT ? TZ_ETIMEOUT : TZ_EIO, urls[0], 0,
                      "send failed: %s", nn_strerror(e));
    }
    void *buf = NULL;
    int r = nn_recv(s, &buf, NN_MSG, 0);
    if (r < 0) {
        int e = nn_errno();
        nn_close(s);
        return tz_err(err, e == ETIMEDOUT ? TZ_ETIMEOUT : TZ_EIO, urls[0], 0,
                      "%s", e == ETIMEDOUT ? "no answer from the collector "
                                             "(is it running and reachable?)"
                                           : nn_strerror(e));
    }
    uint8_t *copy = malloc((size_t)r ? (size_t)r : 1);
    if (copy == NULL) {
        nn_freemsg(buf);
        nn_close(s);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    memcpy(copy, buf, (size_t)r);
    nn_freemsg(buf);
    nn_close(s);
    *reply = copy;
    *reply_len = (size_t)r;
    return 0;
}
