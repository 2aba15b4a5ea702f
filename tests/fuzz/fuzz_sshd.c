/* fuzz_sshd — a hostile sshd_config and the files it Includes through
 * collect_sshd.
 *
 * The input is split at "\n--\n" into <root>/etc/ssh/sshd_config and two
 * files of <root>/etc/ssh/sshd_config.d (the seeds Include them, as Debian's
 * default config does). What comes back must be a section the collector
 * accepts once the agent has repaired its UTF-8, or that host's ssh settings
 * could never be reported. */
#include <stdint.h>
#include <stdlib.h>

#include "collect_sshd.h"
#include "fuzz_common.h"

static char *root;
static const char *files[] = {"etc/ssh/sshd_config", "etc/ssh/sshd_config.d/a.conf",
                              "etc/ssh/sshd_config.d/b.conf"};
#define N_FILES (sizeof(files) / sizeof(files[0]))
static char paths[N_FILES][FZ_PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("sshd");
    fz_mkdirs(root, "etc/ssh/sshd_config.d");
    fz_paths(root, files, N_FILES, paths);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write_parts(data, size, paths, N_FILES);

    Tz__SshSection *s = NULL;
    struct tz_error err = {0};
    if (collect_sshd(root, &s, &err) == 0) {
        if (s == NULL || !s->found)
            abort();
        fz_check_section(TZ__SECTION_KIND__SECTION_SSH, &s->base);
        protobuf_c_message_free_unpacked(&s->base, NULL);
    } else if (s != NULL || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
