/* report_gen — per-agent report sections for the benchmarks, from this
 * machine's own inventory plus a synthesised web server's accounts and
 * listeners. */
#include "report_gen.h"
#include "pb_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "collect_dpkg.h"
#include "collect_hardware.h"
#include "collect_host.h"
#include "collect_interfaces.h"
#include "taizhang.pb-c.h"
#include "tz_limits.h"
#include "utf8.h"

/* Per agent: this many packages dropped, renamed and upgraded. */
#define N_DROP 3
#define N_RENAME 2
#define N_BUMP 3

struct gen_base {
    Tz__HostSection *host;
    Tz__HardwareSection *hw;
    Tz__InterfacesSection *ifs;
    Tz__PackagesSection *dpkg;   /* as collected; names and versions below */
    size_t real_pkgs;
    Tz__Package *pkgs;           /* npkgs, strings owned by strs */
    size_t npkgs;
    char **strs;                 /* derived names, freed with the base */
    size_t nstrs;
    /* Same for every agent: packed once. */
    uint8_t *fixed[GEN_KINDS];
    size_t fixed_len[GEN_KINDS];
};

static int oom(struct tz_error *err)
{
    return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
}

/* xorshift64*: per-agent choices reproducible from the agent index alone. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static int pack_msg(const ProtobufCMessage *m, uint8_t **data, size_t *len,
                    uint8_t hash[GEN_HASH_LEN])
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(n ? n : 1);
    if (b == NULL)
        return TZ_ENOMEM;
    protobuf_c_message_pack(m, b);
    if (hash)
        crypto_generichash(hash, GEN_HASH_LEN, b, n, NULL, 0);
    *data = b;
    *len = n;
    return 0;
}

static int pkg_cmp(const void *a, const void *b)
{
    const Tz__Package *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->arch, y->arch);
}

/* Fill base->pkgs with npkgs entries: the real ones first, then derived
 * names (libfoo-dev, libfoo-doc, ...) with the real versions, so the mix of
 * name and version lengths stays this machine's. */
static int make_packages(struct gen_base *b, size_t npkgs, struct tz_error *err)
{
    static const char *suffix[] = {"-dev", "-doc", "-common", "-data", "-utils",
                                   "-dbg", "-tools", "-bin"};
    size_t real = b->dpkg->n_packages;
    if (real == 0)
        return tz_err(err, TZ_ENOENT, "/var/lib/dpkg/status", 0,
                      "no installed packages to build reports from");
    b->pkgs = calloc(npkgs ? npkgs : 1, sizeof(*b->pkgs));
    b->strs = calloc(npkgs ? npkgs : 1, sizeof(char *));
    if (b->pkgs == NULL || b->strs == NULL)
        return oom(err);
    for (size_t i = 0; i < npkgs; i++) {
        const Tz__Package *src = b->dpkg->packages[i % real];
        Tz__Package *p = &b->pkgs[i];
        tz__package__init(p);
        p->version = src->version;
        p->arch = src->arch;
        p->source = src->source;
        p->manager = src->manager;
        if (i < real) {
            p->name = src->name;
            continue;
        }
        size_t round = i / real - 1;
        char buf[TZ_MAX_NAME_BUF];
        snprintf(buf, sizeof(buf), "%.200s%s%.0zu", src->name,
                 suffix[round % 8], round / 8 ? round / 8 + 1 : 0);
        if ((b->strs[b->nstrs] = strdup(buf)) == NULL)
            return oom(err);
        p->name = b->strs[b->nstrs++];
    }
    qsort(b->pkgs, npkgs, sizeof(*b->pkgs), pkg_cmp);
    b->npkgs = npkgs;
    return 0;
}

/* A typical departmental web server: what a real agent's accounts, ssh,
 * patch and listeners collectors report, including one weak password, one
 * NOPASSWD rule and one exposed database port so the rules have work. */
static int make_fixed(struct gen_base *b)
{
    static const struct { const char *name; unsigned uid; const char *shell; int st; } acc[] = {
        {"root", 0, "/bin/bash", TZ__PASSWORD_STATE__PW_OK},
        {"daemon", 1, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"bin", 2, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"sys", 3, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"sync", 4, "/bin/sync", TZ__PASSWORD_STATE__PW_LOCKED},
        {"games", 5, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"man", 6, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"lp", 7, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"mail", 8, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"news", 9, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"uucp", 10, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"proxy", 13, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"www-data", 33, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"backup", 34, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"list", 38, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"irc", 39, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"_apt", 42, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"nobody", 65534, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"systemd-network", 998, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"messagebus", 100, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"sshd", 101, "/usr/sbin/nologin", TZ__PASSWORD_STATE__PW_LOCKED},
        {"postgres", 102, "/bin/bash", TZ__PASSWORD_STATE__PW_LOCKED},
        {"zhangwei", 1000, "/bin/bash", TZ__PASSWORD_STATE__PW_OK},
        {"liuyang", 1001, "/bin/bash", TZ__PASSWORD_STATE__PW_OK},
        {"test", 1002, "/bin/bash", TZ__PASSWORD_STATE__PW_WEAK},
    };
    enum { NACC = sizeof(acc) / sizeof(acc[0]) };
    static char *sudo_groups[] = {"sudo"};
    static char *nopasswd[] = {"/etc/sudoers.d/ops:1: zhangwei ALL=(ALL) NOPASSWD: ALL"};
    Tz__Account a[NACC];
    Tz__Account *ap[NACC];
    char homes[NACC][64];
    for (size_t i = 0; i < NACC; i++) {
        tz__account__init(&a[i]);
        ap[i] = &a[i];
        a[i].name = (char *)acc[i].name;
        a[i].uid = a[i].gid = acc[i].uid;
        snprintf(homes[i], sizeof(homes[i]), "%s%s", acc[i].uid >= 1000 ? "/home/" : "/var/",
                 acc[i].name);
        a[i].home = homes[i];
        a[i].shell = (char *)acc[i].shell;
        a[i].login_capable = strstr(acc[i].shell, "nologin") == NULL;
        a[i].password = acc[i].st;
        a[i].days_since_change = acc[i].uid >= 1000 ? 40 + (int)i : -1;
        a[i].max_days = acc[i].uid >= 1000 ? 99999 : -1;
        if (acc[i].st == TZ__PASSWORD_STATE__PW_WEAK)
            a[i].weak_reason = "matches username";
        if (strcmp(acc[i].name, "zhangwei") == 0) {
            a[i].admin_groups = sudo_groups;
            a[i].n_admin_groups = 1;
            a[i].nopasswd_rules = nopasswd;
            a[i].n_nopasswd_rules = 1;
        }
    }
    static char *uid0[] = {"root"};
    Tz__AccountsSection as = TZ__ACCOUNTS_SECTION__INIT;
    as.accounts = ap;
    as.n_accounts = NACC;
    as.uid0_accounts = uid0;
    as.n_uid0_accounts = 1;
    as.weak_check_ran = 1;
    as.weak_candidates = 200;

    static const struct { const char *proto, *addr; unsigned port; const char *proc; } ls[] = {
        {"tcp", "0.0.0.0", 22, "sshd"},      {"tcp6", "::", 22, "sshd"},
        {"tcp", "0.0.0.0", 80, "nginx"},     {"tcp", "0.0.0.0", 443, "nginx"},
        {"tcp", "127.0.0.1", 5432, "postgres"}, {"tcp", "0.0.0.0", 3306, "mysqld"},
        {"tcp", "127.0.0.1", 6379, "redis-server"}, {"udp", "127.0.0.1", 323, "chronyd"},
        {"udp6", "::1", 323, "chronyd"},      {"tcp", "127.0.0.53", 53, "systemd-resolve"},
    };
    enum { NLS = sizeof(ls) / sizeof(ls[0]) };
    Tz__Listener l[NLS];
    Tz__Listener *lp[NLS];
    for (size_t i = 0; i < NLS; i++) {
        tz__listener__init(&l[i]);
        lp[i] = &l[i];
        l[i].proto = (char *)ls[i].proto;
        l[i].address = (char *)ls[i].addr;
        l[i].port = ls[i].port;
        l[i].pid = 400 + (unsigned)i * 37;
        l[i].process = (char *)ls[i].proc;
        l[i].exposed = strncmp(ls[i].addr, "127.", 4) != 0 && strcmp(ls[i].addr, "::1") != 0;
    }
    Tz__ListenersSection lsec = TZ__LISTENERS_SECTION__INIT;
    lsec.listeners = lp;
    lsec.n_listeners = NLS;

    static uint32_t ports[] = {22};
    static char *files[] = {"/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/local.conf"};
    Tz__SshSection ssh = TZ__SSH_SECTION__INIT;
    ssh.found = 1;
    ssh.permit_root_login = "prohibit-password";
    ssh.password_authentication = 1;
    ssh.ports = ports;
    ssh.n_ports = 1;
    ssh.files = files;
    ssh.n_files = 2;

    static const struct { const char *name, *inst, *cand; int sec; } up[] = {
        {"openssl", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1", 1},
        {"libssl3", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1", 1},
        {"nginx", "1.22.1-9", "1.22.1-9+deb12u1", 1},
        {"tzdata", "2024a-0+deb12u1", "2025b-0+deb12u1", 0},
    };
    enum { NUP = sizeof(up) / sizeof(up[0]) };
    Tz__PendingUpdate u[NUP];
    Tz__PendingUpdate *upp[NUP];
    for (size_t i = 0; i < NUP; i++) {
        tz__pending_update__init(&u[i]);
        upp[i] = &u[i];
        u[i].name = (char *)up[i].name;
        u[i].installed = (char *)up[i].inst;
        u[i].candidate = (char *)up[i].cand;
        u[i].suite = up[i].sec ? "bookworm-security" : "bookworm-updates";
        u[i].security = up[i].sec;
    }
    Tz__PatchSection patch = TZ__PATCH_SECTION__INIT;
    patch.running_kernel = b->host->kernel_release;
    patch.newest_kernel = b->host->kernel_release;
    patch.newest_kernel_package = "linux-image-amd64";
    patch.updates = upp;
    patch.n_updates = NUP;
    patch.security_updates = 3;
    patch.lists_found = 1;
    patch.lists_updated_at = 1735689600;

    int rc = pack_msg(&as.base, &b->fixed[TZ__SECTION_KIND__SECTION_ACCOUNTS],
                      &b->fixed_len[TZ__SECTION_KIND__SECTION_ACCOUNTS], NULL);
    if (rc == 0)
        rc = pack_msg(&lsec.base, &b->fixed[TZ__SECTION_KIND__SECTION_LISTENERS],
                      &b->fixed_len[TZ__SECTION_KIND__SECTION_LISTENERS], NULL);
    if (rc == 0)
        rc = pack_msg(&ssh.base, &b->fixed[TZ__SECTION_KIND__SECTION_SSH],
                      &b->fixed_len[TZ__SECTION_KIND__SECTION_SSH], NULL);
    if (rc == 0)
        rc = pack_msg(&patch.base, &b->fixed[TZ__SECTION_KIND__SECTION_PATCH],
                      &b->fixed_len[TZ__SECTION_KIND__SECTION_PATCH], NULL);
    if (rc == 0)
        rc = pack_msg(&b->hw->base, &b->fixed[TZ__SECTION_KIND__SECTION_HARDWARE],
                      &b->fixed_len[TZ__SECTION_KIND__SECTION_HARDWARE], NULL);
    return rc;
}

int gen_base_load(size_t npkgs, struct gen_base **out, struct tz_error *err)
{
    if (sodium_init() < 0)
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "libsodium failed to initialise");
    struct gen_base *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return oom(err);
    int rc = collect_host("/", &b->host, err);
    if (rc == 0)
        rc = collect_hardware("/", &b->hw, err);
    if (rc == 0)
        rc = collect_interfaces("/", &b->ifs, err);
    if (rc == 0)
        rc = collect_dpkg("/", &b->dpkg, err);
    if (rc == 0) {
        tz_pb_repair_text(&b->host->base);
        tz_pb_repair_text(&b->hw->base);
        tz_pb_repair_text(&b->ifs->base);
        tz_pb_repair_text(&b->dpkg->base);
        b->real_pkgs = b->dpkg->n_packages;
        rc = make_packages(b, npkgs, err);
    }
    if (rc == 0 && make_fixed(b) != 0)
        rc = oom(err);
    if (rc != 0) {
        gen_base_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

size_t gen_base_real_packages(const struct gen_base *b)
{
    return b->real_pkgs;
}

void gen_base_free(struct gen_base *b)
{
    if (b == NULL)
        return;
    if (b->host)
        protobuf_c_message_free_unpacked(&b->host->base, NULL);
    if (b->hw)
        protobuf_c_message_free_unpacked(&b->hw->base, NULL);
    if (b->ifs)
        protobuf_c_message_free_unpacked(&b->ifs->base, NULL);
    if (b->dpkg)
        protobuf_c_message_free_unpacked(&b->dpkg->base, NULL);
    for (size_t i = 0; i < b->nstrs; i++)
        free(b->strs[i]);
    free(b->strs);
    free(b->pkgs);
    for (int k = 0; k < GEN_KINDS; k++)
        free(b->fixed[k]);
    free(b);
}

void gen_agent_ip(uint32_t agent, char out[16])
{
    snprintf(out, 16, "10.%u.%u.%u", 16 + ((agent >> 16) & 0x7f),
             (agent >> 8) & 0xff, agent & 0xff);
}

void gen_agent_hostname(uint32_t agent, char *out, size_t len)
{
    snprintf(out, len, "bench-%06u.example.edu.cn", agent);
}

static int make_host(const struct gen_base *b, uint32_t agent, uint32_t gen,
                     struct gen_sections *s)
{
    Tz__HostSection h = *b->host;
    char name[64], mid[33];
    gen_agent_hostname(agent, name, sizeof(name));
    unsigned char d[16];
    crypto_generichash(d, sizeof(d), (const unsigned char *)name, strlen(name), NULL, 0);
    for (int i = 0; i < 16; i++)
        snprintf(mid + 2 * i, 3, "%02x", d[i]);
    h.hostname = name;
    h.machine_id = mid;
    h.uptime_s = 3600u + (uint64_t)agent * 13u + (uint64_t)gen * 86400u;
    int k = TZ__SECTION_KIND__SECTION_HOST;
    free(s->data[k]);
    s->data[k] = NULL;
    return pack_msg(&h.base, &s->data[k], &s->len[k], s->hash[k]);
}

/* This machine's interfaces with the first non-loopback one readdressed to
 * the agent's own MAC and 10.x.y.z/16; a machine without one gets eth0. */
static int make_interfaces(const struct gen_base *b, uint32_t agent,
                           struct gen_sections *s)
{
    size_t n = b->ifs->n_interfaces;
    Tz__Interface *v = calloc(n + 1, sizeof(*v));
    Tz__Interface **vp = calloc(n + 1, sizeof(*vp));
    if (v == NULL || vp == NULL) {
        free(v);
        free(vp);
        return TZ_ENOMEM;
    }
    char mac[18], ip[16], cidr[20];
    char *ipv4[1] = {cidr};
    snprintf(mac, sizeof(mac), "52:54:00:%02x:%02x:%02x", (agent >> 16) & 0xff,
             (agent >> 8) & 0xff, agent & 0xff);
    gen_agent_ip(agent, ip);
    snprintf(cidr, sizeof(cidr), "%s/16", ip);
    int done = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = *b->ifs->interfaces[i];
        vp[i] = &v[i];
        if (!done && !v[i].loopback) {
            v[i].mac = mac;
            v[i].ipv4 = ipv4;
            v[i].n_ipv4 = 1;
            v[i].up = 1;
            done = 1;
        }
    }
    if (!done) {
        tz__interface__init(&v[n]);
        v[n].name = "eth0";
        v[n].mac = mac;
        v[n].mtu = 1500;
        v[n].up = 1;
        v[n].ipv4 = ipv4;
        v[n].n_ipv4 = 1;
        vp[n] = &v[n];
        n++;
    }
    Tz__InterfacesSection sec = TZ__INTERFACES_SECTION__INIT;
    sec.interfaces = vp;
    sec.n_interfaces = n;
    int k = TZ__SECTION_KIND__SECTION_INTERFACES;
    int rc = pack_msg(&sec.base, &s->data[k], &s->len[k], s->hash[k]);
    free(v);
    free(vp);
    return rc;
}

static int picked(const size_t *v, size_t n, size_t j)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == j)
            return 1;
    return 0;
}

/* The base list minus this agent's drops, with its renames and upgrades;
 * gen > 0 also bumps package (agent + gen) mod n. */
static int make_packages_section(const struct gen_base *b, uint32_t agent,
                                 uint32_t gen, struct gen_sections *s)
{
    size_t n = b->npkgs;
    Tz__Package *v = malloc((n ? n : 1) * sizeof(*v));
    Tz__Package **vp = malloc((n ? n : 1) * sizeof(*vp));
    char (*bufs)[TZ_MAX_NAME_BUF] = calloc(N_RENAME + N_BUMP + 1, sizeof(*bufs));
    if (v == NULL || vp == NULL || bufs == NULL) {
        free(v);
        free(vp);
        free(bufs);
        return TZ_ENOMEM;
    }
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ ((uint64_t)agent * 0xbf58476d1ce4e5b9ull);
    seed = seed ? seed : 1;
    size_t drop[N_DROP], ren[N_RENAME], bump[N_BUMP];
    for (int i = 0; i < N_DROP; i++)
        drop[i] = n ? rnd(&seed) % n : 0;
    for (int i = 0; i < N_RENAME; i++)
        ren[i] = n ? rnd(&seed) % n : 0;
    for (int i = 0; i < N_BUMP; i++)
        bump[i] = n ? rnd(&seed) % n : 0;
    size_t gen_bump = n ? ((size_t)agent + gen) % n : 0;
    size_t m = 0, used = 0;
    for (size_t j = 0; j < n && n > N_DROP; j++) {
        if (picked(drop, N_DROP, j))
            continue;
        v[m] = b->pkgs[j];
        if (picked(ren, N_RENAME, j) && used < N_RENAME + N_BUMP + 1) {
            snprintf(bufs[used], TZ_MAX_NAME_BUF, "%.240s-ng", v[m].name);
            v[m].name = bufs[used++];
        }
        int bumped = picked(bump, N_BUMP, j);
        int genb = gen > 0 && j == gen_bump;
        if ((bumped || genb) && used < N_RENAME + N_BUMP + 1) {
            char g[16] = "";
            if (genb)
                snprintf(g, sizeof(g), "+bench%u", gen);
            snprintf(bufs[used], TZ_MAX_NAME_BUF, "%.200s%s%s", v[m].version,
                     bumped ? "+deb12u1" : "", g);
            v[m].version = bufs[used++];
        }
        vp[m] = &v[m];
        m++;
    }
    Tz__PackagesSection sec = TZ__PACKAGES_SECTION__INIT;
    sec.manager = "dpkg";
    sec.packages = vp;
    sec.n_packages = m;
    int k = TZ__SECTION_KIND__SECTION_PACKAGES;
    free(s->data[k]);
    s->data[k] = NULL;
    int rc = pack_msg(&sec.base, &s->data[k], &s->len[k], s->hash[k]);
    free(v);
    free(vp);
    free(bufs);
    return rc;
}

int gen_agent_sections(const struct gen_base *b, uint32_t agent,
                       struct gen_sections *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = make_host(b, agent, 0, out);
    if (rc == 0)
        rc = make_interfaces(b, agent, out);
    if (rc == 0)
        rc = make_packages_section(b, agent, 0, out);
    for (int k = 1; rc == 0 && k < GEN_KINDS; k++) {
        if (b->fixed[k] == NULL)
            continue;
        out->data[k] = malloc(b->fixed_len[k] ? b->fixed_len[k] : 1);
        if (out->data[k] == NULL) {
            rc = TZ_ENOMEM;
            break;
        }
        memcpy(out->data[k], b->fixed[k], b->fixed_len[k]);
        out->len[k] = b->fixed_len[k];
        crypto_generichash(out->hash[k], GEN_HASH_LEN, out->data[k], out->len[k],
                           NULL, 0);
    }
    if (rc != 0) {
        gen_sections_free(out);
        return oom(err);
    }
    return 0;
}

int gen_agent_vary(const struct gen_base *b, uint32_t agent, uint32_t gen,
                   int kind, struct gen_sections *s, struct tz_error *err)
{
    int rc;
    if (kind == TZ__SECTION_KIND__SECTION_HOST)
        rc = make_host(b, agent, gen, s);
    else if (kind == TZ__SECTION_KIND__SECTION_PACKAGES)
        rc = make_packages_section(b, agent, gen, s);
    else
        return tz_err(err, TZ_EINVAL, NULL, 0, "cannot vary section kind %d", kind);
    return rc ? oom(err) : 0;
}

void gen_sections_free(struct gen_sections *s)
{
    for (int k = 0; k < GEN_KINDS; k++) {
        free(s->data[k]);
        s->data[k] = NULL;
    }
}

/* ---- hand-framed protobuf (field order as protobuf-c packs it) ---- */


static size_t put_bytes(uint8_t *p, unsigned field, const void *d, size_t len)
{
    size_t n = pb_wire_put_varint(p, (uint64_t)field << 3 | 2);
    n += pb_wire_put_varint(p + n, len);
    memcpy(p + n, d, len);
    return n + len;
}

int gen_report_pack(const struct gen_sections *s, unsigned include_mask,
                    int64_t collected_at, uint8_t **out, size_t *len)
{
    size_t cap = 64 + sizeof(TZ_VERSION);
    for (int k = 1; k < GEN_KINDS; k++)
        cap += s->len[k] + 16 + GEN_HASH_LEN + 16;
    uint8_t *b = malloc(cap);
    if (b == NULL)
        return TZ_ENOMEM;
    size_t n = 0;
    for (unsigned k = 1; k < GEN_KINDS; k++)
        if ((include_mask >> k & 1u) && s->data[k])
            n += put_bytes(b + n, k, s->data[k], s->len[k]);
    for (unsigned k = 1; k < GEN_KINDS; k++) {
        if (s->data[k] == NULL)
            continue;
        uint8_t h[2 + 2 + GEN_HASH_LEN];   /* SectionHash{kind, hash} */
        size_t hn = pb_wire_put_varint(h, 1u << 3);
        hn += pb_wire_put_varint(h + hn, k);
        hn += put_bytes(h + hn, 2, s->hash[k], GEN_HASH_LEN);
        n += put_bytes(b + n, 14, h, hn);
    }
    n += pb_wire_put_varint(b + n, 16u << 3);
    n += pb_wire_put_varint(b + n, (uint64_t)collected_at);
    n += put_bytes(b + n, 17, TZ_VERSION, strlen(TZ_VERSION));
    *out = b;
    *len = n;
    return 0;
}
