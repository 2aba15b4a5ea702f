/* test_system_overlap — systems claiming the same addresses or names
 * (system_overlap.h): exact edges, CIDR, ranges, IPv6, domains, retired
 * systems, and the sweep against a comparison of every pair. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_fields.h"
#include "system_overlap.h"

static Tz__SystemRecord *sys(uint64_t id, const char *dept, const char *ips,
                             const char *domains)
{
    Tz__SystemRecord *r = ledger_record_new();
    char why[LEDGER_WHY], name[16];
    snprintf(name, sizeof(name), "s%llu", (unsigned long long)id);
    r->system_id = id;
    r->name = strdup(name);
    r->dept = strdup(dept);
    if (ips)
        cr_assert_eq(ledger_field_set(r, "ips", ips, why, sizeof(why)), 0, "%s", why);
    if (domains)
        cr_assert_eq(ledger_field_set(r, "domains", domains, why, sizeof(why)), 0,
                     "%s", why);
    return r;
}

static void free_all(Tz__SystemRecord **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ledger_record_free(v[i]);
}

/* "a b kind part a_item b_item cross" per conflict, one line each. */
static void render(const Tz__SystemRecord *const *v, const struct sys_overlaps *o,
                   char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < o->n && used < len; i++) {
        const struct sys_overlap *x = &o->v[i];
        used += (size_t)snprintf(buf + used, len - used, "%s %s %s %s | %s | %s%s\n",
                                 v[x->a]->name, v[x->b]->name,
                                 x->kind == SYS_OVERLAP_IP ? "ip" : "domain", x->part,
                                 x->a_item, x->b_item, x->cross_dept ? " cross" : "");
    }
}

Test(overlap, edges_blocks_ranges_v6_and_names)
{
    Tz__SystemRecord *v[] = {
        sys(1, "教务处", "10.0.0.0/24", NULL),
        sys(2, "计算机学院", "10.0.0.255-10.0.1.5", NULL),
        sys(3, "计算机学院", "10.0.1.6, 2001:db8:0:1::5", NULL),   /* touches 2, no overlap */
        sys(4, "教务处", "10.2.0.10-20", NULL),
        sys(5, "教务处", "10.2.0.15-10.2.0.30, 10.2.0.0/28", "https://WEB.example.edu.cn:8443/x"),
        sys(6, "图书馆", "2001:db8::/32", "web.example.edu.cn."),
        sys(7, "图书馆", "10.0.0.7", "web.example.edu.cn"),           /* retired */
    };
    free(v[6]->status);
    v[6]->status = strdup("retired");
    struct sys_overlaps o;
    cr_assert_eq(sys_overlaps_find((const Tz__SystemRecord *const *)v, 7, &o), 0);
    char got[2048];
    render((const Tz__SystemRecord *const *)v, &o, got, sizeof(got));
    cr_assert_str_eq(got,
        "s1 s2 ip 10.0.0.255 | 10.0.0.0/24 | 10.0.0.255-10.0.1.5 cross\n"
        "s3 s6 ip 2001:db8:0:1::5 | 2001:db8:0:1::5 | 2001:db8::/32 cross\n"
        "s4 s5 ip 10.2.0.10-10.2.0.15 | 10.2.0.10-10.2.0.20 | 10.2.0.0/28\n"
        "s4 s5 ip 10.2.0.15-10.2.0.20 | 10.2.0.10-10.2.0.20 | 10.2.0.15-10.2.0.30\n"
        "s5 s6 domain web.example.edu.cn | https://WEB.example.edu.cn:8443/x | "
        "web.example.edu.cn. cross\n");
    cr_assert_eq(o.total, 5);
    sys_overlaps_free(&o);
    free_all(v, 7);
}

Test(overlap, a_block_inside_a_block_and_nothing_across_families)
{
    Tz__SystemRecord *v[] = {
        sys(1, "a", "10.1.0.0/16", NULL),
        sys(2, "a", "10.1.2.0/24", NULL),
        sys(3, "b", "::ffff:10.1.2.3", NULL),   /* v6: never a v4 address */
    };
    struct sys_overlaps o;
    cr_assert_eq(sys_overlaps_find((const Tz__SystemRecord *const *)v, 3, &o), 0);
    cr_assert_eq(o.n, 1);
    cr_assert_str_eq(o.v[0].part, "10.1.2.0/24");
    cr_assert_eq(o.v[0].cross_dept, 0);
    sys_overlaps_free(&o);
    cr_assert_eq(sys_overlaps_find((const Tz__SystemRecord *const *)v, 0, &o), 0);
    cr_assert_eq(o.n, 0);
    free_all(v, 3);
}

/* The sweep finds exactly the pairs a comparison of every pair finds. */
Test(overlap, sweep_agrees_with_every_pair)
{
    enum { N = 60 };
    Tz__SystemRecord *v[N];
    srand(19);
    for (size_t i = 0; i < N; i++) {
        char ips[128];
        unsigned a = (unsigned)(rand() % 200), b = a + (unsigned)(rand() % 20);
        if (b > 255)
            b = 255;
        if (rand() % 3 == 0)
            snprintf(ips, sizeof(ips), "10.9.%u.0/24, 10.8.0.%u-%u", (unsigned)(rand() % 4),
                     a, b);
        else
            snprintf(ips, sizeof(ips), "10.8.0.%u-%u", a, b);
        v[i] = sys(i + 1, rand() % 2 ? "a" : "b", ips, NULL);
    }
    struct sys_overlaps o;
    cr_assert_eq(sys_overlaps_find((const Tz__SystemRecord *const *)v, N, &o), 0);
    size_t want = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++)
            for (size_t x = 0; x < v[i]->n_ips; x++)
                for (size_t y = 0; y < v[j]->n_ips; y++) {
                    struct sm_range r1, r2;
                    cr_assert_eq(sm_item_parse(v[i]->ips[x], &r1, NULL, NULL, 0), 0);
                    cr_assert_eq(sm_item_parse(v[j]->ips[y], &r2, NULL, NULL, 0), 0);
                    want += (size_t)sm_range_overlap(&r1, &r2, NULL);
                }
    cr_assert_eq(o.total, want);
    cr_assert_eq(o.n, want);
    for (size_t i = 0; i < o.n; i++) {
        cr_assert_lt(o.v[i].a, o.v[i].b);
        cr_assert_eq(o.v[i].cross_dept, strcmp(v[o.v[i].a]->dept, v[o.v[i].b]->dept) != 0);
    }
    sys_overlaps_free(&o);
    free_all(v, N);
}

Test(overlap, range_format_says_a_block_when_it_is_one)
{
    static const char *const cases[][2] = {
        {"10.0.0.0-10.0.0.255", "10.0.0.0/24"}, {"10.0.0.1-10.0.0.1", "10.0.0.1"},
        {"10.0.0.1-10.0.0.2", "10.0.0.1-10.0.0.2"}, {"2001:db8::/126", "2001:db8::/126"},
        {"0.0.0.0/0", "0.0.0.0/0"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sm_range r;
        char out[SM_ITEM_STRLEN];
        cr_assert_eq(sm_item_parse(cases[i][0], &r, NULL, NULL, 0), 0);
        sm_range_format(&r, out);
        cr_assert_str_eq(out, cases[i][1]);
    }
}
