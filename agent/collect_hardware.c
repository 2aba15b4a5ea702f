/* collect_hardware — the hardware section from /proc and DMI sysfs.
 *
 * cpuinfo is read block by block ("processor" starts one) so that the order
 * of "physical id" and "cpu cores" inside a block does not matter. */
#include "collect_hardware.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warnlist.h"
#include "rootfs.h"
#include "utf8.h"
#include "tz_limits.h"

#define INFO_MAX_LINE  (64u << 10)
#define INFO_MAX_LINES (1L << 20)
#define MAX_SOCKETS    4096

struct socket {
    unsigned long id;
    uint64_t cores;       /* its "cpu cores", 0 when never given */
    uint64_t logical;     /* processors seen in it */
};

struct cpuinfo {
    char model[TZ_MAX_STR + 1];
    uint64_t logical;
    struct socket *sockets;
    size_t n_sockets;
    long nophys_cores;    /* "cpu cores" of a block without physical id */
    int in_block;
    long block_phys;      /* -1: none in this block */
    long block_cores;     /* -1: none in this block */
};

/* The wire bounds these fields (tz_limits.h): a longer value is shortened,
 * never refused, and never silently: w gets a warning naming its source. */
static int set_str(struct warnlist *w, const char *what, char **field,
                   const char *s)
{
    if (s == NULL || s[0] == '\0')
        return 0;
    size_t len = strlen(s);
    if (len > TZ_MAX_NAME &&
        warnlist_add(w, NULL, 0, "%s is %zu bytes: shortened to the first %d",
                     what, len, TZ_MAX_NAME) == TZ_ENOMEM)
        return TZ_ENOMEM;
    char *d = tz_strdup_bounded(s, TZ_MAX_NAME);
    if (d == NULL)
        return TZ_ENOMEM;
    *field = d;
    return 0;
}

/* Decimal prefix of s, -1 when s does not start with a digit; saturates. */
static long parse_num(const char *s)
{
    if (*s < '0' || *s > '9')
        return -1;
    long v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (INT32_MAX - 9) / 10)
            return INT32_MAX;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static uint32_t clamp32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Close the current processor block: account its socket. */
static int end_block(struct cpuinfo *ci, const char *path, long line,
                     struct tz_error *err)
{
    if (!ci->in_block)
        return 0;
    ci->in_block = 0;
    if (ci->block_phys < 0) {
        if (ci->block_cores >= 0 && ci->nophys_cores < 0)
            ci->nophys_cores = ci->block_cores;
        return 0;
    }
    struct socket *s = NULL;
    for (size_t i = 0; i < ci->n_sockets; i++)
        if (ci->sockets[i].id == (unsigned long)ci->block_phys)
            s = &ci->sockets[i];
    if (s == NULL) {
        if (ci->n_sockets >= MAX_SOCKETS)
            return tz_err(err, TZ_ELIMIT, path, line,
                          "more than %d distinct physical ids", MAX_SOCKETS);
        s = &ci->sockets[ci->n_sockets++];
        s->id = (unsigned long)ci->block_phys;
        s->cores = 0;
        s->logical = 0;
    }
    s->logical++;
    if (s->cores == 0 && ci->block_cores > 0)
        s->cores = (uint64_t)ci->block_cores;
    return 0;
}

static int read_cpuinfo(const char *root, struct cpuinfo *ci,
                        struct tz_error *err)
{
    char path[4096];
    struct tz_lines lr;
    if (tz_path(root, "/proc/cpuinfo", path, sizeof(path)) != 0)
        return 0;
    if (tz_lines_open_in(&lr, root, "/proc/cpuinfo", INFO_MAX_LINE, NULL) != 0) {
        tz_lines_close(&lr);
        return 0;       /* no /proc in this root: fields stay empty */
    }
    char *line;
    size_t len;
    int rc;
    while ((rc = tz_lines_next(&lr, &line, &len, err)) > 0) {
        if (lr.lineno > INFO_MAX_LINES) {
            rc = tz_err(err, TZ_ELIMIT, path, lr.lineno,
                        "more than %ld lines", INFO_MAX_LINES);
            break;
        }
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        char *key = tz_trim(line);
        char *val = tz_trim(colon + 1);
        if (strcmp(key, "processor") == 0) {
            if ((rc = end_block(ci, path, lr.lineno, err)) != 0)
                break;
            ci->in_block = 1;
            ci->block_phys = -1;
            ci->block_cores = -1;
            ci->logical++;
        } else if (strcmp(key, "model name") == 0) {
            if (ci->model[0] == '\0')
                snprintf(ci->model, sizeof(ci->model), "%s", val);
        } else if (strcmp(key, "physical id") == 0) {
            ci->block_phys = parse_num(val);
        } else if (strcmp(key, "cpu cores") == 0) {
            ci->block_cores = parse_num(val);
        }
    }
    if (rc == 0)
        rc = end_block(ci, path, lr.lineno, err);
    tz_lines_close(&lr);
    return rc;
}

static int read_memtotal(const char *root, uint64_t *kb, struct tz_error *err)
{
    char path[4096];
    struct tz_lines lr;
    if (tz_path(root, "/proc/meminfo", path, sizeof(path)) != 0)
        return 0;
    if (tz_lines_open_in(&lr, root, "/proc/meminfo", INFO_MAX_LINE, NULL) != 0) {
        tz_lines_close(&lr);
        return 0;
    }
    char *line;
    size_t len;
    int rc;
    while ((rc = tz_lines_next(&lr, &line, &len, err)) > 0) {
        if (strncmp(line, "MemTotal:", 9) != 0)
            continue;
        const char *s = line + 9;
        while (*s == ' ' || *s == '\t')
            s++;
        uint64_t v = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (v > (UINT64_MAX - 9) / 10)
                break;
            v = v * 10 + (uint64_t)(*s - '0');
        }
        *kb = v;
        rc = 0;
        break;
    }
    tz_lines_close(&lr);
    return rc;
}

/* Offsets in rootfacts_dmi_files' order: the privsep child reads the same
 * files for an agent without root. */
static const size_t dmi_off[ROOTFACTS_N_DMI] = {
    offsetof(Tz__HardwareSection, sys_vendor),
    offsetof(Tz__HardwareSection, product_name),
    offsetof(Tz__HardwareSection, product_serial),
    offsetof(Tz__HardwareSection, product_uuid),
    offsetof(Tz__HardwareSection, board_vendor),
    offsetof(Tz__HardwareSection, board_name),
    offsetof(Tz__HardwareSection, bios_vendor),
    offsetof(Tz__HardwareSection, bios_version),
    offsetof(Tz__HardwareSection, bios_date),
    offsetof(Tz__HardwareSection, chassis_type),
};

static int read_dmi(const char *root, const struct rootfacts *facts,
                    Tz__HardwareSection *hw, struct warnlist *w, char *buf)
{
    char rel[128];
    for (size_t i = 0; i < ROOTFACTS_N_DMI; i++) {
        char **field = (char **)((char *)hw + dmi_off[i]);
        snprintf(rel, sizeof(rel), "/sys/class/dmi/id/%s",
                 rootfacts_dmi_files[i]);
        if (tz_read_line1_in(root, rel, buf, TZ_MAX_STR + 1) != 0)
            buf[0] = '\0';   /* root-only or absent: leave empty */
        if (buf[0] == '\0' && facts)
            snprintf(buf, TZ_MAX_STR + 1, "%s", facts->dmi[i]);
        if (set_str(w, rel, field, buf) != 0)
            return TZ_ENOMEM;
    }
    return 0;
}

static int fill(const char *root, const struct rootfacts *facts,
                Tz__HardwareSection *hw, struct cpuinfo *ci, struct warnlist *w,
                struct tz_error *err)
{
    int rc = read_cpuinfo(root, ci, err);
    if (rc != 0)
        return rc;
    if (set_str(w, "/proc/cpuinfo model name", &hw->cpu_model, ci->model) != 0)
        return TZ_ENOMEM;
    hw->cpu_logical = clamp32(ci->logical);
    if (ci->n_sockets > 0) {
        uint64_t cores = 0;
        for (size_t i = 0; i < ci->n_sockets; i++)
            cores += ci->sockets[i].cores ? ci->sockets[i].cores
                                          : ci->sockets[i].logical;
        hw->cpu_sockets = clamp32(ci->n_sockets);
        hw->cpu_cores = clamp32(cores);
    } else if (ci->logical > 0) {
        hw->cpu_sockets = 1;
        hw->cpu_cores = ci->nophys_cores > 0 ? clamp32((uint64_t)ci->nophys_cores)
                                             : clamp32(ci->logical);
    }
    if ((rc = read_memtotal(root, &hw->mem_total_kb, err)) != 0)
        return rc;
    /* ci->model is free again: reuse it as the DMI line buffer */
    return read_dmi(root, facts, hw, w, ci->model);
}

int collect_hardware(const char *root, Tz__HardwareSection **out,
                     struct tz_error *err)
{
    return collect_hardware_with(root, NULL, out, err);
}

int collect_hardware_with(const char *root, const struct rootfacts *facts,
                          Tz__HardwareSection **out, struct tz_error *err)
{
    Tz__HardwareSection *hw = malloc(sizeof(*hw));
    struct cpuinfo *ci = calloc(1, sizeof(*ci));
    struct socket *sockets = malloc(MAX_SOCKETS * sizeof(*sockets));
    if (hw == NULL || ci == NULL || sockets == NULL) {
        free(hw);
        free(ci);
        free(sockets);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    tz__hardware_section__init(hw);
    ci->sockets = sockets;
    ci->nophys_cores = -1;
    struct warnlist w = {NULL, 0, 0};
    int rc = fill(root, facts, hw, ci, &w, err);
    free(sockets);
    free(ci);
    if (rc == 0 && warnlist_take(&w, &hw->warnings, &hw->n_warnings) != 0)
        rc = TZ_ENOMEM;
    warnlist_free(&w);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&hw->base, NULL);
        if (rc == TZ_ENOMEM)
            tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        return rc;
    }
    *out = hw;
    return 0;
}
