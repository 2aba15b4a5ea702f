/* Tests for scan_ports: the shipped schemas/screening-ports.txt loads and
 * covers rules.ini's high-risk and web ports; typos name their line. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "rules_config.h"
#include "scan_nmap.h"
#include "scan_ports.h"
#include "tz_test.h"

static uint16_t ports[SCAN_NMAP_MAX_PORTS];
static size_t n;
static struct tz_error err;

static int parse(const char *text, size_t max)
{
    memset(&err, 0, sizeof(err));
    return scan_ports_parse(text, strlen(text), "ports.txt", ports, max, &n, &err);
}

static int listed(uint16_t p)
{
    for (size_t i = 0; i < n; i++)
        if (ports[i] == p)
            return 1;
    return 0;
}

Test(scan_ports, shipped_list_covers_the_rules_ports)
{
    struct rules_config rc;
    rules_config_defaults(&rc);
    cr_assert_eq(rules_config_load(&rc, TZ_SOURCE_DIR "/schemas/rules.ini", &err),
                 0, "%s", err.msg);
    cr_assert_eq(scan_ports_load(TZ_SOURCE_DIR "/schemas/screening-ports.txt",
                                 ports, SCAN_NMAP_MAX_PORTS, &n, &err), 0,
                 "%s:%ld: %s", err.file, err.line, err.msg);
    cr_assert_geq(n, 40);
    for (int i = 0; i < rc.n_high_risk; i++)
        cr_assert(listed(rc.high_risk[i]), "high-risk port %u missing",
                  rc.high_risk[i]);
    for (int i = 0; i < rc.n_web; i++)
        cr_assert(listed(rc.web[i]), "web port %u missing", rc.web[i]);
    cr_assert(listed(22) && listed(10250) && listed(50070));
}

Test(scan_ports, reads_ports_comments_and_blank_lines)
{
    cr_assert_eq(parse("# head\n\n22 # ssh\n  80\t#http\r\n443#https\n65535", 8),
                 0, "%s", err.msg);
    cr_assert_eq(n, 4);
    cr_assert_eq(ports[0], 22);
    cr_assert_eq(ports[1], 80);
    cr_assert_eq(ports[2], 443);
    cr_assert_eq(ports[3], 65535);
}

Test(scan_ports, names_the_line_of_a_typo)
{
    const char *bad[] = {"22\nssh\n", "22\n0\n", "22\n65536\n", "22\n080\n",
                         "22\n22 23\n", "22\n-1\n", "22\n+80\n", "22\n8O\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(parse(bad[i], 8), TZ_EPARSE, "%s", bad[i]);
        cr_assert_eq(err.line, 2, "%s: line %ld", bad[i], err.line);
        cr_assert_str_eq(err.file, "ports.txt");
        cr_assert_eq(n, 0);
    }
    cr_assert_eq(parse("22\n80\n# again\n22\n", 8), TZ_EPARSE);
    cr_assert_eq(err.line, 4);
    cr_assert_str_eq(err.msg, "port 22 is listed twice");
}

Test(scan_ports, bounds_count_line_and_bytes)
{
    cr_assert_eq(parse("1\n2\n3\n", 2), TZ_ELIMIT);
    cr_assert_eq(err.line, 3);
    char line[400];
    memset(line, ' ', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    line[0] = '2';
    line[1] = '2';
    cr_assert_eq(parse(line, 8), TZ_EPARSE);
    cr_assert(strstr(err.msg, "longer than 256") != NULL, "%s", err.msg);
    cr_assert_eq(scan_ports_parse("22\0\n", 4, "p", ports, 8, &n, &err), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "a NUL byte");
    cr_assert_eq(scan_ports_load("/nonexistent/ports.txt", ports, 8, &n, &err),
                 TZ_ENOENT);
}
