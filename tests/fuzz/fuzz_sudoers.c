/* fuzz_sudoers — hostile sudoers files through parse_sudoers and
 * sudoers_rule_applies.
 *
 * The input is split at "\n--\n" into <root>/etc/sudoers and two files of
 * <root>/etc/sudoers.d (the seeds include that directory with #includedir;
 * a fixed /etc/group gives %group items something to match). Root on a
 * managed host writes all of these; the agent must stay within its bounds
 * and never crash on them. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "parse_group.h"
#include "parse_sudoers.h"
#include "warnlist.h"

static char *root;
static const char *files[] = {"etc/sudoers", "etc/sudoers.d/ops", "etc/sudoers.d/zz"};
#define N_FILES (sizeof(files) / sizeof(files[0]))
static char paths[N_FILES][FZ_PATH_MAX];
static struct group_db groups;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("sudoers");
    fz_mkdirs(root, "etc/sudoers.d");
    fz_paths(root, files, N_FILES, paths);
    char p[4200];
    snprintf(p, sizeof(p), "%s/etc/group", root);
    const char *g = "root:x:0:\nsudo:x:27:alice,bob\nops:x:2000:carol\n";
    fz_write(p, (const uint8_t *)g, strlen(g));
    struct tz_error err = {0};
    if (parse_group(root, &groups, NULL, &err) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write_parts(data, size, paths, N_FILES);

    struct sudoers s;
    memset(&s, 0, sizeof(s));
    struct warnlist w = {0};
    struct tz_error err = {0};
    if (parse_sudoers(root, &s, &w, &err) == 0) {
        if (s.n_rules > SUDOERS_MAX_RULES || s.n_aliases > SUDOERS_MAX_ALIASES ||
            s.n_files > SUDOERS_MAX_FILES || w.n > TZ_MAX_WARNINGS)
            abort();
        static const struct { const char *name; uint32_t uid, gid; } users[] = {
            {"root", 0, 0}, {"alice", 1000, 1000}, {"carol", 1002, 2000}};
        for (size_t r = 0; r < s.n_rules; r++) {
            const struct sudo_rule *rule = &s.rules[r];
            if (rule->text == NULL || strlen(rule->text) > SUDOERS_MAX_TEXT + 3 ||
                rule->n_users > SUDOERS_MAX_ITEMS)
                abort();
            for (size_t u = 0; u < 3; u++) {
                struct sudo_user su = {users[u].name, users[u].uid, users[u].gid,
                                       &groups};
                unsigned long budget = 100000;
                int rc = sudoers_rule_applies(&s, rule, &su, &budget);
                if (rc != 0 && rc != 1 && rc != TZ_ELIMIT)
                    abort();
            }
        }
        sudoers_free(&s);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    warnlist_free(&w);
    return 0;
}
