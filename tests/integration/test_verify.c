/* tzctl verify: a register filled through the register API (hosts with
 * packages and history, a system, a binding, open and closed flags) verifies
 * clean; then each test breaks one thing the way a bug or a bad disk would,
 * through LMDB directly (what no program but this test may do), and verify
 * must exit 1 naming exactly that problem. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "ledger_fields.h"
#include "register.h"
#include "tz_test.h"

#define NOW 1700000000

static char *dir, *out;

static void key(uint8_t pk[32], int n)
{
    memset(pk, n, 32);
}

static void put(struct tz_register *reg, struct register_item *it, int64_t now)
{
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, it, 1, now, &err), 0, "%s", err.msg);
    cr_assert_eq(it->status, TZ__STATUS__OK, "%s", it->detail);
}

static void enroll(struct tz_register *reg, int pk, const char *dept, const char *host)
{
    char tok[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_token_create(reg, dept, NOW, tok, NULL), 0);
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = tok;
    en.hostname = (char *)host;
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en};
    key(it.agent_pk, pk);
    put(reg, &it, NOW);
}

/* Agent pk reports hostname and the packages "name=version" given. */
static void report(struct tz_register *reg, int pk, uint64_t seq, const char *hostname,
                   const char *const *pkgs, size_t n)
{
    Tz__HostSection host = TZ__HOST_SECTION__INIT;
    host.hostname = (char *)hostname;
    Tz__Package p[8], *pp[8];
    char names[8][32];
    cr_assert_leq(n, 8);
    for (size_t i = 0; i < n; i++) {
        tz__package__init(&p[i]);
        const char *eq = strchr(pkgs[i], '=');
        snprintf(names[i], sizeof(names[i]), "%.*s", (int)(eq - pkgs[i]), pkgs[i]);
        p[i].name = names[i];
        p[i].version = (char *)eq + 1;
        pp[i] = &p[i];
    }
    Tz__PackagesSection ps = TZ__PACKAGES_SECTION__INIT;
    ps.manager = "dpkg";
    ps.packages = pp;
    ps.n_packages = n;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &host;
    r.packages = &ps;
    struct register_item it = {.kind = ITEM_REPORT, .seq = seq, .report = &r};
    key(it.agent_pk, pk);
    put(reg, &it, NOW + (int64_t)seq);
}

static void flags(struct tz_register *reg, int kind, uint64_t subject,
                  const struct register_flag *f, size_t n, int64_t now)
{
    struct register_flag_set set = {.subject_kind = kind, .subject_id = subject,
                                    .subject_name = "x", .dept = "math",
                                    .flags = f, .n = n};
    struct tz_error err = {0};
    cr_assert_eq(register_flags_sync(reg, &set, 1, now, &err), 0, "%s", err.msg);
}

static void setup(void)
{
    out = NULL;
    struct tz_register *reg = tz_test_register_new("verify", &dir);
    struct tz_error err = {0};
    cr_assert_eq(register_dept_add(reg, "math", NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, "计算机学院", NOW, NULL), 0);
    enroll(reg, 1, "math", "web01");
    enroll(reg, 2, "计算机学院", "db01");
    const char *v1[] = {"bash=5.2.15-2+b2", "curl=7.88.1-10+deb12u5", "openssl=3.0.11-1"};
    const char *v2[] = {"bash=5.2.15-2+b2", "curl=7.88.1-10+deb12u6", "nginx=1.22.1-9"};
    const char *v3[] = {"bash=5.2.15-2+b2"};
    report(reg, 1, 2, "web01.math.example.edu.cn", v1, 3);
    report(reg, 1, 3, "web01.math.example.edu.cn", v2, 3);   /* a change: history */
    report(reg, 2, 2, "db01.cs.example.edu.cn", v3, 1);

    Tz__SystemRecord *s = ledger_record_new();
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(s, "name", "图书馆门户", why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(s, "dept", "math", why, sizeof(why)), 0);
    uint64_t sid;
    cr_assert_eq(register_system_add(reg, s, NOW, NULL, &sid, &err), 0, "%s", err.msg);
    ledger_record_free(s);
    cr_assert_eq(sid, 1);
    cr_assert_eq(register_bind(reg, 1, 1, "admin", NOW, &err), 0, "%s", err.msg);

    struct register_flag hf[2] = {
        {.id = "WEAK_PASSWORD", .severity = TZ__SEVERITY__SEV_HIGH, .instance = "root",
         .evidence = "dictionary"},
        {.id = "RISKY_PORT", .severity = TZ__SEVERITY__SEV_HIGH, .instance = "tcp/23",
         .evidence = "telnet"}};
    struct register_flag sf = {.id = "NO_OWNER", .severity = TZ__SEVERITY__SEV_MEDIUM};
    flags(reg, TZ__SUBJECT_KIND__SUBJECT_HOST, 1, hf, 2, NOW);
    flags(reg, TZ__SUBJECT_KIND__SUBJECT_HOST, 1, hf, 1, NOW + 10);   /* port closed */
    flags(reg, TZ__SUBJECT_KIND__SUBJECT_SYSTEM, 1, &sf, 1, NOW);
    register_close(reg);
}

static void teardown(void)
{
    free(out);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(verify, .init = setup, .fini = teardown);

/* tzctl --data DIR args...; stdout and stderr into `out`. */
#define TZCTL_RUN(...) tz_test_tzctl_run(dir, &out, __VA_ARGS__, (const char *)NULL)

/* ---- the test's own way into LMDB ---- */

static MDB_env *env;
static MDB_txn *txn;

static void lmdb_begin(void)
{
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 32);
    cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
}

static MDB_dbi db(const char *name)
{
    MDB_dbi d;
    cr_assert_eq(mdb_dbi_open(txn, name, 0, &d), 0, "%s", name);
    return d;
}

static void lmdb_commit(void)
{
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void be64(uint8_t b[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

static void del(const char *dbname, const void *k, size_t klen)
{
    MDB_val kv = {klen, (void *)k};
    cr_assert_eq(mdb_del(txn, db(dbname), &kv, NULL), 0, "deleting from %s", dbname);
}

static void set(const char *dbname, const void *k, size_t klen, const void *v, size_t vlen)
{
    MDB_val kv = {klen, (void *)k}, vv = {vlen, (void *)v};
    cr_assert_eq(mdb_put(txn, db(dbname), &kv, &vv, 0), 0, "writing %s", dbname);
}

/* pkgidx key: name "\0" be64 id. */
static size_t pkgkey(uint8_t *k, const char *name, uint64_t id)
{
    size_t n = strlen(name);
    memcpy(k, name, n + 1);
    be64(k + n + 1, id);
    return n + 9;
}

static void expect_problems(const char *problems, int n)
{
    char *want = tz_test_path("%stzctl: the register %s is not consistent: %d problem%s\n",
                              problems, dir, n, n == 1 ? "" : "s");
    cr_assert_str_eq(out, want);
    free(want);
}

/* ---- clean ---- */

Test(verify, a_register_kept_by_its_own_code_is_consistent)
{
    cr_assert_eq(TZCTL_RUN("verify"), 0, "%s", out);
    cr_assert_str_eq(out, "register consistent: 2 agents (2 reported), 2 departments, "
                          "2 tokens, 1 system, 1 binding, 2 open flags, 1 closed flag, "
                          "3 history entries, 4 package index rows, 0 users, "
                          "0 sessions, 2 ledger changes, 0 screenings, 0 review decisions\n");
}

Test(verify, json_counts_and_an_empty_problem_list)
{
    cr_assert_eq(TZCTL_RUN("verify", "--format", "json"), 0, "%s", out);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "consistent")));
    cJSON *c = cJSON_GetObjectItem(j, "counts");
    cr_assert_eq(cJSON_GetObjectItem(c, "agents")->valuedouble, 2);
    cr_assert_eq(cJSON_GetObjectItem(c, "package_index_rows")->valuedouble, 4);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "problems")), 0);
    cJSON_Delete(j);
}

/* ---- one thing broken at a time ---- */

Test(verify, a_host_missing_from_the_key_index)
{
    uint8_t pk[32];
    key(pk, 1);
    lmdb_begin();
    del("agentkeys", pk, 32);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("host 1 (web01.math.example.edu.cn): its agent key is missing from "
                    "the key index (agentkeys): the collector would answer it "
                    "UNKNOWN_AGENT\n", 1);
}

Test(verify, a_key_index_entry_pointing_nowhere)
{
    uint8_t pk[32], id[8];
    key(pk, 0xab);
    be64(id, 9);
    lmdb_begin();
    set("agentkeys", pk, 32, id, 8);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("key index (agentkeys): agent key abababababababab... points to host "
                    "9, which does not exist\n", 1);
}

Test(verify, package_index_rows_missing_wrong_and_extra)
{
    uint8_t k[64];
    lmdb_begin();
    del("pkgidx", k, pkgkey(k, "curl", 1));
    set("pkgidx", k, pkgkey(k, "nginx", 1), "1.18.0-6", 8);
    set("pkgidx", k, pkgkey(k, "zsh", 2), "5.9-4", 5);
    set("pkgidx", k, pkgkey(k, "vim", 77), "9.0", 3);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems(
        "host 1 (web01.math.example.edu.cn): package curl 7.88.1-10+deb12u6 is missing "
        "from the package index (pkgidx)\n"
        "host 1 (web01.math.example.edu.cn): the package index (pkgidx) has nginx at "
        "version 1.18.0-6, its stored packages at 1.22.1-9\n"
        "package index (pkgidx): vim is listed for host 77, which does not exist\n"
        "host 2 (db01.cs.example.edu.cn): the package index (pkgidx) lists zsh, which its "
        "stored packages do not\n", 4);
}

Test(verify, many_problems_of_one_kind_are_named_ten_then_counted)
{
    uint8_t k[64];
    char name[16];
    lmdb_begin();
    for (int i = 0; i < 13; i++) {
        snprintf(name, sizeof(name), "pkg%02d", i);
        set("pkgidx", k, pkgkey(k, name, 77), "1", 1);
    }
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    char want[2048] = "";
    for (int i = 0; i < 10; i++)
        snprintf(want + strlen(want), sizeof(want) - strlen(want),
                 "package index (pkgidx): pkg%02d is listed for host 77, which does not "
                 "exist\n", i);
    strcat(want, "... and 3 more package index problems like these\n");
    expect_problems(want, 13);
}

Test(verify, a_binding_to_a_system_that_does_not_exist)
{
    uint8_t id[8];
    be64(id, 2);
    Tz__BindingRecord b = TZ__BINDING_RECORD__INIT;
    b.system_id = 42;
    b.source = TZ__BINDING_SOURCE__BIND_EXPLICIT;
    uint8_t buf[64];
    size_t n = protobuf_c_message_pack(&b.base, buf);
    lmdb_begin();
    set("bindings", id, 8, buf, n);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("the binding of host 2 (db01.cs.example.edu.cn) names system 42, "
                    "which does not exist\n", 1);
}

Test(verify, an_open_flag_count_that_disagrees)
{
    uint8_t k[10] = {'N', TZ__SUBJECT_KIND__SUBJECT_HOST}, v[4] = {0, 0, 0, 5};
    be64(k + 2, 1);
    lmdb_begin();
    set("flags", k, 10, v, 4);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("host 1 (web01.math.example.edu.cn): its stored open flag count is 5, "
                    "but it has 1 open flag (the ledger shows the count)\n", 1);
}

Test(verify, a_flag_about_a_system_that_does_not_exist)
{
    Tz__FlagRecord f = TZ__FLAG_RECORD__INIT;
    f.id = "NO_OWNER";
    f.subject_kind = TZ__SUBJECT_KIND__SUBJECT_SYSTEM;
    f.subject_id = 5;
    f.instance = "";
    uint8_t buf[128], k[32] = {'O', TZ__SUBJECT_KIND__SUBJECT_SYSTEM};
    be64(k + 2, 5);
    memcpy(k + 10, "NO_OWNER", 9);   /* id "\0" and an empty instance */
    size_t n = protobuf_c_message_pack(&f.base, buf);
    uint8_t ck[10] = {'N', TZ__SUBJECT_KIND__SUBJECT_SYSTEM}, cv[4] = {0, 0, 0, 1};
    be64(ck + 2, 5);
    lmdb_begin();
    set("flags", k, 19, buf, n);
    set("flags", ck, 10, cv, 4);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("open flag NO_OWNER is about system 5, which does not exist\n", 1);
}

Test(verify, a_stored_section_that_does_not_match_its_hash)
{
    uint8_t k[10], h[32 * 16];
    be64(k, 2);
    k[8] = 0;
    k[9] = 0xff;
    lmdb_begin();
    MDB_val kv = {10, k}, vv;
    cr_assert_eq(mdb_get(txn, db("hosts"), &kv, &vv), 0);
    cr_assert_leq(vv.mv_size, sizeof(h));
    memcpy(h, vv.mv_data, vv.mv_size);
    h[32 * TZ__SECTION_KIND__SECTION_PACKAGES] ^= 1;
    set("hosts", k, 10, h, vv.mv_size);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("host 2 (db01.cs.example.edu.cn): its stored packages section does "
                    "not match its recorded hash (delta reports would keep it stale)\n", 1);
}

Test(verify, an_id_counter_behind_the_ids_in_use)
{
    uint8_t one[8];
    be64(one, 2);
    lmdb_begin();
    set("meta", "next_agent_id", 13, one, 8);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("host 2 (db01.cs.example.edu.cn): its id is not below the next id to "
                    "give out (2): the next enrollment would take it over\n", 1);
}

Test(verify, a_department_gone_from_under_its_hosts_tokens_and_systems)
{
    lmdb_begin();
    del("depts", "math", 4);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    cr_assert(strstr(out, "host 1 (web01.math.example.edu.cn) belongs to department "
                          "\"math\", which does not exist\n"), "%s", out);
    cr_assert(strstr(out, "system 1 (图书馆门户) belongs to department \"math\", which "
                          "does not exist\n"), "%s", out);
    cr_assert(strstr(out, "is for department \"math\", which does not exist\n"), "%s", out);
    cr_assert(strstr(out, "not consistent: 3 problems\n"), "%s", out);
}

Test(verify, a_record_that_does_not_decode)
{
    uint8_t id[8];
    be64(id, 1);
    lmdb_begin();
    set("agents", id, 8, "\xff\xff\xff", 3);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("host 1: its record does not decode\n", 1);
}

Test(verify, an_unknown_schema_version)
{
    uint8_t zero[8] = {0};
    lmdb_begin();
    set("meta", "schema", 6, zero, 8);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("schema version 0 is not one this build knows (1 to 1)\n", 1);
}

Test(verify, json_lists_the_problems)
{
    uint8_t pk[32];
    key(pk, 2);
    lmdb_begin();
    del("agentkeys", pk, 32);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify", "--format", "json"), 1, "%s", out);
    char *end = strstr(out, "tzctl: the register");
    cr_assert_not_null(end, "%s", out);
    *end = '\0';
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "consistent")));
    cr_assert_eq(cJSON_GetObjectItem(j, "problem_count")->valuedouble, 1);
    cJSON *p = cJSON_GetObjectItem(j, "problems");
    cr_assert_eq(cJSON_GetArraySize(p), 1);
    cr_assert_str_eq(cJSON_GetArrayItem(p, 0)->valuestring,
                     "host 2 (db01.cs.example.edu.cn): its agent key is missing from the "
                     "key index (agentkeys): the collector would answer it UNKNOWN_AGENT");
    cJSON_Delete(j);
}

Test(verify, usage)
{
    cr_assert_eq(TZCTL_RUN("verify", "a", "b"), 2, "%s", out);
    cr_assert_eq(TZCTL_RUN("verify", "--deep"), 2, "%s", out);
    char *none = tz_test_path("%s/no-such-file", dir);
    cr_assert_eq(TZCTL_RUN("verify", none), 1, "%s", out);
    char *want = tz_test_path("tzctl: no register backup at %s\n", none);
    cr_assert_str_eq(out, want);
    free(want);
    free(none);
}

Test(verify, a_session_of_a_user_that_does_not_exist)
{
    Tz__SessionRecord sr = TZ__SESSION_RECORD__INIT;
    sr.user = "ghost";
    sr.expires_at = NOW + 3600;
    uint8_t buf[64], k[32] = {7};
    size_t n = tz__session_record__pack(&sr, buf);
    lmdb_begin();
    set("sessions", k, sizeof(k), buf, n);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("a session of user \"ghost\", who does not exist\n", 1);
}

Test(verify, a_ledger_change_of_a_system_that_does_not_exist)
{
    Tz__SystemChange c = TZ__SYSTEM_CHANGE__INIT;
    c.system_id = 99;
    c.at = NOW;
    c.actor = "x";
    uint8_t buf[64], k[24] = {0};
    be64(k, 99);
    be64(k + 8, (uint64_t)NOW);
    size_t n = tz__system_change__pack(&c, buf);
    lmdb_begin();
    set("syshist", k, sizeof(k), buf, n);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("a ledger change of system 99, which does not exist\n", 1);
}

Test(verify, a_department_change_of_a_department_that_does_not_exist)
{
    Tz__DeptChange c = TZ__DEPT_CHANGE__INIT;
    c.dept = "ghosts";
    c.at = NOW;
    c.actor = "x";
    c.via = "tzctl";
    c.action = "updated";
    uint8_t buf[64], k[6 + 1 + 16] = "ghosts";
    be64(k + 7, (uint64_t)NOW);
    be64(k + 15, 1);
    size_t n = tz__dept_change__pack(&c, buf);
    lmdb_begin();
    set("depthist", k, sizeof(k), buf, n);
    uint8_t bad[6 + 1 + 16];
    memcpy(bad, k, sizeof(bad));
    be64(bad + 7, (uint64_t)NOW + 1);   /* its time is not the record's */
    set("depthist", bad, sizeof(bad), buf, n);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("department history (depthist) of \"ghosts\", which does "
                    "not exist\n"
                    "department history (depthist): an entry that does not "
                    "decode or match its key (of \"ghosts\")\n", 2);
}

Test(verify, days_seen_of_a_host_that_does_not_exist_and_of_the_wrong_size)
{
    uint8_t k[12] = {0}, bits[32] = {1};
    be64(k, 99);
    lmdb_begin();
    set("seendays", k, sizeof(k), bits, sizeof(bits));
    be64(k, 1);
    k[11] = 7;
    set("seendays", k, sizeof(k), bits, 31);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("days seen (seendays): an entry of the wrong size (12-byte "
                    "key, 31-byte value; 12 and 32 expected)\n"
                    "days seen (seendays) of host 99, which does not exist\n",
                    2);
}

/* ---- tokens and revocations ---- */

/* The setup's two tokens (one per department), as stored. */
static void token_records(uint8_t keys[2][32], Tz__TokenRecord *recs[2])
{
    MDB_cursor *cur;
    cr_assert_eq(mdb_cursor_open(txn, db("tokens"), &cur), 0);
    MDB_val k, v;
    int n = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < 2;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
        cr_assert_eq(k.mv_size, 32);
        memcpy(keys[n], k.mv_data, 32);
        recs[n] = tz__token_record__unpack(NULL, v.mv_size, v.mv_data);
        cr_assert_not_null(recs[n]);
    }
    mdb_cursor_close(cur);
    cr_assert_eq(n, 2);
}

static void token_put(const uint8_t key[32], const Tz__TokenRecord *t)
{
    uint8_t buf[512];
    size_t len = tz__token_record__pack(t, buf);
    set("tokens", key, 32, buf, len);
}

Test(verify, a_token_over_its_use_limit_and_two_tokens_with_one_id)
{
    uint8_t keys[2][32];
    Tz__TokenRecord *t[2];
    lmdb_begin();
    token_records(keys, t);
    cr_assert_neq(t[0]->token_id, t[1]->token_id);
    t[0]->max_uses = 1;
    t[0]->uses = 2;
    t[1]->token_id = t[0]->token_id;
    token_put(keys[0], t[0]);
    token_put(keys[1], t[1]);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    char *want = tz_test_path("token %s...: 2 enrollments made, above its limit of 1\n",
                              t[0]->prefix);
    cr_assert(strstr(out, want), "%s", out);
    free(want);
    want = tz_test_path("two tokens have id %llu: tzctl token revoke cannot tell them "
                        "apart\n", (unsigned long long)t[0]->token_id);
    cr_assert(strstr(out, want), "%s", out);
    free(want);
    cr_assert(strstr(out, "not consistent: 2 problems\n"), "%s", out);
    tz__token_record__free_unpacked(t[0], NULL);
    tz__token_record__free_unpacked(t[1], NULL);
}

Test(verify, a_revocation_in_the_history_of_a_host_that_is_not_revoked)
{
    Tz__AgentRevocation rev = TZ__AGENT_REVOCATION__INIT;
    rev.at = NOW + 500;
    rev.by = "ops";
    Tz__HistoryEntry e = TZ__HISTORY_ENTRY__INIT;
    e.agent_id = 1;
    e.at = NOW + 500;
    e.seq = 3;
    e.revocation = &rev;
    uint8_t k[24], buf[128];
    be64(k, 1);
    be64(k + 8, NOW + 500);
    be64(k + 16, 3);
    size_t len = tz__history_entry__pack(&e, buf);
    lmdb_begin();
    set("history", k, 24, buf, len);
    lmdb_commit();
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("host 1 (web01.math.example.edu.cn): its history says its key was "
                    "revoked, but the host is not\n", 1);

    /* Revoked through tzctl, at another time than that entry: still one. */
    cr_assert_eq(TZCTL_RUN("agent", "revoke", "1", "--reason", "test"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("verify"), 1, "%s", out);
    expect_problems("host 1 (web01.math.example.edu.cn): its history records a "
                    "revocation at another time than its record\n", 1);
}
