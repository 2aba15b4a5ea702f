/* fresh — "collect now" and the wait for the answers. */
#include "fresh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "grow.h"
#include "control.h"
#include "control_client.h"
#include "operator.h"

struct bound {
    uint64_t sid;
    struct fresh_host *v;
    size_t n, cap;
    int nomem;
};

static int bound_cb(const Tz__AgentRecord *host, uint64_t sid,
                    Tz__BindingSource src, void *arg)
{
    (void)src;
    struct bound *b = arg;
    if (sid != b->sid || host->retirement)
        return 0;   /* retired: its key is refused, it will not answer */
    if (tz_grow((void **)&b->v, &b->cap, b->n, sizeof(*b->v)) != 0) {
        b->nomem = 1;
        return 1;
    }
    struct fresh_host *h = &b->v[b->n++];
    memset(h, 0, sizeof(*h));
    h->id = host->agent_id;
    snprintf(h->hostname, sizeof(h->hostname), "%s", host->hostname);
    return 0;
}

int tzctl_system_hosts(struct tz_register *reg, uint64_t sid,
                       struct fresh_host **v, size_t *n)
{
    struct bound b = {.sid = sid};
    struct tz_error err = {0};
    int rc = register_each_host_binding(reg, NULL, bound_cb, &b, &err);
    if (b.nomem || (rc != 0 && rc != 1)) {
        free(b.v);
        return b.nomem ? tzctl_fail("out of memory") : tzctl_fail_err(&err);
    }
    *v = b.v;
    *n = b.n;
    return 0;
}

/* Mark the hosts whose latest report answered request. */
static int check_answers(struct tz_register *reg, struct fresh_host *hosts,
                         size_t n, const uint8_t request[16], size_t *left)
{
    *left = 0;
    for (size_t i = 0; i < n; i++) {
        if (hosts[i].answered)
            continue;
        Tz__AgentRecord *rec = NULL;
        struct tz_error err = {0};
        int rc = register_get_agent(reg, hosts[i].id, &rec, &err);
        if (rc != 0 && rc != TZ_ENOENT)
            return tzctl_fail_err(&err);
        if (rc == 0 && rec->last_collect_request.len == 16 &&
            memcmp(rec->last_collect_request.data, request, 16) == 0) {
            hosts[i].answered = 1;
            hosts[i].report_at = rec->last_collect_at;
        }
        if (rec)
            protobuf_c_message_free_unpacked(&rec->base, NULL);
        *left += !hosts[i].answered;
    }
    return 0;
}

/* Send the operator's collect-now request; request gets its id. */
static int ask(const struct tzctl *c, const struct fresh_host *hosts, size_t n,
               uint8_t request[16], size_t *published)
{
    struct tz_error err = {0};
    struct tz_keypair kp;
    if (tz_keypair_load(c->data, "collector", 0, &kp, &err) != 0) {
        if (err.msg[0] == '\0' || err.code == TZ_ENOENT)
            return tzctl_fail("no collector key in %s: is this the collector's "
                              "data dir?", c->data);
        return tzctl_fail_err(&err);
    }
    uint8_t key[32], mac[32];
    operator_key(&kp, key);
    tz_keypair_wipe(&kp);
    uint64_t *ids = calloc(n ? n : 1, sizeof(*ids));
    if (ids == NULL)
        return tzctl_fail("out of memory");
    for (size_t i = 0; i < n; i++)
        ids[i] = hosts[i].id;
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlCollectNow cn = TZ__CONTROL_COLLECT_NOW__INIT;
    cn.agent_ids = ids;
    cn.n_agent_ids = n;
    q.body_case = TZ__CONTROL_REQUEST__BODY_COLLECT_NOW;
    q.collect_now = &cn;
    q.operator_ = (char *)c->actor.name;
    q.sent_at = (int64_t)time(NULL);
    char url[4200];
    snprintf(url, sizeof(url), "ipc://%s/" CONTROL_SOCKET, c->data);
    struct control_client *cc = NULL;
    Tz__ControlReply *a = NULL;
    int rc = control_client_open(url, 5000, &cc, &err);
    /* The client sets version and request_id; the MAC covers them, so the
     * request is signed with the values it will carry. */
    if (rc == 0)
        rc = control_client_call_signed(cc, &q, key, mac, &a, &err);
    control_client_close(cc);
    sodium_memzero(key, sizeof(key));
    free(ids);
    if (rc != 0)
        return tzctl_fail("%s", err.msg);
    if (a->status != TZ__CONTROL_STATUS__CTL_OK || a->collect_request_id.len != 16) {
        int r2 = tzctl_fail("the collector refused: %s", a->message);
        tz__control_reply__free_unpacked(a, NULL);
        return r2;
    }
    memcpy(request, a->collect_request_id.data, 16);
    *published = a->published;
    tz__control_reply__free_unpacked(a, NULL);
    return 0;
}

int tzctl_fresh(const struct tzctl *c, struct fresh_host *hosts, size_t n,
                int deadline_s, size_t *published, uint8_t request_out[16])
{
    uint8_t request[16];
    int rc = ask(c, hosts, n, request, published);
    if (rc != 0)
        return rc;
    if (request_out)
        memcpy(request_out, request, sizeof(request));
    struct tz_register *reg;
    if ((rc = tzctl_open(c, REGISTER_RDONLY, &reg)) != 0)
        return rc;
    uint64_t until = tz_now_ms() + (uint64_t)deadline_s * 1000;
    size_t left = n;
    for (;;) {
        if ((rc = check_answers(reg, hosts, n, request, &left)) != 0 || left == 0)
            break;
        if (tz_now_ms() >= until)
            break;
        usleep(200 * 1000);
    }
    register_close(reg);
    return rc;
}
