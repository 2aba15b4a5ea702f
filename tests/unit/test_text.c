/* test_text — review finding 8 on the wire: the collector refuses an agent
 * string with a control or bidi character (validate.c, naming the field),
 * the agent repairs each such character to '?' so the report still goes
 * through, and text output shows what a register holds escaped. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "validate.h"

static const struct {
    const char *s, *cp;
} bad[] = {
    {"web\t01", "U+0009"},          {"web\n01", "U+000A"},
    {"web\r01", "U+000D"},          {"web\x7f" "01", "U+007F"},
    {"web\xc2\x85" "01", "U+0085"}, {"web\xe2\x80\xae" "10", "U+202E"},
    {"web\xe2\x81\xa6" "01", "U+2066"}, {"web\xe2\x80\x8f" "01", "U+200F"},
    {"web\xd8\x9c" "01", "U+061C"}, {"\x01", "U+0001"},
};

static int check_host(const char *hostname, char *detail, size_t len)
{
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = (char *)hostname;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    return validate_report(&r, detail, len);
}

Test(text, control_and_bidi_characters_are_refused_naming_the_field)
{
    char detail[160];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        detail[0] = '\0';
        cr_expect_eq(check_host(bad[i].s, detail, sizeof(detail)),
                     TZ__STATUS__INVALID, "case %zu", i);
        char want[96];
        snprintf(want, sizeof(want),
                 "host.hostname contains control or bidi character %s", bad[i].cp);
        cr_expect_str_eq(detail, want, "case %zu", i);
    }
    /* other sections and lists name their field too */
    Tz__Package p = TZ__PACKAGE__INIT, *pp = &p;
    p.name = "bash";
    p.version = "5.2\n";
    Tz__PackagesSection s = TZ__PACKAGES_SECTION__INIT;
    s.packages = &pp;
    s.n_packages = 1;
    cr_expect_eq(validate_section(TZ__SECTION_KIND__SECTION_PACKAGES, &s.base,
                                  detail, sizeof(detail)), TZ__STATUS__INVALID);
    cr_expect_str_eq(detail, "package.version contains control or bidi "
                             "character U+000A");
    char *rules[] = {"ops\tALL=(ALL) NOPASSWD: ALL"};
    Tz__Account a = TZ__ACCOUNT__INIT, *ap = &a;
    a.name = "ops";
    a.nopasswd_rules = rules;
    a.n_nopasswd_rules = 1;
    Tz__AccountsSection ac = TZ__ACCOUNTS_SECTION__INIT;
    ac.accounts = &ap;
    ac.n_accounts = 1;
    cr_expect_eq(validate_section(TZ__SECTION_KIND__SECTION_ACCOUNTS, &ac.base,
                                  detail, sizeof(detail)), TZ__STATUS__INVALID);
    cr_expect_str_eq(detail, "account.nopasswd_rules contains control or bidi "
                             "character U+0009");
    cr_expect_eq(check_host("lab\xff", detail, sizeof(detail)), TZ__STATUS__INVALID);
    cr_expect_str_eq(detail, "host.hostname not UTF-8");
}

Test(text, printable_text_in_any_script_is_accepted)
{
    char detail[160] = "";
    const char *ok[] = {"", "web01.math.example.edu.cn", "网络信息中心 ok",
                        "Debian GNU/Linux 12 (bookworm) ~+-=@\\'\"",
                        "\xc2\xa0nbsp \xe2\x80\x8b zwsp \xe2\x80\x90 \xd8\xa8",
                        "\xf0\x9f\x98\x80 emoji"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_expect_eq(check_host(ok[i], detail, sizeof(detail)), TZ__STATUS__OK,
                     "%s: %s", ok[i], detail);
}

/* The 8-bytes-at-a-time path must agree with the byte-at-a-time one: every
 * ASCII byte at every offset of a 19-byte string. */
Test(text, the_ascii_fast_path_finds_every_control_at_every_offset)
{
    char s[20];
    for (int c = 1; c < 0x80; c++) {
        for (size_t at = 0; at < 19; at++) {
            memset(s, 'a', 19);
            s[19] = '\0';
            s[at] = (char)c;
            uint32_t cp = 0;
            int want = tz_text_unsafe_cp((uint32_t)c) ? TZ_TEXT_CONTROL : TZ_TEXT_OK;
            cr_assert_eq(tz_text_check(s, 19, &cp), want, "byte %#x at %zu", c, at);
            if (want == TZ_TEXT_CONTROL)
                cr_assert_eq(cp, (uint32_t)c);
        }
    }
    cr_assert_eq(tz_text_check("abcdefgh\xe4\xb8\xad" "abcdefgh", 19, NULL), TZ_TEXT_OK);
    cr_assert_eq(tz_text_check("abcdefgh\xe4\xb8" "abcdefgh", 18, NULL),
                 TZ_TEXT_NOT_UTF8);
}

Test(text, the_agent_repairs_each_character_to_a_question_mark)
{
    char detail[160];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *s = strdup(bad[i].s);
        Tz__HostSection h = TZ__HOST_SECTION__INIT;
        h.hostname = s;
        cr_expect_eq(tz_pb_repair_text(&h.base), 1, "case %zu", i);
        cr_expect_eq(check_host(s, detail, sizeof(detail)), TZ__STATUS__OK,
                     "case %zu: %s", i, detail);
        free(s);
    }
    char s[] = "a\tb\nc\x7f" "d\xe2\x80\xae" "e\xff" "f中\xc2\x9b";
    cr_assert_eq(tz_text_repair(s), 6);
    cr_assert_str_eq(s, "a?b?c?d?e?f中?");
}

Test(text, escape_shows_each_character_visibly_on_one_line)
{
    char *e = tz_text_escape("a\nb\r\tc\x1b[31m\x7f\xc2\x85"
                             "d\xe2\x80\xae" "e中\xff", NULL);
    cr_assert_not_null(e);
    cr_assert_str_eq(e, "a\\nb\\r\\tc\\x1b[31m\\x7f\\u0085d\\u202ee中?");
    free(e);
    e = tz_text_escape("l1\nl2\t\xe2\x81\xa9", "\n");
    cr_assert_str_eq(e, "l1\nl2\\t\\u2069");
    free(e);
}
