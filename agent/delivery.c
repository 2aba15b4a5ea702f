/* delivery — oldest first through session_deliver; Ack deletes, refusal drops. */
#include "delivery.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "session.h"
#include "tz_log.h"

int delivery_drain(const struct agent_config *cfg, struct agent_state *st,
                   struct spool *sp, int (*stop)(void *), void *arg,
                   struct delivery_result *res, struct tz_error *err)
{
    memset(res, 0, sizeof(*res));
    for (;;) {
        if (stop && stop(arg)) {
            res->stopped = 1;
            return 0;
        }
        uint64_t seq = 0;
        Tz__Report *r = NULL;
        int rc = spool_oldest(sp, &seq, &r, err);
        if (rc == TZ_ENOENT) {
            memset(err, 0, sizeof(*err));
            return 0;
        }
        if (rc != 0) {
            res->retry = 1;
            return rc;
        }
        int retry = 0;
        rc = session_deliver(cfg, st, r, seq, &retry, err);
        protobuf_c_message_free_unpacked(&r->base, NULL);
        char buf[1024];
        if (rc == 0) {
            res->delivered++;
            tz_log(TZ_LOG_INFO, "report seq %" PRIu64 " stored (agent %" PRIu64
                   ", %zu left in the spool)", seq, st->agent_id,
                   spool_count(sp) - 1);
            if ((rc = spool_delete(sp, seq, err)) != 0) {
                /* A copy left behind is only sent again and answered REPLAY. */
                res->retry = 1;
                return rc;
            }
            continue;
        }
        if (retry) {
            res->retry = 1;
            return rc;
        }
        if (st->agent_id == 0 || st->revoked) {
            /* Enrollment failed, or the key was revoked: every report would
             * fail the same way, and none of them is at fault. Keep them
             * for a fixed config or a new key (tz-agent --reenroll). */
            res->retry = 0;
            return rc;
        }
        tz_log(TZ_LOG_ERROR, "report seq %" PRIu64 " refused, dropping it: %s",
               seq, tz_error_str(err, buf, sizeof(buf)));
        res->dropped++;
        memset(err, 0, sizeof(*err));
        if ((rc = spool_delete(sp, seq, err)) != 0) {
            res->retry = 1;
            return rc;
        }
    }
}

int delivery_drain_leftovers(const struct agent_config *cfg,
                             struct agent_state *st, struct tz_error *err)
{
    char dir[sizeof(st->shown) + 8];
    struct stat sb;
    snprintf(dir, sizeof(dir), "%s/spool", st->shown);
    if (fstatat(st->dirfd, "spool", &sb, AT_SYMLINK_NOFOLLOW) != 0 &&
        errno == ENOENT)
        return 0;                       /* never ran as a daemon */
    struct spool *sp = NULL;
    int rc = spool_openat(st->dirfd, "spool", dir, (size_t)cfg->spool_max, &sp,
                          err);
    if (rc == TZ_EEXIST) {
        char buf[1024];
        tz_log(TZ_LOG_INFO, "not sending the spool: %s",
               tz_error_str(err, buf, sizeof(buf)));
        memset(err, 0, sizeof(*err));
        return 0;
    }
    if (rc != 0)
        return rc;
    size_t n = spool_count(sp);
    struct delivery_result res;
    rc = delivery_drain(cfg, st, sp, NULL, NULL, &res, err);
    if (n > 0)
        tz_log(TZ_LOG_INFO, "spool: %u of %zu report(s) sent, %u dropped",
               res.delivered, n, res.dropped);
    spool_close(sp);
    return rc;
}
