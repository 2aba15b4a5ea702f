/* test_import_update — `tzctl system import --update FILE`: a corrected
 * sheet over the register. One changed field shows its diff and is
 * applied, recorded as an import by the operator; a sheet with one bad row
 * changes nothing; --dry-run shows and writes nothing; an id column
 * matches a system whatever its name; an unchanged export re-imported says
 * "nothing to change". */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ledger_fields.h"
#include "register.h"
#include "tz_test.h"

#define NOW 1700000000

static char *dir, *out;

static const char base_csv[] =
    "系统名称,所属单位,负责人,等保等级,状态\n"
    "教务系统,教务处,张三,2,live\n"
    "排课系统,教务处,李四,,\n";

static void setup(void)
{
    out = NULL;
    struct tz_register *reg = tz_test_register_new("impupd", &dir);
    cr_assert_eq(register_dept_add(reg, "教务处", NOW, NULL), 0);
    register_close(reg);
    tz_test_write(dir, "base.csv", base_csv);
    char *f = tz_test_path("%s/base.csv", dir);
    out = tz_test_tzctl(dir, 0, "system", "import", f, (char *)NULL);
    free(f);
}

static void teardown(void)
{
    free(out);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(import_update, .init = setup, .fini = teardown);

/* tzctl --by ops system import --update FILE [extra], FILE written from csv;
 * exit status want. */
static void update(const char *csv, const char *extra, int want)
{
    tz_test_write(dir, "upd.csv", csv);
    char *f = tz_test_path("%s/upd.csv", dir);
    free(out);
    out = tz_test_tzctl(dir, want, "--by", "ops", "system", "import", "--update", f,
                        extra, (char *)NULL);
    free(f);
}

static Tz__SystemRecord *sys(uint64_t id)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, REGISTER_RDONLY, &reg, &err), 0, "%s", err.msg);
    Tz__SystemRecord *s;
    cr_assert_eq(register_system_get(reg, id, &s, &err), 0, "%s", err.msg);
    register_close(reg);
    return s;
}

struct last_change {
    size_t n;
    char actor[64], via[32], field[32], old_value[64], new_value[64];
};

static int change_cb(const Tz__SystemChange *c, void *arg)
{
    struct last_change *l = arg;
    l->n++;
    snprintf(l->actor, sizeof(l->actor), "%s", c->actor);
    snprintf(l->via, sizeof(l->via), "%s", c->via);
    if (c->n_changes) {
        snprintf(l->field, sizeof(l->field), "%s", c->changes[0]->field);
        snprintf(l->old_value, sizeof(l->old_value), "%s", c->changes[0]->old_value);
        snprintf(l->new_value, sizeof(l->new_value), "%s", c->changes[0]->new_value);
    }
    return 0;
}

static struct last_change changes(uint64_t id)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, REGISTER_RDONLY, &reg, &err), 0, "%s", err.msg);
    struct last_change l = {0};
    cr_assert_eq(register_each_system_change(reg, id, change_cb, &l, &err), 0, "%s",
                 err.msg);
    register_close(reg);
    return l;
}

Test(import_update, one_changed_field_shows_its_diff_and_is_applied_as_an_import)
{
    update("系统名称,所属单位,负责人,等保等级,状态\n"
           "教务系统,教务处,王五,2,live\n"
           "排课系统,教务处,李四,,\n", NULL, 0);
    char *want = tz_test_path("%s/upd.csv: read as CSV, UTF-8\n"
                              "system 1 教务系统 (教务处): 1 change\n"
                              "  负责人 (owner): \"张三\" -> \"王五\"\n"
                              "updated 1 system, added 0; 1 unchanged\n", dir);
    cr_assert_str_eq(out, want);
    free(want);
    Tz__SystemRecord *s = sys(1);
    cr_assert_str_eq(s->owner, "王五");
    cr_assert_eq(s->mlps_grade, 2);
    ledger_record_free(s);
    struct last_change l = changes(1);
    cr_assert_eq(l.n, 2, "created, then the update");
    cr_assert_str_eq(l.actor, "ops");
    cr_assert_str_eq(l.via, "import");
    cr_assert_str_eq(l.field, "owner");
    cr_assert_str_eq(l.old_value, "张三");
    cr_assert_str_eq(l.new_value, "王五");
    cr_assert_eq(changes(2).n, 1, "the unchanged system has no new entry");
}

Test(import_update, one_bad_row_applies_nothing)
{
    update("系统名称,所属单位,负责人,等保等级\n"
           "教务系统,教务处,王五,2\n"
           "排课系统,教务处,李四,7\n"
           "新系统,教务处,赵六,\n", NULL, 1);
    cr_assert(strstr(out, "upd.csv: line 3: 等保等级: ") != NULL, "%s", out);
    cr_assert(strstr(out, "tzctl: nothing changed: 1 error in ") != NULL, "%s", out);
    Tz__SystemRecord *s = sys(1);
    cr_assert_str_eq(s->owner, "张三");
    ledger_record_free(s);
    cr_assert_eq(changes(1).n, 1);
    free(out);
    out = tz_test_tzctl(dir, 0, "--format", "csv", "systems", (char *)NULL);
    cr_assert(strstr(out, "新系统") == NULL, "%s", out);
}

Test(import_update, an_id_naming_no_system_applies_nothing)
{
    update("编号,系统名称,所属单位,负责人\n"
           "1,教务系统,教务处,王五\n"
           "9,排课系统,教务处,李四\n", NULL, 1);
    cr_assert(strstr(out, "upd.csv: line 3: 编号: no system 9 in the register\n") != NULL,
              "%s", out);
    Tz__SystemRecord *s = sys(1);
    cr_assert_str_eq(s->owner, "张三");
    ledger_record_free(s);
}

Test(import_update, an_id_column_renames_and_a_new_row_is_added)
{
    update("编号,系统名称,所属单位,负责人,等保等级\n"
           "2,排课管理系统,教务处,李四,3\n"
           ",图书系统,教务处,钱七,\n", NULL, 0);
    char *want = tz_test_path("%s/upd.csv: read as CSV, UTF-8\n"
                              "system 2 排课管理系统 (教务处): 2 changes\n"
                              "  系统名称 (name): \"排课系统\" -> \"排课管理系统\"\n"
                              "  等保等级 (mlps_grade): (empty) -> \"3\"\n"
                              "new system 3 图书系统 (教务处)\n"
                              "  系统名称 (name): \"图书系统\"\n"
                              "  所属单位 (dept): \"教务处\"\n"
                              "  负责人 (owner): \"钱七\"\n"
                              "  是否含个人信息 (personal_data): \"no\"\n"
                              "  状态 (status): \"live\"\n"
                              "  对外服务 (public_facing): \"no\"\n"
                              "updated 1 system, added 1; 0 unchanged\n", dir);
    cr_assert_str_eq(out, want);
    free(want);
    Tz__SystemRecord *s = sys(2);
    cr_assert_str_eq(s->name, "排课管理系统");
    cr_assert_str_eq(s->owner, "李四");
    ledger_record_free(s);
    s = sys(3);
    cr_assert_str_eq(s->name, "图书系统");
    ledger_record_free(s);
}

Test(import_update, dry_run_shows_the_diff_and_writes_nothing)
{
    update("系统名称,所属单位,等保等级\n"
           "排课系统,教务处,3\n", "--dry-run", 0);
    char *want = tz_test_path("%s/upd.csv: read as CSV, UTF-8\n"
                              "system 2 排课系统 (教务处): 1 change\n"
                              "  等保等级 (mlps_grade): (empty) -> \"3\"\n"
                              "would update 1 system, add 0; 0 unchanged "
                              "(--dry-run: nothing written)\n", dir);
    cr_assert_str_eq(out, want);
    free(want);
    Tz__SystemRecord *s = sys(2);
    cr_assert_eq(s->mlps_grade, 0);
    ledger_record_free(s);
}

Test(import_update, an_unchanged_export_reimported_changes_nothing)
{
    char *f = tz_test_path("%s/export.csv", dir);
    free(out);
    out = tz_test_tzctl(dir, 0, "export", "--format", "csv", "-o", f, (char *)NULL);
    free(out);
    out = tz_test_tzctl(dir, 0, "system", "import", "--update", f, (char *)NULL);
    char *want = tz_test_path("%s: read as CSV, UTF-8\n"
                              "nothing to change: the register already holds all 2 "
                              "systems of the sheet as they are\n", f);
    cr_assert_str_eq(out, want);
    free(want);
    free(f);
    cr_assert_eq(changes(1).n, 1);
    cr_assert_eq(changes(2).n, 1);
}

Test(import_update, two_rows_for_one_system_are_refused)
{
    update("编号,系统名称,所属单位,负责人\n"
           "1,教务系统,教务处,王五\n"
           ",教务系统,教务处,赵六\n", NULL, 1);
    cr_assert(strstr(out, "upd.csv: line 3: system 1 is also updated by line 2\n") != NULL,
              "%s", out);
}

Test(import_update, json_lists_each_change_and_says_whether_applied)
{
    tz_test_write(dir, "upd.csv", "系统名称,所属单位,负责人\n排课系统,教务处,周八\n");
    char *f = tz_test_path("%s/upd.csv", dir);
    free(out);
    out = tz_test_tzctl(dir, 0, "--format", "json", "system", "import", "--update", f,
                        "--dry-run", (char *)NULL);
    free(f);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "applied")));
    cr_assert_eq(cJSON_GetObjectItem(j, "updated")->valueint, 1);
    cr_assert_eq(cJSON_GetObjectItem(j, "added")->valueint, 0);
    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "systems"), 0);
    cr_assert_eq(cJSON_GetObjectItem(s, "id")->valueint, 2);
    cr_assert_str_eq(cJSON_GetObjectItem(s, "action")->valuestring, "update");
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "changes"), 0);
    cr_assert_str_eq(cJSON_GetObjectItem(c, "field")->valuestring, "owner");
    cr_assert_str_eq(cJSON_GetObjectItem(c, "old")->valuestring, "李四");
    cr_assert_str_eq(cJSON_GetObjectItem(c, "new")->valuestring, "周八");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "errors")), 0);
    cJSON_Delete(j);
    free(out);
    out = tz_test_tzctl(dir, 2, "system", "import", "x.csv", "--dry-run", (char *)NULL);
    cr_assert(strstr(out, "tzctl: system import: --dry-run goes with --update\n") == out,
              "%s", out);
}
