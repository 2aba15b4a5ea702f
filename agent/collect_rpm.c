/* collect_rpm — the installed-package list from an rpm database.
 *
 * librpm does the reading (sqlite, bdb and ndb databases all go through
 * rpmtsInitIterator); this file finds the database below --root, turns each
 * header into a Package with bounded strings, and keeps librpm's logging and
 * global state from leaking into the agent. */
#include "collect_rpm.h"

#ifndef TZ_HAVE_RPM

int collect_rpm(const char *root, Tz__PackagesSection **out,
                struct tz_error *err)
{
    (void)root;
    (void)out;
    return tz_err(err, TZ_ENOENT, NULL, 0, "built without librpm");
}

#else

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmts.h>

#include "pkglist.h"
#include "rootfs.h"
#include "tz_limits.h"

/* librpm is loaded only when a host has an rpm database: linked in, it and
 * its dependencies (sqlite, lua, popt, ...) would nearly double the agent's
 * memory on every Debian host, which has none. */
static struct {
    __typeof__(headerGetNumber) *headerGetNumber;
    __typeof__(headerGetString) *headerGetString;
    __typeof__(headerIsEntry) *headerIsEntry;
    __typeof__(rpmPopMacro) *rpmPopMacro;
    __typeof__(rpmPushMacro) *rpmPushMacro;
    __typeof__(rpmReadConfigFiles) *rpmReadConfigFiles;
    __typeof__(rpmdbFreeIterator) *rpmdbFreeIterator;
    __typeof__(rpmdbNextIterator) *rpmdbNextIterator;
    __typeof__(rpmlogClose) *rpmlogClose;
    __typeof__(rpmlogRecMessage) *rpmlogRecMessage;
    __typeof__(rpmlogRecPriority) *rpmlogRecPriority;
    __typeof__(rpmlogSetCallback) *rpmlogSetCallback;
    __typeof__(rpmtsCreate) *rpmtsCreate;
    __typeof__(rpmtsFree) *rpmtsFree;
    __typeof__(rpmtsInitIterator) *rpmtsInitIterator;
    __typeof__(rpmtsOpenDB) *rpmtsOpenDB;
    __typeof__(rpmtsSetRootDir) *rpmtsSetRootDir;
    __typeof__(rpmtsSetVSFlags) *rpmtsSetVSFlags;
    __typeof__(rpmtsVSFlags) *rpmtsVSFlags;
} rpm_api;

static int rpm_load(struct tz_error *err)
{
    static int state;   /* 0 untried, 1 loaded, -1 failed */
    static char why[256];
    if (state == 0) {
        static const struct {
            const char *name;
            void **slot;
        } syms[] = {
            {"headerGetNumber", (void **)&rpm_api.headerGetNumber},
            {"headerGetString", (void **)&rpm_api.headerGetString},
            {"headerIsEntry", (void **)&rpm_api.headerIsEntry},
            {"rpmPopMacro", (void **)&rpm_api.rpmPopMacro},
            {"rpmPushMacro", (void **)&rpm_api.rpmPushMacro},
            {"rpmReadConfigFiles", (void **)&rpm_api.rpmReadConfigFiles},
            {"rpmdbFreeIterator", (void **)&rpm_api.rpmdbFreeIterator},
            {"rpmdbNextIterator", (void **)&rpm_api.rpmdbNextIterator},
            {"rpmlogClose", (void **)&rpm_api.rpmlogClose},
            {"rpmlogRecMessage", (void **)&rpm_api.rpmlogRecMessage},
            {"rpmlogRecPriority", (void **)&rpm_api.rpmlogRecPriority},
            {"rpmlogSetCallback", (void **)&rpm_api.rpmlogSetCallback},
            {"rpmtsCreate", (void **)&rpm_api.rpmtsCreate},
            {"rpmtsFree", (void **)&rpm_api.rpmtsFree},
            {"rpmtsInitIterator", (void **)&rpm_api.rpmtsInitIterator},
            {"rpmtsOpenDB", (void **)&rpm_api.rpmtsOpenDB},
            {"rpmtsSetRootDir", (void **)&rpm_api.rpmtsSetRootDir},
            {"rpmtsSetVSFlags", (void **)&rpm_api.rpmtsSetVSFlags},
            {"rpmtsVSFlags", (void **)&rpm_api.rpmtsVSFlags},
        };
        void *h = dlopen(TZ_RPM_SONAME, RTLD_NOW | RTLD_LOCAL);
        state = h ? 1 : -1;
        if (h == NULL)
            snprintf(why, sizeof(why), "%s", dlerror());
        for (size_t i = 0; state == 1 && i < sizeof(syms) / sizeof(syms[0]); i++)
            if ((*syms[i].slot = dlsym(h, syms[i].name)) == NULL) {
                snprintf(why, sizeof(why), "%s lacks %s", TZ_RPM_SONAME, syms[i].name);
                state = -1;
            }
        /* The handle stays open for the life of the process, like a link. */
    }
    if (state < 0)
        return tz_err(err, TZ_EIO, NULL, 0, "cannot load librpm: %s", why);
    return 0;
}

#define headerGetNumber (*rpm_api.headerGetNumber)
#define headerGetString (*rpm_api.headerGetString)
#define headerIsEntry (*rpm_api.headerIsEntry)
#define rpmPopMacro (*rpm_api.rpmPopMacro)
#define rpmPushMacro (*rpm_api.rpmPushMacro)
#define rpmReadConfigFiles (*rpm_api.rpmReadConfigFiles)
#define rpmdbFreeIterator (*rpm_api.rpmdbFreeIterator)
#define rpmdbNextIterator (*rpm_api.rpmdbNextIterator)
#define rpmlogClose (*rpm_api.rpmlogClose)
#define rpmlogRecMessage (*rpm_api.rpmlogRecMessage)
#define rpmlogRecPriority (*rpm_api.rpmlogRecPriority)
#define rpmlogSetCallback (*rpm_api.rpmlogSetCallback)
#define rpmtsCreate (*rpm_api.rpmtsCreate)
#define rpmtsFree (*rpm_api.rpmtsFree)
#define rpmtsInitIterator (*rpm_api.rpmtsInitIterator)
#define rpmtsOpenDB (*rpm_api.rpmtsOpenDB)
#define rpmtsSetRootDir (*rpm_api.rpmtsSetRootDir)
#define rpmtsSetVSFlags (*rpm_api.rpmtsSetVSFlags)
#define rpmtsVSFlags (*rpm_api.rpmtsVSFlags)

/* rpm's own messages go into err, not onto the agent's stderr: the first
 * error is kept as the reason for a failed open. */
struct rpmlog_capture {
    char msg[256];
};

static int rpmlog_capture_cb(rpmlogRec rec, rpmlogCallbackData data)
{
    struct rpmlog_capture *c = data;
    if (rpmlogRecPriority(rec) <= RPMLOG_ERR && c->msg[0] == '\0') {
        snprintf(c->msg, sizeof(c->msg), "%s", rpmlogRecMessage(rec));
        size_t n = strlen(c->msg);
        while (n > 0 && (c->msg[n - 1] == '\n' || c->msg[n - 1] == ' '))
            c->msg[--n] = '\0';
    }
    return 0;
}

/* rpmrc and the macro files, once per process: re-reading them on every
 * collection would cost time and grow librpm's macro tables. */
static int rpm_config(struct tz_error *err)
{
    static int done, rc;
    if (!done) {
        done = 1;
        rc = rpmReadConfigFiles(NULL, NULL);
    }
    if (rc != 0)
        return tz_err(err, TZ_EIO, NULL, 0,
                      "librpm could not read its configuration (rpmrc, "
                      "macros)");
    return 0;
}

/* librpm opens root + dbpath by name and follows links as this host
 * would. So a database counts only when every file of it that this path
 * shows is the file a chroot into root would open (tz_root_stat): a link
 * out of the image makes it no database, rather than another host's. */
static int has_db(const char *root, const char *dbpath)
{
    static const char *const files[] = {"rpmdb.sqlite", "Packages",
                                        "Packages.db"};
    int found = 0;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char rel[PATH_MAX], path[4096];
        struct stat naive, in;
        int n = snprintf(rel, sizeof(rel), "%s/%s", dbpath, files[i]);
        if (n < 0 || (size_t)n >= sizeof(rel) ||
            tz_path(root, rel, path, sizeof(path)) != 0 ||
            stat(path, &naive) != 0)
            continue;
        if (tz_root_stat(root, rel, &in, 0) != 0 || !S_ISREG(in.st_mode) ||
            in.st_dev != naive.st_dev || in.st_ino != naive.st_ino)
            return 0;
        found = 1;
    }
    return found;
}

/* The database directory below root, as a path rpm resolves against its
 * root dir. sysimage comes first: there /var/lib/rpm may be an absolute
 * symlink, which below --root would lead out of the root. Only these two
 * system locations count (an rpm-based system keeps its database there), so
 * a Debian host never has librpm read its configuration at all. */
static int find_dbpath(const char *root, char *out, size_t outlen)
{
    static const char *const known[] = {"/usr/lib/sysimage/rpm",
                                        "/var/lib/rpm"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (has_db(root, known[i])) {
            snprintf(out, outlen, "%s", known[i]);
            return 0;
        }
    return TZ_ENOENT;
}

/* librpm leaks its sqlite connection when the open fails, and says only
 * "file is not a database" deep in an SQL error: a file that is plainly not
 * sqlite is refused here. (An empty file is what sqlite calls an empty
 * database; deeper corruption is left to librpm.) */
static int check_sqlite(const char *db, struct tz_error *err)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/rpmdb.sqlite", db);
    if (n < 0 || (size_t)n >= sizeof(path))
        return 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;               /* bdb or ndb database */
    char magic[16];
    size_t got = fread(magic, 1, sizeof(magic), f);
    fclose(f);
    if (got == 0 || (got == sizeof(magic) &&
                   memcmp(magic, "SQLite format 3", sizeof(magic)) == 0))
        return 0;
    return tz_err(err, TZ_EIO, path, 0,
                  "cannot open the rpm database: not an sqlite database "
                  "(damaged file?)");
}

/* Copy s (NULL: empty) into a protobuf string field, at most TZ_MAX_NAME. */
static int set_str(char **dst, const char *s, size_t len, const char *what,
                   const char *pkg, const char *db, struct tz_error *err)
{
    if (len > TZ_MAX_NAME)
        return tz_err(err, TZ_EPARSE, db, 0,
                      "package %.64s%s: %s is longer than %d bytes", pkg,
                      strlen(pkg) > 64 ? "..." : "", what, TZ_MAX_NAME);
    char *c = malloc(len + 1);
    if (c == NULL)
        return tz_err(err, TZ_ENOMEM, db, 0, "out of memory");
    memcpy(c, s, len);
    c[len] = '\0';
    *dst = c;
    return 0;
}

/* "bash-5.1.8-6.el9.src.rpm" -> "bash": drop the suffix, then release and
 * version. Anything else is left unparsed (length 0 = no source). */
static size_t source_name_len(const char *srpm)
{
    if (srpm == NULL)
        return 0;
    size_t n = strlen(srpm);
    if (n > 8 && strcmp(srpm + n - 8, ".src.rpm") == 0)
        n -= 8;
    else if (n > 10 && strcmp(srpm + n - 10, ".nosrc.rpm") == 0)
        n -= 10;
    else
        return 0;
    for (int dashes = 0; dashes < 2; dashes++) {
        while (n > 0 && srpm[n - 1] != '-')
            n--;
        if (n == 0)
            return 0;
        n--;
    }
    return n;
}

static int emit(struct pkglist *pv, Header h, const char *db,
                struct tz_error *err)
{
    const char *name = headerGetString(h, RPMTAG_NAME);
    const char *ver = headerGetString(h, RPMTAG_VERSION);
    const char *rel = headerGetString(h, RPMTAG_RELEASE);
    const char *arch = headerGetString(h, RPMTAG_ARCH);
    const char *srpm = headerGetString(h, RPMTAG_SOURCERPM);
    if (name == NULL || name[0] == '\0')
        return tz_err(err, TZ_EPARSE, db, 0,
                      "a header in the rpm database has no package name");
    if (strcmp(name, "gpg-pubkey") == 0 && arch == NULL)
        return 0;
    if (ver == NULL || rel == NULL)
        return tz_err(err, TZ_EPARSE, db, 0,
                      "package %.64s%s has no version or release", name,
                      strlen(name) > 64 ? "..." : "");
    if (pv->n >= TZ_MAX_PACKAGES)
        return tz_err(err, TZ_ELIMIT, db, 0,
                      "more than %d installed packages", TZ_MAX_PACKAGES);

    /* The bound is checked on the whole "E:V-R" the collector will see. */
    char evr[3 * TZ_MAX_NAME_BUF];
    int n;
    if (headerIsEntry(h, RPMTAG_EPOCH))
        n = snprintf(evr, sizeof(evr), "%llu:%.*s-%.*s",
                     (unsigned long long)headerGetNumber(h, RPMTAG_EPOCH),
                     TZ_MAX_NAME_BUF, ver, TZ_MAX_NAME_BUF, rel);
    else
        n = snprintf(evr, sizeof(evr), "%.*s-%.*s", TZ_MAX_NAME_BUF, ver,
                     TZ_MAX_NAME_BUF, rel);
    if (n < 0)
        n = 0;
    size_t src_len = source_name_len(srpm);
    if (src_len == strlen(name) && strncmp(srpm, name, src_len) == 0)
        src_len = 0;

    if (pkglist_reserve(pv) != 0)
        return tz_err(err, TZ_ENOMEM, db, 0, "out of memory");
    Tz__Package *p = malloc(sizeof(*p));
    if (p == NULL)
        return tz_err(err, TZ_ENOMEM, db, 0, "out of memory");
    tz__package__init(p);
    int rc = set_str(&p->name, name, strlen(name), "the name", name, db, err);
    if (rc == 0)
        rc = set_str(&p->version, evr, (size_t)n, "the version", name, db,
                     err);
    if (rc == 0 && arch)
        rc = set_str(&p->arch, arch, strlen(arch), "the arch", name, db, err);
    if (rc == 0 && src_len)
        rc = set_str(&p->source, srpm, src_len, "the source package name",
                     name, db, err);
    if (rc == 0 && (p->manager = strdup("rpm")) == NULL)
        rc = tz_err(err, TZ_ENOMEM, db, 0, "out of memory");
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&p->base, NULL);
        return rc;
    }
    pv->v[pv->n++] = p;
    return 0;
}

/* Open the database at dbpath below rootdir read-only and fill pv. */
static int read_db(const char *rootdir, const char *dbpath, const char *db,
                   struct pkglist *pv, struct tz_error *err)
{
    struct rpmlog_capture cap = {""};
    rpmlogCallback old_cb = rpmlogSetCallback(rpmlog_capture_cb, &cap);
    rpmPushMacro(NULL, "_dbpath", NULL, dbpath, RMIL_CMDLINE);
    rpmts ts = rpmtsCreate();
    int rc = 0;
    if (rpmtsSetRootDir(ts, rootdir) != 0)
        rc = tz_err(err, TZ_EIO, db, 0, "librpm refused the root %s",
                    rootdir);
    /* Only the installed list is wanted; signatures were checked when the
     * packages were installed, and checking needs the keyring. */
    rpmtsSetVSFlags(ts, rpmtsVSFlags(ts) | RPMVSF_MASK_NOSIGNATURES);
    if (rc == 0 && rpmtsOpenDB(ts, O_RDONLY) != 0)
        rc = tz_err(err, TZ_EIO, db, 0, "cannot open the rpm database: %s",
                    cap.msg[0] ? cap.msg : "librpm gave no reason");
    if (rc == 0) {
        cap.msg[0] = '\0';
        rpmdbMatchIterator mi = rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
        Header h;
        while (rc == 0 && mi && (h = rpmdbNextIterator(mi)) != NULL)
            rc = emit(pv, h, db, err);  /* h belongs to the iterator */
        rpmdbFreeIterator(mi);
        /* librpm skips a damaged header with an error and goes on: a list
         * missing packages is not sent as if it were complete. */
        if (rc == 0 && cap.msg[0])
            rc = tz_err(err, TZ_EIO, db, 0, "rpm database damaged: %s",
                        cap.msg);
    }
    rpmtsFree(ts);
    rpmPopMacro(NULL, "_dbpath");
    rpmlogSetCallback(old_cb, NULL);
    /* librpm keeps every warning and error it logged; a daemon collecting
     * every hour must not accumulate them. */
    rpmlogClose();
    return rc;
}

int collect_rpm(const char *root, Tz__PackagesSection **out,
                struct tz_error *err)
{
    int rc;
    /* librpm wants an absolute root directory. */
    char rootdir[PATH_MAX] = "/";
    if (!tz_root_is_live(root) && realpath(root, rootdir) == NULL)
        return tz_err(err, TZ_ENOENT, root, 0, "root directory not found");

    char dbpath[PATH_MAX], db[4096];
    if (find_dbpath(rootdir, dbpath, sizeof(dbpath)) != 0) {
        tz_path(rootdir, "/var/lib/rpm", db, sizeof(db));
        return tz_err(err, TZ_ENOENT, db, 0,
                      "no rpm database (is this an rpm-based system?)");
    }
    if (tz_path(rootdir, dbpath, db, sizeof(db)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");
    if ((rc = rpm_load(err)) != 0 || (rc = rpm_config(err)) != 0)
        return rc;

    if ((rc = check_sqlite(db, err)) != 0)
        return rc;
    struct pkglist pv = {NULL, 0, 0};
    rc = read_db(rootdir, dbpath, db, &pv, err);
    if (rc != 0) {
        pkglist_free(&pv);
        return rc;
    }
    if (pkglist_section(&pv, "rpm", out) != 0) {
        pkglist_free(&pv);
        return tz_err(err, TZ_ENOMEM, db, 0, "out of memory");
    }
    return 0;
}

#endif
