/* collect_dpkg — the installed-package list from /var/lib/dpkg/status.
 *
 * One pass over the file, one stanza of state at a time: a stanza is parsed
 * into struct stanza, validated when its blank line (or the end of the file)
 * arrives, and only then turned into a Package. Nothing half-parsed is ever
 * emitted. */
#include "collect_dpkg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkglist.h"
#include "rootfs.h"
#include "tz_limits.h"

/* What we keep of the stanza being read; everything else is skipped. */
struct stanza {
    long start;          /* line of its first field, 0 before any field */
    size_t bytes;        /* size so far, for the 1 MiB bound */
    int have_field;      /* a continuation line has a field to belong to */
    long package_line, version_line, arch_line, source_line, status_line;
    int installed;
    char package[TZ_MAX_NAME_BUF];
    char version[TZ_MAX_NAME_BUF];
    char arch[TZ_MAX_NAME_BUF];
    char source[TZ_MAX_NAME_BUF];
};

static void stanza_reset(struct stanza *st)
{
    st->start = 0;
    st->bytes = 0;
    st->have_field = 0;
    st->package_line = st->version_line = st->arch_line = 0;
    st->source_line = st->status_line = 0;
    st->installed = 0;
    st->package[0] = st->version[0] = st->arch[0] = st->source[0] = '\0';
}

/* Copy a value of len bytes into a TZ_MAX_NAME buffer; a longer one is an
 * error rather than a silently shortened package name. */
static int set_name(char *dst, const char *val, size_t len, const char *field,
                    const struct tz_lines *lr, struct tz_error *err)
{
    if (len > TZ_MAX_NAME)
        return tz_err(err, TZ_EPARSE, lr->path, lr->lineno,
                      "%s is longer than %d bytes", field, TZ_MAX_NAME);
    memcpy(dst, val, len);
    dst[len] = '\0';
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* "install ok installed": the package is installed iff the third word is
 * "installed"; dpkg writes exactly three words. */
static int parse_status(struct stanza *st, const char *v, const struct tz_lines *lr,
                        struct tz_error *err)
{
    const char *w[4];
    size_t wl[4];
    int n = 0;
    while (*v) {
        while (is_space(*v))
            v++;
        if (*v == '\0')
            break;
        if (n == 4)
            break;
        w[n] = v;
        while (*v && !is_space(*v))
            v++;
        wl[n] = (size_t)(v - w[n]);
        n++;
    }
    if (n != 3)
        return tz_err(err, TZ_EPARSE, lr->path, lr->lineno,
                      "Status must be three words (want flag status), "
                      "e.g. \"install ok installed\"");
    st->installed = wl[2] == 9 && memcmp(w[2], "installed", 9) == 0;
    return 0;
}

/* One "Field: value" line. Only the fields we report are looked at. */
static int parse_field(struct stanza *st, char *line, size_t len,
                       const struct tz_lines *lr, struct tz_error *err)
{
    char *colon = memchr(line, ':', len);
    if (colon == NULL)
        return tz_err(err, TZ_EPARSE, lr->path, lr->lineno,
                      "expected \"Field: value\" or an indented continuation "
                      "line, found a line without a colon");
    size_t flen = (size_t)(colon - line);
    char *v = colon + 1;
    char *end = line + len;
    while (v < end && is_space(*v))
        v++;
    while (end > v && is_space(end[-1]))
        end--;
    *end = '\0';
    size_t vlen = (size_t)(end - v);

    if (st->start == 0)
        st->start = lr->lineno;
    st->have_field = 1;

    long *seen = NULL;
    const char *name = NULL;
    if (flen == 7 && strncasecmp(line, "Package", 7) == 0)
        seen = &st->package_line, name = "Package";
    else if (flen == 7 && strncasecmp(line, "Version", 7) == 0)
        seen = &st->version_line, name = "Version";
    else if (flen == 12 && strncasecmp(line, "Architecture", 12) == 0)
        seen = &st->arch_line, name = "Architecture";
    else if (flen == 6 && strncasecmp(line, "Source", 6) == 0)
        seen = &st->source_line, name = "Source";
    else if (flen == 6 && strncasecmp(line, "Status", 6) == 0)
        seen = &st->status_line, name = "Status";
    else
        return 0;

    /* dpkg refuses duplicates too; which value would be the real one? */
    if (*seen)
        return tz_err(err, TZ_EPARSE, lr->path, lr->lineno,
                      "field %s given twice in one stanza (first at line %ld)",
                      name, *seen);
    *seen = lr->lineno;

    if (seen == &st->package_line) {
        if (vlen == 0)
            return tz_err(err, TZ_EPARSE, lr->path, lr->lineno,
                          "Package field is empty");
        return set_name(st->package, v, vlen, "package name", lr, err);
    }
    if (seen == &st->version_line)
        return set_name(st->version, v, vlen, "version", lr, err);
    if (seen == &st->arch_line)
        return set_name(st->arch, v, vlen, "architecture", lr, err);
    if (seen == &st->source_line) {
        /* "src (1.2-3)": the source's own version is not wanted here */
        size_t n = 0;
        while (n < vlen && !is_space(v[n]) && v[n] != '(')
            n++;
        return set_name(st->source, v, n, "source package name", lr, err);
    }
    return parse_status(st, v, lr, err);
}

static int emit(struct pkglist *pv, const struct stanza *st, const char *path,
                struct tz_error *err)
{
    if (pv->n >= TZ_MAX_PACKAGES)
        return tz_err(err, TZ_ELIMIT, path, st->start,
                      "more than %d installed packages", TZ_MAX_PACKAGES);
    if (pkglist_reserve(pv) != 0)
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    Tz__Package *p = malloc(sizeof(*p));
    if (p == NULL)
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    tz__package__init(p);
    int bad = 0;
    if ((p->name = strdup(st->package)) == NULL)
        p->name = (char *)protobuf_c_empty_string, bad = 1;
    if ((p->version = strdup(st->version)) == NULL)
        p->version = (char *)protobuf_c_empty_string, bad = 1;
    if (st->arch[0] && (p->arch = strdup(st->arch)) == NULL)
        p->arch = (char *)protobuf_c_empty_string, bad = 1;
    if (st->source[0] && strcmp(st->source, st->package) != 0 &&
        (p->source = strdup(st->source)) == NULL)
        p->source = (char *)protobuf_c_empty_string, bad = 1;
    /* Per package: collect_packages merges dpkg's list with rpm's. */
    if ((p->manager = strdup("dpkg")) == NULL)
        p->manager = (char *)protobuf_c_empty_string, bad = 1;
    if (bad) {
        protobuf_c_message_free_unpacked(&p->base, NULL);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    pv->v[pv->n++] = p;
    return 0;
}

/* Validate the finished stanza and keep it if installed. at_eof: the file
 * ended without the blank line, so a missing field means truncation. */
static int end_stanza(struct pkglist *pv, struct stanza *st, int at_eof,
                      const char *path, struct tz_error *err)
{
    if (!st->have_field)
        return 0;
    const char *cut = at_eof ? "; the database ends in the middle of it "
                               "(truncated file?)" : "";
    if (!st->package_line)
        return tz_err(err, TZ_EPARSE, path, st->start,
                      "stanza at line %ld has no Package field%s", st->start,
                      cut);
    if (!st->status_line)
        return tz_err(err, TZ_EPARSE, path, st->start,
                      "package %s (stanza at line %ld) has no Status field%s",
                      st->package, st->start, cut);
    if (!st->installed)
        return 0;
    if (!st->version_line || st->version[0] == '\0')
        return tz_err(err, TZ_EPARSE, path, st->start,
                      "package %s (stanza at line %ld) has no Version%s",
                      st->package, st->start, cut);
    return emit(pv, st, path, err);
}

int collect_dpkg(const char *root, Tz__PackagesSection **out,
                 struct tz_error *err)
{
    char path[4096];
    if (tz_path(root, "/var/lib/dpkg/status", path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");

    struct tz_lines lr;
    int rc = tz_lines_open_in(&lr, root, "/var/lib/dpkg/status",
                              TZ_DPKG_MAX_LINE, err);
    if (rc != 0) {
        tz_lines_close(&lr);
        if (rc == TZ_ENOENT)
            return tz_err(err, TZ_ENOENT, path, 0,
                          "no dpkg database (is this a Debian-family system?)");
        return rc;
    }

    struct stanza st;
    struct pkglist pv = {NULL, 0, 0};
    stanza_reset(&st);
    char *line;
    size_t len;
    for (;;) {
        rc = tz_lines_next(&lr, &line, &len, err);
        if (rc == 0) {
            rc = end_stanza(&pv, &st, 1, path, err);
            break;
        }
        if (rc < 0) {
            if (rc == TZ_ELIMIT)    /* the contract says parse error */
                rc = tz_err(err, TZ_EPARSE, path, lr.lineno + 1,
                            "line longer than %u bytes", TZ_DPKG_MAX_LINE);
            break;
        }
        size_t i = 0;
        while (i < len && is_space(line[i]))
            i++;
        if (i == len) {                     /* blank: the stanza ends */
            rc = end_stanza(&pv, &st, 0, path, err);
            if (rc != 0)
                break;
            stanza_reset(&st);
            continue;
        }
        st.bytes += len + 1;
        if (st.bytes > TZ_DPKG_MAX_STANZA) {
            rc = tz_err(err, TZ_EPARSE, path, lr.lineno,
                        "stanza at line %ld is larger than %u bytes",
                        st.start ? st.start : lr.lineno, TZ_DPKG_MAX_STANZA);
            break;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            /* continuation of a multi-line field (Description, Conffiles) */
            if (!st.have_field) {
                rc = tz_err(err, TZ_EPARSE, path, lr.lineno,
                            "indented continuation line before any field "
                            "of its stanza");
                break;
            }
            continue;
        }
        rc = parse_field(&st, line, len, &lr, err);
        if (rc != 0)
            break;
    }
    tz_lines_close(&lr);
    if (rc != 0) {
        pkglist_free(&pv);
        return rc;
    }

    if (pkglist_section(&pv, "dpkg", out) != 0) {
        pkglist_free(&pv);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    return 0;
}
