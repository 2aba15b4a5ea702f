/* test_cell_guard — which cells a spreadsheet runs as formulas. */
#include <criterion/criterion.h>

#include <stdio.h>

#include "cell_guard.h"

Test(cell_guard, formula_starts_are_guarded_and_nothing_else)
{
    const char *guarded[] = {"=1+1", "+86 138", "-1", "@SUM(A1)", "\tx", "\rx",
                             "'=1", "''-x"};
    for (size_t i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++)
        cr_expect(cell_needs_guard(guarded[i]), "%s", guarded[i]);
    const char *plain[] = {"", "web01", "10.1.2.3-10.1.2.9", "'abc", "'", " =1", "张三"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        cr_expect(!cell_needs_guard(plain[i]), "%s", plain[i]);
}

Test(cell_guard, unguard_removes_only_the_apostrophe_a_guard_added)
{
    cr_expect_str_eq(cell_unguard("'=1+1"), "=1+1");
    cr_expect_str_eq(cell_unguard("'-x"), "-x");
    cr_expect_str_eq(cell_unguard("'abc"), "'abc");
    cr_expect_str_eq(cell_unguard("''=1"), "'=1");
    cr_expect_str_eq(cell_unguard("'"), "'");
    cr_expect_str_eq(cell_unguard("=1"), "=1");
}

/* Every value a writer guards comes back from the reader as it was,
 * including those that already start with apostrophes. */
Test(cell_guard, guard_then_unguard_gives_every_value_back)
{
    const char *values[] = {"=1", "'=1", "''=1", "'abc", "'", "''", "abc",
                            "-", "'-", "@", "'\t", ""};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char cell[16];
        snprintf(cell, sizeof(cell), "%s%s",
                 cell_needs_guard(values[i]) ? "'" : "", values[i]);
        cr_expect_str_eq(cell_unguard(cell), values[i], "cell %s", cell);
    }
}
