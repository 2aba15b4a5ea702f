/* lmdb_baseline — the storage limit: report bytes into LMDB, nothing else.
 *
 * The one file outside collector/register_*.c that calls LMDB directly, on
 * purpose: it measures LMDB itself, so the collector's figures can be read as
 * a fraction of what the disk and LMDB allow (DESIGN.md §8 keeps every other
 * caller behind register.h). Same report bytes as loadgen's full reports
 * (report_gen.h), same batch size as the collector's group commit, default
 * durable sync (no MDB_NOSYNC), and the same key shape: an 8-byte big-endian
 * agent id → the packed report, overwritten round robin by --agents agents.
 * Prints reports/s and MB/s and a RESULT line; exits 1 if any put or commit
 * failed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lmdb.h>

#include "report_gen.h"
#include "tz_error.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || v == 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    size_t count = 5000, agents = 200, batch = 256, npkgs = 1500;
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'c'},
        {"agents", required_argument, NULL, 'a'},
        {"batch", required_argument, NULL, 'b'},
        {"packages", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch, bad = 0;
    while ((ch = getopt_long(argc, argv, "d:c:a:b:p:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': dir = optarg; break;
        case 'c': bad |= parse_size(optarg, &count); break;
        case 'a': bad |= parse_size(optarg, &agents); break;
        case 'b': bad |= parse_size(optarg, &batch); break;
        case 'p': bad |= parse_size(optarg, &npkgs); break;
        case 'h':
        default: bad = 1; break;
        }
    }
    if (bad || dir == NULL || optind != argc) {
        fprintf(stderr, "usage: lmdb_baseline --dir DIR [--count N] [--agents N] "
                        "[--batch N] [--packages N]\n");
        return 2;
    }

    struct tz_error err = {0};
    char ebuf[1024];
    struct gen_base *base;
    if (gen_base_load(npkgs, &base, &err) != 0) {
        fprintf(stderr, "lmdb_baseline: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        return 1;
    }
    uint8_t **rep = calloc(agents, sizeof(*rep));
    size_t *rlen = calloc(agents, sizeof(*rlen));
    if (rep == NULL || rlen == NULL)
        return 1;
    for (size_t i = 0; i < agents; i++) {
        struct gen_sections s;
        if (gen_agent_sections(base, (uint32_t)i, &s, &err) != 0 ||
            gen_report_pack(&s, GEN_ALL_SECTIONS, (int64_t)time(NULL), &rep[i],
                            &rlen[i]) != 0) {
            fprintf(stderr, "lmdb_baseline: building reports failed\n");
            return 1;
        }
        gen_sections_free(&s);
    }
    gen_base_free(base);

    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    int rc;
    mkdir(dir, 0700);
    if ((rc = mdb_env_create(&env)) != 0 ||
        (rc = mdb_env_set_mapsize(env, (size_t)4 << 30)) != 0 ||
        (rc = mdb_env_set_maxdbs(env, 4)) != 0 ||
        (rc = mdb_env_open(env, dir, MDB_NOTLS, 0600)) != 0 ||
        (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
        (rc = mdb_dbi_open(txn, "hosts", MDB_CREATE, &dbi)) != 0 ||
        (rc = mdb_txn_commit(txn)) != 0) {
        fprintf(stderr, "lmdb_baseline: %s: %s\n", dir, mdb_strerror(rc));
        return 1;
    }

    size_t done = 0, failed = 0, txns = 0;
    uint64_t bytes = 0;
    double t0 = now_s();
    while (done < count) {
        if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
            fprintf(stderr, "lmdb_baseline: begin: %s\n", mdb_strerror(rc));
            failed++;
            break;
        }
        size_t n = count - done < batch ? count - done : batch;
        for (size_t j = 0; j < n; j++) {
            size_t a = (done + j) % agents;
            uint8_t kb[8];
            for (int b = 0; b < 8; b++)
                kb[b] = (uint8_t)((uint64_t)(a + 1) >> (56 - 8 * b));
            MDB_val k = {sizeof(kb), kb}, v = {rlen[a], rep[a]};
            if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0) {
                fprintf(stderr, "lmdb_baseline: put: %s\n", mdb_strerror(rc));
                failed++;
            }
            bytes += rlen[a];
        }
        if ((rc = mdb_txn_commit(txn)) != 0) {
            fprintf(stderr, "lmdb_baseline: commit: %s\n", mdb_strerror(rc));
            failed++;
            break;
        }
        txns++;
        done += n;
    }
    double secs = now_s() - t0;
    if (secs <= 0)
        secs = 1e-9;
    mdb_env_close(env);
    printf("lmdb baseline: %zu reports (%.1f KB each) in %zu transactions of up to "
           "%zu, %.2f s = %.0f reports/s, %.1f MB/s\n", done,
           (double)bytes / (double)(done ? done : 1) / 1024.0, txns, batch, secs,
           (double)done / secs, (double)bytes / secs / 1e6);
    printf("RESULT mode=lmdb reports=%zu seconds=%.3f rps=%.1f mbps=%.2f "
           "batch=%zu not_ok=%zu\n", done, secs, (double)done / secs,
           (double)bytes / secs / 1e6, batch, failed);
    for (size_t i = 0; i < agents; i++)
        free(rep[i]);
    free(rep);
    free(rlen);
    return failed || done != count ? 1 : 0;
}
