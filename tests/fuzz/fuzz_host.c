/* fuzz_host — hostile os-release, cpuinfo, meminfo, hostname and if_inet6
 * under a temp root, through collect_host, collect_hardware,
 * collect_interfaces and the agent's whole report_collect.
 *
 * The input is split at "\n--\n" into those five files. A department user
 * with root on their own machine controls all of them; what the agent makes
 * of them must still be a report the collector accepts (report_collect
 * repairs UTF-8; validate_report is the collector's check), or that host
 * could never report again. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "collect_dpkg.h"
#include "collect_hardware.h"
#include "collect_host.h"
#include "collect_interfaces.h"
#include "fuzz_common.h"
#include "report.h"
#include "validate.h"

static char *root;
static const char *files[] = {"etc/os-release", "proc/cpuinfo", "proc/meminfo",
                              "etc/hostname", "proc/net/if_inet6"};
#define N_FILES (sizeof(files) / sizeof(files[0]))
static char paths[N_FILES][FZ_PATH_MAX];

static void mk(const char *rel)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    mkdir(p, 0755);
}

static void put(const char *rel, const char *s)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    fz_write(p, (const uint8_t *)s, strlen(s));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("host");
    const char *dirs[] = {"etc", "proc", "proc/net", "sys", "sys/class",
                          "sys/class/net", "sys/class/net/eth0", "var",
                          "var/lib", "var/lib/dpkg"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        mk(dirs[i]);
    put("sys/class/net/eth0/address", "52:54:00:12:34:56\n");
    put("sys/class/net/eth0/mtu", "1500\n");
    put("sys/class/net/eth0/operstate", "up\n");
    put("sys/class/net/eth0/type", "1\n");
    put("var/lib/dpkg/status", "Package: a\nStatus: install ok installed\n"
                               "Version: 1\n");
    fz_paths(root, files, N_FILES, paths);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write_parts(data, size, paths, N_FILES);

    struct tz_error err = {0};
    Tz__HostSection *h = NULL;
    if (collect_host(root, &h, &err) == 0)
        protobuf_c_message_free_unpacked(&h->base, NULL);
    Tz__HardwareSection *w = NULL;
    if (collect_hardware(root, &w, &err) == 0)
        protobuf_c_message_free_unpacked(&w->base, NULL);
    Tz__InterfacesSection *is = NULL;
    if (collect_interfaces(root, &is, &err) == 0)
        protobuf_c_message_free_unpacked(&is->base, NULL);

    Tz__Report *r = NULL;
    if (report_collect(root, &r, &err) == 0) {
        char detail[160];
        if (validate_report(r, detail, sizeof(detail)) != TZ__STATUS__OK) {
            fprintf(stderr, "fuzz_host: the collector would refuse this report: %s\n",
                    detail);
            abort();
        }
        protobuf_c_message_free_unpacked(&r->base, NULL);
    }
    return 0;
}
