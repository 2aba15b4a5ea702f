/* fuzz_common — fixed keys and small helpers shared by the libFuzzer targets.
 *
 * Keys are derived from constant seeds so that a seed corpus sealed once
 * (tests/fuzz/seedgen.c) keeps opening in every later run, and a crash input
 * reproduces in a fresh process. Scratch files live under $TMPDIR, which
 * tests/fuzz/run.sh points at a work dir it removes afterwards. */
#ifndef TZ_FUZZ_COMMON_H
#define TZ_FUZZ_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <sodium.h>

#include "envelope.h"
#include "keys.h"
#include "sections.h"
#include "tz_limits.h"
#include "utf8.h"
#include "validate.h"

/* Which fixed key: the collector, enrolled agents 0..3, a stranger. */
enum { FZ_KEY_COLLECTOR = 'C', FZ_KEY_AGENT = 'A', FZ_KEY_STRANGER = 'S' };

static inline void fz_keypair(int which, struct tz_keypair *kp)
{
    uint8_t seed[crypto_box_SEEDBYTES];
    memset(seed, which, sizeof(seed));
    if (sodium_init() < 0)
        abort();
    crypto_box_seed_keypair(kp->pk, kp->sk, seed);
}

/* Seal plaintext bytes (normally a packed Payload) into a version-1
 * Envelope from agent to collector, with a fixed nonce: deterministic, so a
 * crash input means the same message every time. *out is malloc'd. */
static inline int fz_seal_raw(const uint8_t *plain, size_t len,
                              const struct tz_keypair *agent,
                              const uint8_t collector_pk[TZ_KEY_LEN],
                              uint32_t version, uint8_t **out, size_t *out_len)
{
    uint8_t nonce[crypto_box_NONCEBYTES];
    memset(nonce, 0x4e, sizeof(nonce));
    uint8_t *box = malloc(len + crypto_box_MACBYTES);
    if (box == NULL)
        return -1;
    if (crypto_box_easy(box, plain, len, nonce, collector_pk, agent->sk) != 0) {
        free(box);
        return -1;
    }
    Tz__Envelope env = TZ__ENVELOPE__INIT;
    env.version = version;
    env.agent_pk.data = (uint8_t *)agent->pk;
    env.agent_pk.len = TZ_KEY_LEN;
    env.nonce.data = nonce;
    env.nonce.len = sizeof(nonce);
    env.box.data = box;
    env.box.len = len + crypto_box_MACBYTES;
    size_t elen = tz__envelope__get_packed_size(&env);
    uint8_t *e = malloc(elen ? elen : 1);
    if (e == NULL) {
        free(box);
        return -1;
    }
    tz__envelope__pack(&env, e);
    free(box);
    *out = e;
    *out_len = elen;
    return 0;
}

static char *fz_scratch;

static inline void fz_scratch_remove(void)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fz_scratch);
}

/* A scratch directory under $TMPDIR (or /tmp), made once per process and
 * removed at exit (a crash leaves it for run.sh to remove). */
static inline char *fz_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    if (p == NULL)
        abort();
    snprintf(p, 4096, "%s/tz-fuzz-%s-XXXXXX", base && base[0] ? base : "/tmp", tag);
    if (mkdtemp(p) == NULL) {
        perror("mkdtemp");
        abort();
    }
    fz_scratch = p;
    atexit(fz_scratch_remove);
    return p;
}

/* Replace path's contents with data (truncating). Aborts on error: a fuzz
 * target that cannot write its input is not testing anything. */
static inline void fz_write(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Split data at the separator "\n--\n" (kept out of the parts), at most max
 * parts; the last part takes the rest. Returns the number of parts. */
#define FZ_SEP "\n--\n"
static inline size_t fz_split(const uint8_t *data, size_t len, size_t max,
                              const uint8_t **part, size_t *plen)
{
    size_t n = 0;
    while (n < max) {
        const uint8_t *s = n + 1 < max ? memmem(data, len, FZ_SEP, 4) : NULL;
        part[n] = data;
        if (s == NULL) {
            plen[n++] = len;
            break;
        }
        plen[n++] = (size_t)(s - data);
        len -= (size_t)(s - data) + 4;
        data = s + 4;
    }
    return n;
}

/* The files a collector target fuzzes below its temp root: path[i] is
 * root/rel[i]. */
#define FZ_PATH_MAX 4200
static inline void fz_paths(const char *root, const char *const *rel, size_t n,
                            char (*path)[FZ_PATH_MAX])
{
    for (size_t i = 0; i < n; i++)
        snprintf(path[i], FZ_PATH_MAX, "%s/%s", root, rel[i]);
}

/* Split the input at FZ_SEP and write part i to path[i]; files without a
 * part are left empty, so every run starts from the input alone. */
static inline void fz_write_parts(const uint8_t *data, size_t size,
                                  char (*path)[FZ_PATH_MAX], size_t n)
{
    const uint8_t *part[16];
    size_t plen[16];
    if (n > 16)
        abort();
    size_t got = fz_split(data, size, n, part, plen);
    for (size_t i = 0; i < n; i++)
        fz_write(path[i], i < got ? part[i] : (const uint8_t *)"", i < got ? plen[i] : 0);
}

/* mkdir -p dir/rel (rel relative, '/'-separated). Aborts on error. */
static inline void fz_mkdirs(const char *dir, const char *rel)
{
    char p[4200];
    int n = snprintf(p, sizeof(p), "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= sizeof(p))
        abort();
    for (char *s = p + strlen(dir) + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                perror(p);
                abort();
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
}

/* What the agent does with a collected section before sending it (report.c:
 * repair UTF-8, then validate it as the collector will). A section the
 * collector would refuse is a bug in its collector: the header of every
 * collect_*.c promises strings within tz_limits.h. Aborts with the reason. */
static inline void fz_check_section(int kind, ProtobufCMessage *sec)
{
    tz_pb_repair_text(sec);
    Tz__Report one = TZ__REPORT__INIT;
    *tz_section_slot(&one, kind) = sec;
    char detail[160];
    if (validate_report(&one, detail, sizeof(detail)) != TZ__STATUS__OK) {
        fprintf(stderr, "fuzz: the collector would refuse this %s section: %s\n",
                tz_section_name(kind), detail);
        abort();
    }
}

#endif
