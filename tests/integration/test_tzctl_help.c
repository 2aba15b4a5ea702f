/* test_tzctl_help — every command word in tzctl's help table (usage.c,
 * linked in so the walk cannot miss one) answers `--help` and `-h` with its
 * own usage and examples on stdout, exit 0; `tzctl --help` lists them all. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_test.h"
#include "tzctl.h"

#define TZCTL TZ_BIN "/tzctl"

/* tzctl args... with stderr dropped: stdout alone into *out. */
static int run_stdout(char **out, const char *a1, const char *a2)
{
    char *cmd = tz_test_path("%s %s %s 2>/dev/null", TZCTL, a1, a2 ? a2 : "");
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    *out = NULL;
    int rc = tz_test_run(argv, out);
    free(cmd);
    return rc;
}

Test(tzctl_help, every_command_has_its_own_help_with_examples)
{
    cr_assert_gt(tzctl_help_count(), 20);
    for (size_t i = 0; i < tzctl_help_count(); i++) {
        const char *name = tzctl_help_name(i);
        const char *opts[] = {"--help", "-h"};
        for (size_t k = 0; k < 2; k++) {
            char *out;
            cr_assert_eq(run_stdout(&out, name, opts[k]), 0, "%s %s: %s", name,
                         opts[k], out);
            char *head = tz_test_path("usage: tzctl [OPTIONS] %s ...\n\n  %s",
                                      name, name);
            char *example = tz_test_path("\nExamples:\n  tzctl %s", name);
            cr_assert(strncmp(out, head, strlen(head)) == 0, "%s: %s", name, out);
            cr_assert(strstr(out, example), "%s: %s", name, out);
            free(head);
            free(example);
            free(out);
        }
    }
    cr_assert_null(tzctl_help_name(tzctl_help_count()));
}

Test(tzctl_help, help_after_a_subcommand_is_its_commands_help)
{
    char *out;
    cr_assert_eq(run_stdout(&out, "system set", "--help"), 0, "%s", out);
    cr_assert(strstr(out, "usage: tzctl [OPTIONS] system ...\n"), "%s", out);
    cr_assert(strstr(out, "  system set ID|NAME FIELD=VALUE...\n"), "%s", out);
    free(out);
}

Test(tzctl_help, global_help_lists_every_command)
{
    char *out;
    cr_assert_eq(run_stdout(&out, "--help", NULL), 0, "%s", out);
    cr_assert(strncmp(out, "usage: tzctl", 12) == 0, "%s", out);
    for (size_t i = 0; i < tzctl_help_count(); i++) {
        char *line = tz_test_path("\n  %s ", tzctl_help_name(i));
        cr_assert(strstr(out, line), "%s missing from: %s", line, out);
        free(line);
    }
    cr_assert_null(strstr(out, "Examples:"), "the global usage stays short");
    free(out);
}

Test(tzctl_help, help_of_an_unknown_command_is_a_usage_error)
{
    char *argv[] = {TZCTL, "frobnicate", "--help", NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 2);
    cr_assert_str_eq(out, "tzctl: unknown command \"frobnicate\"\n"
                          "(tzctl --help lists every command and option)\n");
    free(out);
}
