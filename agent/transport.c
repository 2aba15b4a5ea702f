/* transport — nanomsg REQ exchange with failover across collector URLs. */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "tz_limits.h"
#include "tz_log.h"

/* A reply is an Ack: small. Anything bigger is not from our collector. */
#define MAX_REPLY (64 * 1024)

/* nanomsg connects in the background and never says why an ipc:// connect
 * fails: it just waits out the timeout. Ask the file system first, as the
 * user we now are, so "permission denied" is said as such. 0: not ipc://,
 * or the socket is there and writable. */
static int ipc_unreachable(const char *url, char *why, size_t n)
{
    if (strncmp(url, "ipc://", 6) != 0)
        return 0;
    const char *path = url + 6;
    if (access(path, W_OK) == 0)
        return 0;
    int e = errno;
    struct stat st;
    if (e == EACCES && stat(path, &st) == 0)
        snprintf(why, n, "%s: permission denied for uid %u (the socket is mode "
                 "%03o, owner uid %u): give the agent's user access to it, or "
                 "use tcp://127.0.0.1:PORT for a local agent", url,
                 (unsigned)geteuid(), (unsigned)(st.st_mode & 0777),
                 (unsigned)st.st_uid);
    else if (e == EACCES)
        snprintf(why, n, "%s: permission denied for uid %u on a directory "
                 "above the socket: use a socket in a directory the agent's user "
                 "can reach, or tcp://127.0.0.1:PORT", url, (unsigned)geteuid());
    else if (e == ENOENT)
        snprintf(why, n, "%s: no socket there (is the collector running with "
                 "this listen address?)", url);
    else
        snprintf(why, n, "%s: %s", url, strerror(e));
    return 1;
}

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
    char why[1200] = "";
    int unreachable = 0;
    for (int i = 0; i < n_urls; i++) {
        char w[600];
        if (ipc_unreachable(urls[i], w, sizeof(w))) {
            if (unreachable++ == 0)
                snprintf(why, sizeof(why), "%s", w);
            if (n_urls > 1)
                tz_log(TZ_LOG_WARN, "collector %s", w);
        }
    }
    if (unreachable == n_urls) {
        nn_close(s);
        return tz_err(err, TZ_ETIMEOUT, NULL, 0, "cannot connect to %s", why);
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
