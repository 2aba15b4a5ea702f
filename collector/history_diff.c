/* history_diff — package, account, listener and kernel changes between two
 * reports, by merging lists sorted by name. */
#include "history_diff.h"

#include <stdlib.h>
#include <string.h>

#include "tz_error.h"

static const char *pw_name(Tz__PasswordState s)
{
    switch (s) {
    case TZ__PASSWORD_STATE__PW_EMPTY: return "empty";
    case TZ__PASSWORD_STATE__PW_LOCKED: return "locked";
    case TZ__PASSWORD_STATE__PW_WEAK: return "weak";
    case TZ__PASSWORD_STATE__PW_OK: return "ok";
    default: return "unknown";
    }
}

/* Grow a repeated field by one element of size sz. */
static void *push(void ***arr, size_t *n, size_t sz)
{
    void **v = realloc(*arr, (*n + 1) * sizeof(*v));
    if (v == NULL)
        return NULL;
    *arr = v;
    v[*n] = calloc(1, sz);
    if (v[*n] == NULL)
        return NULL;
    return v[(*n)++];
}

/* Packages sorted by (name, arch) — the agent sends them so — but a hostile
 * or older agent might not: sort pointer copies ourselves. */
static int pkg_cmp(const void *a, const void *b)
{
    const Tz__Package *x = *(Tz__Package *const *)a, *y = *(Tz__Package *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->arch, y->arch);
}

static Tz__Package **sorted_pkgs(const Tz__PackagesSection *s)
{
    size_t n = s ? s->n_packages : 0;
    Tz__Package **v = malloc((n ? n : 1) * sizeof(*v));
    if (v == NULL)
        return NULL;
    if (n)
        memcpy(v, s->packages, n * sizeof(*v));
    qsort(v, n, sizeof(*v), pkg_cmp);
    return v;
}

static int diff_packages(const Tz__PackagesSection *o, const Tz__PackagesSection *n,
                         Tz__HistoryEntry *e)
{
    Tz__Package **a = sorted_pkgs(o), **b = sorted_pkgs(n);
    size_t na = o ? o->n_packages : 0, nb = n->n_packages, i = 0, j = 0;
    int rc = (a && b) ? 0 : TZ_ENOMEM;
    while (rc == 0 && (i < na || j < nb)) {
        int c = i == na ? 1 : j == nb ? -1 : pkg_cmp(&a[i], &b[j]);
        const char *name, *ov = "", *nv = "";
        if (c < 0) {
            name = a[i]->name;
            ov = a[i++]->version;
        } else if (c > 0) {
            name = b[j]->name;
            nv = b[j++]->version;
        } else {
            name = a[i]->name;
            ov = a[i++]->version;
            nv = b[j++]->version;
            if (strcmp(ov, nv) == 0)
                continue;
        }
        Tz__PackageChange *pc =
            push((void ***)&e->packages, &e->n_packages, sizeof(*pc));
        if (pc == NULL) {
            rc = TZ_ENOMEM;
            break;
        }
        tz__package_change__init(pc);
        pc->name = (char *)name;
        pc->old_version = (char *)ov;
        pc->new_version = (char *)nv;
    }
    free(a);
    free(b);
    return rc;
}

static const Tz__Account *find_account(const Tz__AccountsSection *s, const char *name)
{
    for (size_t i = 0; s && i < s->n_accounts; i++)
        if (strcmp(s->accounts[i]->name, name) == 0)
            return s->accounts[i];
    return NULL;
}

static int account_change(Tz__HistoryEntry *e, const char *name, const char *what,
                          const char *os, const char *ns)
{
    Tz__AccountChange *ac = push((void ***)&e->accounts, &e->n_accounts, sizeof(*ac));
    if (ac == NULL)
        return TZ_ENOMEM;
    tz__account_change__init(ac);
    ac->name = (char *)name;
    ac->change = (char *)what;
    ac->old_state = (char *)os;
    ac->new_state = (char *)ns;
    return 0;
}

/* Accounts are few (hundreds): quadratic matching is fine and keeps order. */
static int diff_accounts(const Tz__AccountsSection *o, const Tz__AccountsSection *n,
                         Tz__HistoryEntry *e)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && o && i < o->n_accounts; i++)
        if (find_account(n, o->accounts[i]->name) == NULL)
            rc = account_change(e, o->accounts[i]->name, "removed",
                                pw_name(o->accounts[i]->password), "");
    for (size_t i = 0; rc == 0 && i < n->n_accounts; i++) {
        const Tz__Account *na = n->accounts[i], *oa = find_account(o, na->name);
        if (oa == NULL)
            rc = account_change(e, na->name, "added", "", pw_name(na->password));
        else if (oa->password != na->password)
            rc = account_change(e, na->name, "password", pw_name(oa->password),
                                pw_name(na->password));
    }
    return rc;
}

static int same_listener(const Tz__Listener *a, const Tz__Listener *b)
{
    return a->port == b->port && strcmp(a->proto, b->proto) == 0 &&
           strcmp(a->address, b->address) == 0;
}

static int listener_change(Tz__HistoryEntry *e, const Tz__Listener *l, int opened)
{
    Tz__ListenerChange *lc = push((void ***)&e->listeners, &e->n_listeners, sizeof(*lc));
    if (lc == NULL)
        return TZ_ENOMEM;
    tz__listener_change__init(lc);
    lc->proto = l->proto;
    lc->address = l->address;
    lc->port = l->port;
    lc->opened = opened;
    lc->process = l->process;
    return 0;
}

static int diff_listeners(const Tz__ListenersSection *o, const Tz__ListenersSection *n,
                          Tz__HistoryEntry *e)
{
    int rc = 0;
    size_t no = o ? o->n_listeners : 0;
    for (size_t i = 0; rc == 0 && i < no; i++) {
        size_t k = 0;
        while (k < n->n_listeners && !same_listener(o->listeners[i], n->listeners[k]))
            k++;
        if (k == n->n_listeners)
            rc = listener_change(e, o->listeners[i], 0);
    }
    for (size_t i = 0; rc == 0 && i < n->n_listeners; i++) {
        size_t k = 0;
        while (k < no && !same_listener(n->listeners[i], o->listeners[k]))
            k++;
        if (k == no)
            rc = listener_change(e, n->listeners[i], 1);
    }
    return rc;
}

int history_diff(const Tz__Report *old, const Tz__Report *nw,
                 Tz__HistoryEntry *out, int *changed)
{
    *changed = 0;
    out->first = old == NULL;
    if (nw->packages)
        out->packages_total = (uint32_t)nw->packages->n_packages;
    if (old == NULL) {
        /* A baseline: listing 1,500 packages as "added" says nothing. */
        *changed = 1;
        return 0;
    }
    int rc = 0;
    if (nw->packages)
        rc = diff_packages(old->packages, nw->packages, out);
    if (rc == 0 && nw->accounts)
        rc = diff_accounts(old->accounts, nw->accounts, out);
    if (rc == 0 && nw->listeners)
        rc = diff_listeners(old->listeners, nw->listeners, out);
    if (rc == 0 && nw->host && old->host &&
        strcmp(old->host->kernel_release, nw->host->kernel_release) != 0) {
        out->old_kernel = old->host->kernel_release;
        out->new_kernel = nw->host->kernel_release;
    }
    if (rc != 0) {
        history_diff_free(out);
        return rc;
    }
    *changed = out->n_packages || out->n_accounts || out->n_listeners ||
               (out->new_kernel && out->new_kernel[0]);
    return 0;
}

void history_diff_free(Tz__HistoryEntry *e)
{
    for (size_t i = 0; i < e->n_packages; i++)
        free(e->packages[i]);
    for (size_t i = 0; i < e->n_accounts; i++)
        free(e->accounts[i]);
    for (size_t i = 0; i < e->n_listeners; i++)
        free(e->listeners[i]);
    free(e->packages);
    free(e->accounts);
    free(e->listeners);
    e->packages = NULL;
    e->accounts = NULL;
    e->listeners = NULL;
    e->n_packages = e->n_accounts = e->n_listeners = 0;
}

/* Free the elements of a list past keep and shorten it. */
static void cut(void **v, size_t *n, size_t keep)
{
    for (size_t i = keep; i < *n; i++)
        free(v[i]);
    if (*n > keep)
        *n = keep;
}

int history_diff_summarise(Tz__HistoryEntry *e, size_t max, size_t keep)
{
    size_t total = e->n_packages + e->n_accounts + e->n_listeners;
    if (max == 0 || total <= max)
        return 0;
    for (size_t i = 0; i < e->n_packages; i++) {
        const Tz__PackageChange *p = e->packages[i];
        if (!p->old_version[0])
            e->packages_added++;
        else if (!p->new_version[0])
            e->packages_removed++;
        else
            e->packages_changed++;
    }
    e->accounts_changes = (uint32_t)e->n_accounts;
    e->listeners_changes = (uint32_t)e->n_listeners;
    cut((void **)e->packages, &e->n_packages, keep);
    cut((void **)e->accounts, &e->n_accounts, keep);
    cut((void **)e->listeners, &e->n_listeners, keep);
    e->summarised = 1;
    return 1;
}
