/* agent_state — the agent's key, enrollment and seq on disk. */
#include "agent_state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rootfs.h"

static int state_path(const struct agent_state *st, char *buf, size_t len)
{
    return snprintf(buf, len, "%s/state", st->dir) < (int)len ? 0 : TZ_ELIMIT;
}

int agent_state_load(const char *dir, struct agent_state *st,
                     struct tz_error *err)
{
    memset(st, 0, sizeof(*st));
    if (snprintf(st->dir, sizeof(st->dir), "%s", dir) >= (int)sizeof(st->dir))
        return tz_err(err, TZ_ELIMIT, dir, 0, "path too long");
    int rc = tz_mkdirs(dir, 0700, err);
    if (rc == 0)
        rc = tz_keypair_load(dir, "agent", 1, &st->kp, err);
    if (rc != 0)
        return rc;

    char path[1100];
    if (state_path(st, path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, dir, 0, "path too long");
    struct tz_lines lr;
    rc = tz_lines_open(&lr, path, 1024, err);
    if (rc == TZ_ENOENT)
        return 0;                       /* first run: not enrolled yet */
    if (rc != 0)
        return rc;
    char *line;
    while ((rc = tz_lines_next(&lr, &line, NULL, err)) == 1) {
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            rc = tz_err(err, TZ_EPARSE, path, lr.lineno, "expected key=value");
            break;
        }
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        char *end;
        if (strcmp(k, "agent_id") == 0) {
            st->agent_id = strtoull(v, &end, 10);
            if (*end) {
                rc = tz_err(err, TZ_EPARSE, path, lr.lineno, "bad agent_id");
                break;
            }
        } else if (strcmp(k, "seq") == 0) {
            st->last_seq = strtoull(v, &end, 10);
            if (*end) {
                rc = tz_err(err, TZ_EPARSE, path, lr.lineno, "bad seq");
                break;
            }
        } else if (strcmp(k, "dept") == 0) {
            snprintf(st->dept, sizeof(st->dept), "%s", v);
        } else if (strncmp(k, "hash.", 5) == 0) {
            long kind = strtol(k + 5, &end, 10);
            /* A bad hash line only costs one full report: drop it. */
            if (*end == '\0' && kind > 0 && kind < 16 &&
                tz_hex_decode(v, st->hash[kind], 32) == 0)
                st->hash_len[kind] = 32;
        }
        /* Unknown keys are kept for newer versions' sake: ignore them. */
    }
    tz_lines_close(&lr);
    return rc < 0 ? rc : 0;
}

int agent_state_save(const struct agent_state *st, struct tz_error *err)
{
    char path[1100], buf[2048];
    if (state_path(st, path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, st->dir, 0, "path too long");
    int n = snprintf(buf, sizeof(buf), "agent_id=%" PRIu64 "\nseq=%" PRIu64
                     "\ndept=%s\n", st->agent_id, st->last_seq, st->dept);
    for (int kind = 1; n > 0 && n < (int)sizeof(buf) && kind < 16; kind++) {
        if (st->hash_len[kind] != 32)
            continue;
        char hex[65];
        tz_hex_encode(st->hash[kind], 32, hex);
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "hash.%d=%s\n", kind, hex);
    }
    if (n < 0 || n >= (int)sizeof(buf))
        return tz_err(err, TZ_ELIMIT, path, 0, "state too long");
    return tz_write_file_atomic(path, buf, (size_t)n, 0600, err);
}

int agent_state_next_seq(struct agent_state *st, uint64_t *seq,
                         struct tz_error *err)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    uint64_t next = st->last_seq + 1;
    if (now_ms > next)
        next = now_ms;
    uint64_t prev = st->last_seq;
    st->last_seq = next;
    int rc = agent_state_save(st, err);
    if (rc != 0) {
        st->last_seq = prev;
        return rc;
    }
    *seq = next;
    return 0;
}

int agent_state_hash_matches(const struct agent_state *st, int kind,
                             const uint8_t *h, size_t len)
{
    return kind > 0 && kind < 16 && len == 32 && st->hash_len[kind] == 32 &&
           memcmp(st->hash[kind], h, 32) == 0;
}

void agent_state_set_hash(struct agent_state *st, int kind, const uint8_t *h,
                          size_t len)
{
    if (kind <= 0 || kind >= 16 || len != 32)
        return;
    memcpy(st->hash[kind], h, 32);
    st->hash_len[kind] = 32;
}

void agent_state_forget_hashes(struct agent_state *st)
{
    memset(st->hash_len, 0, sizeof(st->hash_len));
}
