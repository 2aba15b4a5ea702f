/* sheet_xlsx — a worksheet out of an .xlsx: the zip read with libzip, each
 * part streamed through expat in 64 KiB pieces (nothing inflated is held
 * but what the cells keep), with every count and size bounded. */
#include "sheet_xlsx.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>
#include <zip.h>

#include "grow.h"

#define PATH_LEN 1024
#define MAX_SHEETS 4096
#define MAX_XFS 65536
#define MAX_FMTS 4096
#define MAX_RELS 65536

/* ---- a growable byte buffer, bounded ---- */

struct buf {
    char *p;
    size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np == NULL)
            return TZ_ENOMEM;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* ---- the workbook as read so far ---- */

struct rel {
    char id[64];
    char type[32];      /* the last segment of the type URI */
    char target[PATH_LEN];
};

struct sheet_ent {
    size_t name;        /* offset into names */
    char rid[64];
    int hidden;
};

struct xr {
    zip_t *za;
    const struct sheet_limits *lim;
    const char *file;
    struct tz_error *err;
    /* relationships of the part being resolved */
    struct rel *rels;
    size_t nrels, caprels;
    /* workbook */
    struct sheet_ent *sheets;
    size_t nsheets, capsheets;
    struct buf names;
    int date1904;
    /* shared strings: their text one after another, NUL-separated */
    struct buf sst;
    size_t *sst_off;
    size_t nsst, capsst;
    /* styles: number format of each cell format, and which formats are
     * custom dates */
    uint32_t *xf_fmt;
    size_t nxf, capxf;
    uint32_t *date_fmts;
    size_t ndate_fmts, capdate;
    struct sheet_table *table;
};

/* ---- one part through expat ---- */

struct xp;
typedef void (*start_fn)(struct xp *, const char *, const char **);
typedef void (*end_fn)(struct xp *, const char *);

struct xp {
    XML_Parser p;
    struct xr *x;
    const char *part;
    size_t depth;
    int rc;
    start_fn start;
    end_fn end;
    struct buf *text;   /* character data goes here when set */
    size_t text_max;
    void *ud;
};

static void xp_fail(struct xp *xp, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void xp_fail(struct xp *xp, int code, const char *fmt, ...)
{
    if (xp->rc != 0)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    xp->rc = tz_err(xp->x->err, code, xp->x->file, 0, "%s", msg);
    XML_StopParser(xp->p, XML_FALSE);
}

static void xp_oom(struct xp *xp)
{
    xp_fail(xp, TZ_ENOMEM, "out of memory");
}

/* The name without its namespace ("uri|c" → "c"). */
static const char *local(const char *name)
{
    const char *bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(local(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **atts)
{
    struct xp *xp = ud;
    if (xp->rc != 0)
        return;
    if (++xp->depth > xp->x->lim->max_depth) {
        xp_fail(xp, TZ_ELIMIT, "%s: XML nested deeper than %zu elements",
                xp->part, xp->x->lim->max_depth);
        return;
    }
    if (xp->start)
        xp->start(xp, local(name), atts);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct xp *xp = ud;
    if (xp->rc != 0)
        return;
    xp->depth--;
    if (xp->end)
        xp->end(xp, local(name));
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct xp *xp = ud;
    if (xp->rc != 0 || xp->text == NULL || len <= 0)
        return;
    if (xp->text->len + (size_t)len > xp->text_max) {
        xp_fail(xp, TZ_ELIMIT, "%s: a text longer than %zu bytes", xp->part,
                xp->text_max);
        return;
    }
    if (buf_add(xp->text, s, (size_t)len) != 0)
        xp_oom(xp);
}

/* No spreadsheet part has a DOCTYPE; refusing it refuses entity games. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    struct xp *xp = ud;
    xp_fail(xp, TZ_EPARSE, "%s: a DOCTYPE, which no workbook has", xp->part);
}

/* Stream the part named path through the handlers of xp. TZ_ENOENT when
 * the zip has no such part (err not filled: the caller decides). */
static int xp_run(struct xr *x, const char *path, struct xp *xp)
{
    zip_int64_t idx = zip_name_locate(x->za, path, ZIP_FL_NOCASE);
    if (idx < 0)
        return TZ_ENOENT;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &st) == 0 &&
        (st.valid & ZIP_STAT_SIZE) && st.size > x->lim->max_entry)
        return tz_err(x->err, TZ_ELIMIT, x->file, 0, "%s inflates to %llu "
                      "bytes, more than the limit of %zu (a zip bomb?)", path,
                      (unsigned long long)st.size, x->lim->max_entry);
    zip_file_t *zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
    if (zf == NULL)
        return tz_err(x->err, TZ_EPARSE, x->file, 0, "%s: cannot read it: "
                      "%s (a workbook with a password must be saved without "
                      "one first)", path, zip_strerror(x->za));
    xp->p = XML_ParserCreateNS(NULL, '|');
    if (xp->p == NULL) {
        zip_fclose(zf);
        return tz_err(x->err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    xp->x = x;
    xp->part = path;
    XML_SetUserData(xp->p, xp);
    XML_SetElementHandler(xp->p, on_start, on_end);
    XML_SetCharacterDataHandler(xp->p, on_text);
    XML_SetStartDoctypeDeclHandler(xp->p, on_doctype);
    char chunk[65536];
    size_t total = 0;
    for (;;) {
        zip_int64_t got = zip_fread(zf, chunk, sizeof(chunk));
        if (got < 0) {
            tz_err(x->err, TZ_EPARSE, x->file, 0, "%s: %s (the file is "
                   "damaged)", path, zip_file_strerror(zf));
            xp->rc = TZ_EPARSE;
            break;
        }
        /* What was inflated, not what the header claimed. */
        total += (size_t)got;
        if (total > x->lim->max_entry) {
            xp->rc = tz_err(x->err, TZ_ELIMIT, x->file, 0, "%s inflates to "
                            "more than the limit of %zu bytes (a zip bomb?)",
                            path, x->lim->max_entry);
            break;
        }
        int last = got == 0;
        if (XML_Parse(xp->p, chunk, (int)got, last) == XML_STATUS_ERROR &&
            xp->rc == 0)
            xp->rc = tz_err(x->err, TZ_EPARSE, x->file, 0, "%s line %lu: "
                            "not XML: %s", path,
                            (unsigned long)XML_GetCurrentLineNumber(xp->p),
                            XML_ErrorString(XML_GetErrorCode(xp->p)));
        if (xp->rc != 0 || last)
            break;
    }
    XML_ParserFree(xp->p);
    xp->p = NULL;
    zip_fclose(zf);
    return xp->rc;
}

/* ---- part names ---- */

/* base's directory joined with target, "." and ".." resolved; a target
 * starting with '/' is from the package root. 0 or TZ_EPARSE. */
static int resolve(const char *base, const char *target, char out[PATH_LEN])
{
    char tmp[2 * PATH_LEN];
    if (target[0] == '/') {
        snprintf(tmp, sizeof(tmp), "%s", target + 1);
    } else {
        const char *slash = strrchr(base, '/');
        int dir = slash ? (int)(slash - base) + 1 : 0;
        snprintf(tmp, sizeof(tmp), "%.*s%s", dir, base, target);
    }
    size_t n = 0;
    for (char *seg = tmp, *next; seg; seg = next) {
        next = strchr(seg, '/');
        if (next)
            *next++ = '\0';
        if (seg[0] == '\0' || strcmp(seg, ".") == 0)
            continue;
        if (strcmp(seg, "..") == 0) {
            while (n > 0 && out[n - 1] != '/')
                n--;
            if (n > 0)
                n--;
            continue;
        }
        size_t k = strlen(seg);
        if (n + (n ? 1 : 0) + k >= PATH_LEN)
            return TZ_EPARSE;
        if (n)
            out[n++] = '/';
        memcpy(out + n, seg, k);
        n += k;
    }
    out[n] = '\0';
    return n ? 0 : TZ_EPARSE;
}

/* "xl/workbook.xml" → "xl/_rels/workbook.xml.rels" */
static void rels_of(const char *part, char out[PATH_LEN])
{
    const char *slash = strrchr(part, '/');
    int dir = slash ? (int)(slash - part) + 1 : 0;
    snprintf(out, PATH_LEN, "%.*s_rels/%.200s.rels", dir, part,
             part + dir);
}

/* ---- relationships ---- */

static void rels_start(struct xp *xp, const char *name, const char **atts)
{
    if (strcmp(name, "Relationship") != 0)
        return;
    struct xr *x = xp->x;
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"),
               *target = attr(atts, "Target"), *mode = attr(atts,
                                                             "TargetMode");
    if (id == NULL || type == NULL || target == NULL ||
        (mode && strcmp(mode, "External") == 0))
        return;
    if (x->nrels >= MAX_RELS) {
        xp_fail(xp, TZ_ELIMIT, "%s: more than %d relationships", xp->part,
                MAX_RELS);
        return;
    }
    if (tz_grow((void **)&x->rels, &x->caprels, x->nrels, sizeof(*x->rels))) {
        xp_oom(xp);
        return;
    }
    struct rel *r = &x->rels[x->nrels++];
    const char *slash = strrchr(type, '/');
    snprintf(r->id, sizeof(r->id), "%s", id);
    snprintf(r->type, sizeof(r->type), "%s", slash ? slash + 1 : type);
    snprintf(r->target, sizeof(r->target), "%s", target);
}

/* Read the relationships of part (replacing those read before). A part
 * without any is fine: the list is empty. */
static int read_rels(struct xr *x, const char *part)
{
    char path[PATH_LEN];
    rels_of(part, path);
    x->nrels = 0;
    struct xp xp = {.start = rels_start};
    int rc = xp_run(x, path, &xp);
    return rc == TZ_ENOENT ? 0 : rc;
}

/* The target of the first relationship of the type (or with id), resolved
 * against part; 0, TZ_ENOENT (none), TZ_EPARSE (a target past the root). */
static int rel_target(struct xr *x, const char *part, const char *type,
                      const char *id, char out[PATH_LEN])
{
    for (size_t i = 0; i < x->nrels; i++) {
        const struct rel *r = &x->rels[i];
        if ((type && strcmp(r->type, type) == 0) ||
            (id && strcmp(r->id, id) == 0))
            return resolve(part, r->target, out) == 0
                       ? 0
                       : tz_err(x->err, TZ_EPARSE, x->file, 0, "%s: a "
                                "relationship to \"%.200s\", outside the "
                                "workbook", part, r->target);
    }
    return TZ_ENOENT;
}

/* ---- the workbook: its sheets and date system ---- */

static void wb_start(struct xp *xp, const char *name, const char **atts)
{
    struct xr *x = xp->x;
    if (strcmp(name, "workbookPr") == 0) {
        const char *d = attr(atts, "date1904");
        x->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
        return;
    }
    if (strcmp(name, "sheet") != 0)
        return;
    const char *sname = attr(atts, "name"), *rid = attr(atts, "id"),
               *state = attr(atts, "state");
    if (sname == NULL || rid == NULL)
        return;
    if (x->nsheets >= MAX_SHEETS) {
        xp_fail(xp, TZ_ELIMIT, "%s: more than %d sheets", xp->part,
                MAX_SHEETS);
        return;
    }
    if (tz_grow((void **)&x->sheets, &x->capsheets, x->nsheets,
                sizeof(*x->sheets))) {
        xp_oom(xp);
        return;
    }
    struct sheet_ent *e = &x->sheets[x->nsheets];
    e->name = x->names.len;
    /* Excel allows 31 characters; a longer name is cut, not trusted */
    size_t n = strnlen(sname, 256);
    if (buf_add(&x->names, sname, n) != 0 || buf_add(&x->names, "", 1) != 0) {
        xp_oom(xp);
        return;
    }
    snprintf(e->rid, sizeof(e->rid), "%s", rid);
    e->hidden = state && strcmp(state, "visible") != 0;
    x->nsheets++;
}

/* The sheet to read into *out: want by name (exact, then ASCII case
 * folded), else the first visible. TZ_EPARSE (none at all), TZ_EINVAL (no
 * such name). */
static int pick_sheet(struct xr *x, const char *want,
                      const struct sheet_ent **out)
{
    *out = NULL;
    if (x->nsheets == 0)
        return tz_err(x->err, TZ_EPARSE, x->file, 0, "the workbook has no "
                      "sheets");
    if (want == NULL) {
        *out = &x->sheets[0];
        for (size_t i = x->nsheets; i-- > 0;)
            if (!x->sheets[i].hidden)
                *out = &x->sheets[i];
        return 0;
    }
    for (int fold = 0; fold < 2; fold++)
        for (size_t i = 0; i < x->nsheets; i++) {
            const char *n = x->names.p + x->sheets[i].name;
            if (fold ? strcasecmp(n, want) == 0 : strcmp(n, want) == 0) {
                *out = &x->sheets[i];
                return 0;
            }
        }
    char list[600];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < x->nsheets && used < sizeof(list) - 1; i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%.60s",
                                 i ? ", " : "",
                                 x->names.p + x->sheets[i].name);
    return tz_err(x->err, TZ_EINVAL, x->file, 0, "no sheet \"%.100s\": "
                  "the workbook has %s", want, list);
}

/* ---- styles: which cell formats are dates ---- */

/* Excel's built-in date and time formats (14-22; 27-36 and 50-58 in the
 * Chinese, Japanese and Korean versions, 45-47 times). */
static int builtin_date(uint32_t id)
{
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) ||
           (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/* A format code shows a date or time when, outside quoted text, escaped
 * characters and [...] sections, it has y, m, d, h or s. */
static int code_is_date(const char *code)
{
    if (strcasecmp(code, "General") == 0)
        return 0;
    for (const char *p = code; *p; p++) {
        if (*p == '"') {
            p = strchr(p + 1, '"');
            if (p == NULL)
                return 0;
        } else if (*p == '\\' || *p == '_' || *p == '*') {
            if (*++p == '\0')
                return 0;
        } else if (*p == '[') {
            p = strchr(p, ']');
            if (p == NULL)
                return 0;
        } else if (strchr("ymdhsYMDHS", *p)) {
            return 1;
        }
    }
    return 0;
}

static int u32_push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
    if (tz_grow((void **)v, cap, *n, sizeof(**v)) != 0)
        return TZ_ENOMEM;
    (*v)[(*n)++] = x;
    return 0;
}

struct styles_state {
    int in_xfs;
};

static uint32_t num_attr(const char *s)
{
    unsigned long v = s ? strtoul(s, NULL, 10) : 0;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void styles_start(struct xp *xp, const char *name, const char **atts)
{
    struct xr *x = xp->x;
    struct styles_state *st = xp->ud;
    if (strcmp(name, "cellXfs") == 0) {
        st->in_xfs = 1;
    } else if (strcmp(name, "numFmt") == 0) {
        const char *code = attr(atts, "formatCode");
        if (code && code_is_date(code)) {
            if (x->ndate_fmts >= MAX_FMTS)
                xp_fail(xp, TZ_ELIMIT, "%s: more than %d number formats",
                        xp->part, MAX_FMTS);
            else if (u32_push(&x->date_fmts, &x->ndate_fmts, &x->capdate,
                              num_attr(attr(atts, "numFmtId"))) != 0)
                xp_oom(xp);
        }
    } else if (strcmp(name, "xf") == 0 && st->in_xfs) {
        if (x->nxf >= MAX_XFS)
            xp_fail(xp, TZ_ELIMIT, "%s: more than %d cell formats", xp->part,
                    MAX_XFS);
        else if (u32_push(&x->xf_fmt, &x->nxf, &x->capxf,
                          num_attr(attr(atts, "numFmtId"))) != 0)
            xp_oom(xp);
    }
}

static void styles_end(struct xp *xp, const char *name)
{
    struct styles_state *st = xp->ud;
    if (strcmp(name, "cellXfs") == 0)
        st->in_xfs = 0;
}

/* Is cell format s a date? */
static int xf_is_date(const struct xr *x, uint32_t s)
{
    if (s >= x->nxf)
        return 0;
    uint32_t id = x->xf_fmt[s];
    if (builtin_date(id))
        return 1;
    for (size_t i = 0; i < x->ndate_fmts; i++)
        if (x->date_fmts[i] == id)
            return 1;
    return 0;
}

/* ---- text: _xHHHH_ escapes ---- */

static int hex4(const char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return 0;
        *v = *v << 4 | (uint32_t)d;
    }
    return 1;
}

static size_t utf8_put(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decode Excel's _xHHHH_ (a UTF-16 unit; how it writes a CR or another
 * control character) in place; the text never grows. Returns the length. */
static size_t unescape(char *s, size_t len)
{
    size_t w = 0;
    for (size_t r = 0; r < len;) {
        uint32_t cp, lo;
        if (r + 7 <= len && s[r] == '_' && s[r + 1] == 'x' &&
            s[r + 6] == '_' && hex4(s + r + 2, &cp)) {
            r += 7;
            if (cp >= 0xd800 && cp <= 0xdbff && r + 7 <= len &&
                s[r] == '_' && s[r + 1] == 'x' && s[r + 6] == '_' &&
                hex4(s + r + 2, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                r += 7;
            } else if (cp >= 0xd800 && cp <= 0xdfff) {
                cp = 0xfffd;
            }
            if (cp == 0)
                cp = 0xfffd;   /* a NUL would end the string early */
            w += utf8_put(s + w, cp);
            continue;
        }
        s[w++] = s[r++];
    }
    s[w] = '\0';
    return w;
}

/* ---- shared strings ---- */

struct sst_state {
    struct buf text;
    int in_si, rph;     /* inside <si>; depth inside <rPh> (skipped) */
};

static void sst_start(struct xp *xp, const char *name, const char **atts)
{
    (void)atts;
    struct sst_state *st = xp->ud;
    if (strcmp(name, "si") == 0) {
        st->in_si = 1;
        st->text.len = 0;
    } else if (strcmp(name, "rPh") == 0) {
        st->rph++;
    } else if (strcmp(name, "t") == 0 && st->in_si && st->rph == 0) {
        xp->text = &st->text;
    }
}

static void sst_end(struct xp *xp, const char *name)
{
    struct sst_state *st = xp->ud;
    struct xr *x = xp->x;
    if (strcmp(name, "t") == 0) {
        xp->text = NULL;
    } else if (strcmp(name, "rPh") == 0) {
        if (st->rph > 0)
            st->rph--;
    } else if (strcmp(name, "si") == 0 && st->in_si) {
        st->in_si = 0;
        size_t n = st->text.p ? unescape(st->text.p, st->text.len) : 0;
        if (x->nsst >= x->lim->max_strings) {
            xp_fail(xp, TZ_ELIMIT, "%s: more than %zu shared strings",
                    xp->part, x->lim->max_strings);
            return;
        }
        if (x->sst.len + n + 1 > x->lim->max_text) {
            xp_fail(xp, TZ_ELIMIT, "%s: the shared strings hold more than "
                    "%zu bytes", xp->part, x->lim->max_text);
            return;
        }
        if (tz_grow((void **)&x->sst_off, &x->capsst, x->nsst,
                    sizeof(*x->sst_off))) {
            xp_oom(xp);
            return;
        }
        x->sst_off[x->nsst++] = x->sst.len;
        if (buf_add(&x->sst, n ? st->text.p : "", n) != 0 ||
            buf_add(&x->sst, "", 1) != 0)
            xp_oom(xp);
    }
}

/* ---- the worksheet ---- */

struct ws_state {
    long row;           /* current row; 0 before the first */
    long cell_row;
    size_t col;         /* column of the current cell */
    long last_col;      /* of the row so far, -1 at its start */
    int in_cell, in_is, rph;
    char type[16];
    uint32_t style;
    int has_style;
    struct buf v, is;   /* <v> and the <t>s of <is> */
};

/* "E7" → column 4, row 7. 0 or -1. */
static int parse_ref(const char *s, size_t *col, long *row)
{
    size_t c = 0, nl = 0;
    while (*s >= 'A' && *s <= 'Z' && nl < 3) {
        c = c * 26 + (size_t)(*s++ - 'A' + 1);
        nl++;
    }
    if (nl == 0 || c > 16384)
        return -1;
    long r = 0;
    size_t nd = 0;
    while (*s >= '0' && *s <= '9' && nd < 8) {
        r = r * 10 + (*s++ - '0');
        nd++;
    }
    if (nd == 0 || *s != '\0' || r < 1 || r > 1048576)
        return -1;
    *col = c - 1;
    *row = r;
    return 0;
}

static void cell_fail(struct xp *xp, int code, const char *why)
{
    struct ws_state *st = xp->ud;
    char ref[320];
    sheet_table_ref(xp->x->table, st->cell_row, st->col, ref, sizeof(ref));
    xp_fail(xp, code, "%s: %s", ref, why);
}

static void row_start(struct xp *xp, struct ws_state *st, const char **atts)
{
    const char *r = attr(atts, "r");
    long n = r ? strtol(r, NULL, 10) : st->row + 1;
    if (n < 1 || n > 1048576 || n <= st->row) {
        xp_fail(xp, TZ_EPARSE, "%s: row \"%.20s\" after row %ld (the file "
                "is damaged)", sheet_table_name(xp->x->table), r ? r : "",
                st->row);
        return;
    }
    st->row = n;
    st->last_col = -1;
}

/* A <c>: where it is (its r, or right of the last), its type and style. */
static void cell_start(struct xp *xp, struct ws_state *st, const char **atts)
{
    const char *r = attr(atts, "r"), *t = attr(atts, "t"),
               *s = attr(atts, "s");
    long row = st->row;
    size_t col = (size_t)(st->last_col + 1);
    if (r && (parse_ref(r, &col, &row) != 0 || row != st->row)) {
        xp_fail(xp, TZ_EPARSE, "%s: a cell \"%.20s\" in row %ld (the file is "
                "damaged)", sheet_table_name(xp->x->table), r, st->row);
        return;
    }
    st->in_cell = 1;
    st->cell_row = row;
    st->col = col;
    st->last_col = (long)col;
    snprintf(st->type, sizeof(st->type), "%s", t ? t : "n");
    st->has_style = s != NULL;
    st->style = num_attr(s);
    st->v.len = st->is.len = 0;
    st->rph = 0;
}

/* <mergeCell ref="A5:A9"/> to the table; a single cell is no merge. */
static void merge_cell(struct xp *xp, const char **atts)
{
    struct xr *x = xp->x;
    const char *ref = attr(atts, "ref");
    char a[16], b[16];
    size_t c0, c1;
    long r0, r1;
    const char *colon = ref ? strchr(ref, ':') : NULL;
    if (colon == NULL || colon - ref >= (long)sizeof(a) ||
        strlen(colon + 1) >= sizeof(b))
        return;
    snprintf(a, sizeof(a), "%.*s", (int)(colon - ref), ref);
    snprintf(b, sizeof(b), "%s", colon + 1);
    if (parse_ref(a, &c0, &r0) != 0 || parse_ref(b, &c1, &r1) != 0) {
        xp_fail(xp, TZ_EPARSE, "%s: a merged range \"%.40s\" (the file is "
                "damaged)", sheet_table_name(x->table), ref);
        return;
    }
    int rc = sheet_table_merge(x->table, r0, c0, r1, c1, x->err);
    if (rc != 0) {
        xp->rc = rc;
        XML_StopParser(xp->p, XML_FALSE);
    }
}

static void ws_start(struct xp *xp, const char *name, const char **atts)
{
    struct ws_state *st = xp->ud;
    if (strcmp(name, "row") == 0)
        row_start(xp, st, atts);
    else if (strcmp(name, "c") == 0 && st->row > 0)
        cell_start(xp, st, atts);
    else if (!st->in_cell && strcmp(name, "mergeCell") == 0)
        merge_cell(xp, atts);
    else if (!st->in_cell)
        return;
    else if (strcmp(name, "v") == 0)
        xp->text = &st->v;
    else if (strcmp(name, "is") == 0)
        st->in_is = 1;
    else if (strcmp(name, "rPh") == 0)
        st->rph++;
    else if (strcmp(name, "t") == 0 && st->in_is && st->rph == 0)
        xp->text = &st->is;
}

/* The finished cell into the table. */
static void cell_done(struct xp *xp, struct ws_state *st)
{
    struct xr *x = xp->x;
    const char *t = st->type;
    const char *v = st->v.p ? st->v.p : "";
    enum sheet_kind kind = SHEET_TEXT;
    const char *text = v;
    size_t len = st->v.len;
    double num = 0;
    char tmp[SHEET_DATE_STRLEN + SHEET_NUM_STRLEN];
    if (strcmp(t, "s") == 0) {
        char *end;
        unsigned long i = strtoul(v, &end, 10);
        if (len == 0)
            return;
        if (end == v || *end != '\0' || i >= x->nsst) {
            cell_fail(xp, TZ_EPARSE, "refers to a shared string that is "
                      "not there (the file is damaged)");
            return;
        }
        text = x->sst.p + x->sst_off[i];
        len = strlen(text);
    } else if (strcmp(t, "inlineStr") == 0) {
        text = st->is.p ? st->is.p : "";
        len = st->is.p ? unescape(st->is.p, st->is.len) : 0;
    } else if (strcmp(t, "str") == 0) {
        len = st->v.p ? unescape(st->v.p, st->v.len) : 0;
    } else if (strcmp(t, "b") == 0) {
        if (len == 0)
            return;
        kind = SHEET_BOOL;
        text = strcmp(v, "0") == 0 ? "FALSE" : "TRUE";
        len = strlen(text);
    } else if (strcmp(t, "e") == 0) {
        kind = SHEET_ERROR;
    } else if (strcmp(t, "d") == 0) {
        /* ISO 8601: the day, and the time only when there is one */
        kind = SHEET_DATE;
        if (len > 10 && v[10] == 'T') {
            int midnight = strncmp(v + 11, "00:00:00", 8) == 0 ||
                           strcmp(v + 11, "00:00") == 0;
            snprintf(tmp, sizeof(tmp), "%.10s%s%.8s", v,
                     midnight ? "" : " ", midnight ? "" : v + 11);
            text = tmp;
            len = strlen(tmp);
        }
    } else {
        if (len == 0)
            return;
        char *end;
        num = strtod(v, &end);
        if (end == v || *end != '\0' || !isfinite(num)) {
            cell_fail(xp, TZ_EPARSE, "a number that is not one (the file is "
                      "damaged)");
            return;
        }
        kind = SHEET_NUMBER;
        if (st->has_style && xf_is_date(x, st->style) &&
            sheet_serial_date(num, x->date1904, tmp) == 0)
            kind = SHEET_DATE;
        else
            sheet_number_text(num, tmp);
        text = tmp;
        len = strlen(tmp);
    }
    int rc = sheet_table_add(x->table, st->cell_row, st->col, kind, text, len,
                             num, x->err);
    if (rc != 0) {
        xp->rc = rc;
        XML_StopParser(xp->p, XML_FALSE);
    }
}

static void ws_end(struct xp *xp, const char *name)
{
    struct ws_state *st = xp->ud;
    if (!st->in_cell)
        return;
    if (strcmp(name, "v") == 0 || strcmp(name, "t") == 0) {
        xp->text = NULL;
    } else if (strcmp(name, "rPh") == 0) {
        if (st->rph > 0)
            st->rph--;
    } else if (strcmp(name, "is") == 0) {
        st->in_is = 0;
    } else if (strcmp(name, "c") == 0) {
        st->in_cell = 0;
        xp->text = NULL;
        cell_done(xp, st);
    }
}

/* ---- the whole ---- */

static int read_styles(struct xr *x, const char *wb)
{
    char path[PATH_LEN];
    int rc = rel_target(x, wb, "styles", NULL, path);
    if (rc == TZ_ENOENT)
        return 0;   /* no styles: no dates, every number a number */
    if (rc != 0)
        return rc;
    struct styles_state st = {0};
    struct xp xp = {.start = styles_start, .end = styles_end, .ud = &st};
    rc = xp_run(x, path, &xp);
    return rc == TZ_ENOENT ? 0 : rc;
}

static int read_sst(struct xr *x, const char *wb)
{
    char path[PATH_LEN];
    int rc = rel_target(x, wb, "sharedStrings", NULL, path);
    if (rc == TZ_ENOENT)
        return 0;   /* inline strings only, as libxlsxwriter's
                     * constant_memory mode writes */
    if (rc != 0)
        return rc;
    struct sst_state st = {0};
    struct xp xp = {.start = sst_start, .end = sst_end, .ud = &st,
                    .text_max = x->lim->max_cell};
    rc = xp_run(x, path, &xp);
    free(st.text.p);
    if (rc == TZ_ENOENT)
        return tz_err(x->err, TZ_EPARSE, x->file, 0, "%s is missing (the "
                      "file is damaged)", path);
    return rc;
}

static int read_sheet(struct xr *x, const char *path)
{
    struct ws_state st = {.last_col = -1};
    struct xp xp = {.start = ws_start, .end = ws_end, .ud = &st,
                    .text_max = x->lim->max_cell};
    int rc = xp_run(x, path, &xp);
    free(st.v.p);
    free(st.is.p);
    if (rc == TZ_ENOENT)
        return tz_err(x->err, TZ_EPARSE, x->file, 0, "%s is missing (the "
                      "file is damaged)", path);
    return rc ? rc : sheet_table_finish(x->table, x->err);
}

static int read_book(struct xr *x, const char *want)
{
    char wb[PATH_LEN], path[PATH_LEN];
    int rc = read_rels(x, "");
    if (rc == 0) {
        rc = rel_target(x, "", "officeDocument", NULL, wb);
        if (rc == TZ_ENOENT) {
            snprintf(wb, sizeof(wb), "xl/workbook.xml");
            rc = 0;
        }
    }
    if (rc != 0)
        return rc;
    struct xp xp = {.start = wb_start};
    rc = xp_run(x, wb, &xp);
    if (rc == TZ_ENOENT)
        return tz_err(x->err, TZ_EPARSE, x->file, 0, "a zip, but no Excel "
                      "workbook in it (%s is missing)", wb);
    if (rc == 0)
        rc = read_rels(x, wb);
    if (rc != 0)
        return rc;
    const struct sheet_ent *s;
    if ((rc = pick_sheet(x, want, &s)) != 0)
        return rc;
    const char *name = x->names.p + s->name;
    rc = rel_target(x, wb, NULL, s->rid, path);
    if (rc == TZ_ENOENT)
        return tz_err(x->err, TZ_EPARSE, x->file, 0, "the sheet %.100s has "
                      "no part (the file is damaged)", name);
    if (rc == 0)
        rc = read_styles(x, wb);
    if (rc == 0)
        rc = read_sst(x, wb);
    if (rc != 0)
        return rc;
    x->table = sheet_table_new(x->lim, x->file, name);
    if (x->table == NULL)
        return tz_err(x->err, TZ_ENOMEM, NULL, 0, "out of memory");
    sheet_table_set_date1904(x->table, x->date1904);
    return read_sheet(x, path);
}

int sheet_xlsx_read(const void *data, size_t len, const char *file,
                    const char *want_sheet, const struct sheet_limits *lim,
                    struct sheet_table **out, struct tz_error *err)
{
    *out = NULL;
    struct xr x = {.lim = lim, .file = file, .err = err};
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (src)
        x.za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    int rc = 0;
    if (x.za == NULL) {
        rc = tz_err(err, src ? TZ_EPARSE : TZ_ENOMEM, file, 0, "not a "
                    "readable .xlsx: %s", zip_error_strerror(&ze));
        zip_source_free(src);
    }
    zip_error_fini(&ze);
    if (rc == 0) {
        zip_int64_t n = zip_get_num_entries(x.za, 0);
        if (n < 0 || (zip_uint64_t)n > lim->max_entries)
            rc = tz_err(err, TZ_ELIMIT, file, 0, "the zip has %lld entries, "
                        "more than the limit of %zu", (long long)n,
                        lim->max_entries);
    }
    if (rc == 0)
        rc = read_book(&x, want_sheet);
    if (x.za)
        zip_discard(x.za);
    free(x.rels);
    free(x.sheets);
    free(x.names.p);
    free(x.sst.p);
    free(x.sst_off);
    free(x.xf_fmt);
    free(x.date_fmts);
    if (rc != 0) {
        sheet_table_free(x.table);
        return rc;
    }
    *out = x.table;
    return 0;
}
