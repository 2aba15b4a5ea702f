/* collect_host — the host section: name, OS release, kernel, machine id.
 *
 * Every source is optional (containers lack machine-id, chroots lack /proc),
 * so a missing file leaves fields empty; only hostile sizes are errors. */
#include "collect_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rootfs.h"
#include "warnlist.h"
#include "utf8.h"
#include "tz_limits.h"

#define OSREL_MAX_LINE  4096
#define OSREL_MAX_LINES 1024

/* Set a string field; empty values keep the init default (no allocation).
 * The wire bounds these fields (tz_limits.h): a longer value is shortened,
 * never refused, and never silently: w gets a warning naming where it came
 * from (what) and how long it was. */
static int put(struct warnlist *w, const char *what, char **field, const char *s)
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
    if (*field != protobuf_c_empty_string)
        free(*field);
    *field = d;
    return 0;
}

/* One shell word as os-release(5) allows it: "..." where backslash escapes
 * $ ` " \, '...' taken literally, bare characters with \ escaping the next.
 * Adjacent pieces concatenate ("a"'b'c). 0 on success, -1 when a quote is
 * not closed (the line is then ignored). out has room for strlen(p) + 1. */
static int shell_word(const char *p, char *out)
{
    size_t n = 0;
    while (*p && *p != ' ' && *p != '\t') {
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                    p++;
                out[n++] = *p++;
            }
            if (*p != '"')
                return -1;
            p++;
        } else if (*p == '\'') {
            p++;
            while (*p && *p != '\'')
                out[n++] = *p++;
            if (*p != '\'')
                return -1;
            p++;
        } else if (*p == '\\') {
            p++;
            if (*p)
                out[n++] = *p++;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return 0;
}

static int read_os_release(const char *root, Tz__HostSection *h,
                           struct warnlist *w,
                           struct tz_error *err)
{
    static const char *const files[] = {"/etc/os-release",
                                        "/usr/lib/os-release"};
    char path[4096];
    struct tz_lines lr;
    int rc = TZ_ENOENT;
    for (size_t i = 0; i < 2 && rc != 0; i++) {
        if (tz_path(root, files[i], path, sizeof(path)) != 0)
            return 0;
        rc = tz_lines_open_in(&lr, root, files[i], OSREL_MAX_LINE, NULL);
        if (rc != 0)
            tz_lines_close(&lr);
    }
    if (rc != 0)
        return 0;       /* no os-release: fields stay empty */

    char *line, *val = malloc(OSREL_MAX_LINE + 1);
    if (val == NULL) {
        tz_lines_close(&lr);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    size_t len;
    while ((rc = tz_lines_next(&lr, &line, &len, err)) > 0) {
        if (lr.lineno > OSREL_MAX_LINES) {
            rc = tz_err(err, TZ_ELIMIT, path, lr.lineno,
                        "more than %d lines; not an os-release file?",
                        OSREL_MAX_LINES);
            break;
        }
        char *s = tz_trim(line);
        char *eq = strchr(s, '=');
        if (s[0] == '#' || eq == NULL)
            continue;
        *eq = '\0';
        char **field = NULL;
        if (strcmp(s, "ID") == 0)
            field = &h->os_id;
        else if (strcmp(s, "NAME") == 0)
            field = &h->os_name;
        else if (strcmp(s, "VERSION_ID") == 0)
            field = &h->os_version;
        else if (strcmp(s, "PRETTY_NAME") == 0)
            field = &h->os_pretty;
        if (field == NULL || shell_word(eq + 1, val) != 0)
            continue;
        char what[80];
        snprintf(what, sizeof(what), "/etc/os-release %s", s);
        if (put(w, what, field, val) != 0) {
            rc = tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
            break;
        }
    }
    free(val);
    tz_lines_close(&lr);
    return rc < 0 ? rc : 0;
}

/* First line of root+rel into buf (TZ_MAX_STR + 1); "" when absent. */
static void line1(const char *root, const char *rel, char *buf)
{
    if (tz_read_line1_in(root, rel, buf, TZ_MAX_STR + 1) != 0)
        buf[0] = '\0';
}

/* Whole seconds of "12345.67 2345.12"; saturates instead of overflowing. */
static uint64_t parse_uptime(const char *s)
{
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return UINT64_MAX;
        v = v * 10 + d;
    }
    return v;
}

static int fill(const char *root, Tz__HostSection *h, struct warnlist *w,
                char *buf, struct tz_error *err)
{
    int rc = read_os_release(root, h, w, err);
    if (rc != 0)
        return rc;
    int live = tz_root_is_live(root);

    if (live) {
        if (gethostname(buf, TZ_MAX_STR) != 0)
            buf[0] = '\0';
        buf[TZ_MAX_STR] = '\0';
    } else {
        line1(root, "/etc/hostname", buf);
    }
    if (strlen(buf) > TZ_MAX_NAME) {
        char path[4096];
        if (live || tz_path(root, "/etc/hostname", path, sizeof(path)) != 0)
            snprintf(path, sizeof(path), "%s", "gethostname");
        return tz_err(err, TZ_EPARSE, path, 0,
                      "hostname longer than %d bytes", TZ_MAX_NAME);
    }
    if (put(w, "hostname", &h->hostname, buf) != 0)
        return TZ_ENOMEM;

    if (live) {
        struct utsname u;
        if (uname(&u) == 0 &&
            (put(w, "uname release", &h->kernel_release, u.release) != 0 ||
             put(w, "uname version", &h->kernel_version, u.version) != 0 ||
             put(w, "uname machine", &h->arch, u.machine) != 0))
            return TZ_ENOMEM;
    } else {
        line1(root, "/proc/sys/kernel/osrelease", buf);
        if (put(w, "/proc/sys/kernel/osrelease", &h->kernel_release, buf) != 0)
            return TZ_ENOMEM;
        line1(root, "/proc/sys/kernel/version", buf);
        if (put(w, "/proc/sys/kernel/version", &h->kernel_version, buf) != 0)
            return TZ_ENOMEM;
        line1(root, "/var/lib/dpkg/arch", buf);
        if (put(w, "/var/lib/dpkg/arch", &h->arch, buf) != 0)
            return TZ_ENOMEM;
    }

    line1(root, "/etc/machine-id", buf);
    if (buf[0] == '\0')
        line1(root, "/var/lib/dbus/machine-id", buf);
    if (put(w, "machine-id", &h->machine_id, buf) != 0)
        return TZ_ENOMEM;

    line1(root, "/proc/uptime", buf);
    h->uptime_s = parse_uptime(buf);
    return 0;
}

int collect_host(const char *root, Tz__HostSection **out, struct tz_error *err)
{
    Tz__HostSection *h = malloc(sizeof(*h));
    char *buf = malloc(TZ_MAX_STR + 1);
    if (h == NULL || buf == NULL) {
        free(h);
        free(buf);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    tz__host_section__init(h);
    struct warnlist w = {NULL, 0, 0};
    int rc = fill(root, h, &w, buf, err);
    free(buf);
    if (rc == 0 && warnlist_take(&w, &h->warnings, &h->n_warnings) != 0)
        rc = TZ_ENOMEM;
    warnlist_free(&w);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&h->base, NULL);
        if (rc == TZ_ENOMEM)
            tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        return rc;
    }
    *out = h;
    return 0;
}
