/* collect_sshd — global sshd settings, read as sshd reads its configuration.
 *
 * Getting "first value wins", Include and Match right matters more than
 * covering every keyword: a report that says "PasswordAuthentication no"
 * because it read a Match block, or a later duplicate, is worse than none. */
#include "collect_sshd.h"

#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rootfs.h"
#include "tz_limits.h"
#include "warnlist.h"

#define SSHDIR "/etc/ssh"
#define MAX_ARGS 64

struct sshd {
    const char *root;
    int live;
    char prl[32];            /* PermitRootLogin, "" while unset */
    int pwauth, empty;       /* -1 while unset */
    uint32_t ports[TZ_MAX_SMALL_LIST];
    size_t n_ports;
    int ports_full;          /* the bound was hit and warned about */
    char **files;
    size_t n_files;
    int files_full;
    struct warnlist w;
    struct tz_error *err;
};

static int nomem(struct sshd *s)
{
    return tz_err(s->err, TZ_ENOMEM, NULL, 0, "out of memory");
}

#define warn(s, file, line, ...)                                               \
    (warnlist_add(&(s)->w, file, line, __VA_ARGS__) ? nomem(s) : 0)

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

/* Split s in place into words like sshd's argv_split: quotes ("..." or
 * '...') group, a backslash inside quotes escapes the next quote or
 * backslash, and a word starting with '#' ends the line. Returns the word
 * count, or -1 on an unterminated quote or more than MAX_ARGS words. */
static int split_args(char *s, char **av)
{
    int ac = 0;
    char *o = s;
    while (*s) {
        while (is_ws(*s))
            s++;
        if (*s == '\0' || *s == '#')
            break;
        if (ac == MAX_ARGS)
            return -1;
        char *start = o;
        while (*s && !is_ws(*s)) {
            if (*s == '"' || *s == '\'') {
                char q = *s++;
                while (*s && *s != q) {
                    if (*s == '\\' && (s[1] == q || s[1] == '\\'))
                        s++;
                    *o++ = *s++;
                }
                if (*s != q)
                    return -1;
                s++;
            } else {
                *o++ = *s++;
            }
        }
        /* o trails s (quotes are consumed, not copied), so the NUL lands
         * on a byte already read: the separator or the final NUL */
        char *next = *s ? s + 1 : s;
        *o++ = '\0';
        av[ac++] = start;
        s = next;
    }
    return ac;
}

static const char *yes_no(const char *v)
{
    if (strcasecmp(v, "yes") == 0)
        return "yes";
    if (strcasecmp(v, "no") == 0)
        return "no";
    return NULL;
}

static const char *root_login(const char *v)
{
    if (strcasecmp(v, "yes") == 0)
        return "yes";
    if (strcasecmp(v, "no") == 0)
        return "no";
    if (strcasecmp(v, "prohibit-password") == 0 ||
        strcasecmp(v, "without-password") == 0)
        return "prohibit-password";
    if (strcasecmp(v, "forced-commands-only") == 0)
        return "forced-commands-only";
    return NULL;
}

/* sshd's a2port: a decimal number 1..65535, nothing else. */
static long parse_port(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 5)
        return -1;
    long p = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        p = p * 10 + (v[i] - '0');
    }
    return p >= 1 && p <= 65535 ? p : -1;
}

static int add_port(struct sshd *s, long port, const char *file, long line)
{
    for (size_t i = 0; i < s->n_ports; i++)
        if (s->ports[i] == (uint32_t)port)
            return 0;
    if (s->n_ports == TZ_MAX_SMALL_LIST) {
        if (s->ports_full++)
            return 0;
        return warn(s, file, line, "more than %d ports; the rest not listed",
                    TZ_MAX_SMALL_LIST);
    }
    s->ports[s->n_ports++] = (uint32_t)port;
    return 0;
}

static int read_file(struct sshd *s, const char *host, int *active,
                     int nevermatch, int depth, int is_main);

/* True when the path has a ".." component: under a foreign root it could
 * climb out of the root and read the collecting host's files. */
static int has_dotdot(const char *p)
{
    for (const char *q = p; (q = strstr(q, "..")) != NULL; q += 2)
        if ((q == p || q[-1] == '/') && (q[2] == '\0' || q[2] == '/'))
            return 1;
    return 0;
}

/* glob(3) of a host path below root: its directory callbacks open through
 * tz_root_opendir and tz_root_stat, so a link in the image resolves inside
 * it, and the matches are host paths. glob takes no context: the root is
 * passed beside it, per thread. */
static _Thread_local const char *glob_root;

static void *glob_opendir(const char *p)
{
    return tz_root_opendir(glob_root, p);
}

static struct dirent *glob_readdir(void *d)
{
    return readdir(d);
}

static void glob_closedir(void *d)
{
    closedir(d);
}

static int glob_stat(const char *p, struct stat *st)
{
    return tz_root_stat(glob_root, p, st, 0);
}

static int glob_lstat(const char *p, struct stat *st)
{
    return tz_root_stat(glob_root, p, st, 1);
}

static int root_glob(const char *root, const char *pattern, glob_t *g)
{
    memset(g, 0, sizeof(*g));
    g->gl_opendir = glob_opendir;
    g->gl_readdir = glob_readdir;
    g->gl_closedir = glob_closedir;
    g->gl_stat = glob_stat;
    g->gl_lstat = glob_lstat;
    glob_root = root;
    int rc = glob(pattern, GLOB_ALTDIRFUNC, NULL, g);
    glob_root = NULL;
    return rc;
}

static int include(struct sshd *s, const char *file, long line, char **av,
                   int ac, int *active, int depth)
{
    int rc = 0;
    for (int i = 0; i < ac && rc == 0; i++) {
        char host[4096];
        if (av[i][0] == '~') {
            rc = warn(s, file, line, "Include \"%s\": ~ paths are not "
                                     "followed", av[i]);
            continue;
        }
        int k = av[i][0] == '/'
                    ? snprintf(host, sizeof(host), "%s", av[i])
                    : snprintf(host, sizeof(host), "%s/%s", SSHDIR, av[i]);
        if (k < 0 || (size_t)k >= sizeof(host)) {
            rc = warn(s, file, line, "Include path too long; not followed");
            continue;
        }
        if (!s->live && has_dotdot(host)) {
            rc = warn(s, file, line, "Include \"%s\": \"..\" is not followed "
                                     "below a root", av[i]);
            continue;
        }
        glob_t g;
        int grc = root_glob(s->root, host, &g);
        if (grc == GLOB_NOMATCH)
            continue;        /* an empty sshd_config.d is not an error */
        if (grc != 0) {
            rc = grc == GLOB_NOSPACE ? nomem(s)
                                     : warn(s, file, line, "Include \"%s\": "
                                            "glob failed", av[i]);
            globfree(&g);
            continue;
        }
        for (size_t j = 0; j < g.gl_pathc && rc == 0; j++) {
            const char *h = g.gl_pathv[j];
            if (depth + 1 > TZ_SSHD_MAX_DEPTH) {
                rc = warn(s, file, line, "Include of %s nested deeper than %d; "
                          "not followed", h, TZ_SSHD_MAX_DEPTH);
                continue;
            }
            int oactive = *active;
            rc = read_file(s, h, active, !oactive, depth + 1, 0);
            *active = oactive;   /* a Match inside ends with its file */
        }
        globfree(&g);
    }
    return rc;
}

static int line_(struct sshd *s, const char *file, long line, char *text,
                 int *active, int nevermatch, int depth)
{
    char *p = text;
    while (is_ws(*p))
        p++;
    if (*p == '\0' || *p == '#')
        return 0;
    char *kw = p;
    while (*p && !is_ws(*p) && *p != '=')
        p++;
    char *kw_end = p;
    while (is_ws(*p))
        p++;
    if (*p == '=')
        p++;
    *kw_end = '\0';

    enum { K_OTHER, K_INCLUDE, K_MATCH, K_PORT, K_PRL, K_PWAUTH, K_EMPTY } k;
    if (strcasecmp(kw, "Include") == 0)
        k = K_INCLUDE;
    else if (strcasecmp(kw, "Match") == 0)
        k = K_MATCH;
    else if (strcasecmp(kw, "Port") == 0)
        k = K_PORT;
    else if (strcasecmp(kw, "PermitRootLogin") == 0)
        k = K_PRL;
    else if (strcasecmp(kw, "PasswordAuthentication") == 0)
        k = K_PWAUTH;
    else if (strcasecmp(kw, "PermitEmptyPasswords") == 0)
        k = K_EMPTY;
    else
        return 0;

    char *av[MAX_ARGS];
    int ac = split_args(p, av);
    if (ac < 0)
        return warn(s, file, line, "%s: invalid quotes or too many values; "
                                   "line ignored", kw);
    if (ac == 0)
        return warn(s, file, line, "%s without a value; line ignored", kw);

    switch (k) {
    case K_INCLUDE:
        return include(s, file, line, av, ac, active, depth);
    case K_MATCH: {
        int result = 0;
        if (strcasecmp(av[0], "all") == 0) {
            if (ac == 1)
                result = 1;
            else if (warn(s, file, line, "\"Match all\" takes no other "
                                         "criteria") != 0)
                return TZ_ENOMEM;
        }
        /* other criteria depend on the connection: never global */
        *active = nevermatch ? 0 : result;
        return 0;
    }
    default:
        break;
    }
    if (ac > 1)
        return warn(s, file, line, "%s: extra values after \"%s\"; line "
                                   "ignored", kw, av[0]);
    switch (k) {
    case K_PORT: {
        long port = parse_port(av[0]);
        if (port < 0)
            return warn(s, file, line, "bad port \"%s\"; line ignored", av[0]);
        if (!*active)
            return warn(s, file, line, "Port is not allowed in a Match block; "
                                       "line ignored");
        return add_port(s, port, file, line);
    }
    case K_PRL: {
        const char *v = root_login(av[0]);
        if (v == NULL)
            return warn(s, file, line, "unknown PermitRootLogin value \"%s\"; "
                                       "line ignored", av[0]);
        if (*active && s->prl[0] == '\0')
            snprintf(s->prl, sizeof(s->prl), "%s", v);
        return 0;
    }
    default: {
        const char *v = yes_no(av[0]);
        if (v == NULL)
            return warn(s, file, line, "%s must be yes or no, not \"%s\"; line "
                        "ignored", k == K_PWAUTH ? "PasswordAuthentication"
                                                 : "PermitEmptyPasswords",
                        av[0]);
        int *dst = k == K_PWAUTH ? &s->pwauth : &s->empty;
        if (*active && *dst < 0)
            *dst = v[0] == 'y';
        return 0;
    }
    }
}

static int read_file(struct sshd *s, const char *host, int *active,
                     int nevermatch, int depth, int is_main)
{
    char path[4096];
    if (tz_path(s->root, host, path, sizeof(path)) != 0) {
        if (is_main)
            return tz_err(s->err, TZ_ELIMIT, NULL, 0, "root path too long");
        return warn(s, host, 0, "path too long; not read");
    }
    if (s->n_files == TZ_MAX_SMALL_LIST) {
        if (s->files_full++)
            return 0;
        return warn(s, host, 0, "more than %d configuration files; not read",
                    TZ_MAX_SMALL_LIST);
    }
    struct tz_lines lr;
    struct tz_error e;
    int rc = tz_lines_open_in(&lr, s->root, host, TZ_SSHD_MAX_LINE, &e);
    if (rc != 0) {
        tz_lines_close(&lr);
        if (is_main && rc == TZ_ENOENT)
            return TZ_ENOENT;
        if (is_main)
            return tz_err(s->err, rc == TZ_ENOMEM ? TZ_ENOMEM : TZ_EIO, path, 0,
                          "%s", e.msg);
        return warn(s, host, 0, "cannot read: %s", e.msg);
    }
    char *dup = strdup(host);
    if (dup == NULL) {
        tz_lines_close(&lr);
        return nomem(s);
    }
    s->files[s->n_files++] = dup;

    char *line;
    size_t len;
    int done = 0;    /* our own failure (out of memory): stop everything */
    while (done == 0 && (rc = tz_lines_next(&lr, &line, &len, &e)) > 0) {
        if (lr.lineno > TZ_SSHD_MAX_LINES) {
            done = warn(s, host, lr.lineno, "more than %d lines; rest not read",
                        TZ_SSHD_MAX_LINES);
            rc = 0;
            break;
        }
        if (memchr(line, '\0', len) != NULL)
            done = warn(s, host, lr.lineno, "NUL byte in line; line ignored");
        else
            done = line_(s, host, lr.lineno, line, active, nevermatch, depth);
    }
    long next = lr.lineno + 1;
    tz_lines_close(&lr);
    if (done != 0)
        return done;
    if (rc == TZ_ENOMEM)
        return nomem(s);
    if (rc < 0)     /* line too long or read error: the rest of this file */
        return warn(s, host, next, "%s; rest of the file not read", e.msg);
    return 0;
}

static int fill(struct sshd *s, Tz__SshSection *sec)
{
    int active = 1;
    int rc = read_file(s, SSHDIR "/sshd_config", &active, 0, 0, 1);
    if (rc == TZ_ENOENT)
        return 0;            /* found = false, nothing else */
    if (rc != 0)
        return rc;
    sec->found = 1;
    if ((sec->permit_root_login =
             strdup(s->prl[0] ? s->prl : "prohibit-password")) == NULL) {
        sec->permit_root_login = (char *)protobuf_c_empty_string;
        return nomem(s);
    }
    sec->password_authentication = s->pwauth < 0 ? 1 : s->pwauth;
    sec->permit_empty_passwords = s->empty < 0 ? 0 : s->empty;
    if (s->n_ports == 0)
        s->ports[s->n_ports++] = 22;
    if ((sec->ports = malloc(s->n_ports * sizeof(*sec->ports))) == NULL)
        return nomem(s);
    memcpy(sec->ports, s->ports, s->n_ports * sizeof(*sec->ports));
    sec->n_ports = s->n_ports;
    return 0;
}

int collect_sshd(const char *root, Tz__SshSection **out, struct tz_error *err)
{
    struct sshd s;
    memset(&s, 0, sizeof(s));
    s.root = root;
    s.live = tz_root_is_live(root);
    s.pwauth = s.empty = -1;
    s.err = err;
    Tz__SshSection *sec = malloc(sizeof(*sec));
    s.files = calloc(TZ_MAX_SMALL_LIST, sizeof(*s.files));
    if (sec == NULL || s.files == NULL) {
        free(sec);
        free(s.files);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    tz__ssh_section__init(sec);
    int rc = fill(&s, sec);
    if (rc == 0 && s.n_files > 0) {
        sec->files = s.files;
        sec->n_files = s.n_files;
        s.files = NULL;
    }
    if (rc == 0 && warnlist_take(&s.w, &sec->warnings, &sec->n_warnings) != 0)
        rc = nomem(&s);
    if (s.files) {
        for (size_t i = 0; i < s.n_files; i++)
            free(s.files[i]);
        free(s.files);
    }
    warnlist_free(&s.w);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&sec->base, NULL);
        return rc;
    }
    *out = sec;
    return 0;
}
