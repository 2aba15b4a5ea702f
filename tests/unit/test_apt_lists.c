/* Tests for apt_lists: the fast reader gives exactly what reading the list
 * line by line gives (tests/fuzz/apt_lists_ref.h, the code it replaced):
 * the same stanzas, fields, line numbers and warnings, on tricky layouts
 * and on random lists big enough to span many runs, plain, .gz and .lz4;
 * plus exact values for the layouts a real list has. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <zlib.h>

#include "../fuzz/apt_lists_ref.h"
#include "apt_lists.h"
#include "tz_test.h"

static char *dir;

static void setup(void)
{
    dir = tz_test_tmpdir("aptlists");
}

static void teardown(void)
{
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(apt_lists, .init = setup, .fini = teardown);

/* Write data (n bytes, NULs allowed) as dir/name, compressed by the suffix
 * as apt would. Returns the path (malloc'd). */
static char *put(const char *name, const char *data, size_t n)
{
    char *p = tz_test_path("%s/%s", dir, name);
    size_t pl = strlen(p);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "%s", p);
    if (pl > 4 && strcmp(p + pl - 4, ".lz4") == 0) {
        LZ4F_preferences_t pref;
        memset(&pref, 0, sizeof(pref));
        pref.frameInfo.blockMode = LZ4F_blockLinked;   /* as apt's lz4 */
        size_t cap = LZ4F_compressFrameBound(n, &pref);
        char *buf = malloc(cap);
        size_t z = LZ4F_compressFrame(buf, cap, data, n, &pref);
        cr_assert_not(LZ4F_isError(z));
        cr_assert_eq(fwrite(buf, 1, z, f), z);
        free(buf);
        fclose(f);
    } else if (pl > 3 && strcmp(p + pl - 3, ".gz") == 0) {
        fclose(f);
        gzFile gz = gzopen(p, "wb");
        cr_assert_not_null(gz);
        if (n)
            cr_assert_eq(gzwrite(gz, data, (unsigned)n), (int)n);
        gzclose(gz);
    } else {
        cr_assert_eq(n ? fwrite(data, 1, n, f) : 0, n);
        fclose(f);
    }
    return p;
}

/* Read path with the fast reader (fast) or the line-by-line oracle. */
static char *trace(const char *path, int fast, unsigned long stop_after)
{
    struct warnlist w = {0};
    struct apt_trace t;
    apt_trace_open(&t, &w, stop_after);
    int rc = fast ? apt_list_read(NULL, path, "L", &w, apt_trace_fn, &t)
                  : apt_ref_read(path, "L", &w, apt_trace_fn, &t);
    char *s = apt_trace_close(&t, rc);
    warnlist_free(&w);
    return s;
}

/* Both readers agree on data written plain, as .gz and as .lz4; returns
 * the plain trace for exact checks (malloc'd). */
static char *agree(const char *data, size_t n, unsigned long stop_after)
{
    static const char *const names[] = {"x_Packages", "x_Packages.gz",
                                        "x_Packages.lz4"};
    char *plain = NULL;
    for (size_t i = 0; i < 3; i++) {
        char *p = put(names[i], data, n);
        char *want = trace(p, 0, stop_after), *got = trace(p, 1, stop_after);
        cr_assert_str_eq(got, want, "%s differs from line by line", names[i]);
        free(want);
        if (i == 0)
            plain = got;
        else
            free(got);
        free(p);
    }
    return plain;
}

#define AGREE(lit) agree(lit, sizeof(lit) - 1, 0)

Test(apt_lists, real_layout_gives_exact_fields_and_lines)
{
    char *t = AGREE(
        "Package: bash\n"                    /* 1 */
        "Source: bash (5.2.15-2)\n"
        "Version: 5.2.15-2+b2\n"
        "Installed-Size: 7164\n"
        "Maintainer: Matthias Klose <doko@debian.org>\n"   /* 5 */
        "Architecture: amd64\n"
        "Depends: base-files (>= 2.1.12), debianutils (>= 5.6-0.1)\n"
        "Description: GNU Bourne Again SHell\n"
        "Homepage: http://tiswww.case.edu/php/chet/bash/bashtop.html\n"
        "Description-md5: 3522aa7b4374048d6450e348a5bb45d9\n"   /* 10 */
        "Section: shells\n"
        "\n"
        "Package: vim\n"                     /* 13 */
        "Version: 2:9.0.1378-2\n"
        "Architecture: amd64\n");            /* no final newline */
    cr_assert_str_eq(t,
        "stanza@1 pkg@1=[bash] ver@3=[5.2.15-2+b2] arch@6=[amd64]\n"
        "stanza@13 pkg@13=[vim] ver@14=[2:9.0.1378-2] arch@15=[amd64]\n"
        "rc 0, 0 warnings\n");
    free(t);
}

Test(apt_lists, crlf_tabs_case_and_whitespace_separators)
{
    char *t = AGREE(
        "Package: a\r\nVersion:  1.0 \t\r\nArchitecture: all\r\n\r\n"   /* 1-4 */
        "PACKAGE:b\nversion:2\nDescription: x\n continued\n\tand tabbed\n"  /* 5-9 */
        " \t \n"                                                       /* 10 */
        "Package :c\nVersion: 3\n\n"             /* 11: "Package " is another name */
        "Architecture: amd64\nPackage: d\n\n\n\n"   /* 14: no Version */
        "Section: Package:\nPackage: e\n");      /* 19: a value with ':' */
    cr_assert_str_eq(t,
        "stanza@1 pkg@1=[a] ver@2=[1.0] arch@3=[all]\n"
        "stanza@5 pkg@5=[b] ver@6=[2] arch@0=[]\n"
        "stanza@11 pkg@0=[] ver@12=[3] arch@0=[]\n"
        "stanza@14 pkg@15=[d] ver@0=[] arch@14=[amd64]\n"
        "stanza@19 pkg@20=[e] ver@0=[] arch@0=[]\n"
        "rc 0, 1 warnings\n"
        "W cb:11: no package\n");
    free(t);
}

Test(apt_lists, malformed_stanzas_warn_and_are_skipped)
{
    char long_v[400];
    memset(long_v, 'v', sizeof(long_v));
    char *data = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&data, &n);
    fprintf(f, "Package: dup\nVersion: 1\nversion: 2\n\n"          /* 1 */
               " leading continuation\nPackage: x\n\n"             /* 5 */
               "Package: nocolon\nthis line has none\nVersion: 1\n\n"   /* 8 */
               "garbage\n\n"                                        /* 12 */
               "Package: long\nVersion: %.*s\n\n"                   /* 14 */
               "Package: ok\nVersion: %.*s\n\n"                     /* 17 */
               "\rPackage: cr-led\nVersion: 1\n\n"                  /* 20 */
               ":\nPackage: empty-name\n\n"                         /* 23 */
               "Package: last\nVersion: 9\n",                       /* 26 */
            300, long_v, TZ_MAX_NAME, long_v);
    fclose(f);
    char *t = agree(data, n, 0);
    char want[2048];
    snprintf(want, sizeof(want),
        "stanza@17 pkg@17=[ok] ver@18=[%.*s] arch@0=[]\n"
        "stanza@20 pkg@0=[] ver@21=[1] arch@0=[]\n"      /* "\rPackage" is not */
        "stanza@23 pkg@24=[empty-name] ver@0=[] arch@0=[]\n"
        "stanza@26 pkg@26=[last] ver@27=[9] arch@0=[]\n"
        "rc 0, 6 warnings\n"
        "W L:3: field Version given twice (first at line 2); stanza skipped\n"
        "W L:5: continuation line before any field; stanza skipped\n"
        "W L:9: expected \"Field: value\"; stanza skipped\n"
        "W L:12: expected \"Field: value\"; stanza skipped\n"
        "W L:15: Version longer than %d bytes; stanza skipped\n"
        "W cb:20: no package\n",
        TZ_MAX_NAME, long_v, TZ_MAX_NAME);
    cr_assert_str_eq(t, want);
    free(t);
    free(data);
}

Test(apt_lists, nul_byte_ends_the_list_after_the_lines_before_it)
{
    static const char data[] = "Package: a\nVersion: 1\n\nPackage: b\nVer\0sion: 2\n"
                               "\nPackage: c\nVersion: 3\n";
    char *t = agree(data, sizeof(data) - 1, 0);
    cr_assert_str_eq(t,
        "stanza@1 pkg@1=[a] ver@2=[1] arch@0=[]\n"
        "rc 0, 1 warnings\n"
        "W L:5: line contains a NUL byte; rest of the file skipped\n");
    free(t);
}

Test(apt_lists, empty_and_blank_only_lists)
{
    char *t = agree("", 0, 0);
    cr_assert_str_eq(t, "rc 0, 0 warnings\n");
    free(t);
    t = AGREE("\n\n \r\n\t\n");
    cr_assert_str_eq(t, "rc 0, 0 warnings\n");
    free(t);
    t = AGREE("Package: only");
    cr_assert_str_eq(t, "stanza@1 pkg@1=[only] ver@0=[] arch@0=[]\nrc 0, 0 warnings\n");
    free(t);
}

Test(apt_lists, stop_from_the_callback_ends_the_list)
{
    static const char list[] = "Package: a\n\nPackage: b\n\nPackage: c\n";
    char *t = agree(list, sizeof(list) - 1, 2);
    cr_assert_str_eq(t,
        "stanza@1 pkg@1=[a] ver@0=[] arch@0=[]\n"
        "stanza@3 pkg@3=[b] ver@0=[] arch@0=[]\n"
        "rc 0, 0 warnings\n");
    free(t);
}

Test(apt_lists, missing_list_is_a_warning)
{
    char *p = tz_test_path("%s/none_Packages", dir);
    char *t = trace(p, 1, 0);
    cr_expect(strstr(t, "rc 0, 1 warnings\nW L: cannot read: cannot open: ") ==
                  t, "%s", t);
    free(t);
    free(p);
}

/* Bounds: a stanza over 1 MiB, a line over 1 MiB, and a line that fills
 * the reader's buffer exactly, across run boundaries. */
Test(apt_lists, stanza_and_line_bounds_match, .timeout = 60)
{
    size_t cap = 5u << 20;
    char *data = malloc(cap), *w = data;
    w += sprintf(w, "Package: a\nVersion: 1\n\nPackage: big\n");
    for (int i = 0; i < 20; i++) {          /* 20 x 60 KiB: over 1 MiB */
        w += sprintf(w, "X-%d: ", i);
        memset(w, 'y', 60 * 1024);
        w += 60 * 1024;
        *w++ = '\n';
    }
    w += sprintf(w, "no colon here, but past the bound\n\n"
                    "Package: after\nVersion: 2\nDescription: ");
    memset(w, 'z', (1u << 20) - 13);        /* exactly 1 MiB: allowed */
    w += (1u << 20) - 13;
    w += sprintf(w, "\n\nPackage: next\nVersion: 3\n\nPackage: toolong\nX: ");
    memset(w, 'q', 1u << 20);
    w += 1u << 20;
    w += sprintf(w, "\n\nPackage: never\n");
    char *t = agree(data, (size_t)(w - data), 0);
    /* the 1 MiB line is a line, but no stanza holding it fits in 1 MiB */
    cr_assert_str_eq(t,
        "stanza@1 pkg@1=[a] ver@2=[1] arch@0=[]\n"
        "stanza@31 pkg@31=[next] ver@32=[3] arch@0=[]\n"
        "rc 0, 3 warnings\n"
        "W L:22: stanza at line 4 larger than 1 MiB; skipped\n"
        "W L:29: stanza at line 27 larger than 1 MiB; skipped\n"
        "W L:35: line longer than 1 MiB; rest of the file skipped\n");
    free(t);
    free(data);
}

/* ---- random lists --------------------------------------------------------- */

static uint64_t rng = 88172645463325252u;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* A line from a vocabulary of what lists hold and what breaks them. */
static void random_line(FILE *f)
{
    static const char *const field[] = {
        "Package", "package", "PACKAGE", "Version", "VERSION", "Architecture",
        "architecturE", "Section", "Depends", "Source", "Description",
        "Multi-Arch", "Installed-Size", "Packages", "Versio", "Architectures",
        "Description-md5", "SHA256", "Pre-Depends", "X"};
    static const char *const value[] = {
        "bash", "1.0-1", "2:9.0.1378-2", "amd64", "all", " spaced out \t",
        "a:b:c", "", "http://example.org/", "libc6 (>= 2.34)", "x\r"};
    switch (rnd(16)) {
    case 0:
        fputs("\n", f);
        return;
    case 1:
        fputs(rnd(2) ? " continued text\n" : "\tcontinued: tab\n", f);
        return;
    case 2: {
        static const char *const odd[] = {" \t\r\n", "\r\n", "no colon\n", ":\n",
                                          "\rPackage: r\n", " \n", "Package:\n",
                                          "Package :x\n", "\x01Package: c\n"};
        fputs(odd[rnd(9)], f);
        return;
    }
    case 3: {
        int n = (int)rnd(600);
        fprintf(f, "%s: ", field[rnd(3)]);
        for (int i = 0; i < n; i++)
            fputc('a' + (int)rnd(26), f);
        fputc('\n', f);
        return;
    }
    default:
        fprintf(f, "%s:%s%s%s", field[rnd(20)], rnd(4) ? " " : "",
                value[rnd(11)], rnd(8) ? "\n" : "\r\n");
    }
}

Test(apt_lists, random_lists_agree_with_line_by_line, .timeout = 120)
{
    for (int round = 0; round < 12; round++) {
        char *data = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&data, &n);
        /* mostly stanza-shaped, so the fast path is taken and left often */
        size_t lines = round < 4 ? 40 + rnd(200) : 20000 + rnd(20000);
        for (size_t i = 0; i < lines; i++) {
            if (rnd(3) == 0)
                fprintf(f, "Package: p%u\nVersion: %u.%u\nArchitecture: amd64\n"
                           "Description: d\n\n", rnd(500), rnd(9), rnd(9));
            else
                random_line(f);
        }
        if (rnd(2))
            fputs("Package: tail", f);      /* no final newline */
        fclose(f);
        free(agree(data, n, round % 5 == 4 ? 50 : 0));
        free(data);
    }
}
