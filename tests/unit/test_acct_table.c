/* Tests for acct_table, the reader under parse_passwd, parse_shadow and
 * parse_group: a toy "name:number" file in a temp root shows the skipped
 * lines, a line the parser rejects, the line and entry bounds, and a
 * duplicate name dropped with its warning while the first entry stays. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acct_table.h"
#include "decimal.h"
#include "textfile.h"
#include "tz_test.h"

#define TOY_PATH "/etc/toy"

struct toy {
    char *name;
    unsigned long value;
    long line;
};

static int freed;

static int toy_parse(char *line, long lineno, void *rec, struct warnlist *w)
{
    struct toy *t = rec;
    char *f[2];
    if (textfile_split(line, ':', f, 2) != 2)
        return warnlist_add(w, TOY_PATH, lineno, "expected name:number");
    unsigned long v;
    if (tz_decimal(f[1], 1000, &v) != 0)
        return warnlist_add(w, TOY_PATH, lineno, "value of %s is not a number",
                            f[0]);
    t->name = strdup(f[0]);
    t->value = v;
    t->line = lineno;
    return t->name ? 1 : TZ_ENOMEM;
}

static void toy_free(void *rec)
{
    struct toy *t = rec;
    free(t->name);
    freed++;
}

static struct acct_table_spec spec = {
    .path = TOY_PATH,
    .noun = "toy",
    .max_bytes = 1 << 20,
    .max_line = 32,
    .max_entries = 100,
    .size = sizeof(struct toy),
    .name_off = offsetof(struct toy, name),
    .line_off = offsetof(struct toy, line),
    .parse = toy_parse,
    .free_rec = toy_free,
};

static char *root;
static struct tz_error err;
static struct warnlist w;
static struct acct_table t;

static void setup(void)
{
    root = tz_test_tmpdir("accttab");
    memset(&err, 0, sizeof(err));
    memset(&w, 0, sizeof(w));
    memset(&t, 0, sizeof(t));
    spec.max_entries = 100;
    freed = 0;
}

static void teardown(void)
{
    acct_table_free(&spec, &t);
    warnlist_free(&w);
    tz_test_rm_rf(root);
    free(root);
}

TestSuite(acct_table, .init = setup, .fini = teardown);

static int read_toy(const char *text)
{
    tz_test_write(root, "etc/toy", text);
    return acct_table_read(&spec, root, &t, &w, &err);
}

static const struct toy *rec(size_t i)
{
    cr_assert_lt(i, t.n);
    return (const struct toy *)t.v + i;
}

Test(acct_table, skips_comments_blank_and_nis_lines)
{
    cr_assert_eq(read_toy("# comment\n\n+nis:1\n-nis:2\na:1\n"), 0, "%s",
                 err.msg);
    cr_assert_eq(t.n, 1);
    cr_expect_str_eq(rec(0)->name, "a");
    cr_expect_eq(rec(0)->line, 5);
    cr_expect_eq(w.n, 0);
}

Test(acct_table, a_rejected_line_warns_and_the_rest_is_read)
{
    cr_assert_eq(read_toy("a:1\nb:x\nc:3\n"), 0, "%s", err.msg);
    cr_assert_eq(t.n, 2);
    cr_expect_str_eq(rec(0)->name, "a");
    cr_expect_str_eq(rec(1)->name, "c");
    cr_expect_eq(rec(1)->value, 3);
    cr_assert_eq(w.n, 1);
    cr_expect_str_eq(w.v[0], "/etc/toy:2: value of b is not a number");
}

Test(acct_table, an_overlong_line_warns_before_the_parser_sees_it)
{
    cr_assert_eq(read_toy("a:1\nthis-name-is-far-too-long-for-the-toy:2\n"),
                 0, "%s", err.msg);
    cr_assert_eq(t.n, 1);
    cr_assert_eq(w.n, 1);
    cr_expect_str_eq(w.v[0], "/etc/toy:2: line longer than 32 bytes");
}

Test(acct_table, a_duplicate_name_keeps_the_first_and_warns)
{
    cr_assert_eq(read_toy("a:1\nb:2\na:3\nc:4\nb:5\n"), 0, "%s", err.msg);
    cr_assert_eq(t.n, 3);
    cr_expect_str_eq(rec(0)->name, "a");
    cr_expect_eq(rec(0)->value, 1, "the first a stays");
    cr_expect_str_eq(rec(1)->name, "b");
    cr_expect_eq(rec(1)->value, 2);
    cr_expect_str_eq(rec(2)->name, "c");
    cr_expect_eq(freed, 2, "both dropped records are freed");
    cr_assert_eq(w.n, 2);
    cr_expect_str_eq(w.v[0], "/etc/toy:3: toy a already defined at line 1; "
                             "this entry is ignored");
    cr_expect_str_eq(w.v[1], "/etc/toy:5: toy b already defined at line 2; "
                             "this entry is ignored");
    /* the index follows the compacted array */
    long i = nameidx_find(&t.by_name, "c");
    cr_expect_eq(i, 2);
}

Test(acct_table, entries_past_the_bound_are_not_read)
{
    spec.max_entries = 2;
    cr_assert_eq(read_toy("a:1\n# skipped lines do not count\nb:2\nc:3\nd:4\n"),
                 0, "%s", err.msg);
    cr_assert_eq(t.n, 2);
    cr_expect_str_eq(rec(1)->name, "b");
    cr_assert_eq(w.n, 1);
    cr_expect_str_eq(w.v[0],
                     "/etc/toy:4: more than 2 entries; the rest is not read");
}

Test(acct_table, a_missing_file_is_an_error_and_leaves_the_table_empty)
{
    cr_assert_eq(acct_table_read(&spec, root, &t, &w, &err), TZ_ENOENT);
    cr_expect_null(t.v);
    cr_expect_eq(t.n, 0);
}
