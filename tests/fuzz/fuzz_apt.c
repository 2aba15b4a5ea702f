/* fuzz_apt — a hostile dpkg status, apt package list, Release file and
 * reboot-required.pkgs through collect_patch.
 *
 * The input is split at "\n--\n" into <root>/var/lib/dpkg/status, a
 * bookworm-security *_Packages list, its *_InRelease and
 * <root>/run/reboot-required.pkgs (run/reboot-required exists). The running
 * kernel is fixed, so the kernel comparison runs too. What comes back must be
 * a section the collector accepts once the agent has repaired its UTF-8. */
#include <stdint.h>
#include <stdlib.h>

#include "collect_patch.h"
#include "fuzz_common.h"

#define LISTS "var/lib/apt/lists/"
static char *root;
static const char *files[] = {
    "var/lib/dpkg/status",
    LISTS "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages",
    LISTS "deb.debian.org_debian-security_dists_bookworm-security_InRelease",
    "run/reboot-required.pkgs"};
#define N_FILES (sizeof(files) / sizeof(files[0]))
static char paths[N_FILES][FZ_PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("apt");
    fz_mkdirs(root, "var/lib/dpkg");
    fz_mkdirs(root, "var/lib/apt/lists");
    fz_mkdirs(root, "run");
    char p[4200];
    snprintf(p, sizeof(p), "%s/run/reboot-required", root);
    fz_write(p, (const uint8_t *)"", 0);
    fz_paths(root, files, N_FILES, paths);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write_parts(data, size, paths, N_FILES);

    Tz__PatchSection *s = NULL;
    struct tz_error err = {0};
    if (collect_patch_running(root, "6.1.0-18-amd64", &s, &err) == 0) {
        if (s == NULL)
            abort();
        fz_check_section(TZ__SECTION_KIND__SECTION_PATCH, &s->base);
        protobuf_c_message_free_unpacked(&s->base, NULL);
    } else if (s != NULL || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
