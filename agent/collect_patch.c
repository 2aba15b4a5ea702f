/* collect_patch — kernels, reboot flag and pending updates, offline.
 *
 * Pending updates are computed from the apt lists already on disk, never by
 * running apt: the agent must not change the host or reach the network. The
 * lists are streamed one stanza at a time; per installed package we keep only
 * the best candidate seen so far, so memory is O(installed), not O(lists). */
#include "collect_patch.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "apt_lists.h"
#include "collect_dpkg.h"
#include "debversion.h"
#include "rootfs.h"
#include "tz_limits.h"
#include "utf8.h"
#include "warnlist.h"

#define LISTS_DIR        "/var/lib/apt/lists"
#define MAX_DIR_ENTRIES  100000      /* entries looked at in the lists dir */
#define RELEASE_MAX_LINES 400        /* Suite/Codename come in the first few */
#define REBOOT_MAX_LINE  4096

/* One installed package and the best update found for it so far. */
struct inst {
    const Tz__Package *p;
    char *best;              /* highest candidate > installed, or NULL */
    const char *best_suite;  /* points into a struct release */
    int sec_newer;           /* a security list offers a version > installed */
};

struct release {
    char *name;              /* file name, e.g. ..._bookworm-security_InRelease */
    size_t plen;             /* length of the prefix lists share with it */
    int parsed;
    int security;
    char suite[TZ_MAX_NAME_BUF];
};

struct strvec {
    char **v;
    size_t n, cap;
};

/* A set of the installed names' hashes: most of the 60,000 stanzas of a
 * list name a package that is not installed, and this says so without a
 * binary search. A false "maybe" only costs the search. */
#define KNOWN_BITS 16

struct ctx {
    const char *root;
    const char *running;     /* given by the caller, or NULL for uname */
    struct inst *inst;
    size_t n_inst;
    uint64_t known[(1u << KNOWN_BITS) / 64];
    struct release *rel;
    size_t n_rel;
    struct warnlist warnings;
    unsigned long stanzas;   /* over all lists, for TZ_PATCH_MAX_STANZAS */
    int stop;                /* a global bound was hit: read no further */
    struct tz_error *err;
};

static int nomem(struct ctx *c)
{
    return tz_err(c->err, TZ_ENOMEM, NULL, 0, "out of memory");
}

static int strvec_push(struct strvec *sv, char *s)
{
    if (sv->n == sv->cap) {
        size_t ncap = sv->cap ? sv->cap * 2 : 8;
        char **nv = realloc(sv->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return TZ_ENOMEM;
        sv->v = nv;
        sv->cap = ncap;
    }
    sv->v[sv->n++] = s;
    return 0;
}

static void strvec_free(struct strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

/* Warnings name the host's path (LISTS_DIR/name), not root + path. */
#define warn(c, file, line, ...)                                               \
    (warnlist_add(&(c)->warnings, file, line, __VA_ARGS__) ? nomem(c) : 0)

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* ---- installed packages --------------------------------------------------- */

/* Eight bytes at a time, mixed: names are short, stanzas many. */
static uint32_t name_hash(const char *s, size_t n)
{
    size_t i = 0;
    uint64_t h = n, w;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15u;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0x9e3779b97f4a7c15u;
    return (uint32_t)(h >> (64 - KNOWN_BITS));
}

static void known_add(struct ctx *c, const char *name)
{
    uint32_t h = name_hash(name, strlen(name));
    c->known[h / 64] |= (uint64_t)1 << (h % 64);
}

static int known_maybe(const struct ctx *c, const char *name, size_t n)
{
    uint32_t h = name_hash(name, n);
    return (c->known[h / 64] >> (h % 64)) & 1;
}

/* First index whose name is >= name (inst is sorted by name, then arch). */
static size_t inst_lower(const struct ctx *c, const char *name)
{
    size_t lo = 0, hi = c->n_inst;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->inst[mid].p->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int arch_matches(const char *installed, const char *candidate)
{
    return strcmp(installed, candidate) == 0 || strcmp(installed, "all") == 0 ||
           strcmp(candidate, "all") == 0;
}

/* A complete, valid stanza from a list: is it an update for anything? */
static int offer(struct ctx *c, const struct apt_stanza *st,
                 const struct release *rel)
{
    if (!known_maybe(c, st->pkg, st->pkg_len))
        return 0;
    for (size_t i = inst_lower(c, st->pkg);
         i < c->n_inst && strcmp(c->inst[i].p->name, st->pkg) == 0; i++) {
        struct inst *in = &c->inst[i];
        if (!arch_matches(in->p->arch, st->arch))
            continue;
        if (debversion_cmp(st->ver, in->p->version) <= 0)
            continue;
        if (rel != NULL && rel->security)
            in->sec_newer = 1;
        if (in->best == NULL || debversion_cmp(st->ver, in->best) > 0) {
            char *v = strdup(st->ver);
            if (v == NULL)
                return nomem(c);
            free(in->best);
            in->best = v;
            in->best_suite = rel ? rel->suite : "";
        }
    }
    return 0;
}

/* ---- Release files -------------------------------------------------------- */

/* Suite and Codename from a Release or InRelease file. Only the head of the
 * file is read: the checksum lists after it can be megabytes. */
static int parse_release(struct ctx *c, struct release *r)
{
    char host[4096];
    r->parsed = 1;
    if (snprintf(host, sizeof(host), "%s/%s", LISTS_DIR, r->name) >=
            (int)sizeof(host))
        return warn(c, LISTS_DIR, 0, "path too long; not read");

    struct tz_lines lr;
    struct tz_error e;
    if (tz_lines_open_in(&lr, c->root, host, TZ_PATCH_MAX_LINE, &e) != 0) {
        tz_lines_close(&lr);
        return warn(c, host, 0, "cannot read: %s", e.msg);
    }
    char suite[TZ_MAX_NAME_BUF] = "", codename[TZ_MAX_NAME_BUF] = "";
    int armor = 0, rc = 0;
    char *line;
    size_t len;
    while ((rc = tz_lines_next(&lr, &line, &len, &e)) > 0) {
        if (lr.lineno > RELEASE_MAX_LINES)
            break;
        if (lr.lineno == 1 &&
            strncmp(line, "-----BEGIN PGP SIGNED MESSAGE", 29) == 0) {
            armor = 1;       /* "Hash:" headers follow until a blank line */
            continue;
        }
        if (armor) {
            if (tz_trim(line)[0] == '\0')
                armor = 0;
            continue;
        }
        if (line[0] == ' ' || line[0] == '\t' || line[0] == '-')
            break;           /* checksum lists or the signature: done */
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        char *v = tz_trim(colon + 1);
        char *dst = NULL;
        if (strcasecmp(line, "Suite") == 0)
            dst = suite;
        else if (strcasecmp(line, "Codename") == 0)
            dst = codename;
        if (dst == NULL || dst[0] != '\0')
            continue;
        if (strlen(v) > TZ_MAX_NAME) {
            rc = warn(c, host, lr.lineno, "%s longer than %d bytes; ignored",
                      line, TZ_MAX_NAME);
            if (rc != 0)
                break;
            continue;
        }
        snprintf(dst, TZ_MAX_NAME_BUF, "%s", v);
        if (suite[0] && codename[0])
            break;
    }
    long lineno = lr.lineno + 1;
    tz_lines_close(&lr);
    if (rc == TZ_ENOMEM)
        return rc;
    if (rc < 0 && (rc = warn(c, host, lineno, "%s", e.msg)) != 0)
        return rc;
    r->security = has_suffix(suite, "-security") ||
                  has_suffix(codename, "-security");
    snprintf(r->suite, sizeof(r->suite), "%s", suite[0] ? suite : codename);
    return 0;
}

/* The Release file of a list: the longest prefix the names share. */
static struct release *release_for(struct ctx *c, const char *list)
{
    struct release *best = NULL;
    for (size_t i = 0; i < c->n_rel; i++) {
        struct release *r = &c->rel[i];
        if (strncmp(list, r->name, r->plen) != 0)
            continue;
        if (best == NULL || r->plen > best->plen ||
            (r->plen == best->plen && has_suffix(r->name, "_InRelease")))
            best = r;
    }
    return best;
}

/* ---- Packages lists ------------------------------------------------------- */

/* One list being read: where its stanzas go. */
struct list_ctx {
    struct ctx *c;
    const char *host;
    const struct release *rel;
};

/* debversion_valid without its five passes, for the 60,000 versions of a
 * list: by debversion.h's rule a version without ':' (no epoch) is valid
 * exactly when it starts with a digit, holds only [A-Za-z0-9.+~-] and does
 * not end in '-' (an empty revision). Versions with an epoch are asked of
 * debversion_valid itself. */
static int version_valid(const char *v, size_t n)
{
    if (n == 0 || n > TZ_MAX_NAME || !(v[0] >= '0' && v[0] <= '9') ||
        v[n - 1] == '-')
        return n > 0 && memchr(v, ':', n) != NULL && debversion_valid(v);
    for (size_t i = 1; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if ((ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
            ch == '.' || ch == '+' || ch == '~' || ch == '-')
            continue;
        return ch == ':' && debversion_valid(v);
    }
    return 1;
}

/* A stanza apt_lists handed over: count it, check it, offer it. */
static int on_stanza(void *arg, const struct apt_stanza *st)
{
    struct list_ctx *l = arg;
    struct ctx *c = l->c;
    if (++c->stanzas > TZ_PATCH_MAX_STANZAS) {
        c->stop = 1;
        int rc = warn(c, l->host, st->start,
                      "more than %lu stanzas in all lists; the rest is not read "
                      "and updates may be missing", TZ_PATCH_MAX_STANZAS);
        return rc != 0 ? rc : 1;
    }
    if (!st->pkg_line || st->pkg[0] == '\0')
        return warn(c, l->host, st->start, "stanza without Package; skipped");
    if (!st->ver_line || st->ver[0] == '\0')
        return warn(c, l->host, st->start, "package %s without Version; skipped",
                    st->pkg);
    if (!version_valid(st->ver, st->ver_len))
        return warn(c, l->host, st->ver_line,
                    "package %s has an invalid version \"%s\"; skipped",
                    st->pkg, st->ver);
    return offer(c, st, l->rel);
}

static int read_list(struct ctx *c, const char *name, const struct release *rel)
{
    char host[4096];
    if (snprintf(host, sizeof(host), "%s/%s", LISTS_DIR, name) >=
            (int)sizeof(host))
        return warn(c, LISTS_DIR, 0, "path too long; not read");
    struct list_ctx l = {c, host, rel};
    int rc = apt_list_read(c->root, host, host, &c->warnings, on_stanza, &l);
    return rc == TZ_ENOMEM ? nomem(c) : rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists compressed with a codec we read (rootfs.h) count as plain ones. */
static int is_readable_list(const char *n)
{
    return has_suffix(n, "_Packages") || has_suffix(n, "_Packages.gz") ||
           has_suffix(n, "_Packages.lz4");
}

static int is_compressed_list(const char *n)
{
    static const char *const ext[] = {".xz", ".bz2", ".zst", ".lzma", ".Z"};
    const char *p = strstr(n, "_Packages.");
    if (p == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (strcmp(p + 9, ext[i]) == 0)
            return 1;
    return 0;
}

static int add_release(struct ctx *c, const char *name, size_t plen,
                       size_t *cap)
{
    if (c->n_rel == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct release *nr = realloc(c->rel, ncap * sizeof(*nr));
        if (nr == NULL)
            return TZ_ENOMEM;
        c->rel = nr;
        *cap = ncap;
    }
    struct release *r = &c->rel[c->n_rel];
    memset(r, 0, sizeof(*r));
    if ((r->name = strdup(name)) == NULL)
        return TZ_ENOMEM;
    r->plen = plen;
    c->n_rel++;
    return 0;
}

static int read_lists(struct ctx *c, Tz__PatchSection *sec)
{
    char dir[4096];
    if (tz_path(c->root, LISTS_DIR, dir, sizeof(dir)) != 0)
        return tz_err(c->err, TZ_ELIMIT, NULL, 0, "root path too long");
    DIR *d = tz_root_opendir(c->root, LISTS_DIR);
    if (d == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;        /* no apt here: lists_found stays false */
        return tz_err(c->err, TZ_EIO, dir, 0, "cannot read directory: %s",
                      strerror(errno));
    }
    struct strvec lists = {NULL, 0, 0};
    size_t rel_cap = 0, compressed = 0, seen = 0, too_many = 0;
    char first_compressed[256] = "";
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (++seen > MAX_DIR_ENTRIES)
            break;
        const char *n = de->d_name;
        if (is_readable_list(n)) {
            if (lists.n >= TZ_PATCH_MAX_LISTS) {
                too_many++;
                continue;
            }
            char *s = strdup(n);
            if (s == NULL || strvec_push(&lists, s) != 0) {
                free(s);
                rc = TZ_ENOMEM;
                break;
            }
        } else if (is_compressed_list(n)) {
            if (compressed++ == 0 || strcmp(n, first_compressed) < 0)
                snprintf(first_compressed, sizeof(first_compressed), "%s", n);
        } else if (has_suffix(n, "_InRelease") && c->n_rel < TZ_PATCH_MAX_LISTS) {
            rc = add_release(c, n, strlen(n) - 9, &rel_cap);
        } else if (has_suffix(n, "_Release") && c->n_rel < TZ_PATCH_MAX_LISTS) {
            rc = add_release(c, n, strlen(n) - 7, &rel_cap);
        }
        if (rc != 0)
            break;
    }
    closedir(d);
    if (rc != 0) {
        strvec_free(&lists);
        return nomem(c);
    }
    if (seen > MAX_DIR_ENTRIES)
        rc = warn(c, LISTS_DIR, 0, "more than %d entries; the rest not looked at",
                  MAX_DIR_ENTRIES);
    if (rc == 0 && too_many)
        rc = warn(c, LISTS_DIR, 0, "more than %d package lists; %zu not read",
                  TZ_PATCH_MAX_LISTS, too_many);
    if (rc == 0 && compressed)
        rc = warn(c, LISTS_DIR, 0,
                  "%zu compressed package list%s skipped, e.g. %s (plain, .gz "
                  "and .lz4 lists are read; set Acquire::CompressionTypes::Order "
                  "to one of those)",
                  compressed, compressed == 1 ? "" : "s", first_compressed);

    if (lists.n > 1)
        qsort(lists.v, lists.n, sizeof(*lists.v), name_cmp);
    for (size_t i = 0; rc == 0 && i < lists.n && !c->stop; i++) {
        char host[4096];
        struct stat sb;
        if (snprintf(host, sizeof(host), "%s/%s", LISTS_DIR, lists.v[i]) >=
                (int)sizeof(host) ||
            tz_root_stat(c->root, host, &sb, 0) != 0 || !S_ISREG(sb.st_mode)) {
            rc = warn(c, host, 0, "not a readable regular file; skipped");
            continue;
        }
        if ((unsigned long long)sb.st_size > TZ_PATCH_MAX_LIST_BYTES) {
            rc = warn(c, host, 0, "larger than %lu MiB; skipped",
                      TZ_PATCH_MAX_LIST_BYTES >> 20);
            continue;
        }
        struct release *r = release_for(c, lists.v[i]);
        if (r == NULL)
            rc = warn(c, host, 0, "no Release file beside it; its updates "
                                  "have no suite and are not security");
        else if (!r->parsed)
            rc = parse_release(c, r);
        if (rc == 0)
            rc = read_list(c, lists.v[i], r);
        sec->lists_found = 1;
        if ((int64_t)sb.st_mtime > sec->lists_updated_at)
            sec->lists_updated_at = (int64_t)sb.st_mtime;
    }
    strvec_free(&lists);
    return rc;
}

/* ---- kernels -------------------------------------------------------------- */

/* The release a linux-image-* package installs, or NULL for meta and debug
 * packages. buf has TZ_MAX_NAME_BUF bytes. */
static const char *kernel_release(const char *pkg, char *buf)
{
    if (strncmp(pkg, "linux-image-", 12) != 0)
        return NULL;
    const char *r = pkg + 12;
    if (strncmp(r, "unsigned-", 9) == 0)      /* Ubuntu's unsigned images */
        r += 9;
    if (!(*r >= '0' && *r <= '9'))
        return NULL;                          /* linux-image-amd64, -generic */
    if (has_suffix(r, "-dbg") || has_suffix(r, "-dbgsym"))
        return NULL;
    size_t n = strlen(r);
    if (has_suffix(r, "-unsigned"))           /* Debian's unsigned images */
        n -= 9;
    if (n > TZ_MAX_NAME)
        return NULL;
    memcpy(buf, r, n);
    buf[n] = '\0';
    return buf;
}

static int put(char **field, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return 0;
    char *d = strdup(s);
    if (d == NULL)
        return TZ_ENOMEM;
    if (*field != protobuf_c_empty_string)
        free(*field);
    *field = d;
    return 0;
}

static int kernels(struct ctx *c, Tz__PatchSection *sec)
{
    char running[TZ_MAX_NAME_BUF] = "";
    if (c->running != NULL) {
        if (strlen(c->running) <= TZ_MAX_NAME)
            snprintf(running, sizeof(running), "%s", c->running);
    } else if (tz_root_is_live(c->root)) {
        struct utsname u;
        if (uname(&u) == 0 && strlen(u.release) <= TZ_MAX_NAME)
            snprintf(running, sizeof(running), "%s", u.release);
    }
    const Tz__Package *newest = NULL, *run_pkg = NULL;
    char newest_rel[TZ_MAX_NAME_BUF] = "", buf[TZ_MAX_NAME_BUF];
    for (size_t i = 0; i < c->n_inst; i++) {
        const Tz__Package *p = c->inst[i].p;
        const char *rel = kernel_release(p->name, buf);
        if (rel == NULL)
            continue;
        if (running[0] && strcmp(rel, running) == 0 &&
            (run_pkg == NULL || debversion_cmp(p->version, run_pkg->version) > 0))
            run_pkg = p;
        int d = newest ? debversion_cmp(p->version, newest->version) : 1;
        if (d == 0)
            d = debversion_cmp(rel, newest_rel);
        if (d > 0) {
            newest = p;
            snprintf(newest_rel, sizeof(newest_rel), "%s", rel);
        }
    }
    if (put(&sec->running_kernel, running) != 0 ||
        put(&sec->newest_kernel, newest_rel) != 0 ||
        (newest && put(&sec->newest_kernel_package, newest->name) != 0))
        return nomem(c);
    sec->kernel_outdated = newest != NULL && run_pkg != NULL &&
                           strcmp(running, newest_rel) != 0 &&
                           debversion_cmp(run_pkg->version, newest->version) < 0;
    return 0;
}

/* ---- reboot-required ------------------------------------------------------ */

static int read_reboot_pkgs(struct ctx *c, const char *host,
                            Tz__PatchSection *sec)
{
    struct tz_lines lr;
    struct tz_error e;
    struct strvec pk = {NULL, 0, 0};
    if (tz_lines_open_in(&lr, c->root, host, REBOOT_MAX_LINE, &e) != 0) {
        tz_lines_close(&lr);
        return warn(c, host, 0, "cannot read: %s", e.msg);
    }
    int rc;
    char *line;
    size_t len;
    while ((rc = tz_lines_next(&lr, &line, &len, &e)) > 0) {
        char *s = tz_trim(line);
        if (s[0] == '\0')
            continue;
        if (strlen(s) > TZ_MAX_NAME) {
            if ((rc = warn(c, host, lr.lineno, "package name longer than %d "
                           "bytes; ignored", TZ_MAX_NAME)) != 0)
                break;
            continue;
        }
        size_t k = 0;
        while (k < pk.n && strcmp(pk.v[k], s) != 0)
            k++;
        if (k < pk.n)
            continue;        /* update-notifier appends duplicates */
        if (pk.n >= TZ_PATCH_MAX_REBOOT_PKGS) {
            rc = warn(c, host, lr.lineno, "more than %d packages; rest ignored",
                      TZ_PATCH_MAX_REBOOT_PKGS);
            break;
        }
        char *d = strdup(s);
        if (d == NULL || strvec_push(&pk, d) != 0) {
            free(d);
            rc = TZ_ENOMEM;
            break;
        }
    }
    long lineno = lr.lineno + 1;
    tz_lines_close(&lr);
    if (rc == TZ_ENOMEM) {
        strvec_free(&pk);
        return nomem(c);
    }
    if (rc < 0)
        rc = warn(c, host, lineno, "%s; rest ignored", e.msg);
    sec->reboot_required_pkgs = pk.v;
    sec->n_reboot_required_pkgs = pk.n;
    if (pk.n == 0) {
        free(pk.v);
        sec->reboot_required_pkgs = NULL;
    }
    return rc;
}

static int reboot(struct ctx *c, Tz__PatchSection *sec)
{
    /* Below a root, /var/run -> /run resolves inside it (tz_root_stat), so
     * an image never reports the collecting host's reboot flag. */
    static const char *const dirs[] = {"/run", "/var/run"};
    char path[64];
    struct stat sb;
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/reboot-required", dirs[i]);
        if (tz_root_stat(c->root, path, &sb, 1) == 0)
            sec->reboot_required = 1;
    }
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/reboot-required.pkgs", dirs[i]);
        if (tz_root_stat(c->root, path, &sb, 1) != 0)
            continue;
        if (!S_ISREG(sb.st_mode))
            return warn(c, path, 0, "not a regular file; not read");
        return read_reboot_pkgs(c, path, sec);
    }
    return 0;
}

/* ---- assembling ----------------------------------------------------------- */

static int upd_cmp(const void *a, const void *b)
{
    const Tz__PendingUpdate *x = *(Tz__PendingUpdate *const *)a;
    const Tz__PendingUpdate *y = *(Tz__PendingUpdate *const *)b;
    int d = strcmp(x->name, y->name);
    if (d == 0)
        d = strcmp(x->installed, y->installed);
    if (d == 0)
        d = strcmp(x->candidate, y->candidate);
    return d;
}

static int updates(struct ctx *c, Tz__PatchSection *sec)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_inst; i++)
        n += c->inst[i].best != NULL;
    if (n == 0)
        return 0;
    Tz__PendingUpdate **v = calloc(n, sizeof(*v));
    if (v == NULL)
        return nomem(c);
    sec->updates = v;        /* owned by sec from here: freed with it */
    for (size_t i = 0; i < c->n_inst; i++) {
        struct inst *in = &c->inst[i];
        if (in->best == NULL)
            continue;
        Tz__PendingUpdate *u = malloc(sizeof(*u));
        if (u == NULL)
            return nomem(c);
        tz__pending_update__init(u);
        v[sec->n_updates++] = u;
        u->candidate = in->best;
        in->best = NULL;
        u->security = in->sec_newer;
        if (put(&u->name, in->p->name) != 0 ||
            put(&u->installed, in->p->version) != 0 ||
            put(&u->suite, in->best_suite) != 0)
            return nomem(c);
    }
    qsort(v, sec->n_updates, sizeof(*v), upd_cmp);
    /* one entry per name and versions: multiarch copies say the same */
    size_t w = 0;
    for (size_t i = 0; i < sec->n_updates; i++) {
        if (w > 0 && upd_cmp(&v[w - 1], &v[i]) == 0) {
            v[w - 1]->security |= v[i]->security;
            protobuf_c_message_free_unpacked(&v[i]->base, NULL);
            continue;
        }
        v[w++] = v[i];
    }
    sec->n_updates = w;
    for (size_t i = 0; i < w; i++)
        sec->security_updates += v[i]->security ? 1u : 0u;
    return 0;
}

static int fill(struct ctx *c, Tz__PatchSection *sec)
{
    int rc;
    if ((rc = kernels(c, sec)) != 0 || (rc = reboot(c, sec)) != 0 ||
        (rc = read_lists(c, sec)) != 0 || (rc = updates(c, sec)) != 0)
        return rc;
    if (warnlist_take(&c->warnings, &sec->warnings, &sec->n_warnings) != 0)
        return nomem(c);
    return 0;
}

int collect_patch(const char *root, Tz__PatchSection **out,
                  struct tz_error *err)
{
    return collect_patch_running(root, NULL, out, err);
}

int collect_patch_running(const char *root, const char *running,
                          Tz__PatchSection **out, struct tz_error *err)
{
    return collect_patch_from(root, running, NULL, out, err);
}

/* A packages section from collect_packages lists dpkg's entries with
 * manager "dpkg" (rpm's may be interleaved: both are sorted by name). */
static int is_dpkg(const Tz__Package *p)
{
    return p->manager == NULL || p->manager[0] == '\0' ||
           strcmp(p->manager, "dpkg") == 0;
}

int collect_patch_from(const char *root, const char *running,
                       const Tz__PackagesSection *pkgs, Tz__PatchSection **out,
                       struct tz_error *err)
{
    Tz__PackagesSection *own = NULL;
    if (pkgs == NULL || pkgs->manager == NULL || strstr(pkgs->manager, "dpkg") == NULL) {
        int rc = collect_dpkg(root, &own, err);
        if (rc != 0)
            return rc;
        pkgs = own;
    }

    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.root = root;
    c.running = running;
    c.err = err;
    c.inst = calloc(pkgs->n_packages ? pkgs->n_packages : 1, sizeof(*c.inst));
    Tz__PatchSection *sec = malloc(sizeof(*sec));
    if (c.inst == NULL || sec == NULL) {
        free(c.inst);
        free(sec);
        if (own)
            protobuf_c_message_free_unpacked(&own->base, NULL);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    tz__patch_section__init(sec);
    for (size_t i = 0; i < pkgs->n_packages; i++)   /* sorted by name */
        if (is_dpkg(pkgs->packages[i])) {
            c.inst[c.n_inst++].p = pkgs->packages[i];
            known_add(&c, pkgs->packages[i]->name);
        }

    int rc = fill(&c, sec);

    for (size_t i = 0; i < c.n_inst; i++)
        free(c.inst[i].best);
    free(c.inst);
    for (size_t i = 0; i < c.n_rel; i++)
        free(c.rel[i].name);
    free(c.rel);
    warnlist_free(&c.warnings);
    if (own)
        protobuf_c_message_free_unpacked(&own->base, NULL);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&sec->base, NULL);
        return rc;
    }
    tz_pb_repair_text(&sec->base);   /* suites and names are the host's bytes */
    *out = sec;
    return 0;
}
