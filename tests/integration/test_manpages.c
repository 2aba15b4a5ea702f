/* test_manpages — docs/man/ documents the programs as they are.
 *
 * The long options each program's --help lists and those the OPTIONS section
 * of its man page documents (a `.TP` whose tag is `.B \-\-option`) are the
 * same set: an option missing on either side fails and is named. tzctl's
 * --help also shows ledger fields as examples of `system add --FIELD`; those
 * count as documented by the page's LEDGER FIELDS, which must be exactly the
 * fields of collector/ledger_fields. taizhang.conf(5) documents every option
 * of deploy/tz-agent.ini.example and deploy/tz-collector.ini.example, and
 * tz-portal(8) under CONFIGURATION FILE every option of
 * deploy/tz-portal.ini.example, nothing the code does not accept, and put
 * under "Also flags" exactly the options that are flags. groff renders every page without a warning, and --version
 * prints "<name> <version>". */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_config.h"
#include "collector_config.h"
#include "ledger_fields.h"
#include "portal.h"
#include "tz_test.h"

#define MAN_DIR TZ_SOURCE_DIR "/docs/man"

/* ---- a set of strings, in the order first seen ---- */

struct set {
    char **v;
    size_t n;
};

static int set_has(const struct set *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return 1;
    return 0;
}

static void set_add(struct set *s, const char *x)
{
    if (set_has(s, x))
        return;
    s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
    cr_assert_not_null(s->v);
    s->v[s->n] = strdup(x);
    cr_assert_not_null(s->v[s->n]);
    s->n++;
}

static void set_free(struct set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* "--name" for every long option in text: two dashes not inside a word,
 * then a lowercase letter or digit ("--FIELD" is a placeholder, not an
 * option). */
static void long_options(const char *text, struct set *out)
{
    for (const char *p = text; (p = strstr(p, "--")) != NULL; p += 2) {
        if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-' || p[-1] == '_'))
            continue;
        const char *q = p + 2;
        if (!islower((unsigned char)*q) && !isdigit((unsigned char)*q))
            continue;
        while (islower((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '-')
            q++;
        while (q[-1] == '-')
            q--;
        char buf[64];
        snprintf(buf, sizeof(buf), "%.*s", (int)(q - p), p);
        set_add(out, buf);
    }
}

/* The first word of text, into buf. */
static const char *first_word(const char *text, char *buf, size_t len)
{
    size_t n = strcspn(text, " \t");
    snprintf(buf, len, "%.*s", (int)n, text);
    return buf;
}

/* ---- the man pages, as roff source ---- */

/* The text of a roff line as it reads: the macro name, quotes and font
 * changes dropped, \- as '-', \e as '\'; other escapes as their character. */
static char *roff_plain(const char *line)
{
    const char *p = line;
    if (*p == '.' || *p == '\'') {
        p += strcspn(p, " ");
        while (*p == ' ')
            p++;
    }
    char *out = malloc(strlen(p) + 1);
    cr_assert_not_null(out);
    size_t n = 0;
    while (*p) {
        if (*p == '"') {
            p++;
        } else if (*p != '\\') {
            out[n++] = *p++;
        } else if (p[1] == '-') {
            out[n++] = '-';
            p += 2;
        } else if (p[1] == 'e') {
            out[n++] = '\\';
            p += 2;
        } else if (p[1] == 'f' && p[2] == '[') {
            const char *e = strchr(p, ']');
            p = e ? e + 1 : p + strlen(p);
        } else if (p[1] == 'f' && p[2]) {
            p += 3;
        } else if (p[1] == '(' && p[2] && p[3]) {
            out[n++] = '?';
            p += 4;
        } else if (p[1] == '&' || p[1] == '%' || p[1] == 'c') {
            p += 2;
        } else if (p[1]) {
            out[n++] = p[1];
            p += 2;
        } else {
            p++;
        }
    }
    out[n] = '\0';
    return out;
}

static int is_macro(const char *line, const char *name)
{
    size_t n = strlen(name);
    return line[0] == '.' && strncmp(line + 1, name, n) == 0 &&
           (line[1 + n] == ' ' || line[1 + n] == '\0');
}

/* The tag of each .TP (the line after it) with the .SH and .SS above. */
struct tag {
    char *section, *subsection, *text;
};

struct page {
    char *name;
    struct tag *tags;
    size_t n;
};

static struct page page_load(const char *name)
{
    char *path = tz_test_path("%s/%s", MAN_DIR, name);
    char *src = tz_test_slurp(path);
    cr_assert_not_null(src, "missing: %s", path);
    struct page pg = {.name = strdup(name)};
    char *sec = strdup(""), *sub = strdup("");
    int want_tag = 0;
    for (char *line = src, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, ".\\\"", 3) == 0 || strncmp(line, "'\\\"", 3) == 0)
            continue;
        if (is_macro(line, "SH")) {
            free(sec);
            free(sub);
            sec = roff_plain(line);
            sub = strdup("");
            want_tag = 0;
        } else if (is_macro(line, "SS")) {
            free(sub);
            sub = roff_plain(line);
            want_tag = 0;
        } else if (is_macro(line, "TP")) {
            want_tag = 1;
        } else if (want_tag) {
            pg.tags = realloc(pg.tags, (pg.n + 1) * sizeof(*pg.tags));
            cr_assert_not_null(pg.tags);
            pg.tags[pg.n++] = (struct tag){strdup(sec), strdup(sub), roff_plain(line)};
            want_tag = 0;
        }
    }
    free(sec);
    free(sub);
    free(src);
    free(path);
    return pg;
}

static void page_free(struct page *pg)
{
    for (size_t i = 0; i < pg->n; i++) {
        free(pg->tags[i].section);
        free(pg->tags[i].subsection);
        free(pg->tags[i].text);
    }
    free(pg->tags);
    free(pg->name);
}

/* The options the OPTIONS section documents: tags that start with "--". */
static void page_options(const struct page *pg, struct set *out)
{
    char w[128];
    for (size_t i = 0; i < pg->n; i++)
        if (strcmp(pg->tags[i].section, "OPTIONS") == 0 &&
            strncmp(pg->tags[i].text, "--", 2) == 0)
            set_add(out, first_word(pg->tags[i].text, w, sizeof(w)));
}

/* The first words of the tags of a section (and subsection, unless NULL). */
static void page_words(const struct page *pg, const char *section,
                       const char *subsection, struct set *out)
{
    char w[128];
    for (size_t i = 0; i < pg->n; i++)
        if (strcmp(pg->tags[i].section, section) == 0 &&
            (subsection == NULL || strcmp(pg->tags[i].subsection, subsection) == 0))
            set_add(out, first_word(pg->tags[i].text, w, sizeof(w)));
}

/* ---- the programs ---- */

static char *run(const char *prog, const char *arg, int *rc)
{
    char *bin = tz_test_path("%s/%s", TZ_BIN, prog);
    char *argv[] = {bin, (char *)arg, NULL};
    char *out = NULL;
    *rc = tz_test_run(argv, &out);
    free(bin);
    return out;
}

static char *help_of(const char *prog)
{
    int rc;
    char *out = run(prog, "--help", &rc);
    cr_assert_eq(rc, 0, "%s --help exited %d:\n%s", prog, rc, out);
    return out;
}

/* Does --help list the command word (a line that starts with it)? */
static int help_has_command(const char *help, const char *word)
{
    size_t n = strlen(word);
    for (const char *l = help; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        while (*l == ' ')
            l++;
        if (strncmp(l, word, n) == 0 && (l[n] == ' ' || l[n] == '\n' || l[n] == '\0'))
            return 1;
    }
    return 0;
}

/* The --help options and the page's OPTIONS are the same set. */
static void expect_same_options(const char *prog, const char *page)
{
    char *help = help_of(prog);
    struct set h = {0}, m = {0};
    long_options(help, &h);
    struct page pg = page_load(page);
    page_options(&pg, &m);
    cr_assert_gt(m.n, 0, "%s: no options found in OPTIONS", page);
    for (size_t i = 0; i < h.n; i++)
        cr_expect(set_has(&m, h.v[i]), "%s --help lists %s; %s does not document "
                  "it in OPTIONS", prog, h.v[i], page);
    for (size_t i = 0; i < m.n; i++)
        cr_expect(set_has(&h, m.v[i]), "%s documents %s in OPTIONS; %s --help "
                  "does not list it", page, m.v[i], prog);
    page_free(&pg);
    set_free(&h);
    set_free(&m);
    free(help);
}

TestSuite(manpages, .timeout = 60);

Test(manpages, tz_agent_options_are_those_of_its_help)
{
    expect_same_options("tz-agent", "tz-agent.8");
}

Test(manpages, tz_collector_options_are_those_of_its_help)
{
    expect_same_options("tz-collector", "tz-collector.8");
}

Test(manpages, tz_portal_options_are_those_of_its_help)
{
    expect_same_options("tz-portal", "tz-portal.8");
}

/* "--mlps-grade" for the key "mlps_grade". */
static void dashed_option(const char *key, char *buf, size_t len)
{
    snprintf(buf, len, "--%.60s", key);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = '-';
}

Test(manpages, tzctl_ledger_fields_are_the_code_s)
{
    struct page pg = page_load("tzctl.8");
    struct set page = {0}, code = {0};
    page_words(&pg, "LEDGER FIELDS", NULL, &page);
    for (size_t i = 0; i < LF_COUNT; i++)
        set_add(&code, ledger_fields[i].key);
    for (size_t i = 0; i < code.n; i++)
        cr_expect(set_has(&page, code.v[i]), "tzctl.8: LEDGER FIELDS lacks the "
                  "field %s", code.v[i]);
    for (size_t i = 0; i < page.n; i++)
        cr_expect(set_has(&code, page.v[i]), "tzctl.8: LEDGER FIELDS documents %s, "
                  "which is no ledger field", page.v[i]);
    page_free(&pg);
    set_free(&page);
    set_free(&code);
}

/* tzctl's --help also lists commands with their options and, as examples
 * of system add's --FIELD, some ledger fields. An option the page documents
 * that --help lacks is allowed only for a command --help does not list yet
 * (documented ahead of the code landing in parallel): the COMMANDS entry
 * naming it says which. */
Test(manpages, tzctl_options_are_those_of_its_help)
{
    char *help = help_of("tzctl");
    struct page pg = page_load("tzctl.8");
    struct set h = {0}, m = {0}, fields = {0};
    long_options(help, &h);
    page_options(&pg, &m);
    cr_assert_gt(m.n, 0, "tzctl.8: no options found in OPTIONS");
    char opt[128], w[128];
    for (size_t i = 0; i < LF_COUNT; i++) {
        if (ledger_fields[i].id == LF_NAME)
            continue;   /* the positional NAME, not an option */
        dashed_option(ledger_fields[i].key, opt, sizeof(opt));
        set_add(&fields, opt);
    }

    for (size_t i = 0; i < h.n; i++)
        cr_expect(set_has(&m, h.v[i]) || set_has(&fields, h.v[i]),
                  "tzctl --help lists %s; tzctl.8 documents it neither in OPTIONS "
                  "nor as a LEDGER FIELD", h.v[i]);

    for (size_t i = 0; i < m.n; i++) {
        if (set_has(&h, m.v[i]))
            continue;
        /* The commands whose entry names it, and whether --help has them. */
        int named = 0, listed = 0;
        for (size_t t = 0; t < pg.n; t++) {
            struct set in_tag = {0};
            if (strcmp(pg.tags[t].section, "COMMANDS") != 0)
                continue;
            long_options(pg.tags[t].text, &in_tag);
            if (set_has(&in_tag, m.v[i])) {
                named = 1;
                listed |= help_has_command(help, first_word(pg.tags[t].text, w,
                                                            sizeof(w)));
            }
            set_free(&in_tag);
        }
        if (named && !listed)
            cr_log_info("tzctl.8 documents %s of a command tzctl --help does not "
                        "list yet", m.v[i]);
        else
            cr_expect_fail("tzctl.8 documents %s in OPTIONS; tzctl --help does "
                           "not list it", m.v[i]);
    }

    /* The page agrees with itself: what a command's entry names is in
     * OPTIONS. */
    for (size_t t = 0; t < pg.n; t++) {
        struct set in_tag = {0};
        if (strcmp(pg.tags[t].section, "COMMANDS") == 0)
            long_options(pg.tags[t].text, &in_tag);
        for (size_t i = 0; i < in_tag.n; i++)
            cr_expect(set_has(&m, in_tag.v[i]), "tzctl.8: the command \"%s\" names "
                      "%s, which OPTIONS does not document", pg.tags[t].text,
                      in_tag.v[i]);
        set_free(&in_tag);
    }
    page_free(&pg);
    set_free(&h);
    set_free(&m);
    set_free(&fields);
    free(help);
}

/* ---- taizhang.conf(5) ---- */

/* The options of an example INI in its [section]: lines "key = ..." and
 * "; key = ...". */
static void example_keys(const char *file, const char *section, struct set *out)
{
    char *path = tz_test_path("%s/deploy/%s", TZ_SOURCE_DIR, file);
    char *src = tz_test_slurp(path);
    cr_assert_not_null(src, "missing: %s", path);
    size_t sl = strlen(section);
    int in = 0;
    for (char *l = src; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *p = l;
        if (*p == '[') {
            in = strncmp(p + 1, section, sl) == 0 && p[1 + sl] == ']';
            continue;
        }
        if (*p == ';')
            p++;
        while (*p == ' ')
            p++;
        const char *k = p;
        while (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
            p++;
        size_t n = (size_t)(p - k);
        while (*p == ' ')
            p++;
        if (in && n > 0 && *p == '=') {
            char key[64];
            snprintf(key, sizeof(key), "%.*s", (int)n, k);
            set_add(out, key);
        }
    }
    cr_assert_gt(out->n, 0, "%s: no options found in [%s]", path, section);
    free(src);
    free(path);
}

static void expect_conf_documents(const char *name, const char *example,
                                  const char *ini_section, const char *section)
{
    struct page pg = page_load(name);
    struct set ex = {0}, doc = {0};
    example_keys(example, ini_section, &ex);
    page_words(&pg, section, NULL, &doc);
    for (size_t i = 0; i < ex.n; i++)
        cr_expect(set_has(&doc, ex.v[i]), "deploy/%s has %s; %s does not "
                  "document it under %s", example, ex.v[i], name, section);
    for (size_t i = 0; i < doc.n; i++)
        cr_expect(set_has(&ex, doc.v[i]), "%s documents %s under %s; deploy/%s "
                  "does not have it", name, doc.v[i], section, example);
    page_free(&pg);
    set_free(&ex);
    set_free(&doc);
}

Test(manpages, conf_documents_every_option_of_the_examples)
{
    expect_conf_documents("taizhang.conf.5", "tz-agent.ini.example", "agent",
                          "AGENT OPTIONS");
    expect_conf_documents("taizhang.conf.5", "tz-collector.ini.example", "collector",
                          "COLLECTOR OPTIONS");
    expect_conf_documents("taizhang.conf.5", "tz-collector.ini.example", "digest",
                          "DIGEST OPTIONS");
    expect_conf_documents("tz-portal.8", "tz-portal.ini.example", "portal",
                          "CONFIGURATION FILE");
}

/* Each option the page documents is one the code knows (a bad value is
 * fine; "unknown option" is not). */
Test(manpages, conf_options_are_those_the_code_accepts)
{
    struct page pg = page_load("taizhang.conf.5");
    struct set agent = {0}, coll = {0};
    page_words(&pg, "AGENT OPTIONS", NULL, &agent);
    page_words(&pg, "COLLECTOR OPTIONS", NULL, &coll);
    cr_assert_gt(agent.n, 0);
    cr_assert_gt(coll.n, 0);
    for (size_t i = 0; i < agent.n; i++) {
        struct agent_config c;
        char why[256] = "";
        agent_config_defaults(&c);
        agent_config_set(&c, agent.v[i], "1", why, sizeof(why));
        cr_expect(strstr(why, "unknown option") == NULL,
                  "taizhang.conf.5 documents %s; tz-agent says: %s", agent.v[i], why);
    }
    char *dir = tz_test_tmpdir("manpages");
    for (size_t i = 0; i < coll.n; i++) {
        char *text = tz_test_path("[collector]\n%s = 1\n", coll.v[i]);
        tz_test_write(dir, "c.ini", text);
        char *path = tz_test_path("%s/c.ini", dir);
        struct collector_config c;
        struct tz_error err = {0};
        collector_config_defaults(&c);
        collector_config_load(&c, path, &err);
        cr_expect(strstr(err.msg, "unknown option") == NULL,
                  "taizhang.conf.5 documents %s; tz-collector says: %s", coll.v[i],
                  err.msg);
        free(path);
        free(text);
    }
    struct set dig = {0};
    page_words(&pg, "DIGEST OPTIONS", NULL, &dig);
    cr_assert_gt(dig.n, 0);
    for (size_t i = 0; i < dig.n; i++) {
        char *text = tz_test_path("[digest]\n%s = 1\n", dig.v[i]);
        tz_test_write(dir, "c.ini", text);
        char *path = tz_test_path("%s/c.ini", dir);
        struct collector_config c;
        struct tz_error err = {0};
        collector_config_defaults(&c);
        collector_config_load(&c, path, &err);
        cr_expect(strstr(err.msg, "unknown option") == NULL,
                  "taizhang.conf.5 documents %s; tz-collector says: %s", dig.v[i],
                  err.msg);
        free(path);
        free(text);
    }
    set_free(&dig);
    tz_test_rm_rf(dir);
    free(dir);
    page_free(&pg);
    set_free(&agent);
    set_free(&coll);
}

Test(manpages, portal_conf_options_are_those_the_code_accepts)
{
    struct page pg = page_load("tz-portal.8");
    struct set keys = {0};
    page_words(&pg, "CONFIGURATION FILE", NULL, &keys);
    cr_assert_gt(keys.n, 0, "tz-portal.8: no options under CONFIGURATION FILE");
    char *dir = tz_test_tmpdir("manpages");
    for (size_t i = 0; i < keys.n; i++) {
        char *text = tz_test_path("[portal]\n%s = 1\n", keys.v[i]);
        tz_test_write(dir, "p.ini", text);
        char *path = tz_test_path("%s/p.ini", dir);
        struct portal_config c;
        struct tz_error err = {0};
        portal_config_defaults(&c);
        portal_config_load(&c, path, &err);
        cr_expect(strstr(err.msg, "unknown option") == NULL,
                  "tz-portal.8 documents %s; tz-portal says: %s", keys.v[i], err.msg);
        free(path);
        free(text);
    }
    tz_test_rm_rf(dir);
    free(dir);
    page_free(&pg);
    set_free(&keys);
}

/* Options under "Also flags" are flags of the program; the others not. */
static void expect_flags_marked(const char *name, const char *prog,
                                const char *section)
{
    char *help = help_of(prog);
    struct page pg = page_load(name);
    struct set h = {0};
    long_options(help, &h);
    char opt[128], w[128];
    int flags = 0;
    for (size_t i = 0; i < pg.n; i++) {
        if (strcmp(pg.tags[i].section, section) != 0)
            continue;
        first_word(pg.tags[i].text, w, sizeof(w));
        dashed_option(w, opt, sizeof(opt));
        if (strcmp(pg.tags[i].subsection, "Also flags") == 0) {
            flags++;
            cr_expect(set_has(&h, opt), "%s puts %s under \"Also flags\"; %s "
                      "--help has no %s", name, w, prog, opt);
        } else {
            cr_expect(!set_has(&h, opt), "%s puts %s under \"%s\", but %s is a "
                      "flag of %s: move it to \"Also flags\"", name, w,
                      pg.tags[i].subsection, opt, prog);
        }
    }
    cr_expect_gt(flags, 0, "%s: no \"Also flags\" under %s", name, section);
    page_free(&pg);
    set_free(&h);
    free(help);
}

Test(manpages, conf_marks_the_options_that_are_flags)
{
    expect_flags_marked("taizhang.conf.5", "tz-agent", "AGENT OPTIONS");
    expect_flags_marked("taizhang.conf.5", "tz-collector", "COLLECTOR OPTIONS");
    expect_flags_marked("tz-portal.8", "tz-portal", "CONFIGURATION FILE");
}

/* ---- rendering and --version ---- */

static const char *const pages[] = {"tz-agent.8", "tz-collector.8", "tzctl.8",
                                    "tz-portal.8", "taizhang.conf.5"};

/* As man(1) renders them: -k runs preconv, so the UTF-8 Chinese is read
 * as such (groff alone reads Latin-1 and warns on every byte of it). */
Test(manpages, groff_renders_every_page_without_a_warning)
{
    char *probe[] = {"groff", "--version", NULL};
    char *out = NULL;
    if (tz_test_run(probe, &out) == 127) {
        free(out);
        cr_skip_test("no groff on this machine (Debian: groff-base)");
    }
    free(out);
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        char *path = tz_test_path("%s/%s", MAN_DIR, pages[i]);
        char *argv[] = {"groff", "-k", "-man", "-Tutf8", "-ww", "-z", path, NULL};
        out = NULL;
        int rc = tz_test_run(argv, &out);
        cr_expect_eq(rc, 0, "groff on %s exited %d:\n%s", pages[i], rc, out);
        cr_expect_str_empty(out, "groff warns on %s:\n%s", pages[i], out);
        free(out);
        free(path);
    }
}

Test(manpages, version_prints_name_and_version)
{
    const char *progs[] = {"tz-agent", "tz-collector", "tzctl", "tz-portal"};
    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
        int rc;
        char *out = run(progs[i], "--version", &rc);
        char *want = tz_test_path("%s %s\n", progs[i], TZ_VERSION);
        cr_expect_eq(rc, 0, "%s --version exited %d", progs[i], rc);
        cr_expect_str_eq(out, want, "%s --version printed \"%s\"", progs[i], out);
        free(want);
        free(out);
    }
}
