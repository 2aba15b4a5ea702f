/* Tests for nmap_xml: reports nmap 7.93 wrote here against 127.0.0.1 and ::1
 * listeners (tests/fixtures/nmap/), and variants of them that are cut,
 * inflated or carry a DTD, asserted on exact ports and reasons. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nmap_xml.h"
#include "tz_test.h"

static struct scan_result res;
static struct nmap_xml_run run;
static struct tz_error err;

static void setup(void)
{
    memset(&res, 0, sizeof(res));
    memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
    scan_result_free(&res);
}

TestSuite(nmap_xml, .init = setup, .fini = teardown);

static char *fixture(const char *name)
{
    char *path = tz_test_path("%s/nmap/%s", TZ_FIXTURES, name);
    char *s = tz_test_slurp(path);
    cr_assert_not_null(s, "%s", path);
    free(path);
    return s;
}

static int parse(const char *xml)
{
    return nmap_xml_parse_run(xml, strlen(xml), &res, &run, &err);
}

/* s with the first `from` replaced by `to`; malloc'd. */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    cr_assert_not_null(at, "\"%s\" not in the fixture", from);
    size_t head = (size_t)(at - s), fl = strlen(from), tl = strlen(to);
    char *r = malloc(strlen(s) - fl + tl + 1);
    memcpy(r, s, head);
    memcpy(r + head, to, tl);
    strcpy(r + head + tl, at + fl);
    return r;
}

static void assert_port(size_t i, const char *addr, unsigned port,
                        const char *service)
{
    cr_assert_lt(i, res.n_open);
    cr_assert_str_eq(res.open[i].addr, addr);
    cr_assert_eq(res.open[i].port, port, "port %zu: %u", i, res.open[i].port);
    cr_assert_str_eq(res.open[i].service, service);
}

Test(nmap_xml, reads_open_ports_of_a_real_report)
{
    char *xml = fixture("open.xml");
    cr_assert_eq(parse(xml), 0, "%s", err.msg);
    cr_assert_eq(res.ran, 1, "%s", res.why_not);
    cr_assert_str_eq(res.nmap_version, "7.93");
    cr_assert_eq(res.n_open, 2);
    assert_port(0, "127.0.0.1", 6379, "redis");
    assert_port(1, "127.0.0.1", 8080, "http-proxy");
    cr_assert_eq(res.truncated, 0);
    cr_assert_null(res.addrs);
    /* 127.0.0.3 has no open port: --open leaves it out, the count keeps it. */
    cr_assert_eq(run.hosts_total, 2);
    cr_assert_eq(run.hosts_timedout, 0);
    free(xml);
}

Test(nmap_xml, ignores_closed_and_filtered_ports)
{
    char *xml = fixture("closed.xml");
    cr_assert_eq(parse(xml), 0, "%s", err.msg);
    cr_assert_eq(res.n_open, 2);
    assert_port(0, "127.0.0.1", 6379, "redis");
    assert_port(1, "127.0.0.1", 8080, "http-proxy");
    scan_result_free(&res);
    char *f = replace(xml, "<state state=\"open\"", "<state state=\"filtered\"");
    char *g = replace(f, "<state state=\"open\"", "<state state=\"open|filtered\"");
    cr_assert_eq(parse(g), 0, "%s", err.msg);
    cr_assert_eq(res.ran, 1);
    cr_assert_eq(res.n_open, 0);
    free(g);
    free(f);
    free(xml);
}

Test(nmap_xml, ignores_udp_ports)
{
    char *xml = fixture("open.xml");
    char *u = replace(xml, "protocol=\"tcp\" portid=\"6379\"",
                      "protocol=\"udp\" portid=\"6379\"");
    cr_assert_eq(parse(u), 0, "%s", err.msg);
    cr_assert_eq(res.n_open, 1);
    assert_port(0, "127.0.0.1", 8080, "http-proxy");
    free(u);
    free(xml);
}

Test(nmap_xml, reads_ipv6_addresses)
{
    char *xml = fixture("ipv6.xml");
    cr_assert_eq(parse(xml), 0, "%s", err.msg);
    cr_assert_eq(res.ran, 1, "%s", res.why_not);
    cr_assert_eq(res.n_open, 1);
    assert_port(0, "::1", 3306, "mysql");
    free(xml);
}

Test(nmap_xml, finished_with_error_is_not_a_run)
{
    char *xml = fixture("error.xml");
    cr_assert_eq(parse(xml), 0, "%s", err.msg);
    cr_assert_eq(res.ran, 0);
    cr_assert_eq(run.finished, 1);
    cr_assert_eq(run.success, 0);
    cr_assert_str_eq(res.why_not, "nmap reported an error: NSE: failed to "
                     "initialize the script engine:");
    free(xml);
}

Test(nmap_xml, timed_out_host_is_not_a_run)
{
    char *xml = fixture("timedout.xml");
    cr_assert_eq(parse(xml), 0, "%s", err.msg);
    cr_assert_eq(res.ran, 0);
    cr_assert_eq(run.hosts_timedout, 1);
    cr_assert_str_eq(res.why_not, "nmap gave up on 127.0.0.1 (host timeout)");
    free(xml);
}

Test(nmap_xml, truncated_document_is_a_parse_error)
{
    char *xml = fixture("open.xml");
    size_t cut = (size_t)(strstr(xml, "portid=\"8080\"") - xml);
    cr_assert_eq(nmap_xml_parse(xml, cut, &res, &err), TZ_EPARSE);
    cr_assert_eq(err.line, 17, "line %ld: %s", err.line, err.msg);
    cr_assert(strstr(err.msg, "not well-formed XML") != NULL, "%s", err.msg);
    /* Nothing half-parsed is left behind. */
    cr_assert_eq(res.n_open, 0);
    cr_assert_null(res.open);
    free(xml);
}

Test(nmap_xml, report_without_runstats_did_not_complete)
{
    char *xml = fixture("open.xml");
    char *end = strstr(xml, "<runstats>");
    strcpy(end, "</nmaprun>\n");
    cr_assert_eq(parse(xml), 0, "%s", err.msg);
    cr_assert_eq(res.ran, 0);
    cr_assert_eq(res.n_open, 2);
    cr_assert_eq(run.hosts_total, -1);
    cr_assert(strstr(res.why_not, "did not complete") != NULL, "%s", res.why_not);
    free(xml);
}

Test(nmap_xml, refuses_a_document_that_is_not_an_nmaprun)
{
    cr_assert_eq(parse("<?xml version=\"1.0\"?><html><body/></html>"), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "not an nmap report: the root element is <html>, "
                     "not <nmaprun>");
    cr_assert_eq(parse(""), TZ_EPARSE);
    cr_assert_eq(parse("nmap done"), TZ_EPARSE);
}

#define LAUGHS                                                                 \
    "<?xml version=\"1.0\"?>\n"                                                \
    "<!DOCTYPE nmaprun [\n"                                                    \
    " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n" \
    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"      \
    " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"      \
    " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"      \
    " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"      \
    "]>\n"                                                                     \
    "<nmaprun version=\"&e;\"><runstats><finished exit=\"success\"/>"          \
    "<hosts total=\"0\"/></runstats></nmaprun>\n"

Test(nmap_xml, refuses_an_entity_bomb)
{
    cr_assert_eq(parse(LAUGHS), TZ_EPARSE);
    cr_assert(strstr(err.msg, "DOCTYPE other than nmap's") != NULL, "%s", err.msg);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(res.nmap_version[0], '\0');
}

Test(nmap_xml, refuses_an_external_dtd_and_undeclared_entities)
{
    cr_assert_eq(parse("<!DOCTYPE nmaprun SYSTEM \"file:///etc/passwd\">"
                       "<nmaprun version=\"&x;\"/>"), TZ_EPARSE);
    cr_assert(strstr(err.msg, "DOCTYPE other than nmap's") != NULL, "%s", err.msg);
    cr_assert_eq(parse("<!DOCTYPE html><nmaprun/>"), TZ_EPARSE);
    cr_assert(strstr(err.msg, "DOCTYPE other than nmap's") != NULL, "%s", err.msg);
    /* Without any DTD an entity reference is simply undefined. */
    cr_assert_eq(parse("<nmaprun version=\"&x;\"/>"), TZ_EPARSE);
    cr_assert(strstr(err.msg, "undefined entity") != NULL, "%s", err.msg);
}

Test(nmap_xml, refuses_oversize_fields)
{
    char *xml = fixture("open.xml");
    char *a = replace(xml, "addr=\"127.0.0.1\"",
                      "addr=\"0000:0000:0000:0000:0000:0000:0000:0000:0000:"
                      "0000:0000:0000:0001\"");
    cr_assert_eq(parse(a), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "an address is longer than 63 bytes");
    cr_assert_eq(err.line, 10);
    cr_assert_eq(res.n_open, 0);
    char *s = replace(xml, "name=\"redis\"",
                      "name=\"redis-with-a-name-of-32-bytes-xx\"");
    cr_assert_eq(parse(s), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "a service name is longer than 31 bytes");
    free(s);
    s = replace(xml, "name=\"redis\"", "name=\"redis-with-a-name-of-31-bytes-x\"");
    cr_assert_eq(parse(s), 0, "%s", err.msg);
    assert_port(0, "127.0.0.1", 6379, "redis-with-a-name-of-31-bytes-x");
    scan_result_free(&res);
    char *v = replace(xml, "version=\"7.93\"",
                      "version=\"7.93-with-a-version-of-32-bytes!\"");
    cr_assert_eq(parse(v), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "nmap's version is longer than 31 bytes");
    free(v);
    free(s);
    free(a);
    free(xml);
}

Test(nmap_xml, refuses_bad_addresses_ports_and_names)
{
    char *xml = fixture("open.xml");
    char *a = replace(xml, "addr=\"127.0.0.1\"", "addr=\"127.0.0.999\"");
    cr_assert_eq(parse(a), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "\"127.0.0.999\" is not an ipv4 address");
    char *p = replace(xml, "portid=\"6379\"", "portid=\"65536\"");
    cr_assert_eq(parse(p), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "portid \"65536\" is not a port number 1 to 65535");
    char *n = replace(xml, "name=\"redis\"", "name=\"re&lt;b&gt;dis\"");
    cr_assert_eq(parse(n), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "a service name holds the byte 0x3c");
    char *m = replace(xml, "addrtype=\"ipv4\"", "addrtype=\"mac\"");
    cr_assert_eq(parse(m), TZ_EPARSE);
    cr_assert_str_eq(err.msg, "a <host> with open ports has no IPv4 or IPv6 address");
    free(m);
    free(n);
    free(p);
    free(a);
    free(xml);
}

Test(nmap_xml, bounds_depth_and_attributes)
{
    char deep[512] = "<nmaprun>";
    for (int i = 0; i < NMAP_XML_MAX_DEPTH; i++)
        strcat(deep, "<x>");
    cr_assert_eq(parse(deep), TZ_ELIMIT);
    cr_assert_str_eq(err.msg, "elements nested deeper than 16");

    char many[1024] = "<nmaprun><x";
    for (int i = 0; i <= NMAP_XML_MAX_ATTRS; i++)
        sprintf(many + strlen(many), " a%d=\"\"", i);
    strcat(many, "/></nmaprun>");
    cr_assert_eq(parse(many), TZ_ELIMIT);
    cr_assert_str_eq(err.msg, "<x> has more than 32 attributes");
}

Test(nmap_xml, refuses_a_report_over_the_size_limit)
{
    size_t len = NMAP_XML_MAX_BYTES + 1;
    char *big = malloc(len);
    memset(big, ' ', len);
    cr_assert_eq(nmap_xml_parse(big, len, &res, &err), TZ_ELIMIT);
    free(big);
}

/* A report of one host with ports 1..n open. */
static char *many_open(unsigned n)
{
    size_t size = 256 + (size_t)n * 128;
    char *x = malloc(size), *p = x;
    p += sprintf(p, "<nmaprun version=\"7.93\"><host><address addr=\"10.1.2.3\" "
                 "addrtype=\"ipv4\"/><ports>");
    for (unsigned i = 1; i <= n; i++)
        p += sprintf(p, "<port protocol=\"tcp\" portid=\"%u\"><state "
                     "state=\"open\"/></port>\n", i);
    sprintf(p, "</ports></host><runstats><finished exit=\"success\"/>"
            "<hosts total=\"1\"/></runstats></nmaprun>");
    return x;
}

Test(nmap_xml, keeps_the_first_ports_and_says_truncated)
{
    char *x = many_open(SCAN_MAX_OPEN + 10);
    cr_assert_eq(parse(x), 0, "%s", err.msg);
    cr_assert_eq(res.ran, 1);
    cr_assert_eq(res.n_open, SCAN_MAX_OPEN);
    cr_assert_eq(res.truncated, 1);
    assert_port(0, "10.1.2.3", 1, "");
    assert_port(SCAN_MAX_OPEN - 1, "10.1.2.3", SCAN_MAX_OPEN, "");
    free(x);
    scan_result_free(&res);
    x = many_open(SCAN_MAX_OPEN);
    cr_assert_eq(parse(x), 0, "%s", err.msg);
    cr_assert_eq(res.n_open, SCAN_MAX_OPEN);
    cr_assert_eq(res.truncated, 0);
    free(x);
}

Test(nmap_xml, sorts_by_address_and_drops_duplicates)
{
    /* Overlapping blocks make nmap scan and list an address twice. */
    const char *h10 = "<host><address addr=\"127.0.0.10\" addrtype=\"ipv4\"/>"
        "<ports><port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/>"
        "<service name=\"ssh\"/></port></ports></host>";
    const char *h2 = "<host><address addr=\"127.0.0.2\" addrtype=\"ipv4\"/>"
        "<ports><port protocol=\"tcp\" portid=\"443\"><state state=\"open\"/>"
        "</port><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/>"
        "</port></ports></host>";
    const char *h6 = "<host><address addr=\"2001:DB8:0::1\" addrtype=\"ipv6\"/>"
        "<ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/>"
        "</port></ports></host>";
    char *x = tz_test_path("<nmaprun>%s%s%s%s<runstats><finished exit=\"success\"/>"
                           "<hosts total=\"4\"/></runstats></nmaprun>",
                           h6, h10, h2, h10);
    cr_assert_eq(parse(x), 0, "%s", err.msg);
    cr_assert_eq(res.ran, 1);
    cr_assert_eq(res.n_open, 4);
    assert_port(0, "127.0.0.2", 80, "");
    assert_port(1, "127.0.0.2", 443, "");
    assert_port(2, "127.0.0.10", 22, "ssh");
    assert_port(3, "2001:db8::1", 80, "");   /* canonical text */
    cr_assert_eq(run.hosts_total, 4);
    free(x);
}
