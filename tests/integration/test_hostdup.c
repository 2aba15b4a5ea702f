/* test_hostdup — one machine enrolled twice (the same machine_id under two
 * keys) raises DUPLICATE_HOST on both hosts, naming the other; `tzctl host
 * retire` keeps the host's history and ends its flags; `tzctl host merge
 * OLD NEW` moves the history (and its byte count, for the history cap) and
 * the explicit binding to NEW and retires OLD. The hosts are made through the register API as the ingest calls it;
 * the commands run as tzctl with the register closed. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flag_catalog.h"
#include "flags_update.h"
#include "ledger_fields.h"
#include "register.h"
#include "rules_config.h"
#include "tz_test.h"

#define T0 1700000000   /* 2023-11-14 22:13:20 UTC */
#define MID "0123456789abcdef0123456789abcdef"

static char *dir;
static struct tz_register *reg;

static void setup(void)
{
    reg = tz_test_register_new("hostdup", &dir);
    struct tz_error err = {0};
    cr_assert_eq(register_dept_add(reg, "教务处", T0, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "计算机学院", T0, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
    if (reg)
        register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(hostdup, .init = setup, .fini = teardown);

static void reopen(void)
{
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
}

/* tzctl with up to five arguments (NULL ends them early). */
static char *tzctl5(int want, const char *a, const char *b, const char *c,
                    const char *d, const char *e)
{
    register_close(reg);
    reg = NULL;
    char *out = tz_test_tzctl(dir, want, a, b, c, d, e, (char *)NULL);
    reopen();
    return out;
}

#define tzctl(want, a, b, c, d) tzctl5(want, a, b, c, d, NULL)

/* Enroll key n in dept as hostname with machine_id mid at time at, then
 * send one report (seq 2): its first report, a history baseline. */
static uint64_t host(int n, const char *dept, const char *hostname,
                     const char *mid, int64_t at)
{
    char tok[REGISTER_TOKEN_LEN];
    struct register_token_spec spec = {dept, 0, 0};
    struct tz_error err = {0};
    uint64_t tid;
    cr_assert_eq(register_token_make(reg, &spec, at, tok, &tid, &err), 0, "%s", err.msg);
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = tok;
    en.hostname = (char *)hostname;
    en.machine_id = (char *)mid;
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en};
    memset(it.agent_pk, n, 32);
    cr_assert_eq(register_put_batch(reg, &it, 1, at, &err), 0, "%s", err.msg);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);

    Tz__HostSection hs = TZ__HOST_SECTION__INIT;
    hs.hostname = (char *)hostname;
    hs.machine_id = (char *)mid;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &hs;
    struct register_item rep = {.kind = ITEM_REPORT, .seq = 2, .report = &r};
    memset(rep.agent_pk, n, 32);
    cr_assert_eq(register_put_batch(reg, &rep, 1, at + 60, &err), 0, "%s", err.msg);
    cr_assert_eq(rep.status, TZ__STATUS__OK, "%s", rep.detail);
    return it.agent_id;
}

static void evaluate(void)
{
    struct rules_config cfg;
    rules_config_defaults(&cfg);
    struct tz_error err = {0};
    cr_assert_eq(flags_update_all(reg, &cfg, T0 + 120, &err), 0, "%s", err.msg);
}

struct dup_flag {
    uint64_t host;
    int open, closed;
    char evidence[600];
};

static int dup_cb(const Tz__FlagRecord *f, void *arg)
{
    struct dup_flag *d = arg;
    if (strcmp(f->id, "DUPLICATE_HOST") != 0 || f->subject_id != d->host)
        return 0;
    if (f->closed_at)
        d->closed++;
    else
        d->open++;
    snprintf(d->evidence, sizeof(d->evidence), "%s", f->evidence);
    return 0;
}

static struct dup_flag dup_flag(uint64_t h)
{
    struct dup_flag d = {.host = h};
    struct tz_error err = {0};
    cr_assert_eq(register_each_flag(reg, 1, dup_cb, &d, &err), 0, "%s", err.msg);
    return d;
}

struct hist {
    size_t n, first, retired, merged_from;
    uint64_t merged_into, agent_ids_wrong;
    uint64_t want_id;
    char by[64];
};

static int hist_cb(const Tz__HistoryEntry *e, void *arg)
{
    struct hist *h = arg;
    h->n++;
    h->first += e->first;
    if (e->agent_id != h->want_id)
        h->agent_ids_wrong++;
    if (e->retirement) {
        h->retired++;
        h->merged_into = e->retirement->merged_into;
        snprintf(h->by, sizeof(h->by), "%s", e->retirement->by);
    }
    if (e->merged_from)
        h->merged_from = e->merged_from;
    return 0;
}

static struct hist history(uint64_t id)
{
    struct hist h = {.want_id = id};
    struct tz_error err = {0};
    cr_assert_eq(register_each_history(reg, id, 0, hist_cb, &h, &err), 0, "%s", err.msg);
    return h;
}

Test(hostdup, a_machine_id_on_two_hosts_raises_duplicate_host_on_both)
{
    uint64_t a = host(1, "教务处", "jw01", MID, T0);
    uint64_t b = host(2, "计算机学院", "jw01-new", MID, T0 + 3600);
    uint64_t c = host(3, "计算机学院", "other", "ffffffffffffffffffffffffffffffff", T0);
    cr_assert_eq(a, 1);
    cr_assert_eq(b, 2);
    evaluate();
    struct dup_flag fa = dup_flag(a), fb = dup_flag(b), fc = dup_flag(c);
    cr_assert_eq(fa.open, 1);
    cr_assert_eq(fb.open, 1);
    cr_assert_eq(fc.open + fc.closed, 0, "a machine of its own is no duplicate");
    cr_assert_str_eq(fa.evidence,
                     "host jw01 (agent 1) has machine_id " MID ", as does host 2 "
                     "(jw01-new, 计算机学院, last seen 2023-11-14 23:14 UTC); merge "
                     "the old record (tzctl host merge OLD NEW) or retire it "
                     "(tzctl host retire)");
    /* a department sees no names of the other host, maybe not its own */
    Tz__FlagRecord fr = TZ__FLAG_RECORD__INIT;
    fr.id = "DUPLICATE_HOST";
    fr.evidence = fa.evidence;
    cr_assert_str_eq(flag_evidence_for(&fr, 0), "the same machine (its machine_id) "
                     "is enrolled as another host too: the network center merges "
                     "or retires the old record");
    cr_assert_str_eq(flag_evidence_for(&fr, 1), fa.evidence);
    cr_assert_str_eq(fb.evidence,
                     "host jw01-new (agent 2) has machine_id " MID ", as does host 1 "
                     "(jw01, 教务处, last seen 2023-11-14 22:14 UTC); merge "
                     "the old record (tzctl host merge OLD NEW) or retire it "
                     "(tzctl host retire)");
}

Test(hostdup, a_host_enrolling_again_raises_the_flag_on_its_twin_too)
{
    uint64_t a = host(1, "教务处", "jw01", MID, T0);
    evaluate();
    cr_assert_eq(dup_flag(a).open, 0);
    uint64_t b = host(2, "教务处", "jw01", MID, T0 + 60);
    /* what the collector does after a report: only the reporting host */
    struct rules_config cfg;
    rules_config_defaults(&cfg);
    struct tz_error err = {0};
    cr_assert_eq(flags_update_hosts(reg, &cfg, &b, 1, T0 + 200, &err), 0, "%s", err.msg);
    cr_assert_eq(dup_flag(a).open, 1);
    cr_assert_eq(dup_flag(b).open, 1);
}

Test(hostdup, retire_keeps_the_history_and_closes_the_flags)
{
    uint64_t a = host(1, "教务处", "jw01", MID, T0);
    uint64_t b = host(2, "计算机学院", "jw01-new", MID, T0 + 3600);
    evaluate();
    cr_assert_eq(history(a).n, 1);
    char *out = tzctl(2, "--by", "ops", "host", "retire");
    cr_assert(strstr(out, "tzctl: expected \"host retire HOST [--reason TEXT]\"") == out,
              "%s", out);
    free(out);
    register_close(reg);
    out = tz_test_tzctl(dir, 0, "--by", "ops", "host", "retire", "jw01", "--reason",
                        "replaced by jw01-new", (char *)NULL);
    reopen();
    cr_assert_str_eq(out, "retired host 1 (jw01, 教务处): its record and history "
                     "stay, it raises no flags and its agent key is refused; "
                     "`tzctl hosts --all` lists it.\n");
    free(out);
    struct dup_flag fa = dup_flag(a), fb = dup_flag(b);
    cr_assert_eq(fa.open, 0);
    cr_assert_eq(fa.closed, 1);
    cr_assert_eq(fb.open, 0);
    cr_assert_eq(fb.closed, 1);
    struct hist h = history(a);
    cr_assert_eq(h.n, 2, "the baseline and the retirement");
    cr_assert_eq(h.first, 1);
    cr_assert_eq(h.retired, 1);
    cr_assert_str_eq(h.by, "ops");

    /* retired: refused like a revoked key, and out of the default listing */
    Tz__Report r = TZ__REPORT__INIT;
    struct register_item rep = {.kind = ITEM_REPORT, .seq = 3, .report = &r};
    memset(rep.agent_pk, 1, 32);
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, &rep, 1, T0 + 7200, &err), 0, "%s", err.msg);
    cr_assert_eq(rep.status, TZ__STATUS__REVOKED);
    cr_assert(strstr(rep.detail, "host 1 was retired on ") != NULL, "%s", rep.detail);
    out = tzctl(0, "--format", "csv", "hosts", NULL);
    cr_assert(strstr(out, "\n1,") == NULL, "%s", out);
    cr_assert(strstr(out, "\n2,") != NULL, "%s", out);
    free(out);
    out = tzctl(0, "--format", "csv", "hosts", "--all");
    cr_assert(strstr(out, "\n1,jw01,") != NULL, "%s", out);
    cr_assert(strstr(out, ",retired 20") != NULL, "%s", out);
    free(out);
    out = tzctl(1, "host", "retire", "1", NULL);
    cr_assert(strstr(out, "host 1 (jw01) was retired already, on ") != NULL, "%s", out);
    free(out);
}

Test(hostdup, merge_moves_history_and_binding_and_retires_the_old_host)
{
    uint64_t a = host(1, "教务处", "jw01", MID, T0);
    uint64_t b = host(2, "教务处", "jw01", MID, T0 + 3600);
    Tz__SystemRecord *s = ledger_record_new();
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(s, "name", "教务系统", why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(s, "dept", "教务处", why, sizeof(why)), 0);
    struct tz_error err = {0};
    uint64_t sid;
    cr_assert_eq(register_system_add(reg, s, T0, NULL, &sid, &err), 0, "%s", err.msg);
    ledger_record_free(s);
    cr_assert_eq(register_bind(reg, a, sid, "ops", T0, &err), 0, "%s", err.msg);
    evaluate();
    cr_assert_eq(dup_flag(b).open, 1);

    char *out = tzctl(0, "host", "merge", "1", "2");
    cr_assert_str_eq(out, "merged host 1 (jw01, 教务处) into host 2 (jw01, 教务处): "
                     "its history moved there, and its explicit binding; host 1 "
                     "is retired.\n");
    free(out);
    struct hist hb = history(b), ha = history(a);
    cr_assert_eq(hb.n, 3, "both baselines and the merge");
    cr_assert_eq(hb.first, 2);
    cr_assert_eq(hb.merged_from, 1);
    cr_assert_eq(hb.agent_ids_wrong, 0);
    cr_assert_eq(ha.n, 1, "only its retirement stays with the old host");
    cr_assert_eq(ha.merged_into, 2);
    struct register_binding bb, ba;
    cr_assert_eq(register_binding_of(reg, b, &bb, &err), 0, "%s", err.msg);
    cr_assert_eq(bb.system_id, sid);
    cr_assert_eq(bb.src, TZ__BINDING_SOURCE__BIND_EXPLICIT);
    cr_assert_eq(register_binding_of(reg, a, &ba, &err), 0, "%s", err.msg);
    cr_assert_neq(ba.src, TZ__BINDING_SOURCE__BIND_EXPLICIT);
    cr_assert_eq(dup_flag(a).open, 0);
    cr_assert_eq(dup_flag(b).open, 0);
    cr_assert_eq(dup_flag(b).closed, 1);
    out = tzctl(0, "--format", "csv", "hosts", "--all");
    cr_assert(strstr(out, "merged into 2") != NULL, "%s", out);
    free(out);
    out = tzctl(0, "verify", NULL, NULL, NULL);
    cr_assert(strstr(out, "register consistent: 2 agents") == out, "%s", out);
    free(out);
}

static uint64_t history_bytes(uint64_t id)
{
    Tz__AgentRecord *rec = NULL;
    struct tz_error err = {0};
    cr_assert_eq(register_get_agent(reg, id, &rec, &err), 0, "%s", err.msg);
    uint64_t n = rec->history_bytes;
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    return n;
}

static int add_entry_bytes(const Tz__HistoryEntry *e, void *arg)
{
    *(uint64_t *)arg += 24 + tz__history_entry__get_packed_size(e);   /* key + value */
    return 0;
}

/* What id's history really holds, as the cap counts it (keys and values). */
static uint64_t history_real_bytes(uint64_t id)
{
    uint64_t n = 0;
    struct tz_error err = {0};
    cr_assert_eq(register_each_history(reg, id, 0, add_entry_bytes, &n, &err), 0, "%s",
                 err.msg);
    return n;
}

/* The bytes counted against the per-host history cap move with the history:
 * the new host counts both, the old one (retired, its history gone) none. */
Test(hostdup, merge_moves_the_history_byte_count_with_the_history)
{
    uint64_t a = host(1, "教务处", "jw01", MID, T0);
    uint64_t b = host(2, "教务处", "jw01", MID, T0 + 3600);
    uint64_t ab = history_bytes(a), bb = history_bytes(b);
    cr_assert_gt(ab, 0, "the old host's baseline was counted");
    cr_assert_gt(bb, 0, "the new host's baseline was counted");
    /* Each entry counted once, at the size stored. */
    cr_assert_eq(ab, history_real_bytes(a));
    cr_assert_eq(bb, history_real_bytes(b));
    Tz__AgentRetirement ret = TZ__AGENT_RETIREMENT__INIT;
    ret.at = T0 + 7200;
    ret.by = "ops";
    ret.reason = "re-enrolled";
    ret.merged_into = b;
    int moved = -1;
    struct tz_error err = {0};
    cr_assert_eq(register_agent_merge(reg, a, b, &ret, &moved, &err), 0, "%s", err.msg);
    cr_assert_eq(history_bytes(b), ab + bb);
    cr_assert_eq(history_bytes(a), 0);
}

Test(hostdup, merge_refuses_two_machines_unless_forced)
{
    host(1, "教务处", "jw01", MID, T0);
    host(2, "教务处", "jw02", "ffffffffffffffffffffffffffffffff", T0);
    char *out = tzctl(1, "host", "merge", "jw01", "jw02");
    cr_assert_str_eq(out, "tzctl: host 1 (machine_id " MID ") and host 2 (machine_id "
                     "ffffffffffffffffffffffffffffffff) are not the same machine: "
                     "nothing merged (--force merges them anyway)\n");
    free(out);
    cr_assert_eq(history(1).n, 1);
    out = tzctl5(0, "host", "merge", "jw01", "jw02", "--force");
    cr_assert(strstr(out, "merged host 1 (jw01, 教务处) into host 2 (jw02, 教务处)") == out,
              "%s", out);
    free(out);
    cr_assert_eq(history(2).merged_from, 1);
}

Test(hostdup, a_revoked_old_host_merges_and_the_register_still_verifies)
{
    uint64_t a = host(1, "教务处", "jw01", MID, T0);
    host(2, "教务处", "jw01", MID, T0 + 3600);
    Tz__AgentRevocation rev = TZ__AGENT_REVOCATION__INIT;
    rev.at = T0 + 1800;
    rev.by = "ops";
    rev.reason = "disk stolen";
    struct tz_error err = {0};
    cr_assert_eq(register_agent_revoke(reg, a, &rev, &err), 0, "%s", err.msg);
    char *out = tzctl(0, "host", "merge", "1", "2");
    free(out);
    /* the revocation stays with the key it revoked; the baseline moved */
    struct hist ha = history(1), hb = history(2);
    cr_assert_eq(ha.n, 2, "the revocation and the retirement");
    cr_assert_eq(hb.n, 3);
    cr_assert_eq(hb.first, 2);
    out = tzctl(0, "verify", NULL, NULL, NULL);
    cr_assert(strstr(out, "register consistent: 2 agents") == out, "%s", out);
    free(out);
}
