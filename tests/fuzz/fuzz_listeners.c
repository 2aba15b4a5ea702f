/* fuzz_listeners — hostile /proc/net/{tcp,tcp6,udp,udp6} and a process name
 * through collect_listeners.
 *
 * The input is split at "\n--\n" into the four tables under <root>/proc/net
 * and <root>/proc/4242/comm; /proc/4242/fd holds links to socket:[1000] and
 * socket:[2000] and /proc/77/fd one to socket:[1000], so inodes the fuzzer
 * finds get owners. A --root snapshot is anyone's to shape; the section must
 * still be one the collector accepts once the agent has repaired its UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "collect_listeners.h"
#include "fuzz_common.h"

static char *root;
static const char *files[] = {"proc/net/tcp", "proc/net/tcp6", "proc/net/udp",
                              "proc/net/udp6", "proc/4242/comm"};
#define N_FILES (sizeof(files) / sizeof(files[0]))
static char paths[N_FILES][FZ_PATH_MAX];

static void link_to(const char *rel, const char *target)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    if (symlink(target, p) != 0) {
        perror(p);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("listeners");
    fz_mkdirs(root, "proc/net");
    fz_mkdirs(root, "proc/4242/fd");
    fz_mkdirs(root, "proc/77/fd");
    link_to("proc/4242/fd/3", "socket:[1000]");
    link_to("proc/4242/fd/4", "socket:[2000]");
    link_to("proc/77/fd/5", "socket:[1000]");
    char p[4200];
    snprintf(p, sizeof(p), "%s/proc/77/comm", root);
    fz_write(p, (const uint8_t *)"sshd\n", 5);
    fz_paths(root, files, N_FILES, paths);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write_parts(data, size, paths, N_FILES);

    Tz__ListenersSection *s = NULL;
    struct tz_error err = {0};
    if (collect_listeners(root, &s, &err) == 0) {
        if (s == NULL)
            abort();
        for (size_t i = 0; i < s->n_listeners; i++) {
            const Tz__Listener *l = s->listeners[i];
            if (l->pid != 0 && l->pid != 77 && l->pid != 4242)
                abort();    /* only the planted processes own sockets */
        }
        fz_check_section(TZ__SECTION_KIND__SECTION_LISTENERS, &s->base);
        protobuf_c_message_free_unpacked(&s->base, NULL);
    } else if (s != NULL || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
