/* test_dept_record — a department's responsibility record: the field
 * table (names, phones, e-mail addresses, the meeting date, bounds), the
 * register keeping it with revision and change history, and the CSV
 * import that writes every row or none. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iconv.h>
#include <xlsxwriter.h>

#include "civil_day.h"
#include "csv_reader.h"
#include "dept_fields.h"
#include "dept_import.h"
#include "register.h"
#include "tz_limits.h"
#include "tz_test.h"

#define NOW 1700000000

static char why[DEPT_WHY];

/* ---- the fields ---- */

static void phone_ok(const char *s)
{
    cr_assert_eq(dept_parse_phone(s, why, sizeof(why)), 0, "%s: %s", s, why);
}

static void phone_bad(const char *s, const char *reason)
{
    cr_assert_eq(dept_parse_phone(s, why, sizeof(why)), TZ_EINVAL,
                 "accepted %s", s);
    cr_assert(strstr(why, reason), "%s: %s", s, why);
}

Test(dept_fields, phones_as_people_write_them)
{
    phone_ok("0834-2580000");
    phone_ok("13800000000");
    phone_ok("+86 138 0000 0000");
    phone_ok("(0834) 2580000");
    phone_ok("0834-2580000转123");
    phone_ok("0834-2580000 ext 12");
    phone_bad("12ab", "digits");
    phone_bad("1234", "5 to 20 digits");
    phone_bad("138+0000000", "'+' may only start");
    phone_bad("0834-2580000转", "extension");
    phone_bad("0834-2580000\n", "digits");
    phone_bad("123456789012345678901234567890123", "3 to 32");
}

static void email_ok(const char *s)
{
    cr_assert_eq(dept_parse_email(s, why, sizeof(why)), 0, "%s: %s", s, why);
}

static void email_bad(const char *s, const char *reason)
{
    cr_assert_eq(dept_parse_email(s, why, sizeof(why)), TZ_EINVAL,
                 "accepted %s", s);
    cr_assert(strstr(why, reason), "%s: %s", s, why);
}

Test(dept_fields, email_addresses_fit_a_mail_header)
{
    email_ok("zhang.san@xcc.edu.cn");
    email_ok("net+center@mail.xcc.edu.cn");
    email_bad("zhangsan", "one '@'");
    email_bad("a@b@c.cn", "one '@'");
    email_bad("a@b", "needs a dot");
    email_bad("a b@xcc.edu.cn", "may not hold ' '");
    email_bad("a@xcc.edu.cn\r\nBcc: y.cn", "only ASCII letters");
    email_bad("\"a\"@xcc.edu.cn", "may not hold '\"'");
    email_bad(".a@xcc.edu.cn", "dot");
    email_bad("a..b@xcc.edu.cn", "dot");
    email_bad("a@-x.cn", "'-'");
    email_bad("a@xcc.123", "does not end");
    email_bad("张三@xcc.edu.cn", "may not hold");
    char big[300];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[10] = '@';
    email_bad(big, "at most 254");
}

Test(dept_fields, keys_labels_and_aliases_name_the_same_field)
{
    cr_assert_eq(dept_field_find("liaison")->id, DF_LIAISON);
    cr_assert_eq(dept_field_find(" 联络人 ")->id, DF_LIAISON);
    cr_assert_eq(dept_field_find("联系人")->id, DF_LIAISON);
    cr_assert_eq(dept_field_find("Liaison-Phone")->id, DF_LIAISON_PHONE);
    cr_assert_eq(dept_field_find("第一责任人")->id, DF_PRINCIPAL);
    cr_assert_eq(dept_field_find("直接责任人邮箱")->id,
                 DF_SECURITY_LEAD_EMAIL);
    cr_assert_eq(dept_field_find("网信负责人")->id, DF_IT_LEAD);
    cr_assert_eq(dept_field_find("会议日期")->id, DF_LAST_MEETING);
    cr_assert_null(dept_field_find("owner"));
    for (size_t i = 0; i < DF_COUNT; i++)
        cr_assert_eq(dept_fields[i].id, (enum dept_id)i);
}

Test(dept_fields, set_trims_checks_and_clears)
{
    Tz__DeptRecord r = TZ__DEPT_RECORD__INIT;
    r.name = "math";
    char v[DEPT_FORMAT_MAX];
    cr_assert_eq(dept_field_set(&r, "liaison", "\u3000张三 ", why,
                                sizeof(why)), 0);
    cr_assert_str_eq(r.liaison, "张三");
    cr_assert_eq(dept_field_set(&r, "last_meeting", "2026年3月1日", why,
                                sizeof(why)), 0);
    cr_assert_eq(r.last_meeting_day, civil_day(2026, 3, 1));
    dept_field_format(&r, "last_meeting", v, sizeof(v));
    cr_assert_str_eq(v, "2026-03-01");
    /* a bad value leaves the field as it was */
    cr_assert_eq(dept_field_set(&r, "liaison", "a\nb", why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert_str_eq(r.liaison, "张三");
    cr_assert_eq(dept_field_set(&r, "last_meeting", "2026-02-30", why,
                                sizeof(why)), TZ_EINVAL);
    cr_assert_eq(r.last_meeting_day, civil_day(2026, 3, 1));
    cr_assert_eq(dept_field_set(&r, "nonsense", "x", why, sizeof(why)),
                 TZ_ENOENT);
    char *long_name = malloc(TZ_MAX_NAME + 2);
    memset(long_name, 'n', TZ_MAX_NAME + 1);
    long_name[TZ_MAX_NAME + 1] = '\0';
    cr_assert_eq(dept_field_set(&r, "principal", long_name, why, sizeof(why)),
                 TZ_EINVAL);
    free(long_name);
    cr_assert_eq(dept_record_check(&r, why, sizeof(why)), 0, "%s", why);
    /* "" clears */
    cr_assert_eq(dept_field_set(&r, "liaison", "", why, sizeof(why)), 0);
    cr_assert_str_eq(r.liaison, "");
    cr_assert_eq(dept_field_set(&r, "last_meeting", " ", why, sizeof(why)), 0);
    cr_assert_eq(r.last_meeting_day, 0);
    /* what the register would refuse */
    r.liaison_email = "not an address";
    cr_assert_eq(dept_record_check(&r, why, sizeof(why)), TZ_EINVAL);
    cr_assert(strstr(why, "联络人邮箱 (liaison_email)"), "%s", why);
    free(r.liaison);  /* the "" the clear left: a heap copy */
}

/* ---- the register ---- */

static char *dir;
static struct tz_register *reg;
static struct tz_error err;

static void setup(void)
{
    unsetenv("TZ_REGISTER_MAPSIZE");
    dir = tz_test_tmpdir("dept_record");
    memset(&err, 0, sizeof(err));
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "math", NOW, &err), 0);
    cr_assert_eq(register_dept_add(reg, "计算机学院", NOW, &err), 0);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

static Tz__DeptRecord *get(const char *name)
{
    Tz__DeptRecord *d = NULL;
    cr_assert_eq(register_dept_get(reg, name, &d, &err), 0, "%s", err.msg);
    return d;
}

static void set(Tz__DeptRecord *d, const char *key, const char *value)
{
    cr_assert_eq(dept_field_set(d, key, value, why, sizeof(why)), 0, "%s: %s",
                 key, why);
}

struct hist {
    int n;
    char actor[64], via[16], field[64], old[64], nw[64];
    int64_t at;
};

static int hist_cb(const Tz__DeptChange *c, void *arg)
{
    struct hist *h = arg;
    h->n++;
    snprintf(h->actor, sizeof(h->actor), "%s", c->actor);
    snprintf(h->via, sizeof(h->via), "%s", c->via);
    h->at = c->at;
    cr_assert_geq(c->n_changes, 1);
    snprintf(h->field, sizeof(h->field), "%s", c->changes[0]->field);
    snprintf(h->old, sizeof(h->old), "%s", c->changes[0]->old_value);
    snprintf(h->nw, sizeof(h->nw), "%s", c->changes[0]->new_value);
    return 0;
}

TestSuite(dept_register, .init = setup, .fini = teardown);

Test(dept_register, put_keeps_fields_revision_and_history)
{
    Tz__DeptRecord *d = get("math");
    cr_assert_eq(d->revision, 0);
    set(d, "liaison", "张三");
    set(d, "liaison_phone", "13800000000");
    const struct register_actor alice = {"alice", "tzctl"};
    cr_assert_eq(register_dept_put(reg, d, NOW + 10, NULL, &alice, &err), 0,
                 "%s", err.msg);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    d = get("math");
    cr_assert_str_eq(d->liaison, "张三");
    cr_assert_str_eq(d->liaison_phone, "13800000000");
    cr_assert_eq(d->revision, 1);
    cr_assert_eq(d->created_at, NOW);
    cr_assert_eq(d->updated_at, NOW + 10);
    /* the same values again: nothing written, no revision */
    cr_assert_eq(register_dept_put(reg, d, NOW + 20, NULL, &alice, &err), 0);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    d = get("math");
    cr_assert_eq(d->revision, 1);
    /* a stale revision is refused */
    set(d, "liaison", "李四");
    const uint64_t stale = 0, current = 1;
    cr_assert_eq(register_dept_put(reg, d, NOW + 30, &stale, &alice, &err),
                 TZ_ECHANGED);
    const struct register_actor bob = {"bob", "portal"};
    cr_assert_eq(register_dept_put(reg, d, NOW + 30, &current, &bob, &err), 0);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    struct hist h = {0};
    cr_assert_eq(register_each_dept_change(reg, "math", hist_cb, &h, &err), 0);
    cr_assert_eq(h.n, 2);
    cr_assert_str_eq(h.actor, "bob");
    cr_assert_str_eq(h.via, "portal");
    cr_assert_eq(h.at, NOW + 30);
    cr_assert_str_eq(h.field, "liaison");
    cr_assert_str_eq(h.old, "张三");
    cr_assert_str_eq(h.nw, "李四");
    /* another department's history is its own */
    struct hist o = {0};
    cr_assert_eq(register_each_dept_change(reg, "计算机学院", hist_cb, &o, &err),
                 0);
    cr_assert_eq(o.n, 0);
}

Test(dept_register, refuses_what_the_fields_refuse_and_unknown_depts)
{
    Tz__DeptRecord d = TZ__DEPT_RECORD__INIT;
    d.name = "math";
    d.principal_email = "x";
    cr_assert_eq(register_dept_put(reg, &d, NOW, NULL, NULL, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "第一责任人邮箱"), "%s", err.msg);
    d.principal_email = "";
    d.name = "physics";
    cr_assert_eq(register_dept_put(reg, &d, NOW, NULL, NULL, &err), TZ_ENOENT);
    Tz__DeptRecord *x = NULL;
    cr_assert_eq(register_dept_get(reg, "physics", &x, &err), TZ_ENOENT);
    cr_assert_null(x);
}

/* ---- the import ---- */

static int import(const char *csv, size_t *updated,
                  struct ledger_problems *p)
{
    char path[] = "/tmp/tz-dept-import-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    const struct register_actor by = {"carol", "import"};
    int rc = dept_import_file(reg, path, NULL, NOW + 100, &by, updated, p,
                              &err);
    unlink(path);
    return rc;
}

Test(dept_register, import_with_one_bad_row_imports_nothing_and_names_the_line)
{
    size_t n = 9;
    struct ledger_problems p;
    int rc = import("单位,联络人,联络人电话,联络人邮箱\n"
                    "math,张三,13800000000,zs@xcc.edu.cn\n"
                    "计算机学院,李四,12ab,ls@xcc.edu.cn\n", &n, &p);
    cr_assert_eq(rc, TZ_EINVAL);
    cr_assert_eq(n, 0);
    cr_assert_eq(p.total, 1);
    cr_assert(strstr(p.v[0].text, "line 3: 联络人电话:"), "%s", p.v[0].text);
    ledger_problems_free(&p);
    Tz__DeptRecord *d = get("math");
    cr_assert_str_eq(d->liaison, "");  /* the good row was not written */
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

Test(dept_register, import_reports_every_problem)
{
    size_t n;
    struct ledger_problems p;
    cr_assert_eq(import("单位,联络人,mystery\nmath,a,b\n", &n, &p), TZ_EINVAL);
    cr_assert(strstr(p.v[0].text, "unknown column \"mystery\""), "%s",
              p.v[0].text);
    ledger_problems_free(&p);
    cr_assert_eq(import("联络人\n张三\n", &n, &p), TZ_EINVAL);
    cr_assert(strstr(p.v[0].text, "line 1: no header row with a 单位 (dept) "
                                  "column in the first 20 rows"), "%s",
              p.v[0].text);
    ledger_problems_free(&p);
    cr_assert_eq(import("单位,联络人\nmath,a\nphysics,b\nmath,c\n", &n, &p),
                 TZ_EINVAL);
    cr_assert_eq(p.total, 2);
    cr_assert(strstr(p.v[0].text, "line 3: 单位 (dept): no department "
                                  "\"physics\""), "%s", p.v[0].text);
    cr_assert(strstr(p.v[1].text, "line 4: 单位 (dept): \"math\" is also on "
                                  "line 2"), "%s", p.v[1].text);
    ledger_problems_free(&p);
}

Test(dept_register, import_sets_given_cells_and_keeps_the_rest)
{
    Tz__DeptRecord *d = get("math");
    set(d, "principal", "王校长");
    cr_assert_eq(register_dept_put(reg, d, NOW + 1, NULL, NULL, &err), 0);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    size_t n = 0;
    struct ledger_problems p;
    cr_assert_eq(import("\xef\xbb\xbf所属单位,第一责任人,联络人,会议日期\r\n"
                        "math,,张三,2026/3/1\r\n"
                        "计算机学院,赵院长,,\r\n"
                        ",,,\r\n", &n, &p), 0, "%s",
                 p.n ? p.v[0].text : err.msg);
    ledger_problems_free(&p);
    cr_assert_eq(n, 2);
    d = get("math");
    cr_assert_str_eq(d->principal, "王校长");
    cr_assert_str_eq(d->liaison, "张三");
    cr_assert_eq(d->last_meeting_day, civil_day(2026, 3, 1));
    protobuf_c_message_free_unpacked(&d->base, NULL);
    struct hist h = {0};
    cr_assert_eq(register_each_dept_change(reg, "计算机学院", hist_cb, &h,
                                           &err), 0);
    cr_assert_eq(h.n, 1);
    cr_assert_str_eq(h.via, "import");
    cr_assert_str_eq(h.actor, "carol");
    /* importing the same sheet again changes nothing */
    cr_assert_eq(import("单位,联络人\nmath,张三\n", &n, &p), 0);
    ledger_problems_free(&p);
    cr_assert_eq(n, 0);
}

/* What a department hands over: Excel's plain CSV (GBK) with a title row
 * above the header. */
Test(dept_register, import_reads_gbk_csv_below_a_title_row)
{
    char utf8[] = "各单位网络安全责任人名单\r\n单位,联络人,联络人电话\r\n"
                  "math,张三,13800000000\r\n";
    char gbk[256], *in = utf8, *op = gbk;
    size_t il = strlen(utf8), ol = sizeof(gbk);
    iconv_t cd = iconv_open("GBK", "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1);
    cr_assert_neq(iconv(cd, &in, &il, &op, &ol), (size_t)-1);
    iconv_close(cd);
    *op = '\0';
    size_t n = 0;
    struct ledger_problems p;
    cr_assert_eq(import(gbk, &n, &p), 0, "%s", p.n ? p.v[0].text : err.msg);
    ledger_problems_free(&p);
    cr_assert_eq(n, 1);
    Tz__DeptRecord *d = get("math");
    cr_assert_str_eq(d->liaison, "张三");
    cr_assert_str_eq(d->liaison_phone, "13800000000");
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

/* A workbook's problem is named by its cell, as Excel shows it. */
Test(dept_register, import_of_a_workbook_names_the_bad_cell)
{
    char path[] = "/tmp/tz-dept-xlsx-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "名单");
    worksheet_write_string(ws, 0, 0, "各单位联络人", NULL);
    worksheet_write_string(ws, 1, 0, "单位", NULL);
    worksheet_write_string(ws, 1, 1, "联络人", NULL);
    worksheet_write_string(ws, 1, 2, "联络人电话", NULL);
    worksheet_write_string(ws, 2, 0, "math", NULL);
    worksheet_write_string(ws, 2, 1, "张三", NULL);
    worksheet_write_number(ws, 2, 2, 13800000000.0, NULL);
    worksheet_write_string(ws, 3, 0, "计算机学院", NULL);
    worksheet_write_string(ws, 3, 1, "李四", NULL);
    worksheet_write_string(ws, 3, 2, "12ab", NULL);
    cr_assert_eq(workbook_close(wb), LXW_NO_ERROR);
    size_t n = 9;
    struct ledger_problems p;
    const struct register_actor by = {"carol", "import"};
    int rc = dept_import_file(reg, path, NULL, NOW + 100, &by, &n, &p, &err);
    unlink(path);
    cr_assert_eq(rc, TZ_EINVAL, "%s", err.msg);
    cr_assert_eq(n, 0);
    cr_assert_eq(p.total, 1);
    cr_assert(strstr(p.v[0].text, "名单!C4: 联络人电话:") == p.v[0].text, "%s",
              p.v[0].text);
    ledger_problems_free(&p);
    Tz__DeptRecord *d = get("math");
    cr_assert_str_eq(d->liaison, "");  /* nothing written */
    protobuf_c_message_free_unpacked(&d->base, NULL);
}
