/* Change history: the diff of two reports, and what the register keeps. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "history_diff.h"
#include "ingest.h"
#include "register.h"
#include "tz_limits.h"
#include "tz_test.h"

static Tz__Package P(const char *name, const char *ver)
{
    Tz__Package p = TZ__PACKAGE__INIT;
    p.name = (char *)name;
    p.version = (char *)ver;
    return p;
}

Test(history, diff_lists_added_removed_and_upgraded_packages)
{
    Tz__Package o[] = {P("bash", "5.2-1"), P("curl", "7.88-1"), P("vim", "9.0-1")};
    Tz__Package n[] = {P("bash", "5.2-1"), P("openssl", "3.0-1"), P("vim", "9.0-2")};
    Tz__Package *op[] = {&o[2], &o[0], &o[1]};   /* unsorted on purpose */
    Tz__Package *np[] = {&n[0], &n[1], &n[2]};
    Tz__PackagesSection os = TZ__PACKAGES_SECTION__INIT, ns = TZ__PACKAGES_SECTION__INIT;
    os.n_packages = 3;
    os.packages = op;
    ns.n_packages = 3;
    ns.packages = np;
    Tz__Report ro = TZ__REPORT__INIT, rn = TZ__REPORT__INIT;
    ro.packages = &os;
    rn.packages = &ns;
    Tz__HistoryEntry e = TZ__HISTORY_ENTRY__INIT;
    int changed = 0;
    cr_assert_eq(history_diff(&ro, &rn, &e, &changed), 0);
    cr_assert(changed);
    cr_assert_eq(e.n_packages, 3);
    cr_assert_str_eq(e.packages[0]->name, "curl");
    cr_assert_str_eq(e.packages[0]->new_version, "");       /* removed */
    cr_assert_str_eq(e.packages[1]->name, "openssl");
    cr_assert_str_eq(e.packages[1]->old_version, "");       /* added */
    cr_assert_str_eq(e.packages[2]->name, "vim");
    cr_assert_str_eq(e.packages[2]->old_version, "9.0-1");  /* upgraded */
    cr_assert_str_eq(e.packages[2]->new_version, "9.0-2");
    history_diff_free(&e);

    /* Same packages: nothing changed. */
    Tz__HistoryEntry e2 = TZ__HISTORY_ENTRY__INIT;
    cr_assert_eq(history_diff(&rn, &rn, &e2, &changed), 0);
    cr_assert_not(changed);
    history_diff_free(&e2);
}

Test(history, diff_sees_accounts_listeners_and_kernel)
{
    Tz__Account a1 = TZ__ACCOUNT__INIT, a2 = TZ__ACCOUNT__INIT, b1 = TZ__ACCOUNT__INIT,
                b3 = TZ__ACCOUNT__INIT;
    a1.name = "alice";
    a1.password = TZ__PASSWORD_STATE__PW_WEAK;
    a2.name = "olduser";
    b1.name = "alice";
    b1.password = TZ__PASSWORD_STATE__PW_OK;
    b3.name = "newuser";
    Tz__Account *oa[] = {&a1, &a2}, *na[] = {&b1, &b3};
    Tz__AccountsSection os = TZ__ACCOUNTS_SECTION__INIT, ns = TZ__ACCOUNTS_SECTION__INIT;
    os.n_accounts = 2;
    os.accounts = oa;
    ns.n_accounts = 2;
    ns.accounts = na;
    Tz__Listener l1 = TZ__LISTENER__INIT, l2 = TZ__LISTENER__INIT;
    l1.proto = "tcp";
    l1.address = "0.0.0.0";
    l1.port = 22;
    l2 = l1;
    l2.port = 3306;
    Tz__Listener *ol[] = {&l1}, *nl[] = {&l1, &l2};
    Tz__ListenersSection ols = TZ__LISTENERS_SECTION__INIT, nls = TZ__LISTENERS_SECTION__INIT;
    ols.n_listeners = 1;
    ols.listeners = ol;
    nls.n_listeners = 2;
    nls.listeners = nl;
    Tz__HostSection oh = TZ__HOST_SECTION__INIT, nh = TZ__HOST_SECTION__INIT;
    oh.kernel_release = "6.1.0-25-amd64";
    nh.kernel_release = "6.1.0-28-amd64";
    Tz__Report ro = TZ__REPORT__INIT, rn = TZ__REPORT__INIT;
    ro.accounts = &os;
    rn.accounts = &ns;
    ro.listeners = &ols;
    rn.listeners = &nls;
    ro.host = &oh;
    rn.host = &nh;
    Tz__HistoryEntry e = TZ__HISTORY_ENTRY__INIT;
    int changed = 0;
    cr_assert_eq(history_diff(&ro, &rn, &e, &changed), 0);
    cr_assert(changed);
    cr_assert_eq(e.n_accounts, 3);
    cr_assert_str_eq(e.accounts[0]->name, "olduser");
    cr_assert_str_eq(e.accounts[0]->change, "removed");
    cr_assert_str_eq(e.accounts[1]->name, "alice");
    cr_assert_str_eq(e.accounts[1]->change, "password");
    cr_assert_str_eq(e.accounts[1]->old_state, "weak");
    cr_assert_str_eq(e.accounts[1]->new_state, "ok");
    cr_assert_str_eq(e.accounts[2]->change, "added");
    cr_assert_eq(e.n_listeners, 1);
    cr_assert_eq(e.listeners[0]->port, 3306);
    cr_assert(e.listeners[0]->opened);
    cr_assert_str_eq(e.new_kernel, "6.1.0-28-amd64");
    history_diff_free(&e);
}

/* ---- through ingest into the register ---- */

static char *dir;
static struct tz_register *reg;
static struct tz_keypair collector, agent;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    dir = tz_test_tmpdir("history");
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    crypto_box_keypair(collector.pk, collector.sk);
    crypto_box_keypair(agent.pk, agent.sk);
    char token[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_dept_add(reg, "图书馆", 1, &err), 0);
    cr_assert_eq(register_token_create(reg, "图书馆", 1, token, &err), 0);
    tz_test_ingest_enroll(reg, &collector, &agent, token, 100);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

static void send_packages(uint64_t seq, int64_t at, const char *vim_version, int with_curl)
{
    Tz__Package pk[] = {P("bash", "5.2-1"), P("curl", "7.88-1"), P("vim", vim_version)};
    Tz__Package *pp[] = {&pk[0], &pk[1], &pk[2]};
    if (!with_curl)
        pp[1] = &pk[2];
    Tz__PackagesSection ps = TZ__PACKAGES_SECTION__INIT;
    ps.manager = "dpkg";
    ps.n_packages = with_curl ? 3 : 2;
    ps.packages = pp;
    Tz__Report r = TZ__REPORT__INIT;
    r.packages = &ps;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_REPORT;
    p.report = &r;
    struct tz_error err = {0};
    struct ingest_req req = {0};
    uint8_t *msg;
    cr_assert_eq(envelope_seal(&p, &agent, collector.pk, &msg, &req.len, &err), 0);
    req.msg = msg;
    cr_assert_eq(ingest_process(reg, &collector, &req, 1, TZ_MAX_MSG, at, &err), 0);
    cr_assert_eq(req.status, TZ__STATUS__OK);
    free(req.reply);
    free(msg);
}

struct seen {
    int n;
    int64_t at[8];
    int first[8];
    size_t changes[8];
};

static int collect(const Tz__HistoryEntry *e, void *arg)
{
    struct seen *s = arg;
    if (s->n < 8) {
        s->at[s->n] = e->at;
        s->first[s->n] = e->first;
        s->changes[s->n] = e->n_packages;
    }
    s->n++;
    return 0;
}

TestSuite(history_store, .init = setup, .fini = teardown);

Test(history_store, reports_leave_a_baseline_then_changes_and_old_ones_are_pruned)
{
    send_packages(2, 1000, "9.0-1", 1);   /* baseline */
    send_packages(3, 2000, "9.0-1", 1);   /* no change: no entry */
    send_packages(4, 3000, "9.0-2", 0);   /* vim upgraded, curl removed */
    struct seen s = {0};
    struct tz_error err = {0};
    cr_assert_eq(register_each_history(reg, 1, 0, collect, &s, &err), 0);
    cr_assert_eq(s.n, 2);
    cr_assert(s.first[0]);
    cr_assert_eq(s.at[1], 3000);
    cr_assert_eq(s.changes[1], 2);

    struct seen since = {0};
    cr_assert_eq(register_each_history(reg, 1, 2500, collect, &since, &err), 0);
    cr_assert_eq(since.n, 1, "--since must skip older entries");

    size_t deleted = 0;
    cr_assert_eq(register_history_prune(reg, 2500, 1000, &deleted, &err), 0);
    cr_assert_eq(deleted, 1);
    struct seen after = {0};
    cr_assert_eq(register_each_history(reg, 1, 0, collect, &after, &err), 0);
    cr_assert_eq(after.n, 1);
    cr_assert_eq(after.at[0], 3000);
}

Test(history_store, pruning_in_small_slices_reaches_everything)
{
    for (int i = 0; i < 20; i++)
        send_packages(10 + (uint64_t)i, 1000 + i, i % 2 ? "9.0-1" : "9.0-2", 1);
    struct seen s = {0};
    struct tz_error err = {0};
    cr_assert_eq(register_each_history(reg, 1, 0, collect, &s, &err), 0);
    cr_assert_eq(s.n, 20);
    size_t total = 0;
    for (int round = 0; round < 10; round++) {
        size_t d = 0;
        cr_assert_eq(register_history_prune(reg, 1015, 3, &d, &err), 0);
        total += d;
    }
    cr_assert_eq(total, 15);
    struct seen left = {0};
    cr_assert_eq(register_each_history(reg, 1, 0, collect, &left, &err), 0);
    cr_assert_eq(left.n, 5);
}
