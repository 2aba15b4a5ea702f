/* test_register — the register's rules: enrollment, replay, storage of
 * reports, the package index, counters, durability and map growth. Each test
 * builds its own register in a temp dir. */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "register.h"
#include "tz_test.h"

static char *dir;
static struct tz_register *reg;

static void setup(void)
{
    unsetenv("TZ_REGISTER_MAPSIZE");
    dir = tz_test_tmpdir("register");
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(register_, .init = setup, .fini = teardown);

static void key(uint8_t pk[32], int n)
{
    memset(pk, n, 32);
}

/* A token enrolling into dept (created if needed); static storage. */
static const char *dept_token(const char *dept)
{
    static char tok[REGISTER_TOKEN_LEN];
    struct tz_error err = {0};
    int rc = register_dept_add(reg, dept, 1000, &err);
    cr_assert(rc == 0 || rc == TZ_EEXIST, "%s", err.msg);
    cr_assert_eq(register_token_create(reg, dept, 1000, tok, &err), 0, "%s",
                 err.msg);
    return tok;
}

static struct register_item enroll_item(int pk, uint64_t seq,
                                        Tz__Enroll *en)
{
    struct register_item it = {.kind = ITEM_ENROLL, .seq = seq, .enroll = en};
    key(it.agent_pk, pk);
    return it;
}

static int enroll(int pk, uint64_t seq, const char *token, uint64_t *id)
{
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = (char *)token;
    en.hostname = "web01";
    en.machine_id = "0123456789abcdef";
    struct register_item it = enroll_item(pk, seq, &en);
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, &it, 1, 2000, &err), 0, "%s",
                 err.msg);
    if (id)
        *id = it.agent_id;
    return it.status;
}

/* A report built on the stack: host, one interface, n packages. */
#define MAXP 600
struct rpt {
    Tz__Report r;
    Tz__HostSection host;
    Tz__InterfacesSection ifs;
    Tz__Interface ifc[2];
    Tz__Interface *ifp[2];
    char *v4[1], *v6[1], *lo4[1];
    Tz__PackagesSection pkgs;
    Tz__Package p[MAXP];
    Tz__Package *pp[MAXP];
    char names[MAXP][24];
};

static void rpt_init(struct rpt *x, const char *const (*pk)[2], size_t n)
{
    memset(x, 0, sizeof(*x));
    tz__report__init(&x->r);
    tz__host_section__init(&x->host);
    x->host.hostname = "web01.example.edu.cn";
    x->host.os_pretty = "Debian GNU/Linux 12 (bookworm)";
    x->host.kernel_release = "6.1.0-18-amd64";
    x->r.host = &x->host;
    tz__interfaces_section__init(&x->ifs);
    for (int i = 0; i < 2; i++) {
        tz__interface__init(&x->ifc[i]);
        x->ifp[i] = &x->ifc[i];
    }
    x->ifc[0].name = "lo";
    x->ifc[0].loopback = 1;
    x->lo4[0] = "127.0.0.1/8";
    x->ifc[0].ipv4 = x->lo4;
    x->ifc[0].n_ipv4 = 1;
    x->ifc[1].name = "eth0";
    x->v4[0] = "10.1.2.3/24";
    x->v6[0] = "2001:db8::3/64";
    x->ifc[1].ipv4 = x->v4;
    x->ifc[1].n_ipv4 = 1;
    x->ifc[1].ipv6 = x->v6;
    x->ifc[1].n_ipv6 = 1;
    x->ifs.interfaces = x->ifp;
    x->ifs.n_interfaces = 2;
    x->r.interfaces = &x->ifs;
    tz__packages_section__init(&x->pkgs);
    x->pkgs.manager = "dpkg";
    for (size_t i = 0; i < n; i++) {
        tz__package__init(&x->p[i]);
        x->p[i].name = (char *)pk[i][0];
        x->p[i].version = (char *)pk[i][1];
        x->p[i].arch = "amd64";
        x->pp[i] = &x->p[i];
    }
    x->pkgs.packages = x->pp;
    x->pkgs.n_packages = n;
    x->r.packages = &x->pkgs;
}

/* n generated packages pkg0000.. at version "1.<gen>" */
static void rpt_many(struct rpt *x, size_t n, int gen)
{
    static char vers[16];
    rpt_init(x, NULL, 0);
    snprintf(vers, sizeof(vers), "1.%d", gen);
    for (size_t i = 0; i < n; i++) {
        snprintf(x->names[i], sizeof(x->names[i]), "pkg%04zu", i);
        tz__package__init(&x->p[i]);
        x->p[i].name = x->names[i];
        x->p[i].version = vers;
        x->pp[i] = &x->p[i];
    }
    x->pkgs.n_packages = n;
}

static struct register_item report_item(int pk, uint64_t seq,
                                        const Tz__Report *r)
{
    struct register_item it = {.kind = ITEM_REPORT, .seq = seq, .report = r};
    key(it.agent_pk, pk);
    return it;
}

static int report(int pk, uint64_t seq, const Tz__Report *r)
{
    struct register_item it = report_item(pk, seq, r);
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, &it, 1, 3000, &err), 0, "%s",
                 err.msg);
    return it.status;
}

static const char *const three[][2] = {
    {"openssl", "3.0.11-1~deb12u2"},
    {"bash", "5.2.15-2+b2"},
    {"curl", "7.88.1-10+deb12u5"},
};

Test(register_, enroll_with_valid_token_numbers_agents_from_1)
{
    const char *tok = dept_token("计算机学院");
    uint64_t id;
    cr_assert_eq(enroll(1, 1, tok, &id), TZ__STATUS__OK);
    cr_assert_eq(id, 1);
    cr_assert_eq(enroll(2, 1, tok, &id), TZ__STATUS__OK);
    cr_assert_eq(id, 2);

    Tz__AgentRecord *rec;
    Tz__Report *r;
    struct tz_error err = {0};
    cr_assert_eq(register_get_host(reg, 2, &rec, &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(rec->dept, "计算机学院");
    cr_assert_str_eq(rec->hostname, "web01");
    cr_assert_eq(rec->enrolled_at, 2000);
    cr_assert_eq(rec->last_seq, 1);
    cr_assert_null(r, "never reported, so no report");
    protobuf_c_message_free_unpacked(&rec->base, NULL);

    uint8_t pk[32];
    key(pk, 2);
    cr_assert_eq(register_find_agent(reg, pk, &id, &err), 0);
    cr_assert_eq(id, 2);
    key(pk, 9);
    cr_assert_eq(register_find_agent(reg, pk, &id, &err), TZ_ENOENT);
}

Test(register_, reenroll_same_key_keeps_its_id)
{
    const char *tok = dept_token("math");
    uint64_t id;
    cr_assert_eq(enroll(1, 1, tok, &id), TZ__STATUS__OK);
    cr_assert_eq(enroll(1, 2, tok, &id), TZ__STATUS__OK);
    cr_assert_eq(id, 1);
    cr_assert_eq(enroll(1, 2, tok, &id), TZ__STATUS__REPLAY);
    struct register_stats st;
    cr_assert_eq(register_stats(reg, &st, NULL), 0);
    cr_assert_eq(st.agents, 1);
}

Test(register_, unknown_or_admin_token_is_bad_token)
{
    dept_token("math");
    cr_assert_eq(enroll(1, 1, "tz_notatoken", NULL), TZ__STATUS__BAD_TOKEN);
    char admin[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_token_create(reg, NULL, 1, admin, NULL), 0);
    cr_assert_eq(enroll(1, 1, admin, NULL), TZ__STATUS__BAD_TOKEN);
    cr_assert_eq(enroll(1, 1, "", NULL), TZ__STATUS__BAD_TOKEN);
}

Test(register_, report_from_unknown_key_is_unknown_agent)
{
    struct rpt *x = malloc(sizeof(*x));
    rpt_init(x, three, 3);
    struct register_item it = report_item(7, 1, &x->r);
    cr_assert_eq(register_put_batch(reg, &it, 1, 1, NULL), 0);
    cr_assert_eq(it.status, TZ__STATUS__UNKNOWN_AGENT);
    cr_assert(strstr(it.detail, "enroll first"), "%s", it.detail);
    struct register_item hb = {.kind = ITEM_HEARTBEAT, .seq = 1};
    key(hb.agent_pk, 7);
    cr_assert_eq(register_put_batch(reg, &hb, 1, 1, NULL), 0);
    cr_assert_eq(hb.status, TZ__STATUS__UNKNOWN_AGENT);
    free(x);
}

Test(register_, replayed_seq_is_replay_also_inside_one_batch)
{
    enroll(1, 1, dept_token("math"), NULL);
    struct rpt *x = malloc(sizeof(*x));
    rpt_init(x, three, 3);
    cr_assert_eq(report(1, 5, &x->r), TZ__STATUS__OK);
    cr_assert_eq(report(1, 5, &x->r), TZ__STATUS__REPLAY);
    cr_assert_eq(report(1, 4, &x->r), TZ__STATUS__REPLAY);

    struct register_item b[4] = {
        report_item(1, 10, &x->r), report_item(1, 10, &x->r),
        report_item(1, 12, &x->r), report_item(1, 11, &x->r)};
    cr_assert_eq(register_put_batch(reg, b, 4, 4000, NULL), 0);
    cr_assert_eq(b[0].status, TZ__STATUS__OK);
    cr_assert_eq(b[1].status, TZ__STATUS__REPLAY);
    cr_assert(strstr(b[1].detail, "last accepted seq 10"), "%s", b[1].detail);
    cr_assert_eq(b[2].status, TZ__STATUS__OK);
    cr_assert_eq(b[3].status, TZ__STATUS__REPLAY);
    cr_assert_eq(b[3].agent_id, 1);
    cr_assert_str_eq(b[3].dept, "math");

    struct register_item hb = {.kind = ITEM_HEARTBEAT, .seq = 12};
    key(hb.agent_pk, 1);
    cr_assert_eq(register_put_batch(reg, &hb, 1, 5000, NULL), 0);
    cr_assert_eq(hb.status, TZ__STATUS__REPLAY);
    hb.seq = 13;
    cr_assert_eq(register_put_batch(reg, &hb, 1, 5000, NULL), 0);
    cr_assert_eq(hb.status, TZ__STATUS__OK);
    free(x);
}

Test(register_, stored_report_reads_back_with_summary)
{
    enroll(1, 1, dept_token("math"), NULL);
    struct rpt *x = malloc(sizeof(*x));
    rpt_init(x, three, 3);
    x->r.agent_version = "0.1.0";
    x->r.collected_at = 2999;
    cr_assert_eq(report(1, 2, &x->r), TZ__STATUS__OK);

    Tz__AgentRecord *rec;
    Tz__Report *r;
    struct tz_error err = {0};
    cr_assert_eq(register_get_host(reg, 1, &rec, &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(rec->hostname, "web01.example.edu.cn");
    cr_assert_str_eq(rec->os_pretty, "Debian GNU/Linux 12 (bookworm)");
    cr_assert_str_eq(rec->kernel, "6.1.0-18-amd64");
    cr_assert_eq(rec->package_count, 3);
    cr_assert_eq(rec->n_ips, 2, "loopback left out");
    cr_assert_str_eq(rec->ips[0], "10.1.2.3");
    cr_assert_str_eq(rec->ips[1], "2001:db8::3");
    cr_assert_eq(rec->reports, 1);
    cr_assert_eq(rec->last_report_at, 3000);
    cr_assert_eq(rec->last_seq, 2);

    cr_assert_not_null(r);
    cr_assert_not_null(r->host);
    cr_assert_null(r->hardware);
    cr_assert_str_eq(r->agent_version, "0.1.0");
    cr_assert_eq(r->collected_at, 2999);
    cr_assert_eq(r->packages->n_packages, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_str_eq(r->packages->packages[i]->name, three[i][0]);
        cr_assert_str_eq(r->packages->packages[i]->version, three[i][1]);
    }
    cr_assert_eq(r->interfaces->n_interfaces, 2);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    cr_assert_eq(register_get_host(reg, 7, &rec, &r, &err), TZ_ENOENT);
    cr_assert_str_eq(err.msg, "no host with id 7");
    free(x);
}

Test(register_, pkgidx_follows_upgrades_and_removals)
{
    const char *tok = dept_token("math");
    enroll(1, 1, tok, NULL);
    enroll(2, 1, tok, NULL);
    struct rpt *x = malloc(sizeof(*x));
    rpt_init(x, three, 3);
    cr_assert_eq(report(1, 2, &x->r), TZ__STATUS__OK);
    cr_assert_eq(report(2, 2, &x->r), TZ__STATUS__OK);

    static const char *const after[][2] = {
        {"openssl", "3.0.13-1~deb12u1"},  /* upgraded */
        {"curl", "7.88.1-10+deb12u5"},    /* unchanged; bash removed */
        {"zstd", "1.5.4+dfsg2-5"},        /* added */
    };
    rpt_init(x, after, 3);
    cr_assert_eq(report(1, 3, &x->r), TZ__STATUS__OK);

    char v[64];
    struct tz_error err = {0};
    cr_assert_eq(register_pkg_version(reg, "openssl", 1, v, sizeof(v), &err),
                 0);
    cr_assert_str_eq(v, "3.0.13-1~deb12u1");
    cr_assert_eq(register_pkg_version(reg, "bash", 1, v, sizeof(v), &err),
                 TZ_ENOENT);
    cr_assert_eq(register_pkg_version(reg, "curl", 1, v, sizeof(v), &err), 0);
    cr_assert_str_eq(v, "7.88.1-10+deb12u5");
    cr_assert_eq(register_pkg_version(reg, "zstd", 1, v, sizeof(v), &err), 0);
    cr_assert_str_eq(v, "1.5.4+dfsg2-5");
    /* the other host is untouched */
    cr_assert_eq(register_pkg_version(reg, "bash", 2, v, sizeof(v), &err), 0);
    cr_assert_str_eq(v, "5.2.15-2+b2");
    cr_assert_eq(register_pkg_version(reg, "openssl", 2, v, sizeof(v), &err),
                 0);
    cr_assert_str_eq(v, "3.0.11-1~deb12u2");
    free(x);
}

Test(register_, delta_without_base_needs_full)
{
    enroll(1, 1, dept_token("math"), NULL);
    struct rpt *x = malloc(sizeof(*x));
    rpt_init(x, three, 3);
    /* The hash the agent computes: BLAKE2b-256 of the packed section. */
    size_t n = tz__packages_section__get_packed_size(&x->pkgs);
    uint8_t *buf = malloc(n), h[32];
    tz__packages_section__pack(&x->pkgs, buf);
    crypto_generichash(h, 32, buf, n, NULL, 0);
    free(buf);
    Tz__SectionHash sh = TZ__SECTION_HASH__INIT, *shp = &sh;
    sh.kind = TZ__SECTION_KIND__SECTION_PACKAGES;
    sh.hash.data = h;
    sh.hash.len = 32;

    Tz__Report delta = TZ__REPORT__INIT;
    delta.host = &x->host;
    delta.hashes = &shp;
    delta.n_hashes = 1;
    cr_assert_eq(report(1, 2, &delta), TZ__STATUS__NEED_FULL);
    cr_assert_eq(report(1, 3, &x->r), TZ__STATUS__OK);
    cr_assert_eq(report(1, 4, &delta), TZ__STATUS__OK);
    h[0] ^= 1;
    cr_assert_eq(report(1, 5, &delta), TZ__STATUS__NEED_FULL);
    free(x);
}

/* BLAKE2b-256 of the packed packages section, as the agent lists it. */
static Tz__SectionHash *pkgs_hash(const Tz__PackagesSection *ps, uint8_t h[32],
                                  Tz__SectionHash *sh)
{
    size_t n = tz__packages_section__get_packed_size(ps);
    uint8_t *buf = malloc(n ? n : 1);
    tz__packages_section__pack(ps, buf);
    crypto_generichash(h, 32, buf, n, NULL, 0);
    free(buf);
    tz__section_hash__init(sh);
    sh->kind = TZ__SECTION_KIND__SECTION_PACKAGES;
    sh->hash.data = h;
    sh->hash.len = 32;
    return sh;
}

static int count_history(const Tz__HistoryEntry *e, void *arg)
{
    size_t *n = arg;
    n[0]++;
    n[1] = e->n_packages;   /* of the last entry */
    return 0;
}

Test(register_, unchanged_sections_are_skipped_and_history_and_pkgidx_stay_right)
{
    enroll(1, 1, dept_token("math"), NULL);
    struct rpt *x = malloc(sizeof(*x));
    struct tz_error err = {0};
    char v[64];
    uint8_t h[32];
    Tz__SectionHash sh, *shp;

    /* baseline, then the same packages with a new kernel: only the host
     * section changed, so history records the kernel and no package */
    rpt_init(x, three, 3);
    shp = pkgs_hash(&x->pkgs, h, &sh);
    x->r.hashes = &shp;
    x->r.n_hashes = 1;
    cr_assert_eq(report(1, 2, &x->r), TZ__STATUS__OK);
    x->host.kernel_release = "6.1.0-21-amd64";
    cr_assert_eq(report(1, 3, &x->r), TZ__STATUS__OK);
    size_t hist[2] = {0};
    cr_assert_eq(register_each_history(reg, 1, 0, count_history, hist, &err),
                 0);
    cr_assert_eq(hist[0], 2, "baseline and kernel change");
    cr_assert_eq(hist[1], 0, "no package changed");

    /* without a listed hash the stored one is compared to the packed bytes:
     * unchanged again, no entry */
    x->r.n_hashes = 0;
    cr_assert_eq(report(1, 4, &x->r), TZ__STATUS__OK);
    memset(hist, 0, sizeof(hist));
    register_each_history(reg, 1, 0, count_history, hist, &err);
    cr_assert_eq(hist[0], 2);

    /* a real change is diffed against the stored section */
    static const char *const after[][2] = {
        {"openssl", "3.0.13-1~deb12u1"},
        {"curl", "7.88.1-10+deb12u5"},
    };
    rpt_init(x, after, 2);
    x->host.kernel_release = "6.1.0-21-amd64";
    shp = pkgs_hash(&x->pkgs, h, &sh);
    x->r.hashes = &shp;
    x->r.n_hashes = 1;
    cr_assert_eq(report(1, 5, &x->r), TZ__STATUS__OK);
    memset(hist, 0, sizeof(hist));
    register_each_history(reg, 1, 0, count_history, hist, &err);
    cr_assert_eq(hist[0], 3);
    cr_assert_eq(hist[1], 2, "openssl upgraded, bash removed");
    cr_assert_eq(register_pkg_version(reg, "openssl", 1, v, sizeof(v), &err),
                 0);
    cr_assert_str_eq(v, "3.0.13-1~deb12u1");
    cr_assert_eq(register_pkg_version(reg, "bash", 1, v, sizeof(v), &err),
                 TZ_ENOENT);

    /* the stored hash is the base a delta is checked against */
    Tz__Report delta = TZ__REPORT__INIT;
    delta.host = &x->host;
    delta.hashes = &shp;
    delta.n_hashes = 1;
    cr_assert_eq(report(1, 6, &delta), TZ__STATUS__OK);

    /* a listed hash equal to the stored one is taken at its word, as a
     * delta's is: the section is not rewritten */
    static const char *const other[][2] = {{"zsh", "5.9-4"}};
    rpt_init(x, other, 1);
    x->r.hashes = &shp;
    x->r.n_hashes = 1;
    cr_assert_eq(report(1, 7, &x->r), TZ__STATUS__OK);
    cr_assert_eq(register_pkg_version(reg, "zsh", 1, v, sizeof(v), &err),
                 TZ_ENOENT);
    Tz__AgentRecord *rec;
    Tz__Report *got;
    cr_assert_eq(register_get_host(reg, 1, &rec, &got, &err), 0);
    cr_assert_eq(got->packages->n_packages, 2);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    protobuf_c_message_free_unpacked(&got->base, NULL);

    /* a section mask leaves the rest unread */
    cr_assert_eq(register_get_host_sections(
                     reg, 1, 1u << TZ__SECTION_KIND__SECTION_HOST, &rec, &got,
                     &err), 0);
    cr_assert_not_null(got->host);
    cr_assert_null(got->packages);
    cr_assert_null(got->interfaces);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    protobuf_c_message_free_unpacked(&got->base, NULL);
    free(x);
}

Test(register_, rejected_items_are_counted_in_stats)
{
    enroll(1, 1, dept_token("math"), NULL);
    struct register_item b[4] = {
        {.kind = ITEM_REJECTED, .status = TZ__STATUS__FORGED},
        {.kind = ITEM_REJECTED, .status = TZ__STATUS__FORGED},
        {.kind = ITEM_REJECTED, .status = TZ__STATUS__MALFORMED},
        {.kind = ITEM_HEARTBEAT, .seq = 1},  /* replay of the enroll seq */
    };
    key(b[3].agent_pk, 1);
    cr_assert_eq(register_put_batch(reg, b, 4, 1, NULL), 0);
    cr_assert_eq(b[0].status, TZ__STATUS__FORGED, "rejected stays as given");
    struct rpt *x = malloc(sizeof(*x));
    rpt_init(x, three, 3);
    cr_assert_eq(report(1, 2, &x->r), TZ__STATUS__OK);

    struct register_stats st;
    struct tz_error err = {0};
    cr_assert_eq(register_stats(reg, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.rejected[TZ__STATUS__FORGED], 2);
    cr_assert_eq(st.rejected[TZ__STATUS__MALFORMED], 1);
    cr_assert_eq(st.rejected[TZ__STATUS__REPLAY], 1);
    cr_assert_eq(st.accepted, 2);
    cr_assert_eq(st.reports_accepted, 1);
    cr_assert_eq(st.agents, 1);
    cr_assert_eq(st.hosts, 1);
    cr_assert_eq(st.depts, 1);
    cr_assert_eq(st.schema, REGISTER_SCHEMA);
    cr_assert_eq(st.map_size, (uint64_t)256 << 20);
    cr_assert(st.used_bytes > 0 && st.used_bytes < st.map_size);
    free(x);
}

Test(register_, data_persists_across_close_and_reopen)
{
    enroll(1, 1, dept_token("math"), NULL);
    register_close(reg);
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    uint64_t id;
    cr_assert_eq(enroll(2, 1, dept_token("math"), &id), TZ__STATUS__OK);
    cr_assert_eq(id, 2, "next_agent_id survived the reopen");
    register_close(reg);
    cr_assert_eq(register_open(dir, REGISTER_RDONLY, &reg, &err), 0, "%s",
                 err.msg);
    struct register_stats st;
    cr_assert_eq(register_stats(reg, &st, NULL), 0);
    cr_assert_eq(st.agents, 2);
    cr_assert_eq(register_dept_add(reg, "x", 1, &err), TZ_EPERM);
}

static int count_cb(const Tz__AgentRecord *rec, void *arg)
{
    (void)rec;
    (*(int *)arg)++;
    return 0;
}

Test(register_, readonly_open_works_while_a_writer_is_open)
{
    enroll(1, 1, dept_token("math"), NULL);
    /* LMDB allows one open per process: the reader is another process,
     * as tzctl is beside the collector. */
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        struct tz_register *ro;
        if (register_open(dir, REGISTER_RDONLY, &ro, NULL) != 0)
            _exit(10);
        int n = 0;
        if (register_each_agent(ro, NULL, count_cb, &n, NULL) != 0)
            _exit(11);
        register_close(ro);
        _exit(n == 1 ? 0 : 12);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st));
    cr_assert_eq(WEXITSTATUS(st), 0);
    /* and the writer still writes */
    cr_assert_eq(enroll(2, 1, dept_token("math"), NULL), TZ__STATUS__OK);
}

Test(register_, readonly_open_of_missing_register_says_how_to_make_one)
{
    char *p = tz_test_path("%s/nothing-here", dir);
    struct tz_register *ro = NULL;
    struct tz_error err = {0};
    cr_assert_eq(register_open(p, REGISTER_RDONLY, &ro, &err), TZ_ENOENT);
    cr_assert_null(ro);
    cr_assert(strstr(err.msg, "no register at ") &&
              strstr(err.msg, "start tz-collector"), "%s", err.msg);
    free(p);
}

/* A backup is one file a read-only open with REGISTER_FILE takes as the
 * register, and it holds what the register held when it was taken. */
Test(register_, backup_is_one_file_that_opens_as_the_register)
{
    uint64_t id;
    cr_assert_eq(enroll(1, 1, dept_token("math"), &id), TZ__STATUS__OK);
    char *path = tz_test_path("%s/copy", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(fd, 0);
    struct tz_error err = {0};
    cr_assert_eq(register_backup(reg, fd, &err), 0, "%s", err.msg);
    close(fd);
    cr_assert_eq(enroll(2, 1, dept_token("math"), NULL), TZ__STATUS__OK);

    struct tz_register *ro = NULL;
    cr_assert_eq(register_open(path, REGISTER_FILE, &ro, &err), TZ_EINVAL);
    cr_assert_null(ro);
    cr_assert_eq(register_open(path, REGISTER_RDONLY | REGISTER_FILE, &ro, &err), 0,
                 "%s", err.msg);
    struct register_stats st;
    cr_assert_eq(register_stats(ro, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.agents, 1, "the enrollment after the backup is not in it");
    cr_assert_eq(st.depts, 1);
    uint8_t pk[32];
    key(pk, 1);
    uint64_t found = 0;
    cr_assert_eq(register_find_agent(ro, pk, &found, &err), 0, "%s", err.msg);
    cr_assert_eq(found, id);
    register_close(ro);

    char *none = tz_test_path("%s/no-such-backup", dir);
    cr_assert_eq(register_open(none, REGISTER_RDONLY | REGISTER_FILE, &ro, &err),
                 TZ_ENOENT);
    char *want = tz_test_path("no register backup at %s", none);
    cr_assert_str_eq(err.msg, want);
    free(want);
    free(none);
    free(path);
}

Test(register_, each_agent_filters_by_dept)
{
    const char *t = dept_token("math");
    enroll(1, 1, t, NULL);
    t = dept_token("physics");
    enroll(2, 1, t, NULL);
    enroll(3, 1, t, NULL);
    int n = 0;
    cr_assert_eq(register_each_agent(reg, "physics", count_cb, &n, NULL), 0);
    cr_assert_eq(n, 2);
    n = 0;
    cr_assert_eq(register_each_agent(reg, NULL, count_cb, &n, NULL), 0);
    cr_assert_eq(n, 3);
}

static int dept_cb(const Tz__DeptRecord *rec, void *arg)
{
    char *s = arg;
    strcat(s, rec->name);
    strcat(s, ";");
    return 0;
}

Test(register_, dept_names_are_validated)
{
    struct tz_error err = {0};
    char big[TZ_MAX_NAME + 2];
    memset(big, 'a', sizeof(big));
    big[TZ_MAX_NAME + 1] = '\0';
    cr_assert_eq(register_dept_add(reg, "", 1, &err), TZ_EINVAL);
    cr_assert_eq(register_dept_add(reg, big, 1, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "1 to 256 bytes"), "%s", err.msg);
    big[TZ_MAX_NAME] = '\0';
    cr_assert_eq(register_dept_add(reg, big, 1, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "a\tb", 1, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "control character"), "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "a\xc2\x85", 1, &err), TZ_EINVAL,
                 "C1 NEL");
    cr_assert_eq(register_dept_add(reg, "\xff", 1, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "UTF-8"), "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "\xc0\xaf", 1, &err), TZ_EINVAL,
                 "overlong");
    cr_assert_eq(register_dept_add(reg, "\xed\xa0\x80", 1, &err), TZ_EINVAL,
                 "surrogate");
    cr_assert_eq(register_dept_add(reg, "网络信息中心", 1, &err), 0);
    cr_assert_eq(register_dept_add(reg, "网络信息中心", 1, &err), TZ_EEXIST);
    cr_assert(strstr(err.msg, "already exists"), "%s", err.msg);
    char all[1024] = "";
    cr_assert_eq(register_each_dept(reg, dept_cb, all, NULL), 0);
    cr_assert(strstr(all, "网络信息中心;"), "%s", all);
}

Test(register_, token_for_missing_dept_is_enoent)
{
    char tok[REGISTER_TOKEN_LEN];
    struct tz_error err = {0};
    cr_assert_eq(register_token_create(reg, "nope", 1, tok, &err), TZ_ENOENT);
    cr_assert(strstr(err.msg, "no department \"nope\""), "%s", err.msg);
    char a[REGISTER_TOKEN_LEN], b[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_token_create(reg, NULL, 1, a, &err), 0);
    cr_assert_eq(register_token_create(reg, NULL, 1, b, &err), 0);
    cr_assert_eq(strncmp(a, "tz_", 3), 0);
    cr_assert_eq(strlen(a), 46, "tz_ + 43 base64url characters");
    cr_assert_eq(strspn(a + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                               "qrstuvwxyz0123456789-_"), 43);
    cr_assert_str_neq(a, b);
}

Test(register_, schema_newer_than_build_is_refused)
{
    register_close(reg);
    reg = NULL;
    /* Stamp a future schema the way a newer build would. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    uint8_t v[8] = {0, 0, 0, 0, 0, 0, 0, REGISTER_SCHEMA + 1};
    MDB_val k = {6, "schema"}, d = {8, v};
    cr_assert_eq(mdb_put(txn, meta, &k, &d, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, REGISTER_RDONLY, &reg, &err), TZ_ESTORE);
    cr_assert(strstr(err.msg, "schema 2 is newer"), "%s", err.msg);
}

Test(register_, corrupt_record_is_an_error_naming_its_key)
{
    enroll(1, 1, dept_token("math"), NULL);
    register_close(reg);
    reg = NULL;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi agents;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, "agents", 0, &agents), 0);
    uint8_t kb[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    MDB_val k = {8, kb}, d = {5, "\xff\xff\xff\xff\xff"};
    cr_assert_eq(mdb_put(txn, agents, &k, &d, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    int n = 0;
    cr_assert_eq(register_each_agent(reg, NULL, count_cb, &n, &err),
                 TZ_ESTORE);
    cr_assert(strstr(err.msg, "corrupt record agents/1"), "%s", err.msg);
    Tz__AgentRecord *rec;
    Tz__Report *r;
    cr_assert_eq(register_get_host(reg, 1, &rec, &r, &err), TZ_ESTORE);
    struct rpt *x = malloc(sizeof(*x));
    rpt_init(x, three, 3);
    struct register_item it = report_item(1, 2, &x->r);
    cr_assert_eq(register_put_batch(reg, &it, 1, 1, &err), TZ_ESTORE);
    cr_assert_eq(it.status, TZ__STATUS__STORAGE_ERROR);
    free(x);
}

Test(register_, tiny_map_grows_until_every_batch_commits)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
    dir = tz_test_tmpdir("register");
    setenv("TZ_REGISTER_MAPSIZE", "65536", 1);
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    struct register_stats st;
    cr_assert_eq(register_stats(reg, &st, NULL), 0);
    cr_assert_eq(st.map_size, 65536);

    const char *tok = dept_token("math");
    struct rpt *x = malloc(sizeof(*x));
    for (int a = 1; a <= 20; a++) {
        cr_assert_eq(enroll(a, 1, tok, NULL), TZ__STATUS__OK);
        rpt_many(x, MAXP, a);
        struct register_item b[2] = {report_item(a, 2, &x->r),
                                     report_item(a, 3, &x->r)};
        cr_assert_eq(register_put_batch(reg, b, 2, 1, &err), 0, "%s",
                     err.msg);
        cr_assert_eq(b[0].status, TZ__STATUS__OK);
        cr_assert_eq(b[1].status, TZ__STATUS__OK);
    }
    cr_assert_eq(register_stats(reg, &st, NULL), 0);
    cr_assert(st.map_size > 65536, "map grew to %llu",
              (unsigned long long)st.map_size);
    cr_assert_eq(st.reports_accepted, 40);
    char v[16];
    cr_assert_eq(register_pkg_version(reg, "pkg0599", 20, v, sizeof(v), NULL),
                 0);
    cr_assert_str_eq(v, "1.20");
    unsetenv("TZ_REGISTER_MAPSIZE");
    free(x);
}

Test(register_, reader_adopts_a_map_another_process_grew)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
    dir = tz_test_tmpdir("register");
    setenv("TZ_REGISTER_MAPSIZE", "65536", 1);
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    const char *tok = dept_token("math");
    cr_assert_eq(enroll(1, 1, tok, NULL), TZ__STATUS__OK);

    /* The reader opens while the map is 64 KiB, then waits for the writer
     * to grow it far past that, then reads what the writer wrote. */
    int ready[2], go[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(pipe(go), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        struct tz_register *ro;
        char c = 'r', v[16];
        if (register_open(dir, REGISTER_RDONLY, &ro, NULL) != 0)
            _exit(10);
        if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(11);
        struct register_stats rs;
        if (register_stats(ro, &rs, NULL) != 0 || rs.reports_accepted != 20)
            _exit(12);
        if (register_pkg_version(ro, "pkg0599", 20, v, sizeof(v), NULL) != 0 ||
            strcmp(v, "1.20") != 0)
            _exit(13);
        register_close(ro);
        _exit(0);
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    struct rpt *x = malloc(sizeof(*x));
    for (int a = 2; a <= 20; a++)
        cr_assert_eq(enroll(a, 1, tok, NULL), TZ__STATUS__OK);
    for (int a = 1; a <= 20; a++) {
        rpt_many(x, MAXP, a);
        cr_assert_eq(report(a, 2, &x->r), TZ__STATUS__OK);
    }
    struct register_stats st;
    cr_assert_eq(register_stats(reg, &st, NULL), 0);
    cr_assert(st.used_bytes > 65536 * 4, "data outgrew the reader's map");
    cr_assert_eq(write(go[1], "g", 1), 1);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "reader failed at step %d",
                 WEXITSTATUS(status));
    unsetenv("TZ_REGISTER_MAPSIZE");
    free(x);
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);
}

/* An LMDB panic cannot be retried away: the register says so, and the
 * collector exits on it (collector/main.c on_fatal) for systemd to restart.
 * White-box: a real panic needs a failing disk, so the failure path that
 * every mdb error goes through is driven directly. */
#include "register_lmdb.h"

Test(register_unusable, only_a_panic_makes_the_register_unusable)
{
    char *d = tz_test_tmpdir("unusable");
    struct tz_register *r = NULL;
    struct tz_error e = {0};
    cr_assert_eq(register_open(d, 0, &r, &e), 0, "%s", e.msg);
    cr_assert_not(register_unusable(r));
    cr_assert_eq(rl_mdb_fail(r, &e, MDB_MAP_FULL, "writing"), TZ_ESTORE);
    cr_assert_not(register_unusable(r), "a full map is cured by growing it");
    cr_assert_eq(rl_mdb_fail(r, &e, MDB_PANIC, "committing"), TZ_ESTORE);
    cr_assert(register_unusable(r));
    cr_assert(strstr(e.msg, "committing") != NULL, "%s", e.msg);
    register_close(r);
    tz_test_rm_rf(d);
    free(d);
}

/* Move hosts key src to dst with LMDB directly (the register is closed):
 * how a register written by an older build looks. 1 when src existed. */
static int move_host_key(const uint8_t *src, size_t sl, const uint8_t *dst, size_t dl)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, "hosts", 0, &dbi), 0);
    MDB_val k = {sl, (void *)src}, v;
    int found = mdb_get(txn, dbi, &k, &v) == 0;
    if (found && dst) {
        uint8_t copy[512];
        cr_assert(v.mv_size <= sizeof(copy));
        memcpy(copy, v.mv_data, v.mv_size);
        MDB_val nk = {dl, (void *)dst}, nv = {v.mv_size, copy};
        cr_assert_eq(mdb_put(txn, dbi, &nk, &nv, 0), 0);
        cr_assert_eq(mdb_del(txn, dbi, &k, NULL), 0);
    }
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    return found;
}

Test(register_, section_hashes_written_by_an_older_build_are_read_and_moved)
{
    uint64_t id;
    enroll(1, 1, dept_token("math"), &id);
    struct rpt *x = malloc(sizeof(*x));
    rpt_init(x, three, 3);
    cr_assert_eq(report(1, 2, &x->r), TZ__STATUS__OK);
    register_close(reg);
    reg = NULL;

    /* Older builds kept the hashes at id + 0xff; now id + 0x00 0xff. */
    uint8_t now_key[10] = {0}, old_key[9] = {0};
    for (int i = 0; i < 8; i++)
        now_key[i] = old_key[i] = (uint8_t)(id >> (56 - 8 * i));
    now_key[9] = 0xff;
    old_key[8] = 0xff;
    cr_assert(move_host_key(now_key, 10, old_key, 9), "hashes at the new key");

    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    /* A delta against the packages stored with the old layout: its base is
     * found, and the next write moves the hashes. */
    uint8_t h[32];
    Tz__SectionHash sh, *shp = pkgs_hash(&x->pkgs, h, &sh);
    Tz__Report delta = TZ__REPORT__INIT;
    tz__host_section__init(&x->host);
    x->host.hostname = "web01.example.edu.cn";
    x->host.uptime_s = 99;
    delta.host = &x->host;
    delta.hashes = &shp;
    delta.n_hashes = 1;
    cr_assert_eq(report(1, 3, &delta), TZ__STATUS__OK);
    register_close(reg);
    reg = NULL;
    cr_assert_not(move_host_key(old_key, 9, NULL, 0), "the old key is gone");
    cr_assert(move_host_key(now_key, 10, NULL, 0), "the new key holds the hashes");
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    free(x);
}

static int collect_flag(const Tz__FlagRecord *f, void *arg)
{
    char *ids = arg;
    size_t n = strlen(ids);
    snprintf(ids + n, 256 - n, "%s%s/%s@%" PRIu64, n ? "," : "", f->id, f->instance,
             f->subject_id);
    return 0;
}

/* One subject's open flags are one range: its own, in id then instance
 * order, not its neighbours' (host 2, system 2, host 20) nor closed ones. */
Test(register_, each_open_flag_of_one_subject)
{
    struct register_flag h2[] = {
        {.id = "WEAK_PASSWORD", .severity = 3, .instance = "root", .evidence = "e"},
        {.id = "PATCHES_PENDING", .severity = 3, .instance = "", .evidence = "e"},
        {.id = "WEAK_PASSWORD", .severity = 3, .instance = "guest", .evidence = "e"}};
    struct register_flag other = {.id = "AGENT_SILENT", .severity = 2, .instance = "",
                                  .evidence = "e"};
    struct register_flag_set sets[] = {
        {TZ__SUBJECT_KIND__SUBJECT_HOST, 2, "h2", "math", 0, h2, 3},
        {TZ__SUBJECT_KIND__SUBJECT_HOST, 20, "h20", "math", 0, &other, 1},
        {TZ__SUBJECT_KIND__SUBJECT_SYSTEM, 2, "s2", "math", 0, &other, 1},
        {TZ__SUBJECT_KIND__SUBJECT_HOST, 1, "h1", "math", 0, &other, 1}};
    struct tz_error err = {0};
    cr_assert_eq(register_flags_sync(reg, sets, 4, 1000, &err), 0, "%s", err.msg);
    /* host 2's PATCHES_PENDING closes */
    struct register_flag_set again = {TZ__SUBJECT_KIND__SUBJECT_HOST, 2, "h2", "math", 0,
                                      (struct register_flag[]){h2[0], h2[2]}, 2};
    cr_assert_eq(register_flags_sync(reg, &again, 1, 2000, &err), 0, "%s", err.msg);
    char ids[256] = "";
    cr_assert_eq(register_each_open_flag_of(reg, TZ__SUBJECT_KIND__SUBJECT_HOST, 2,
                                            collect_flag, ids, &err), 0, "%s", err.msg);
    cr_assert_str_eq(ids, "WEAK_PASSWORD/guest@2,WEAK_PASSWORD/root@2");
    ids[0] = '\0';
    cr_assert_eq(register_each_open_flag_of(reg, TZ__SUBJECT_KIND__SUBJECT_HOST, 3,
                                            collect_flag, ids, &err), 0);
    cr_assert_str_eq(ids, "");
}
