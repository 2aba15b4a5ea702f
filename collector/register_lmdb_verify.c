/* register_lmdb_verify — register_verify for LMDB: every database walked in
 * one read transaction, each record checked against its key, each index
 * against what it indexes, each reference against what it names. The
 * indexes (agentkeys, pkgidx, section hashes, flag counts) are this
 * backend's own layout, so their check lives beside the code that keeps
 * them. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "grow.h"
#include "keys.h"
#include "register_lmdb.h"

#define SHOWN 10           /* problems of one kind named before "N more" */
#define SURPLUS_NAMED 16   /* hosts whose extra package index rows are named */

struct vagent {
    uint64_t id;
    uint8_t pk[32];
    int pk_known;
    char name[64];                  /* hostname, for messages */
    uint64_t pkg_expected, pkg_found;
    int64_t revoked_at;             /* 0: its key is accepted */
};

struct vsys {
    uint64_t id;
    char *dept, *name;              /* NULL when the record does not decode */
};

struct vcount {                     /* a subject's stored open flag count */
    int kind;
    uint64_t subject;
    uint32_t n;
    int seen;
};

/* At most SHOWN problems of one kind are named; the rest are counted and
 * summed up in one line by limit_end. */
struct limit {
    size_t shown, more;
};

/* The hosts records of one agent, as the walk meets them. */
struct hgroup {
    int active, orphan;
    uint64_t id;
    unsigned present;               /* kinds with a stored section */
    uint8_t hash[RL_N_KINDS][32];   /* BLAKE2b-256 of their stored bytes */
    int recorded_known;
    uint8_t recorded[RL_N_KINDS][32];
};

struct surplus;

struct fgroup {                     /* the open flags of one subject */
    int active, kind;
    uint64_t subject;
    uint32_t n;
};

struct verify {
    struct tz_register *reg;
    MDB_txn *txn;
    register_problem_cb cb;
    void *arg;
    struct register_verify_counts *n;
    struct tz_error *err;
    char **depts;
    size_t n_depts, cap_depts;
    struct vagent *agents;
    size_t n_agents, cap_agents;
    struct vsys *systems;
    size_t n_systems, cap_systems;
    struct vcount *counts;
    size_t n_counts, cap_counts;
    uint64_t schema, next_agent_id, next_system_id, next_token_id;
    int have_schema, have_next_agent, have_next_system, have_next_token, flag_counts;
    uint64_t *token_ids;            /* ids seen (0: not given yet), for duplicates */
    size_t n_token_ids, cap_token_ids;
    struct hgroup g;
    struct fgroup fg;
    struct limit pkg_orphans, hist_orphans, seen_orphans;
    uint64_t hist_last_orphan;
    struct surplus *surplus;        /* pkgidx_surplus's hosts, for its walk */
    size_t n_surplus;
    char **users;                   /* names, in key (byte) order */
    size_t n_users, cap_users;
};

/* ---- reporting ---- */

static void emit(struct verify *v, int counted, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void emit(struct verify *v, int counted, const char *fmt, va_list ap)
{
    char buf[768];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    if (counted)
        v->n->problems++;
    if (v->cb)
        v->cb(buf, v->arg);
}

static void problem(struct verify *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void problem(struct verify *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(v, 1, fmt, ap);
    va_end(ap);
}

static void limited(struct verify *v, struct limit *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void limited(struct verify *v, struct limit *l, const char *fmt, ...)
{
    if (l->shown == SHOWN) {
        l->more++;
        v->n->problems++;
        return;
    }
    l->shown++;
    va_list ap;
    va_start(ap, fmt);
    emit(v, 1, fmt, ap);
    va_end(ap);
}

static void summary(struct verify *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void summary(struct verify *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(v, 0, fmt, ap);
    va_end(ap);
}

static void limit_end(struct verify *v, struct limit *l, const char *what)
{
    if (l->more)
        summary(v, "... and %zu more %s", l->more, what);
    l->shown = l->more = 0;
}

/* Key bytes as text: control characters and NUL as '?'. */
static const char *keytext(const void *p, size_t n, char *buf, size_t len)
{
    size_t m = n < len - 1 ? n : len - 1;
    for (size_t i = 0; i < m; i++) {
        unsigned char c = ((const unsigned char *)p)[i];
        buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[m] = '\0';
    return buf;
}

static int key_is(const MDB_val *k, const char *s)
{
    return k->mv_size == strlen(s) && memcmp(k->mv_data, s, k->mv_size) == 0;
}

/* ---- what was seen, for references ---- */


static int agent_cmp(const void *key, const void *elem)
{
    uint64_t id = *(const uint64_t *)key, e = ((const struct vagent *)elem)->id;
    return id < e ? -1 : id > e;
}

/* Walked in key order (be64), so the arrays are sorted by id. */
static struct vagent *agent_find(struct verify *v, uint64_t id)
{
    return v->n_agents ? bsearch(&id, v->agents, v->n_agents, sizeof(*v->agents),
                                 agent_cmp) : NULL;
}

static int sys_cmp(const void *key, const void *elem)
{
    uint64_t id = *(const uint64_t *)key, e = ((const struct vsys *)elem)->id;
    return id < e ? -1 : id > e;
}

static struct vsys *system_find(struct verify *v, uint64_t id)
{
    return v->n_systems ? bsearch(&id, v->systems, v->n_systems, sizeof(*v->systems),
                                  sys_cmp) : NULL;
}

static int dept_cmp(const void *key, const void *elem)
{
    return strcmp(key, *(char *const *)elem);
}

static int dept_exists(struct verify *v, const char *name)
{
    return v->n_depts && bsearch(name, v->depts, v->n_depts, sizeof(*v->depts),
                                 dept_cmp) != NULL;
}

/* "host 3 (web01)", or "host 3" when its record gave no name. */
static const char *host_label(struct verify *v, uint64_t id, char buf[96])
{
    const struct vagent *a = agent_find(v, id);
    if (a && a->name[0])
        snprintf(buf, 96, "host %" PRIu64 " (%s)", id, a->name);
    else
        snprintf(buf, 96, "host %" PRIu64, id);
    return buf;
}

static const char *subject_label(struct verify *v, int kind, uint64_t id,
                                 char buf[96])
{
    if (kind == TZ__SUBJECT_KIND__SUBJECT_HOST)
        return host_label(v, id, buf);
    const struct vsys *s = kind == TZ__SUBJECT_KIND__SUBJECT_SYSTEM
                               ? system_find(v, id) : NULL;
    if (s && s->name)
        snprintf(buf, 96, "system %" PRIu64 " (%s)", id, s->name);
    else
        snprintf(buf, 96, "%s %" PRIu64,
                 kind == TZ__SUBJECT_KIND__SUBJECT_SYSTEM ? "system" : "subject", id);
    return buf;
}

static int subject_exists(struct verify *v, int kind, uint64_t id)
{
    if (kind == TZ__SUBJECT_KIND__SUBJECT_HOST)
        return agent_find(v, id) != NULL;
    if (kind == TZ__SUBJECT_KIND__SUBJECT_SYSTEM)
        return system_find(v, id) != NULL;
    return 0;
}

/* ---- one walk per database ---- */

typedef int (*walk_fn)(struct verify *v, const MDB_val *k, const MDB_val *d);

static int walk(struct verify *v, MDB_dbi dbi, const char *db, walk_fn fn)
{
    char what[48];
    snprintf(what, sizeof(what), "reading %s", db);
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(v->txn, dbi, &cur);
    if (mrc != 0)
        return rl_mdb_fail(v->reg, v->err, mrc, what);
    MDB_val k, d;
    int rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); mrc == 0 && rc == 0;
         mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT))
        rc = fn(v, &k, &d);
    mdb_cursor_close(cur);
    if (rc != 0)
        return rc;
    return mrc == MDB_NOTFOUND ? 0 : rl_mdb_fail(v->reg, v->err, mrc, what);
}

static int meta_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    char key[64];
    keytext(k->mv_data, k->mv_size, key, sizeof(key));
    if (d->mv_size != 8) {
        problem(v, "meta \"%s\" is %zu bytes long, not a counter", key, d->mv_size);
        return 0;
    }
    uint64_t x = rl_be64_get(d->mv_data);
    if (key_is(k, "schema"))
        v->schema = x, v->have_schema = 1;
    else if (key_is(k, "next_agent_id"))
        v->next_agent_id = x, v->have_next_agent = 1;
    else if (key_is(k, "next_system_id"))
        v->next_system_id = x, v->have_next_system = 1;
    else if (key_is(k, "next_token_id"))
        v->next_token_id = x, v->have_next_token = 1;
    else if (key_is(k, "flag_counts"))
        v->flag_counts = x != 0;
    return 0;
}

static int dept_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    char name[TZ_MAX_NAME_BUF];
    keytext(k->mv_data, k->mv_size, name, sizeof(name));
    v->n->depts++;
    Tz__DeptRecord *r = rl_unpack(&tz__dept_record__descriptor, d);
    if (r == NULL)
        problem(v, "department \"%s\": its record does not decode", name);
    else if (strlen(r->name) != k->mv_size || memcmp(r->name, k->mv_data, k->mv_size))
        problem(v, "department \"%s\": its record names \"%s\"", name, r->name);
    if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
    if (tz_grow((void **)&v->depts, &v->cap_depts, v->n_depts, sizeof(char *)) != 0)
        return TZ_ENOMEM;
    if ((v->depts[v->n_depts] = strndup(k->mv_data, k->mv_size)) == NULL)
        return TZ_ENOMEM;
    v->n_depts++;
    return 0;
}

/* The key index must map the host's key back to the host. */
static int agent_key_back(struct verify *v, const struct vagent *a)
{
    char who[96];
    MDB_val k = rl_mval(a->pk, 32), d;
    int mrc = mdb_get(v->txn, v->reg->agentkeys, &k, &d);
    if (mrc == MDB_NOTFOUND)
        problem(v, "%s: its agent key is missing from the key index (agentkeys): the "
                "collector would answer it UNKNOWN_AGENT", host_label(v, a->id, who));
    else if (mrc != 0)
        return rl_mdb_fail(v->reg, v->err, mrc, "reading agentkeys");
    else if (d.mv_size != 8 || rl_be64_get(d.mv_data) != a->id)
        problem(v, "%s: the key index (agentkeys) maps its agent key to %s%" PRIu64,
                host_label(v, a->id, who), d.mv_size == 8 ? "host " : "a malformed entry ",
                d.mv_size == 8 ? rl_be64_get(d.mv_data) : (uint64_t)d.mv_size);
    return 0;
}

static void agent_record_check(struct verify *v, const struct vagent *a,
                               const Tz__AgentRecord *r)
{
    char who[96];
    host_label(v, a->id, who);
    if (r->agent_id != a->id)
        problem(v, "%s: its record says it is host %" PRIu64, who, r->agent_id);
    if (r->agent_pk.len != 32)
        problem(v, "%s: its record has no valid agent key", who);
    if (!dept_exists(v, r->dept))
        problem(v, "%s belongs to department \"%s\", which does not exist", who, r->dept);
    if (v->have_next_agent && a->id >= v->next_agent_id)
        problem(v, "%s: its id is not below the next id to give out (%" PRIu64 "): the "
                "next enrollment would take it over", who, v->next_agent_id);
}

static int agent_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    if (k->mv_size != 8) {
        problem(v, "hosts: a record under a malformed key (%zu bytes)", k->mv_size);
        return 0;
    }
    if (tz_grow((void **)&v->agents, &v->cap_agents, v->n_agents, sizeof(*v->agents)))
        return TZ_ENOMEM;
    struct vagent *a = &v->agents[v->n_agents++];
    memset(a, 0, sizeof(*a));
    a->id = rl_be64_get(k->mv_data);
    v->n->agents++;
    Tz__AgentRecord *r = rl_unpack(&tz__agent_record__descriptor, d);
    if (r == NULL) {
        problem(v, "host %" PRIu64 ": its record does not decode", a->id);
        return 0;
    }
    snprintf(a->name, sizeof(a->name), "%s", r->hostname);
    if (r->reports > 0)
        v->n->hosts++;
    if (r->revocation) {
        a->revoked_at = r->revocation->at;
        if (r->revocation->at <= 0)
            problem(v, "host %" PRIu64 " (%s): revoked, but its record says no time",
                    a->id, a->name);
    }
    if (r->agent_pk.len == 32) {
        memcpy(a->pk, r->agent_pk.data, 32);
        a->pk_known = 1;
    }
    agent_record_check(v, a, r);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return a->pk_known ? agent_key_back(v, a) : 0;
}

static int agentkey_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    if (k->mv_size != 32 || d->mv_size != 8) {
        problem(v, "key index (agentkeys): a malformed entry (%zu-byte key, %zu-byte "
                "value)", k->mv_size, d->mv_size);
        return 0;
    }
    char hex[17], who[96];
    tz_hex_encode(k->mv_data, 8, hex);
    uint64_t id = rl_be64_get(d->mv_data);
    const struct vagent *a = agent_find(v, id);
    if (a == NULL)
        problem(v, "key index (agentkeys): agent key %s... points to host %" PRIu64
                ", which does not exist", hex, id);
    else if (a->pk_known && memcmp(a->pk, k->mv_data, 32) != 0)
        problem(v, "key index (agentkeys): agent key %s... points to %s, whose key is "
                "another", hex, host_label(v, id, who));
    return 0;
}

/* Use counts within their limit; expiry and revocation after creation. */
static void token_limits_check(struct verify *v, const Tz__TokenRecord *t)
{
    if (t->max_uses && t->uses > t->max_uses)
        problem(v, "token %s...: %" PRIu32 " enrollments made, above its limit of %"
                PRIu32, t->prefix, t->uses, t->max_uses);
    if (t->expires_at && t->expires_at <= t->created_at)
        problem(v, "token %s...: it expires before it was made", t->prefix);
    if (t->revoked_at && t->revoked_at < t->created_at)
        problem(v, "token %s...: revoked before it was made", t->prefix);
}

static int token_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    v->n->tokens++;
    Tz__TokenRecord *t = k->mv_size == 32 ? rl_unpack(&tz__token_record__descriptor, d)
                                          : NULL;
    if (t == NULL) {
        problem(v, "tokens: an entry that does not decode");
        return 0;
    }
    if (strcmp(t->role, "dept") == 0) {
        if (t->dept[0] == '\0')
            problem(v, "enrollment token %s...: it names no department", t->prefix);
        else if (!dept_exists(v, t->dept))
            problem(v, "enrollment token %s... is for department \"%s\", which does not "
                    "exist", t->prefix, t->dept);
    } else if (strcmp(t->role, "admin") != 0) {
        problem(v, "token %s...: unknown role \"%s\"", t->prefix, t->role);
    } else if (t->expires_at || t->max_uses) {
        problem(v, "admin token %s...: it has an expiry or a use limit, which only "
                "enrollment tokens have", t->prefix);
    }
    token_limits_check(v, t);
    int rc = 0;
    if (t->token_id != 0) {
        if (tz_grow((void **)&v->token_ids, &v->cap_token_ids, v->n_token_ids,
                    sizeof(*v->token_ids)) != 0)
            rc = TZ_ENOMEM;
        else
            v->token_ids[v->n_token_ids++] = t->token_id;
    }
    protobuf_c_message_free_unpacked(&t->base, NULL);
    return rc;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Token ids are unique and below meta next_token_id. */
static void tokens_end(struct verify *v)
{
    if (v->n_token_ids == 0)
        return;
    qsort(v->token_ids, v->n_token_ids, sizeof(*v->token_ids), u64_cmp);
    for (size_t i = 1; i < v->n_token_ids; i++)
        if (v->token_ids[i] == v->token_ids[i - 1])
            problem(v, "two tokens have id %" PRIu64 ": tzctl token revoke cannot tell "
                    "them apart", v->token_ids[i]);
    uint64_t top = v->token_ids[v->n_token_ids - 1];
    if (!v->have_next_token)
        problem(v, "meta has no next_token_id while tokens have ids: the next token "
                "would take id 1 over");
    else if (top >= v->next_token_id)
        problem(v, "token id %" PRIu64 " is not below the next id to give out (%" PRIu64
                "): the next token would take it over", top, v->next_token_id);
}

static int system_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    if (k->mv_size != 8) {
        problem(v, "systems: a record under a malformed key (%zu bytes)", k->mv_size);
        return 0;
    }
    if (tz_grow((void **)&v->systems, &v->cap_systems, v->n_systems, sizeof(*v->systems)))
        return TZ_ENOMEM;
    struct vsys *s = &v->systems[v->n_systems++];
    memset(s, 0, sizeof(*s));
    s->id = rl_be64_get(k->mv_data);
    v->n->systems++;
    Tz__SystemRecord *r = rl_unpack(&tz__system_record__descriptor, d);
    if (r == NULL) {
        problem(v, "system %" PRIu64 ": its record does not decode", s->id);
        return 0;
    }
    if (r->system_id != s->id)
        problem(v, "system %" PRIu64 ": its record says it is system %" PRIu64, s->id,
                r->system_id);
    if (!dept_exists(v, r->dept))
        problem(v, "system %" PRIu64 " (%s) belongs to department \"%s\", which does not "
                "exist", s->id, r->name, r->dept);
    if (v->have_next_system && s->id >= v->next_system_id)
        problem(v, "system %" PRIu64 " (%s): its id is not below the next id to give "
                "out (%" PRIu64 "): the next system added would take it over", s->id,
                r->name, v->next_system_id);
    s->dept = strdup(r->dept);
    s->name = strdup(r->name);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return s->dept && s->name ? 0 : TZ_ENOMEM;
}

static int sys_name_cmp(const void *a, const void *b)
{
    const struct vsys *x = *(const struct vsys *const *)a;
    const struct vsys *y = *(const struct vsys *const *)b;
    int c = strcmp(x->dept, y->dept);
    return c ? c : strcmp(x->name, y->name);
}

/* (department, name) names one system: `tzctl system show NAME` relies on it. */
static int systems_unique(struct verify *v)
{
    const struct vsys **s = malloc((v->n_systems ? v->n_systems : 1) * sizeof(*s));
    if (s == NULL)
        return TZ_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < v->n_systems; i++)
        if (v->systems[i].name)
            s[m++] = &v->systems[i];
    if (m)
        qsort(s, m, sizeof(*s), sys_name_cmp);
    for (size_t i = 1; i < m; i++)
        if (sys_name_cmp(&s[i - 1], &s[i]) == 0)
            problem(v, "systems %" PRIu64 " and %" PRIu64 " of %s are both named \"%s\"",
                    s[i - 1]->id, s[i]->id, s[i]->dept, s[i]->name);
    free(s);
    return 0;
}

static int binding_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    v->n->bindings++;
    if (k->mv_size != 8) {
        problem(v, "bindings: an entry under a malformed key (%zu bytes)", k->mv_size);
        return 0;
    }
    uint64_t id = rl_be64_get(k->mv_data);
    char who[96];
    if (agent_find(v, id) == NULL)
        problem(v, "a binding for host %" PRIu64 ", which does not exist", id);
    Tz__BindingRecord *b = rl_unpack(&tz__binding_record__descriptor, d);
    if (b == NULL)
        problem(v, "the binding of %s does not decode", host_label(v, id, who));
    else if (system_find(v, b->system_id) == NULL)
        problem(v, "the binding of %s names system %" PRIu64 ", which does not exist",
                host_label(v, id, who), b->system_id);
    if (b)
        protobuf_c_message_free_unpacked(&b->base, NULL);
    return 0;
}

/* ---- hosts: sections, their hashes, and the package index ---- */

/* Every package of the host's stored section has its pkgidx row. */
static int pkgidx_of_host(struct verify *v, uint64_t id, const Tz__PackagesSection *sec)
{
    struct rl_pkv *list;
    size_t n;
    if (rl_pkv_list(sec, &list, &n) != 0)
        return TZ_ENOMEM;
    struct vagent *a = agent_find(v, id);
    a->pkg_expected = n;
    char who[96];
    host_label(v, id, who);
    struct limit l = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (strlen(list[i].name) > TZ_MAX_NAME) {
            limited(v, &l, "%s: a stored package name is longer than %d bytes", who,
                    TZ_MAX_NAME);
            continue;
        }
        uint8_t kb[PKGKEY_MAX];
        MDB_val k = rl_mval(kb, rl_pkg_key(kb, list[i].name, id)), d;
        int mrc = mdb_get(v->txn, v->reg->pkgidx, &k, &d);
        if (mrc == MDB_NOTFOUND)
            limited(v, &l, "%s: package %s %s is missing from the package index "
                    "(pkgidx)", who, list[i].name, list[i].version);
        else if (mrc != 0)
            rc = rl_mdb_fail(v->reg, v->err, mrc, "reading pkgidx");
        else if (d.mv_size != strlen(list[i].version) ||
                 memcmp(d.mv_data, list[i].version, d.mv_size) != 0)
            limited(v, &l, "%s: the package index (pkgidx) has %s at version %.*s, its "
                    "stored packages at %s", who, list[i].name,
                    (int)(d.mv_size < 200 ? d.mv_size : 200), (const char *)d.mv_data,
                    list[i].version);
    }
    free(list);
    char what[128];
    snprintf(what, sizeof(what), "package index problems of %s", who);
    limit_end(v, &l, what);
    return rc;
}

static int known_hash(const uint8_t h[32])
{
    static const uint8_t zero[32];
    return memcmp(h, zero, 32) != 0;
}

/* The end of one host's records: its recorded hashes against its sections. */
static void group_end(struct verify *v)
{
    struct hgroup *g = &v->g;
    if (!g->active || g->orphan || !g->recorded_known)
        return;
    char who[96];
    host_label(v, g->id, who);
    for (int kind = TZ_SECTION_FIRST; kind <= TZ_SECTION_LAST; kind++) {
        if (!known_hash(g->recorded[kind]))
            continue;
        if (!(g->present & (1u << kind)))
            problem(v, "%s: the hash of its %s section is recorded but the section is "
                    "missing (a delta report would be taken as unchanged)", who,
                    tz_section_name(kind));
        else if (memcmp(g->hash[kind], g->recorded[kind], 32) != 0)
            problem(v, "%s: its stored %s section does not match its recorded hash "
                    "(delta reports would keep it stale)", who, tz_section_name(kind));
    }
}

static void group_start(struct verify *v, uint64_t id)
{
    group_end(v);
    memset(&v->g, 0, sizeof(v->g));
    v->g.active = 1;
    v->g.id = id;
    v->g.orphan = agent_find(v, id) == NULL;
    if (v->g.orphan)
        problem(v, "stored report data (hosts) for host %" PRIu64 ", which does not "
                "exist", id);
}

/* One stored section (or the report's own record, kind 0). */
static int section(struct verify *v, int kind, const MDB_val *d)
{
    const ProtobufCMessageDescriptor *desc = rl_section_desc(kind);
    if (desc == NULL)
        return 0;   /* a newer build's section: not ours to judge */
    ProtobufCMessage *m = rl_unpack(desc, d);
    char who[96];
    if (m == NULL) {
        problem(v, "%s: its stored %s%s does not decode", host_label(v, v->g.id, who),
                kind ? tz_section_name(kind) : "report record", kind ? " section" : "");
        return 0;
    }
    int rc = 0;
    if (kind != 0) {
        crypto_generichash(v->g.hash[kind], 32, d->mv_data, d->mv_size, NULL, 0);
        v->g.present |= 1u << kind;
    }
    if (kind == TZ__SECTION_KIND__SECTION_PACKAGES)
        rc = pkgidx_of_host(v, v->g.id, (const Tz__PackagesSection *)m);
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}

static int hosts_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    const uint8_t *kb = k->mv_data;
    if (k->mv_size < 9 || k->mv_size > RL_SECHASH_KEY_LEN ||
        (k->mv_size == RL_SECHASH_KEY_LEN && (kb[8] != 0 || kb[9] != 0xff))) {
        problem(v, "stored report data (hosts): a record under a malformed key");
        return 0;
    }
    uint64_t id = rl_be64_get(kb);
    if (!v->g.active || v->g.id != id)
        group_start(v, id);
    if (v->g.orphan)
        return 0;
    /* The hashes: at id 00 ff, or at id ff in older registers (read only
     * when the new key is absent, as ingest does; it sorts last). */
    int old_key = k->mv_size == 9 && kb[8] == RL_OLD_SECHASH_KIND;
    if (k->mv_size == RL_SECHASH_KEY_LEN || old_key) {
        if (!v->g.recorded_known) {
            memcpy(v->g.recorded, d->mv_data,
                   d->mv_size < sizeof(v->g.recorded) ? d->mv_size : sizeof(v->g.recorded));
            v->g.recorded_known = 1;
        }
        return 0;
    }
    return section(v, kb[8], d);
}

/* ---- the package index, from its side ---- */

/* name and host of a pkgidx key; 0 when malformed. */
static int pkgidx_key(const MDB_val *k, char name[TZ_MAX_NAME_BUF], uint64_t *id)
{
    const uint8_t *kb = k->mv_data;
    size_t nl = k->mv_size >= 10 ? k->mv_size - 9 : 0;
    if (nl == 0 || nl > TZ_MAX_NAME || kb[nl] != 0 || memchr(kb, 0, nl) != NULL)
        return 0;
    memcpy(name, kb, nl);
    name[nl] = '\0';
    *id = rl_be64_get(kb + nl + 1);
    return 1;
}

static int pkgidx_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    (void)d;
    char name[TZ_MAX_NAME_BUF];
    uint64_t id;
    v->n->pkgidx++;
    if (!pkgidx_key(k, name, &id)) {
        limited(v, &v->pkg_orphans, "package index (pkgidx): a malformed entry");
        return 0;
    }
    struct vagent *a = agent_find(v, id);
    if (a == NULL)
        limited(v, &v->pkg_orphans, "package index (pkgidx): %s is listed for host %"
                PRIu64 ", which does not exist", name, id);
    else
        a->pkg_found++;
    return 0;
}

/* A host whose index rows outnumber its packages, with them loaded to name
 * the extra rows (pkgidx is name-major: one merge over the walk). */
struct surplus {
    uint64_t id;
    Tz__PackagesSection *sec;
    struct rl_pkv *list;
    size_t n, j;
    struct limit l;
};

static int surplus_load(struct verify *v, struct surplus *s)
{
    uint8_t kb[9];
    rl_host_key(kb, s->id, TZ__SECTION_KIND__SECTION_PACKAGES);
    MDB_val k = rl_mval(kb, 9), d;
    int mrc = mdb_get(v->txn, v->reg->hosts, &k, &d);
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return rl_mdb_fail(v->reg, v->err, mrc, "reading hosts");
    if (mrc == 0)
        s->sec = rl_unpack(&tz__packages_section__descriptor, &d);
    return rl_pkv_list(s->sec, &s->list, &s->n);
}

static int surplus_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    (void)d;
    char name[TZ_MAX_NAME_BUF], who[96];
    uint64_t id;
    if (!pkgidx_key(k, name, &id))
        return 0;
    for (size_t i = 0; i < v->n_surplus; i++) {
        struct surplus *s = &v->surplus[i];
        if (s->id != id)
            continue;
        while (s->j < s->n && strcmp(s->list[s->j].name, name) < 0)
            s->j++;
        if (s->j == s->n || strcmp(s->list[s->j].name, name) != 0)
            limited(v, &s->l, "%s: the package index (pkgidx) lists %s, which its "
                    "stored packages do not", host_label(v, id, who), name);
        break;
    }
    return 0;
}

static int pkgidx_surplus(struct verify *v)
{
    struct surplus s[SURPLUS_NAMED];
    size_t n = 0;
    char who[96];
    for (size_t i = 0; i < v->n_agents; i++) {
        struct vagent *a = &v->agents[i];
        if (a->pkg_found <= a->pkg_expected)
            continue;
        if (n == SURPLUS_NAMED) {
            problem(v, "%s: the package index (pkgidx) has %" PRIu64 " rows its stored "
                    "packages do not list", host_label(v, a->id, who),
                    a->pkg_found - a->pkg_expected);
            continue;
        }
        memset(&s[n], 0, sizeof(s[n]));
        s[n].id = a->id;
        n++;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = surplus_load(v, &s[i]);
    v->surplus = s;
    v->n_surplus = n;
    if (rc == 0 && n)
        rc = walk(v, v->reg->pkgidx, "pkgidx", surplus_fn);
    v->surplus = NULL;
    v->n_surplus = 0;
    for (size_t i = 0; i < n; i++) {
        char what[128];
        snprintf(what, sizeof(what), "extra package index rows of %s",
                 host_label(v, s[i].id, who));
        limit_end(v, &s[i].l, what);
        free(s[i].list);
        if (s[i].sec)
            protobuf_c_message_free_unpacked(&s[i].sec->base, NULL);
    }
    return rc;
}

/* ---- flags and their counts ---- */

static int count_cmp(const void *key, const void *elem)
{
    const struct vcount *x = key, *y = elem;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->subject < y->subject ? -1 : x->subject > y->subject;
}

/* The end of one subject's open flags: its stored count must say as many. */
static void fgroup_end(struct verify *v)
{
    struct fgroup *f = &v->fg;
    if (!f->active || !v->flag_counts)
        return;
    struct vcount key = {.kind = f->kind, .subject = f->subject};
    struct vcount *c = v->n_counts ? bsearch(&key, v->counts, v->n_counts,
                                             sizeof(*v->counts), count_cmp) : NULL;
    char who[96];
    subject_label(v, f->kind, f->subject, who);
    if (c == NULL) {
        problem(v, "%s has %u open flag%s but no stored count of them (the ledger "
                "would show none)", who, f->n, f->n == 1 ? "" : "s");
        return;
    }
    c->seen = 1;
    if (c->n != f->n)
        problem(v, "%s: its stored open flag count is %u, but it has %u open flag%s "
                "(the ledger shows the count)", who, c->n, f->n, f->n == 1 ? "" : "s");
}

static int count_entry(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    const uint8_t *kb = k->mv_data, *c = d->mv_data;
    if (k->mv_size != 10 || d->mv_size != 4) {
        problem(v, "flags: a malformed open flag count");
        return 0;
    }
    if (tz_grow((void **)&v->counts, &v->cap_counts, v->n_counts, sizeof(*v->counts)))
        return TZ_ENOMEM;
    struct vcount *e = &v->counts[v->n_counts++];
    e->kind = kb[1];
    e->subject = rl_be64_get(kb + 2);
    e->n = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
    e->seen = 0;
    return 0;
}

static int flag_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    const uint8_t *kb = k->mv_data;
    char tag = k->mv_size ? (char)kb[0] : 0;
    if (tag == 'N')
        return count_entry(v, k, d);
    size_t off = tag == 'O' ? 10 : 26;
    if ((tag != 'O' && tag != 'C') || k->mv_size <= off) {
        problem(v, "flags: an entry under a malformed key");
        return 0;
    }
    int open = tag == 'O';
    int kind = kb[1];
    uint64_t subject = rl_be64_get(kb + 2);
    if (open) {
        v->n->open_flags++;
        if (!v->fg.active || v->fg.kind != kind || v->fg.subject != subject) {
            fgroup_end(v);
            v->fg = (struct fgroup){.active = 1, .kind = kind, .subject = subject};
        }
        v->fg.n++;
    } else {
        v->n->closed_flags++;
    }
    Tz__FlagRecord *f = rl_unpack(&tz__flag_record__descriptor, d);
    char who[96];
    subject_label(v, kind, subject, who);
    if (f == NULL) {
        problem(v, "an %s flag of %s does not decode", open ? "open" : "closed", who);
        return 0;
    }
    /* The record must be the one its key names, about a subject that exists. */
    size_t il = strlen(f->id), nl = strlen(f->instance);
    if ((int)f->subject_kind != kind || f->subject_id != subject ||
        k->mv_size != off + il + 1 + nl || memcmp(kb + off, f->id, il) != 0 ||
        memcmp(kb + off + il + 1, f->instance, nl) != 0 || (open && f->closed_at != 0))
        problem(v, "%s flag %s of %s: its record does not match its key",
                open ? "open" : "closed", f->id, who);
    else if (!subject_exists(v, kind, subject))
        problem(v, "%s flag %s is about %s, which does not exist",
                open ? "open" : "closed", f->id, who);
    protobuf_c_message_free_unpacked(&f->base, NULL);
    return 0;
}

static void counts_unseen(struct verify *v)
{
    if (!v->flag_counts)
        return;
    char who[96];
    for (size_t i = 0; i < v->n_counts; i++)
        if (!v->counts[i].seen && v->counts[i].n > 0)
            problem(v, "%s: its stored open flag count is %u, but it has no open flags",
                    subject_label(v, v->counts[i].kind, v->counts[i].subject, who),
                    v->counts[i].n);
}

/* ---- history ---- */

static int history_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    v->n->history++;
    if (k->mv_size != 24) {
        problem(v, "history: an entry under a malformed key (%zu bytes)", k->mv_size);
        return 0;
    }
    const uint8_t *kb = k->mv_data;
    uint64_t id = rl_be64_get(kb), seq = rl_be64_get(kb + 16);
    int64_t at = (int64_t)rl_be64_get(kb + 8);
    char who[96];
    if (agent_find(v, id) == NULL && id != v->hist_last_orphan) {
        v->hist_last_orphan = id;   /* one line per host, not per entry */
        limited(v, &v->hist_orphans, "history of host %" PRIu64 ", which does not "
                "exist", id);
    }
    Tz__HistoryEntry *e = rl_unpack(&tz__history_entry__descriptor, d);
    if (e == NULL)
        problem(v, "%s: the history entry of seq %" PRIu64 " does not decode",
                host_label(v, id, who), seq);
    else if (e->agent_id != id || e->at != at || e->seq != seq)
        problem(v, "%s: the history entry of seq %" PRIu64 " does not match its key",
                host_label(v, id, who), seq);
    else if (e->revocation) {
        const struct vagent *a = agent_find(v, id);
        if (a && a->revoked_at == 0)
            problem(v, "%s: its history says its key was revoked, but the host is "
                    "not", host_label(v, id, who));
        else if (a && (e->revocation->at != a->revoked_at || at != a->revoked_at))
            problem(v, "%s: its history records a revocation at another time than "
                    "its record", host_label(v, id, who));
    }
    if (e)
        protobuf_c_message_free_unpacked(&e->base, NULL);
    return 0;
}

/* ---- people and the ledger's change history ---- */

static int name_cmp(const void *key, const void *elem)
{
    return strcmp(key, *(char *const *)elem);
}

static int user_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    v->n->users++;
    Tz__UserRecord *u = rl_unpack(&tz__user_record__descriptor, d);
    if (u == NULL || strlen(u->name) != k->mv_size ||
        memcmp(u->name, k->mv_data, k->mv_size) != 0) {
        problem(v, "users: a record that does not decode or is not under its name");
        if (u)
            protobuf_c_message_free_unpacked(&u->base, NULL);
        return 0;
    }
    int admin = u->role == TZ__ROLE__ROLE_ADMIN;
    if (u->token_hash.len != 32)
        problem(v, "user %s: no token hash: nobody can log in as it", u->name);
    if (admin && u->dept[0])
        problem(v, "user %s: an admin that names department \"%s\"", u->name, u->dept);
    else if (!admin && u->role != TZ__ROLE__ROLE_VIEWER && u->role != TZ__ROLE__ROLE_EDITOR)
        problem(v, "user %s: unknown role %d", u->name, (int)u->role);
    else if (!admin && !dept_exists(v, u->dept))
        problem(v, "user %s belongs to department \"%s\", which does not exist",
                u->name, u->dept);
    int rc = tz_grow((void **)&v->users, &v->cap_users, v->n_users, sizeof(*v->users));
    if (rc == 0 && (v->users[v->n_users] = strdup(u->name)) == NULL)
        rc = TZ_ENOMEM;
    if (rc == 0)
        v->n_users++;
    protobuf_c_message_free_unpacked(&u->base, NULL);
    return rc;
}

static int session_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    v->n->sessions++;
    Tz__SessionRecord *s = k->mv_size == 32
                               ? rl_unpack(&tz__session_record__descriptor, d)
                               : NULL;
    if (s == NULL) {
        problem(v, "sessions: an entry that does not decode");
        return 0;
    }
    if (v->n_users == 0 ||
        bsearch(s->user, v->users, v->n_users, sizeof(*v->users), name_cmp) == NULL)
        problem(v, "a session of user \"%s\", who does not exist", s->user);
    protobuf_c_message_free_unpacked(&s->base, NULL);
    return 0;
}

static int syshist_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    v->n->ledger_changes++;
    if (k->mv_size != 24) {
        problem(v, "syshist: an entry under a malformed key (%zu bytes)", k->mv_size);
        return 0;
    }
    uint64_t id = rl_be64_get(k->mv_data);
    Tz__SystemChange *c = rl_unpack(&tz__system_change__descriptor, d);
    if (c == NULL || c->system_id != id ||
        c->at != (int64_t)rl_be64_get((const uint8_t *)k->mv_data + 8))
        problem(v, "system %" PRIu64 ": a ledger change that does not decode or "
                "match its key", id);
    else if (!subject_exists(v, TZ__SUBJECT_KIND__SUBJECT_SYSTEM, id))
        problem(v, "a ledger change of system %" PRIu64 ", which does not exist", id);
    if (c)
        protobuf_c_message_free_unpacked(&c->base, NULL);
    return 0;
}

/* ---- screenings, reviews and screening requests ---- */

static int screening_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    v->n->screenings++;
    uint64_t id = k->mv_size == 8 ? rl_be64_get(k->mv_data) : 0;
    Tz__Screening *s = k->mv_size == 8 ? rl_unpack(&tz__screening__descriptor, d) : NULL;
    if (s == NULL || s->screening_id != id || s->result == NULL)
        problem(v, "screening %" PRIu64 ": its record does not decode or match its key", id);
    else if (!subject_exists(v, TZ__SUBJECT_KIND__SUBJECT_SYSTEM, s->system_id))
        problem(v, "screening %" PRIu64 " is of system %" PRIu64 ", which does not exist",
                id, s->system_id);
    else {
        uint8_t kb[16];
        rl_be64_put(kb, s->system_id);
        rl_be64_put(kb + 8, id);
        MDB_val ik = rl_mval(kb, sizeof(kb)), iv;
        if (mdb_get(v->txn, v->reg->screenidx, &ik, &iv) != 0)
            problem(v, "screening %" PRIu64 " is missing from the screenings index "
                    "(screenidx): the system's list does not show it", id);
    }
    if (s)
        protobuf_c_message_free_unpacked(&s->base, NULL);
    return 0;
}

static int screenidx_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    Tz__ScreeningSummary *s = rl_unpack(&tz__screening_summary__descriptor, d);
    uint64_t sys = k->mv_size == 16 ? rl_be64_get(k->mv_data) : 0;
    uint64_t id = k->mv_size == 16 ? rl_be64_get((const uint8_t *)k->mv_data + 8) : 0;
    if (s == NULL || k->mv_size != 16 || s->system_id != sys || s->screening_id != id) {
        problem(v, "screenings index (screenidx): an entry that does not decode or "
                "match its key");
    } else {
        uint8_t kb[8];
        rl_be64_put(kb, id);
        MDB_val sk = rl_mval(kb, sizeof(kb)), sv;
        if (mdb_get(v->txn, v->reg->screenings, &sk, &sv) != 0)
            problem(v, "screenings index (screenidx) lists screening %" PRIu64
                    ", which is not stored", id);
    }
    if (s)
        protobuf_c_message_free_unpacked(&s->base, NULL);
    return 0;
}

static int review_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    v->n->reviews++;
    Tz__Review *r = k->mv_size == 16 ? rl_unpack(&tz__review__descriptor, d) : NULL;
    uint64_t sys = k->mv_size == 16 ? rl_be64_get(k->mv_data) : 0;
    if (r == NULL || r->system_id != sys ||
        r->review_id != rl_be64_get((const uint8_t *)k->mv_data + 8))
        problem(v, "reviews: a decision that does not decode or match its key");
    else if (!subject_exists(v, TZ__SUBJECT_KIND__SUBJECT_SYSTEM, sys))
        problem(v, "review %" PRIu64 " is of system %" PRIu64 ", which does not exist",
                r->review_id, sys);
    if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
    return 0;
}

static int screenreq_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    Tz__ScreeningRequest *r = k->mv_size == 8
        ? rl_unpack(&tz__screening_request__descriptor, d) : NULL;
    if (r == NULL || r->request_id != rl_be64_get(k->mv_data))
        problem(v, "screening requests: an entry that does not decode or match its key");
    else if (!subject_exists(v, TZ__SUBJECT_KIND__SUBJECT_SYSTEM, r->system_id))
        problem(v, "screening request %" PRIu64 " is of system %" PRIu64
                ", which does not exist", r->request_id, r->system_id);
    if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
    return 0;
}

/* depthist: department name, \0, be64 time, be64 seq → DeptChange of that
 * department at that time (register_lmdb_depts.c). */
static int depthist_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    const uint8_t *kb = k->mv_data;
    const uint8_t *nul = k->mv_size > 17 ? memchr(kb, 0, k->mv_size - 16) : NULL;
    Tz__DeptChange *c = nul && (size_t)(nul - kb) == k->mv_size - 17
        ? rl_unpack(&tz__dept_change__descriptor, d) : NULL;
    char kt[80];
    if (c == NULL || c->dept == NULL ||
        strlen(c->dept) != (size_t)(nul - kb) ||
        memcmp(c->dept, kb, (size_t)(nul - kb)) != 0 ||
        (uint64_t)c->at != rl_be64_get(nul + 1))
        problem(v, "department history (depthist): an entry that does not "
                "decode or match its key (of \"%s\")",
                keytext(kb, nul ? (size_t)(nul - kb) : k->mv_size, kt,
                        sizeof(kt)));
    else if (!dept_exists(v, c->dept))
        problem(v, "department history (depthist) of \"%s\", which does not "
                "exist", c->dept);
    if (c)
        protobuf_c_message_free_unpacked(&c->base, NULL);
    return 0;
}

/* seendays: be64 agent id, be32 block → 32 bytes of day bits
 * (register_lmdb_seen.c). */
static int seendays_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    if (k->mv_size != 12 || d->mv_size != 32) {
        problem(v, "days seen (seendays): an entry of the wrong size (%zu-byte "
                "key, %zu-byte value; 12 and 32 expected)", k->mv_size,
                d->mv_size);
        return 0;
    }
    uint64_t id = rl_be64_get(k->mv_data);
    if (agent_find(v, id) == NULL)
        limited(v, &v->seen_orphans, "days seen (seendays) of host %" PRIu64
                ", which does not exist", id);
    return 0;
}

static int settings_fn(struct verify *v, const MDB_val *k, const MDB_val *d)
{
    if (k->mv_size == 5 && memcmp(k->mv_data, "rules", 5) == 0) {
        Tz__RulesInForce *r = rl_unpack(&tz__rules_in_force__descriptor, d);
        if (r == NULL)
            problem(v, "settings: the rules in force do not decode");
        else
            protobuf_c_message_free_unpacked(&r->base, NULL);
    } else if (rl_is_digest_key(k->mv_data, k->mv_size)) {
        Tz__DigestState *s = rl_unpack(&tz__digest_state__descriptor, d);
        if (s == NULL)
            problem(v, "settings: a digest's state does not decode");
        else
            protobuf_c_message_free_unpacked(&s->base, NULL);
    } else {
        problem(v, "settings: an entry this build does not know (%zu-byte key)",
                k->mv_size);
    }
    return 0;
}

/* ---- the whole register ---- */

static void meta_end(struct verify *v)
{
    if (!v->have_schema)
        problem(v, "the register has no schema version (meta \"schema\")");
    else if (v->schema == 0 || v->schema > REGISTER_SCHEMA)
        problem(v, "schema version %" PRIu64 " is not one this build knows (1 to %d)",
                v->schema, REGISTER_SCHEMA);
}

static void ids_end(struct verify *v)
{
    if (v->n_agents && !v->have_next_agent)
        problem(v, "meta has no next_agent_id while %zu hosts are enrolled: the next "
                "enrollment would take id 1 over", v->n_agents);
    if (v->n_systems && !v->have_next_system)
        problem(v, "meta has no next_system_id while there are %zu systems: the next "
                "system added would take id 1 over", v->n_systems);
}

/* Order matters: what is referred to is walked before what refers to it. */
static int verify_all(struct verify *v)
{
    struct tz_register *r = v->reg;
    int rc;
    if ((rc = walk(v, r->meta, "meta", meta_fn)) != 0)
        return rc;
    meta_end(v);
    if ((rc = walk(v, r->depts, "depts", dept_fn)) != 0 ||
        (rc = walk(v, r->agents, "agents", agent_fn)) != 0 ||
        (rc = walk(v, r->agentkeys, "agentkeys", agentkey_fn)) != 0 ||
        (rc = walk(v, r->tokens, "tokens", token_fn)) != 0)
        return rc;
    tokens_end(v);
    if ((rc = walk(v, r->systems, "systems", system_fn)) != 0 ||
        (rc = systems_unique(v)) != 0 ||
        (rc = walk(v, r->bindings, "bindings", binding_fn)) != 0 ||
        (rc = walk(v, r->hosts, "hosts", hosts_fn)) != 0)
        return rc;
    group_end(v);
    if ((rc = walk(v, r->pkgidx, "pkgidx", pkgidx_fn)) != 0)
        return rc;
    limit_end(v, &v->pkg_orphans, "package index problems like these");
    if ((rc = pkgidx_surplus(v)) != 0 ||
        (rc = walk(v, r->flags, "flags", flag_fn)) != 0)
        return rc;
    fgroup_end(v);
    counts_unseen(v);
    if ((rc = walk(v, r->history, "history", history_fn)) != 0)
        return rc;
    limit_end(v, &v->hist_orphans, "hosts with history that do not exist");
    /* Databases newer than some registers (RL_ABSENT_*): absent is empty. */
    if ((!(r->absent & RL_ABSENT_USERS) &&
         (rc = walk(v, r->users, "users", user_fn)) != 0) ||
        (!(r->absent & RL_ABSENT_SESSIONS) &&
         (rc = walk(v, r->sessions, "sessions", session_fn)) != 0) ||
        (!(r->absent & RL_ABSENT_SYSHIST) &&
         (rc = walk(v, r->syshist, "syshist", syshist_fn)) != 0) ||
        (rc = walk(v, r->reviews, "reviews", review_fn)) != 0 ||
        (!(r->absent & RL_ABSENT_SCREENINGS) &&
         ((rc = walk(v, r->screenings, "screenings", screening_fn)) != 0 ||
          (rc = walk(v, r->screenidx, "screenidx", screenidx_fn)) != 0 ||
          (rc = walk(v, r->screenreq, "screenreq", screenreq_fn)) != 0)) ||
        (!(r->absent & RL_ABSENT_SETTINGS) &&
         (rc = walk(v, r->settings, "settings", settings_fn)) != 0) ||
        (!(r->absent & RL_ABSENT_DEPTHIST) &&
         (rc = walk(v, r->depthist, "depthist", depthist_fn)) != 0) ||
        (!(r->absent & RL_ABSENT_SEENDAYS) &&
         (rc = walk(v, r->seendays, "seendays", seendays_fn)) != 0))
        return rc;
    limit_end(v, &v->seen_orphans, "hosts with days seen that do not exist");
    ids_end(v);
    return 0;
}

static void verify_free(struct verify *v)
{
    for (size_t i = 0; i < v->n_depts; i++)
        free(v->depts[i]);
    free(v->depts);
    for (size_t i = 0; i < v->n_systems; i++) {
        free(v->systems[i].dept);
        free(v->systems[i].name);
    }
    free(v->systems);
    free(v->agents);
    free(v->counts);
    free(v->token_ids);
    for (size_t i = 0; i < v->n_users; i++)
        free(v->users[i]);
    free(v->users);
}

int register_verify(struct tz_register *reg, struct register_verify_counts *counts,
                    register_problem_cb cb, void *arg, struct tz_error *err)
{
    memset(counts, 0, sizeof(*counts));
    struct verify v = {.reg = reg, .cb = cb, .arg = arg, .n = counts, .err = err};
    int rc = rl_read_begin(reg, &v.txn, err);
    if (rc != 0)
        return rc;
    rc = verify_all(&v);
    mdb_txn_abort(v.txn);
    verify_free(&v);
    if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    return rc;
}
