/* fuzz_accounts — hostile passwd, shadow, group and sudoers through
 * collect_accounts, in-process (no privsep child), as `tz-agent --print`
 * runs it.
 *
 * The input is split at "\n--\n" into <root>/etc/passwd, shadow, group,
 * sudoers and sudoers.d/local. The weak-password check runs on whatever
 * hashes the fuzzer writes, bounded to 2 candidates and 50 ms an account
 * (200 ms in all) so that it stays cheap; no dictionary. What comes back must
 * be a section the collector accepts once the agent has repaired its UTF-8:
 * the header promises valid UTF-8 within tz_limits.h. */
#include <stdint.h>
#include <stdlib.h>

#include "collect_accounts.h"
#include "fuzz_common.h"

static char *root;
static const char *files[] = {"etc/passwd", "etc/shadow", "etc/group", "etc/sudoers",
                              "etc/sudoers.d/local"};
#define N_FILES (sizeof(files) / sizeof(files[0]))
static char paths[N_FILES][FZ_PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("accounts");
    fz_mkdirs(root, "etc/sudoers.d");
    fz_paths(root, files, N_FILES, paths);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write_parts(data, size, paths, N_FILES);

    struct weakpw_limits lim = {.max_candidates = 2, .max_ms = 50, .max_total_ms = 200};
    Tz__AccountsSection *s = NULL;
    struct tz_error err = {0};
    if (collect_accounts(root, NULL, &lim, NULL, &s, &err) == 0) {
        if (s == NULL)
            abort();
        fz_check_section(TZ__SECTION_KIND__SECTION_ACCOUNTS, &s->base);
        protobuf_c_message_free_unpacked(&s->base, NULL);
    } else if (s != NULL || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
