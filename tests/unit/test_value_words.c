/* test_value_words — every enumerated value's words, and that the Chinese
 * word of a ledger value reads back as that value where people type it. */
#include <criterion/criterion.h>

#include <string.h>

#include "ledger_fields.h"
#include "value_words.h"

Test(value_words, words_in_both_languages_and_others_pass_through)
{
    cr_assert_str_eq(value_word("live", 1), "运行中");
    cr_assert_str_eq(value_word("live", 0), "live");
    cr_assert_str_eq(value_word("PW_WEAK", 1), "弱口令");
    cr_assert_str_eq(value_word("PW_WEAK", 0), "weak");
    cr_assert_str_eq(value_word("high", 1), "高");
    cr_assert_str_eq(value_word("match", 1), "地址匹配");
    cr_assert_str_eq(value_word("教务处", 1), "教务处");
    cr_assert_str_eq(value_word("Live", 1), "Live");
    cr_assert_str_eq(value_word("", 1), "");
    cr_assert_str_eq(value_word(NULL, 0), "");
}

/* What a Chinese table shows can be typed back into `system set` or a
 * sheet and means the same value. */
Test(value_words, chinese_words_of_ledger_values_parse_back)
{
    static const char *const statuses[] = {"planned", "live", "retired"};
    for (size_t i = 0; i < 3; i++) {
        const char *st;
        cr_assert_eq(ledger_parse_status(value_word(statuses[i], 1), &st, NULL, 0), 0,
                     "%s", statuses[i]);
        cr_assert_str_eq(st, statuses[i]);
    }
    static const char *const reviews[] = {"none", "passed", "failed"};
    for (size_t i = 0; i < 3; i++) {
        const char *st;
        cr_assert_eq(ledger_parse_review(value_word(reviews[i], 1), &st, NULL, 0), 0,
                     "%s", reviews[i]);
        cr_assert_str_eq(st, reviews[i]);
    }
    int v = -1;
    cr_assert_eq(ledger_parse_bool(value_word("yes", 1), &v, NULL, 0), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(ledger_parse_bool(value_word("no", 1), &v, NULL, 0), 0);
    cr_assert_eq(v, 0);
}
