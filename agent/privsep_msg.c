/* privsep_msg — bounded writer and reader for the privsep frames. */
#include "privsep_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_sudoers.h"
#include "tz_limits.h"
#include "warnlist.h"

#define MAGIC_REQ  0x545A5132u   /* "TZQ2" (TZQ1 carried paths: gone) */
#define MAGIC_RESP 0x545A5631u   /* "TZV1" */
#define MAGIC_FREQ 0x545A4631u   /* "TZF1" */
#define MAGIC_FRSP 0x545A4731u   /* "TZG1" */
#define MAGIC_FIX  0x545A5331u   /* "TZS1" */

/* ---- writer ---- */

struct wbuf {
    uint8_t *p;
    size_t n, cap, max;
    int bad;                     /* TZ_ENOMEM or TZ_ELIMIT, sticky */
};

static void put(struct wbuf *w, const void *src, size_t n)
{
    if (w->bad)
        return;
    if (w->n + n > w->max) {
        w->bad = TZ_ELIMIT;
        return;
    }
    if (w->n + n > w->cap) {
        size_t ncap = w->cap ? w->cap : 4096;
        while (ncap < w->n + n)
            ncap *= 2;
        uint8_t *np = realloc(w->p, ncap);
        if (np == NULL) {
            w->bad = TZ_ENOMEM;
            return;
        }
        w->p = np;
        w->cap = ncap;
    }
    memcpy(w->p + w->n, src, n);
    w->n += n;
}

static void put_u8(struct wbuf *w, uint8_t v)
{
    put(w, &v, 1);
}

static void put_u16(struct wbuf *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 2);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    put(w, b, 4);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
    put_u32(w, (uint32_t)(v >> 32));
    put_u32(w, (uint32_t)v);
}

static void put_str(struct wbuf *w, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n > max || n > 0xFFFF) {
        if (!w->bad)
            w->bad = TZ_ELIMIT;
        return;
    }
    put_u16(w, (uint16_t)n);
    put(w, s, n);
}

/* Reserve the frame's length prefix; finish() fills it. */
static void begin(struct wbuf *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->max = max + 4;
    put_u32(w, 0);
}

static int finish(struct wbuf *w, uint8_t **buf, size_t *len,
                  struct tz_error *err)
{
    if (w->bad) {
        free(w->p);
        return tz_err(err, w->bad, NULL, 0, "privsep message %s",
                      w->bad == TZ_ELIMIT ? "over its bounds" : "out of memory");
    }
    uint32_t body = (uint32_t)(w->n - 4);
    w->p[0] = (uint8_t)(body >> 24);
    w->p[1] = (uint8_t)(body >> 16);
    w->p[2] = (uint8_t)(body >> 8);
    w->p[3] = (uint8_t)body;
    *buf = w->p;
    *len = w->n;
    return 0;
}

/* Every answer starts so: magic, status, and a message only with an error. */
static void put_answer_head(struct wbuf *w, uint32_t magic, int status,
                            const char *message)
{
    begin(w, PSMSG_MAX_RESPONSE);
    put_u32(w, magic);
    put_u32(w, (uint32_t)status);
    char msg[PSMSG_MAX_MESSAGE + 1];
    snprintf(msg, sizeof(msg), "%s", message ? message : "");
    put_str(w, status ? msg : "", PSMSG_MAX_MESSAGE);
}

/* The bounds of a fix, checked alike by encoder and decoder. */
static const char *fix_bad(const struct psmsg_request *rq)
{
    if (rq->lim.max_candidates < 1 || rq->lim.max_candidates > PSMSG_MAX_CANDIDATES)
        return "max_candidates";
    if (rq->lim.max_ms < 1 || rq->lim.max_ms > PSMSG_MAX_MS)
        return "max_ms";
    if (rq->lim.max_total_ms < 1 || rq->lim.max_total_ms > PSMSG_MAX_MS)
        return "max_total_ms";
    if (rq->root[0] && rq->root[0] != '/')
        return "root";
    if (rq->dict_path[0] && rq->dict_path[0] != '/')
        return "dict_path";
    return NULL;
}

int psmsg_encode_fix(const struct psmsg_request *rq, uint8_t **buf,
                     size_t *len, struct tz_error *err)
{
    struct wbuf w;
    begin(&w, PSMSG_MAX_REQUEST);
    if (fix_bad(rq))
        w.bad = TZ_ELIMIT;
    put_u32(&w, MAGIC_FIX);
    put_u32(&w, rq->lim.max_candidates);
    put_u32(&w, rq->lim.max_ms);
    put_u32(&w, rq->lim.max_total_ms);
    put_str(&w, rq->root, PSMSG_MAX_PATH);
    put_str(&w, rq->dict_path, PSMSG_MAX_PATH);
    return finish(&w, buf, len, err);
}

int psmsg_encode_audit(uint8_t **buf, size_t *len, struct tz_error *err)
{
    struct wbuf w;
    begin(&w, PSMSG_MAX_REQUEST);
    put_u32(&w, MAGIC_REQ);
    return finish(&w, buf, len, err);
}

int psmsg_encode_response(int status, const char *message,
                          const struct acct_audit *a, uint8_t **buf,
                          size_t *len, struct tz_error *err)
{
    struct wbuf w;
    put_answer_head(&w, MAGIC_RESP, status, message);
    if (status != 0 || a == NULL) {
        put_u8(&w, 0);
        put_u32(&w, 0);
        put_u32(&w, 0);
        put_u32(&w, 0);
        put_u32(&w, 0);
        return finish(&w, buf, len, err);
    }
    put_u8(&w, (uint8_t)((a->shadow_read ? 1 : 0) | (a->check_ran ? 2 : 0) |
                         (a->cut ? 4 : 0)));
    put_u32(&w, a->candidates);
    if (a->n_rules > SUDOERS_MAX_RULES || a->n_warnings > TZ_MAX_WARNINGS ||
        a->n > TZ_MAX_ACCOUNTS)
        w.bad = TZ_ELIMIT;
    put_u32(&w, (uint32_t)a->n_rules);
    for (size_t i = 0; i < a->n_rules; i++)
        put_str(&w, a->rules[i], SUDOERS_MAX_TEXT);
    put_u32(&w, (uint32_t)a->n_warnings);
    for (size_t i = 0; i < a->n_warnings; i++)
        put_str(&w, a->warnings[i], WARNLIST_MAX_LEN);
    put_u32(&w, (uint32_t)a->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct acct_verdict *v = &a->v[i];
        put_str(&w, v->name, TZ_MAX_NAME);
        put_u8(&w, (uint8_t)v->state);
        put_u8(&w, (uint8_t)v->reason);
        put_u8(&w, (uint8_t)(v->cut ? 1 : 0));
        put_u32(&w, (uint32_t)v->days_since_change);
        put_u32(&w, (uint32_t)v->max_days);
        if (v->n_rules > TZ_MAX_SMALL_LIST)
            w.bad = TZ_ELIMIT;
        put_u16(&w, (uint16_t)v->n_rules);
        for (size_t k = 0; k < v->n_rules; k++)
            put_u32(&w, v->rules[k]);
    }
    return finish(&w, buf, len, err);
}

/* ---- reader ---- */

struct rbuf {
    const uint8_t *p;
    size_t n, pos;
    const char *bad;             /* first problem found */
};

static int need(struct rbuf *r, size_t n, const char *what)
{
    if (r->bad)
        return 0;
    if (r->n - r->pos < n) {
        r->bad = what;
        return 0;
    }
    return 1;
}

static uint8_t get_u8(struct rbuf *r, const char *what)
{
    if (!need(r, 1, what))
        return 0;
    return r->p[r->pos++];
}

static uint16_t get_u16(struct rbuf *r, const char *what)
{
    if (!need(r, 2, what))
        return 0;
    uint16_t v = (uint16_t)((r->p[r->pos] << 8) | r->p[r->pos + 1]);
    r->pos += 2;
    return v;
}

static uint32_t get_u32(struct rbuf *r, const char *what)
{
    if (!need(r, 4, what))
        return 0;
    const uint8_t *b = r->p + r->pos;
    r->pos += 4;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
           ((uint32_t)b[2] << 8) | b[3];
}

static uint64_t get_u64(struct rbuf *r, const char *what)
{
    uint64_t hi = get_u32(r, what);
    return hi << 32 | get_u32(r, what);
}

/* A string of at most max bytes into a fresh malloc'd buffer (or into dst
 * when dst is given, which must hold max + 1). NULL on any problem. */
static char *get_str(struct rbuf *r, size_t max, char *dst, const char *what)
{
    uint16_t n = get_u16(r, what);
    if (r->bad)
        return NULL;
    if (n > max) {
        r->bad = what;
        return NULL;
    }
    if (!need(r, n, what))
        return NULL;
    if (memchr(r->p + r->pos, '\0', n)) {
        r->bad = what;
        return NULL;
    }
    char *s = dst ? dst : malloc((size_t)n + 1);
    if (s == NULL) {
        r->bad = "out of memory";
        return NULL;
    }
    memcpy(s, r->p + r->pos, n);
    s[n] = '\0';
    r->pos += n;
    return s;
}

static int bad(struct rbuf *r, struct tz_error *err)
{
    return tz_err(err, TZ_EPROTO, NULL, 0,
                  "privsep peer sent a malformed message (%s at byte %zu)",
                  r->bad, r->pos);
}

/* put_answer_head's fields; the status must be 0 or a tz_error code. */
static int32_t get_answer_head(struct rbuf *r, uint32_t magic,
                               char msg[PSMSG_MAX_MESSAGE + 1])
{
    if (get_u32(r, "magic") != magic && !r->bad)
        r->bad = "magic";
    int32_t status = (int32_t)get_u32(r, "status");
    get_str(r, PSMSG_MAX_MESSAGE, msg, "message");
    if (!r->bad && (status > 0 || status < -64))
        r->bad = "status";
    return status;
}

int psmsg_decode_fix(const uint8_t *body, size_t len, struct psmsg_request *rq,
                     struct tz_error *err)
{
    struct rbuf r = {body, len, 0, NULL};
    memset(rq, 0, sizeof(*rq));
    if (len > PSMSG_MAX_REQUEST)
        return tz_err(err, TZ_EPROTO, NULL, 0, "privsep request too large");
    if (get_u32(&r, "magic") != MAGIC_FIX && !r.bad)
        r.bad = "magic";
    rq->lim.max_candidates = get_u32(&r, "max_candidates");
    rq->lim.max_ms = get_u32(&r, "max_ms");
    rq->lim.max_total_ms = get_u32(&r, "max_total_ms");
    get_str(&r, PSMSG_MAX_PATH, rq->root, "root");
    get_str(&r, PSMSG_MAX_PATH, rq->dict_path, "dict_path");
    if (!r.bad && r.pos != r.n)
        r.bad = "trailing bytes";
    if (!r.bad)
        r.bad = fix_bad(rq);
    if (r.bad) {
        memset(rq, 0, sizeof(*rq));
        return bad(&r, err);
    }
    return 0;
}

int psmsg_decode_audit(const uint8_t *body, size_t len, struct tz_error *err)
{
    struct rbuf r = {body, len, 0, NULL};
    if (get_u32(&r, "magic") != MAGIC_REQ && !r.bad)
        r.bad = "magic";
    if (!r.bad && r.pos != r.n)
        r.bad = "trailing bytes";
    return r.bad ? bad(&r, err) : 0;
}

int psmsg_decode_response(const uint8_t *body, size_t len,
                          struct acct_audit *a, struct tz_error *err)
{
    struct rbuf r = {body, len, 0, NULL};
    memset(a, 0, sizeof(*a));
    if (len > PSMSG_MAX_RESPONSE)
        return tz_err(err, TZ_EPROTO, NULL, 0, "privsep answer too large");
    char msg[PSMSG_MAX_MESSAGE + 1] = "";
    int32_t status = get_answer_head(&r, MAGIC_RESP, msg);
    uint8_t flags = get_u8(&r, "flags");
    if (!r.bad && (flags & ~7u))
        r.bad = "flags";
    a->shadow_read = !!(flags & 1);
    a->check_ran = !!(flags & 2);
    a->cut = !!(flags & 4);
    a->candidates = get_u32(&r, "candidates");

    uint32_t n = get_u32(&r, "rule count");
    if (!r.bad && n > SUDOERS_MAX_RULES)
        r.bad = "rule count";
    if (!r.bad && n && (a->rules = calloc(n, sizeof(*a->rules))) == NULL)
        r.bad = "out of memory";
    for (uint32_t i = 0; i < n && !r.bad; i++)
        if ((a->rules[a->n_rules] = get_str(&r, SUDOERS_MAX_TEXT, NULL, "rule")))
            a->n_rules++;

    n = get_u32(&r, "warning count");
    if (!r.bad && n > TZ_MAX_WARNINGS)
        r.bad = "warning count";
    if (!r.bad && n && (a->warnings = calloc(n, sizeof(*a->warnings))) == NULL)
        r.bad = "out of memory";
    for (uint32_t i = 0; i < n && !r.bad; i++)
        if ((a->warnings[a->n_warnings] = get_str(&r, WARNLIST_MAX_LEN, NULL,
                                                  "warning")))
            a->n_warnings++;

    n = get_u32(&r, "account count");
    if (!r.bad && n > TZ_MAX_ACCOUNTS)
        r.bad = "account count";
    /* each verdict takes >= 16 bytes: refuse a count the body cannot hold
     * before allocating for it */
    if (!r.bad && (size_t)n > (r.n - r.pos) / 16)
        r.bad = "account count";
    if (!r.bad && n && (a->v = calloc(n, sizeof(*a->v))) == NULL)
        r.bad = "out of memory";
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        struct acct_verdict *v = &a->v[a->n];
        v->name = get_str(&r, TZ_MAX_NAME, NULL, "account name");
        if (v->name == NULL)
            break;
        a->n++;
        if (v->name[0] == '\0' && !r.bad)
            r.bad = "account name";
        v->state = get_u8(&r, "state");
        v->reason = get_u8(&r, "reason");
        uint8_t cut = get_u8(&r, "cut");
        v->days_since_change = (int32_t)get_u32(&r, "days_since_change");
        v->max_days = (int32_t)get_u32(&r, "max_days");
        uint16_t nr = get_u16(&r, "account rule count");
        if (r.bad)
            break;
        if (v->state > ACCT_PW_OK)
            r.bad = "state";
        else if (v->reason > WEAKPW_DICTIONARY ||
                 (v->state == ACCT_PW_WEAK) != (v->reason != WEAKPW_NONE))
            r.bad = "reason";
        else if (cut > 1)
            r.bad = "cut";
        else if (v->days_since_change < -1 || v->max_days < -1)
            r.bad = "day count";
        else if (nr > TZ_MAX_SMALL_LIST)
            r.bad = "account rule count";
        else if (nr && (v->rules = calloc(nr, sizeof(*v->rules))) == NULL)
            r.bad = "out of memory";
        v->cut = cut;
        for (uint16_t k = 0; k < nr && !r.bad; k++) {
            uint32_t idx = get_u32(&r, "rule index");
            if (!r.bad && idx >= a->n_rules)
                r.bad = "rule index";
            else if (!r.bad)
                v->rules[v->n_rules++] = idx;
        }
    }
    if (!r.bad && r.pos != r.n)
        r.bad = "trailing bytes";
    if (r.bad) {
        acct_audit_free(a);
        return bad(&r, err);
    }
    if (status != 0) {
        acct_audit_free(a);
        return tz_err(err, status, NULL, 0, "privileged check failed: %s",
                      msg[0] ? msg : tz_strerror(status));
    }
    if (acct_audit_index(a) != 0) {
        acct_audit_free(a);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    return 0;
}

/* ---- root facts ---- */

int psmsg_request_kind(const uint8_t *body, size_t len)
{
    if (len < 4)
        return PSMSG_BAD;
    uint32_t m = ((uint32_t)body[0] << 24) | ((uint32_t)body[1] << 16) |
                 ((uint32_t)body[2] << 8) | body[3];
    return m == MAGIC_REQ    ? PSMSG_AUDIT
           : m == MAGIC_FREQ ? PSMSG_FACTS
           : m == MAGIC_FIX  ? PSMSG_FIX
                             : PSMSG_BAD;
}

int psmsg_encode_facts_request(const unsigned long *inodes, size_t n,
                               uint8_t **buf, size_t *len,
                               struct tz_error *err)
{
    struct wbuf w;
    begin(&w, PSMSG_MAX_FACTS_REQUEST);
    put_u32(&w, MAGIC_FREQ);
    if (n > TZ_MAX_LISTENERS)
        w.bad = TZ_ELIMIT;
    put_u32(&w, (uint32_t)n);
    for (size_t i = 0; i < n && !w.bad; i++) {
        if (inodes[i] == 0 || (i > 0 && inodes[i] <= inodes[i - 1]))
            w.bad = TZ_ELIMIT;   /* the decoder would refuse it */
        put_u64(&w, inodes[i]);
    }
    return finish(&w, buf, len, err);
}

int psmsg_decode_facts_request(const uint8_t *body, size_t len,
                               unsigned long **inodes, size_t *n,
                               struct tz_error *err)
{
    struct rbuf r = {body, len, 0, NULL};
    *inodes = NULL;
    *n = 0;
    if (len > PSMSG_MAX_FACTS_REQUEST)
        return tz_err(err, TZ_EPROTO, NULL, 0, "privsep request too large");
    if (get_u32(&r, "magic") != MAGIC_FREQ && !r.bad)
        r.bad = "magic";
    uint32_t cnt = get_u32(&r, "inode count");
    if (!r.bad && (cnt > TZ_MAX_LISTENERS || (size_t)cnt != (r.n - r.pos) / 8 ||
                   (r.n - r.pos) % 8 != 0))
        r.bad = "inode count";
    unsigned long *v = NULL;
    if (!r.bad && cnt && (v = calloc(cnt, sizeof(*v))) == NULL)
        r.bad = "out of memory";
    for (uint32_t i = 0; i < cnt && !r.bad; i++) {
        uint64_t ino = get_u64(&r, "inode");
        if (!r.bad && (ino == 0 || ino > (unsigned long)-1 ||
                       (i > 0 && ino <= v[i - 1])))
            r.bad = "inode";
        else if (!r.bad)
            v[i] = (unsigned long)ino;
    }
    if (!r.bad && r.pos != r.n)
        r.bad = "trailing bytes";
    if (r.bad) {
        free(v);
        return bad(&r, err);
    }
    *inodes = v;
    *n = cnt;
    return 0;
}

int psmsg_encode_facts_response(int status, const char *message,
                                const struct rootfacts *f, uint8_t **buf,
                                size_t *len, struct tz_error *err)
{
    struct wbuf w;
    put_answer_head(&w, MAGIC_FRSP, status, message);
    int empty = status != 0 || f == NULL;
    for (size_t i = 0; i < ROOTFACTS_N_DMI; i++)
        put_str(&w, empty ? "" : f->dmi[i], TZ_MAX_NAME);
    size_t n = empty ? 0 : f->n_owners;
    if (n > TZ_MAX_LISTENERS)
        w.bad = TZ_ELIMIT;
    put_u32(&w, (uint32_t)n);
    for (size_t i = 0; i < n && !w.bad; i++) {
        const struct proc_owner *o = &f->owners[i];
        if (o->inode == 0 || o->pid == 0 ||
            (i > 0 && o->inode <= f->owners[i - 1].inode) ||
            memchr(o->comm, '\0', sizeof(o->comm)) == NULL)
            w.bad = TZ_ELIMIT;
        put_u64(&w, o->inode);
        put_u32(&w, o->pid);
        put_str(&w, w.bad ? "" : o->comm, PROC_OWNER_COMM - 1);
    }
    return finish(&w, buf, len, err);
}

int psmsg_decode_facts_response(const uint8_t *body, size_t len,
                                struct rootfacts *f, struct tz_error *err)
{
    struct rbuf r = {body, len, 0, NULL};
    memset(f, 0, sizeof(*f));
    if (len > PSMSG_MAX_RESPONSE)
        return tz_err(err, TZ_EPROTO, NULL, 0, "privsep answer too large");
    char msg[PSMSG_MAX_MESSAGE + 1] = "";
    int32_t status = get_answer_head(&r, MAGIC_FRSP, msg);
    for (size_t i = 0; i < ROOTFACTS_N_DMI && !r.bad; i++)
        get_str(&r, TZ_MAX_NAME, f->dmi[i], "dmi field");
    uint32_t n = get_u32(&r, "owner count");
    /* each owner takes >= 14 bytes: refuse a count the body cannot hold
     * before allocating for it */
    if (!r.bad && (n > TZ_MAX_LISTENERS || (size_t)n > (r.n - r.pos) / 14))
        r.bad = "owner count";
    if (!r.bad && n && (f->owners = calloc(n, sizeof(*f->owners))) == NULL)
        r.bad = "out of memory";
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        struct proc_owner *o = &f->owners[i];
        uint64_t ino = get_u64(&r, "inode");
        o->pid = get_u32(&r, "pid");
        get_str(&r, PROC_OWNER_COMM - 1, o->comm, "comm");
        if (r.bad)
            break;
        if (ino == 0 || ino > (unsigned long)-1 ||
            (i > 0 && ino <= f->owners[i - 1].inode))
            r.bad = "inode";
        else if (o->pid == 0)
            r.bad = "pid";
        o->inode = (unsigned long)ino;
        f->n_owners++;
    }
    if (!r.bad && r.pos != r.n)
        r.bad = "trailing bytes";
    for (size_t i = 0; i < ROOTFACTS_N_DMI && !r.bad && status != 0; i++)
        if (n != 0 || f->dmi[i][0])
            r.bad = "data in an error answer";
    if (r.bad) {
        rootfacts_free(f);
        memset(f, 0, sizeof(*f));
        return bad(&r, err);
    }
    if (status != 0) {
        rootfacts_free(f);
        return tz_err(err, status, NULL, 0, "privileged helper failed: %s",
                      msg[0] ? msg : tz_strerror(status));
    }
    return 0;
}
