/* fuzz_spool — hostile files in the agent's spool directory.
 *
 * The spool is the agent's own, but spool.h treats its content as hostile:
 * whatever lies there (reports that do not decode, odd names, leftovers of
 * a crash) must be dropped with a log line, never crash the agent or stop it
 * draining in seq order. The input is split at "\n--\n" into three files
 * with fixed names: two well-named reports (seq 7 and 9) and a temp-file
 * leftover. Each run opens the spool, drains it (seqs must rise and every
 * report returned must be one that decodes), then stores and reads back one
 * report of its own. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "spool.h"
#include "tz_log.h"

static char *dir;
static const char *files[] = {"00000000000000000007.report",
                              "00000000000000000009.report",
                              ".00000000000000000008.report.tmp"};
#define N_FILES (sizeof(files) / sizeof(files[0]))
static char paths[N_FILES][FZ_PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tz_log_init("fuzz_spool", TZ_LOG_ERROR);   /* a line per dropped file is expected */
    dir = fz_tmpdir("spool");
    fz_paths(dir, files, N_FILES, paths);
    return 0;
}

/* Remove every entry but the lock, so each input starts from itself. */
static void empty_dir(void)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        abort();
    struct dirent *e;
    char p[FZ_PATH_MAX + 300];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
                                    (e->d_name[1] == '.' && e->d_name[2] == '\0')))
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    empty_dir();
    fz_write_parts(data, size, paths, N_FILES);

    struct spool *sp;
    struct tz_error err = {0};
    if (spool_open(dir, 4, &sp, &err) != 0)
        abort();   /* the directory is ours and unlocked: opening must work */
    uint64_t last = 0, seq;
    Tz__Report *r;
    int rc, drained = 0;
    while ((rc = spool_oldest(sp, &seq, &r, &err)) == 0) {
        if (seq <= last || (seq != 7 && seq != 9) || ++drained > 2)
            abort();
        last = seq;
        protobuf_c_message_free_unpacked(&r->base, NULL);
        if (spool_delete(sp, seq, &err) != 0)
            abort();
    }
    if (rc != TZ_ENOENT || spool_count(sp) != 0)
        abort();

    /* The spool still works after whatever it was given. */
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = "fuzz";
    Tz__Report mine = TZ__REPORT__INIT;
    mine.host = &h;
    if (spool_put(sp, 11, &mine, &err) != 0 || spool_oldest(sp, &seq, &r, &err) != 0 ||
        seq != 11 || r->host == NULL || strcmp(r->host->hostname, "fuzz") != 0)
        abort();
    protobuf_c_message_free_unpacked(&r->base, NULL);
    if (spool_delete(sp, 11, &err) != 0)
        abort();
    spool_close(sp);
    return 0;
}
