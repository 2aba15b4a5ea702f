/* agent_state — the agent's enrollment, seq and delta base on disk. */
#include "agent_state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

/* The state file is a few hundred bytes; more is not ours. */
#define STATE_MAX 8192

/* Read <dir>/state whole into buf (NUL-terminated); TZ_ENOENT if absent. */
static int read_state(const struct agent_state *st, char *buf, size_t max,
                      struct tz_error *err)
{
    int fd = openat(st->dirfd, "state", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? TZ_ENOENT
                               : tz_err(err, TZ_EIO, st->shown, 0, "cannot open "
                                        "state: %s", strerror(errno));
    size_t got = 0;
    int rc = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, max - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = tz_err(err, TZ_EIO, st->shown, 0, "cannot read state: %s",
                        strerror(errno));
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == max) {
            rc = tz_err(err, TZ_ELIMIT, st->shown, 0, "state is larger than "
                        "%zu bytes: not a state file of tz-agent", max - 1);
            break;
        }
    }
    close(fd);
    buf[got < max ? got : max - 1] = '\0';
    return rc;
}

/* One key=value line of the state file into st. */
static int parse_line(struct agent_state *st, char *line, long lineno,
                      struct tz_error *err)
{
    char *eq = strchr(line, '=');
    if (eq == NULL)
        return tz_err(err, TZ_EPARSE, st->shown, lineno, "state: expected key=value");
    *eq = '\0';
    const char *k = line, *v = eq + 1;
    char *end;
    if (strcmp(k, "agent_id") == 0) {
        errno = 0;
        st->agent_id = strtoull(v, &end, 10);
        if (*end || errno || !*v)
            return tz_err(err, TZ_EPARSE, st->shown, lineno, "state: bad agent_id");
    } else if (strcmp(k, "seq") == 0) {
        errno = 0;
        st->last_seq = strtoull(v, &end, 10);
        if (*end || errno || !*v)
            return tz_err(err, TZ_EPARSE, st->shown, lineno, "state: bad seq");
    } else if (strcmp(k, "epoch") == 0) {
        /* A bad epoch costs one STALE_EPOCH round trip, but a bad line
         * means someone else wrote the file: say so, as for seq. */
        errno = 0;
        st->epoch = strtoull(v, &end, 10);
        if (*end || errno || !*v)
            return tz_err(err, TZ_EPARSE, st->shown, lineno, "state: bad epoch");
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
    return 0;
}

int agent_state_load(int dirfd, const char *shown, const struct tz_keypair *kp,
                     struct agent_state *st, struct tz_error *err)
{
    memset(st, 0, sizeof(*st));
    st->dirfd = dirfd;
    if (snprintf(st->shown, sizeof(st->shown), "%s", shown) >= (int)sizeof(st->shown))
        return tz_err(err, TZ_ELIMIT, shown, 0, "path too long");
    st->kp = *kp;

    char text[STATE_MAX + 1];
    int rc = read_state(st, text, sizeof(text), err);
    if (rc == TZ_ENOENT)
        return 0;                       /* first run: not enrolled yet */
    long lineno = 0;
    for (char *line = text, *next; rc == 0 && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (*line)
            rc = parse_line(st, line, lineno, err);
    }
    sodium_memzero(text, sizeof(text));
    if (rc != 0)
        tz_keypair_wipe(&st->kp);
    return rc;
}

int agent_state_save(const struct agent_state *st, struct tz_error *err)
{
    char buf[2048];
    int n = snprintf(buf, sizeof(buf), "agent_id=%" PRIu64 "\nseq=%" PRIu64
                     "\nepoch=%" PRIu64 "\ndept=%s\n", st->agent_id, st->last_seq,
                     st->epoch, st->dept);
    for (int kind = 1; n > 0 && n < (int)sizeof(buf) && kind < 16; kind++) {
        if (st->hash_len[kind] != 32)
            continue;
        char hex[65];
        tz_hex_encode(st->hash[kind], 32, hex);
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "hash.%d=%s\n", kind, hex);
    }
    if (n < 0 || n >= (int)sizeof(buf))
        return tz_err(err, TZ_ELIMIT, st->shown, 0, "state too long");
    return tz_write_file_atomicat(st->dirfd, st->shown, "state", buf, (size_t)n,
                                  0600, err);
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

int agent_state_rekeyed(struct agent_state *st, struct tz_error *err)
{
    st->agent_id = 0;
    st->dept[0] = '\0';
    st->revoked = 0;
    agent_state_forget_hashes(st);
    return agent_state_save(st, err);
}
