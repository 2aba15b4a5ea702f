/* system_index — hash tables over the ledger's address blocks and domain
 * names, so binding a host costs a few probes instead of a walk over every
 * system (see system_index.h). */
#include "system_index.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "tz_error.h"

#define NAME_MAX_LEN 1024   /* sm_host_matches' buffer: longer never matches */

struct ent {
    uint64_t id;
    int retired;
    Tz__SystemRecord *rec;
};

/* The systems one key names, in ascending id (build order): a chain of
 * indexes into v, so a match can pick the lowest of the host's department
 * and the lowest of any other without a lookup. */
struct cand {
    uint32_t ent;       /* index into v */
    uint32_t next;      /* index into cands + 1; 0 ends the chain */
};

/* Key of a block: family, prefix and the address with host bits cleared. */
struct net_slot {
    uint8_t used, family, prefix;
    uint8_t addr[16];
    uint32_t head, tail;   /* chain of struct cand, index + 1 */
};

struct name_slot {
    char *name;         /* lowercase; NULL: empty slot */
    uint32_t head, tail;
};

struct sys_index {
    struct ent *v;
    size_t n;
    struct net_slot *nets;
    size_t net_cap;     /* power of two */
    struct name_slot *names;
    size_t name_cap;    /* power of two */
    uint64_t pfx4;      /* bit p: some v4 block has prefix p */
    uint64_t pfx6[3];
    struct cand *cands; /* one per stored block or domain */
    size_t n_cands, cap_cands;
};

/* Append entry e to the chain head/tail unless it already ends it (a system
 * listing one block twice). The caller sized cands for every block. */
static void chain_add(struct sys_index *ix, uint32_t *head, uint32_t *tail,
                      uint32_t e)
{
    if (*tail && ix->cands[*tail - 1].ent == e)
        return;
    if (ix->n_cands == ix->cap_cands)
        return;  /* cannot happen: one cand per block or domain at most */
    struct cand *c = &ix->cands[ix->n_cands++];
    c->ent = e;
    c->next = 0;
    uint32_t at = (uint32_t)ix->n_cands;
    if (*tail)
        ix->cands[*tail - 1].next = at;
    else
        *head = at;
    *tail = at;
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c *= 2;
    return c;
}

static void mask_addr(const uint8_t in[16], unsigned prefix, uint8_t out[16])
{
    memset(out, 0, 16);
    size_t whole = prefix / 8;
    memcpy(out, in, whole);
    unsigned rest = prefix % 8;
    if (rest)
        out[whole] = (uint8_t)(in[whole] & (0xff << (8 - rest)));
}

static uint64_t net_hash(int family, unsigned prefix, const uint8_t a[16])
{
    uint8_t hdr[2] = {(uint8_t)family, (uint8_t)prefix};
    return fnv(a, 16, fnv(hdr, 2, 0xcbf29ce484222325ull));
}

static struct net_slot *net_find(const struct sys_index *ix, int family,
                                 unsigned prefix, const uint8_t a[16])
{
    size_t m = ix->net_cap - 1;
    for (size_t i = net_hash(family, prefix, a) & m;; i = (i + 1) & m) {
        struct net_slot *s = &ix->nets[i];
        if (!s->used || (s->family == family && s->prefix == prefix &&
                         memcmp(s->addr, a, 16) == 0))
            return s;
    }
}

static void net_add(struct sys_index *ix, const struct sm_net *net,
                    uint32_t e)
{
    unsigned full = net->family == 4 ? 32 : 128;
    if ((net->family != 4 && net->family != 6) || net->prefix > full)
        return;  /* sm_net_contains never matches these either */
    uint8_t a[16];
    mask_addr(net->addr, net->prefix, a);
    struct net_slot *s = net_find(ix, net->family, net->prefix, a);
    if (s->used) {
        chain_add(ix, &s->head, &s->tail, e);
        return;
    }
    s->used = 1;
    s->family = (uint8_t)net->family;
    s->prefix = (uint8_t)net->prefix;
    memcpy(s->addr, a, 16);
    chain_add(ix, &s->head, &s->tail, e);
    if (net->family == 4)
        ix->pfx4 |= 1ull << net->prefix;
    else
        ix->pfx6[net->prefix / 64] |= 1ull << (net->prefix % 64);
}

/* ASCII lowercase copy without one trailing dot, as sm_host_matches
 * compares; 0 when empty or too long to ever match. */
static size_t name_key(const char *s, char out[NAME_MAX_LEN])
{
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == '.')
        n--;
    if (n == 0 || n >= NAME_MAX_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out[n] = '\0';
    return n;
}

static struct name_slot *name_find(const struct sys_index *ix, const char *k,
                                   size_t n)
{
    size_t m = ix->name_cap - 1;
    for (size_t i = fnv(k, n, 0xcbf29ce484222325ull) & m;; i = (i + 1) & m) {
        struct name_slot *s = &ix->names[i];
        if (s->name == NULL || strcmp(s->name, k) == 0)
            return s;
    }
}

static int name_add(struct sys_index *ix, const char *domain, uint32_t e)
{
    char k[NAME_MAX_LEN];
    if (sm_url_host(domain, k, sizeof(k)) != 0)
        return 0;
    /* The URL host as it is (sm_url_host dropped one trailing dot already);
     * only the hostname side loses its dot at lookup. */
    size_t n = strlen(k);
    for (size_t i = 0; i < n; i++)
        if (k[i] >= 'A' && k[i] <= 'Z')
            k[i] = (char)(k[i] - 'A' + 'a');
    struct name_slot *s = name_find(ix, k, n);
    if (s->name == NULL && (s->name = strdup(k)) == NULL)
        return TZ_ENOMEM;
    chain_add(ix, &s->head, &s->tail, e);
    return 0;
}

/* The CIDR blocks of rec's IP items (a range is the few blocks that make
 * it up, so a lookup stays one probe per prefix length); added to ix as
 * entry e when ix is set. Returns how many. Stored lists were checked on
 * the way in; an item that does not parse is skipped rather than trusted. */
static size_t ip_blocks(const Tz__SystemRecord *rec, struct sys_index *ix,
                        uint32_t e)
{
    size_t total = 0;
    for (size_t j = 0; j < rec->n_ips; j++) {
        struct sm_range r;
        struct sm_net blk[SM_RANGE_BLOCKS];
        if (sm_item_parse(rec->ips[j], &r, NULL, NULL, 0) != 0)
            continue;
        size_t nb = sm_range_blocks(&r, blk, SM_RANGE_BLOCKS);
        for (size_t k = 0; ix && k < nb && k < SM_RANGE_BLOCKS; k++)
            net_add(ix, &blk[k], e);
        total += nb;
    }
    return total;
}

void sys_index_free(struct sys_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->n; i++)
        protobuf_c_message_free_unpacked(&ix->v[i].rec->base, NULL);
    for (size_t i = 0; ix->names && i < ix->name_cap; i++)
        free(ix->names[i].name);
    free(ix->v);
    free(ix->nets);
    free(ix->names);
    free(ix->cands);
    free(ix);
}

int sys_index_build(Tz__SystemRecord **recs, size_t n, struct sys_index **out)
{
    *out = NULL;
    struct sys_index *ix = calloc(1, sizeof(*ix));
    size_t nnets = 0, nnames = 0;
    for (size_t i = 0; i < n; i++) {
        nnets += ip_blocks(recs[i], NULL, 0);
        nnames += recs[i]->n_domains;
    }
    if (ix) {
        ix->v = calloc(n ? n : 1, sizeof(*ix->v));
        ix->net_cap = pow2_at_least(nnets * 2 + 1);
        ix->nets = calloc(ix->net_cap, sizeof(*ix->nets));
        ix->name_cap = pow2_at_least(nnames * 2 + 1);
        ix->names = calloc(ix->name_cap, sizeof(*ix->names));
        ix->cap_cands = nnets + nnames;
        ix->cands = calloc(ix->cap_cands ? ix->cap_cands : 1,
                           sizeof(*ix->cands));
    }
    if (ix == NULL || ix->v == NULL || ix->nets == NULL ||
        ix->names == NULL || ix->cands == NULL ||
        ix->cap_cands > UINT32_MAX - 1 || n > UINT32_MAX) {
        for (size_t i = 0; i < n; i++)
            protobuf_c_message_free_unpacked(&recs[i]->base, NULL);
        sys_index_free(ix);
        return TZ_ENOMEM;
    }
    /* The records are the index's from here on, whatever happens. */
    for (size_t i = 0; i < n; i++) {
        struct ent *e = &ix->v[ix->n++];
        e->id = recs[i]->system_id;
        e->rec = recs[i];
        e->retired = strcmp(recs[i]->status, "retired") == 0;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ix->n; i++) {
        const struct ent *e = &ix->v[i];
        if (e->retired)
            continue;
        ip_blocks(e->rec, ix, (uint32_t)i);
        for (size_t j = 0; rc == 0 && j < e->rec->n_domains; j++)
            rc = name_add(ix, e->rec->domains[j], (uint32_t)i);
    }
    if (rc != 0) {
        sys_index_free(ix);
        return rc;
    }
    *out = ix;
    return 0;
}

static const struct ent *find(const struct sys_index *ix, uint64_t id)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->v[mid].id == id)
            return &ix->v[mid];
        if (ix->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const Tz__SystemRecord *sys_index_get(const struct sys_index *ix, uint64_t id)
{
    const struct ent *e = find(ix, id);
    return e ? e->rec : NULL;
}

int sys_index_retired(const struct sys_index *ix, uint64_t id)
{
    const struct ent *e = find(ix, id);
    return e && e->retired;
}

static int prefix_used(const struct sys_index *ix, int family, unsigned p)
{
    if (family == 4)
        return (ix->pfx4 >> p) & 1;
    return (ix->pfx6[p / 64] >> (p % 64)) & 1;
}

const char *sys_index_dept(const struct sys_index *ix, uint64_t id)
{
    const struct ent *e = find(ix, id);
    return e ? e->rec->dept : NULL;
}

/* Lowest of a chain in dept (all when dept is NULL) into *own, lowest of
 * another department into *other; ids ascend along a chain. */
static void chain_best(const struct sys_index *ix, uint32_t at,
                       const char *dept, uint64_t *own, uint64_t *other)
{
    int got_own = 0, got_other = dept == NULL;
    for (; at && !(got_own && got_other); at = ix->cands[at - 1].next) {
        const struct ent *e = &ix->v[ix->cands[at - 1].ent];
        if (dept == NULL || strcmp(e->rec->dept, dept) == 0) {
            if (!got_own && (*own == 0 || e->id < *own))
                *own = e->id;
            got_own = 1;
        } else {
            if (!got_other && (*other == 0 || e->id < *other))
                *other = e->id;
            got_other = 1;
        }
    }
}

uint64_t sys_index_match_in(const struct sys_index *ix,
                            const struct sm_net *ips, size_t nips,
                            const char *hostname, const char *dept,
                            uint64_t *elsewhere)
{
    uint64_t own = 0, other = 0;
    for (size_t i = 0; i < nips; i++) {
        int fam = ips[i].family;
        if (fam != 4 && fam != 6)
            continue;
        unsigned full = fam == 4 ? 32 : 128;
        for (unsigned p = 0; p <= full; p++) {
            if (!prefix_used(ix, fam, p))
                continue;
            uint8_t a[16];
            mask_addr(ips[i].addr, p, a);
            const struct net_slot *s = net_find(ix, fam, p, a);
            if (s->used)
                chain_best(ix, s->head, dept, &own, &other);
        }
    }
    char k[NAME_MAX_LEN];
    size_t n = hostname ? name_key(hostname, k) : 0;
    if (n) {
        const struct name_slot *s = name_find(ix, k, n);
        if (s->name)
            chain_best(ix, s->head, dept, &own, &other);
    }
    if (elsewhere)
        *elsewhere = other;
    return own;
}

uint64_t sys_index_match(const struct sys_index *ix, const struct sm_net *ips,
                         size_t nips, const char *hostname)
{
    return sys_index_match_in(ix, ips, nips, hostname, NULL, NULL);
}

/* The entries of matching chains, gathered whole (duplicates too). */
struct gather {
    uint32_t *v;
    size_t n, cap;
};

static int gather_chain(const struct sys_index *ix, uint32_t at,
                        struct gather *g)
{
    for (; at; at = ix->cands[at - 1].next) {
        if (tz_grow((void **)&g->v, &g->cap, g->n, sizeof(*g->v)) != 0)
            return TZ_ENOMEM;
        g->v[g->n++] = ix->cands[at - 1].ent;
    }
    return 0;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int sys_index_candidates(const struct sys_index *ix, const struct sm_net *ips,
                         size_t nips, const char *hostname, uint64_t *ids,
                         size_t max, size_t *total)
{
    struct gather g = {0};
    int rc = 0;
    *total = 0;
    for (size_t i = 0; rc == 0 && i < nips; i++) {
        int fam = ips[i].family;
        unsigned full = fam == 4 ? 32 : 128;
        for (unsigned p = 0; rc == 0 && (fam == 4 || fam == 6) && p <= full;
             p++) {
            if (!prefix_used(ix, fam, p))
                continue;
            uint8_t a[16];
            mask_addr(ips[i].addr, p, a);
            const struct net_slot *s = net_find(ix, fam, p, a);
            if (s->used)
                rc = gather_chain(ix, s->head, &g);
        }
    }
    char k[NAME_MAX_LEN];
    size_t n = hostname ? name_key(hostname, k) : 0;
    if (rc == 0 && n) {
        const struct name_slot *s = name_find(ix, k, n);
        if (s->name)
            rc = gather_chain(ix, s->head, &g);
    }
    /* Entries are in id order: sorted entries, distinct, are sorted ids. */
    if (rc == 0 && g.n)
        qsort(g.v, g.n, sizeof(*g.v), u32_cmp);
    for (size_t i = 0; rc == 0 && i < g.n; i++) {
        if (i > 0 && g.v[i] == g.v[i - 1])
            continue;
        if (*total < max)
            ids[*total] = ix->v[g.v[i]].id;
        (*total)++;
    }
    free(g.v);
    return rc;
}
