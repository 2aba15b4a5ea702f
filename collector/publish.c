/* publish — "collect now" out of the collector. */
#include "publish.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>

#include "push.h"
#include "tz_log.h"

struct publisher {
    int sock;
    const struct tz_keypair *kp;
};

int publisher_open(const char *url, const struct tz_keypair *kp,
                   struct publisher **out, struct tz_error *err)
{
    struct publisher *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    p->kp = kp;
    p->sock = nn_socket(AF_SP, NN_PUB);
    if (p->sock < 0 || nn_bind(p->sock, url) < 0) {
        int e = nn_errno();
        publisher_close(p);
        return tz_err(err, TZ_EIO, url, 0, "cannot publish \"collect now\": %s "
                      "(set publish = in the [collector] section, or --publish)",
                      nn_strerror(e));
    }
    if (strncmp(url, "ipc://", 6) == 0 && chmod(url + 6, 0666) != 0) {
        int e = errno;
        publisher_close(p);
        return tz_err(err, TZ_EIO, url, 0, "cannot open the publish socket to "
                      "agents (chmod 666): %s", strerror(e));
    }
    *out = p;
    return 0;
}

void publisher_close(struct publisher *p)
{
    if (p == NULL)
        return;
    if (p->sock >= 0)
        nn_close(p->sock);
    free(p);
}

int publisher_collect_now(struct publisher *p, struct tz_register *reg,
                          const uint64_t *agent_ids, size_t n, int64_t now,
                          const uint8_t request_id[16], size_t *sent,
                          struct tz_error *err)
{
    *sent = 0;
    for (size_t i = 0; i < n; i++) {
        Tz__AgentRecord *rec = NULL;
        struct tz_error e2 = {0};
        int rc = register_get_agent(reg, agent_ids[i], &rec, &e2);
        if (rc == TZ_ENOENT)
            continue;
        if (rc != 0)
            return tz_err(err, rc, NULL, 0, "%s", e2.msg);
        uint8_t *msg = NULL;
        size_t len = 0;
        if (rec->agent_pk.len == 32 &&
            push_seal(p->kp, rec->agent_pk.data, rec->agent_id, now, request_id,
                      &msg, &len, &e2) == 0) {
            if (nn_send(p->sock, msg, len, NN_DONTWAIT) >= 0)
                (*sent)++;
            else
                tz_log(TZ_LOG_WARN, "collect now: not published for agent %llu: %s",
                       (unsigned long long)rec->agent_id, nn_strerror(nn_errno()));
        }
        free(msg);
        protobuf_c_message_free_unpacked(&rec->base, NULL);
    }
    if (*sent == 0 && n > 0)
        return tz_err(err, TZ_ENOENT, NULL, 0, "none of the %zu hosts asked is "
                      "enrolled", n);
    return 0;
}
