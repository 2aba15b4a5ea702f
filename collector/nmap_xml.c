/* nmap_xml — expat handlers that pick the open TCP ports, the version and
 * the end of the run out of `nmap -oX -`; every other element is skipped
 * but still counts against the depth and attribute bounds. */
#include "nmap_xml.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "grow.h"

#define SRC "nmap XML"

enum el {
    EL_OTHER, EL_NMAPRUN, EL_HOST, EL_ADDRESS, EL_PORTS, EL_PORT, EL_STATE,
    EL_SERVICE, EL_RUNSTATS, EL_FINISHED, EL_HOSTS
};

/* Which element this is, from its name and its parent: a <port> outside
 * <host><ports> is nothing we read. */
static const struct {
    enum el parent;
    const char *name;
    enum el el;
} known[] = {
    {EL_NMAPRUN, "host", EL_HOST},       {EL_HOST, "address", EL_ADDRESS},
    {EL_HOST, "ports", EL_PORTS},        {EL_PORTS, "port", EL_PORT},
    {EL_PORT, "state", EL_STATE},        {EL_PORT, "service", EL_SERVICE},
    {EL_NMAPRUN, "runstats", EL_RUNSTATS},
    {EL_RUNSTATS, "finished", EL_FINISHED},
    {EL_RUNSTATS, "hosts", EL_HOSTS},
};

struct ctx {
    XML_Parser p;
    int rc;                 /* first error, 0 while all is well */
    long line;
    char why[300];
    int depth;
    enum el stack[NMAP_XML_MAX_DEPTH];
    struct scan_result *out;
    struct nmap_xml_run *run;
    size_t cap;             /* allocated entries of out->open */
    long hosts;
    /* the <host> being read: its ports are kept from host_first on and get
     * its address when it ends (nmap writes <address> first, but need not) */
    int host_timedout;
    char host_addr[64];
    size_t host_first;
    /* the <port> being read */
    int port_tcp, port_open;
    uint16_t port_id;
    char port_service[32];
};

static void stop(struct ctx *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void stop(struct ctx *c, int rc, const char *fmt, ...)
{
    if (c->rc)
        return;
    c->rc = rc;
    c->line = (long)XML_GetCurrentLineNumber(c->p);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    XML_StopParser(c->p, XML_FALSE);
}

static const char *attr(const XML_Char **atts, const char *key)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], key) == 0)
            return atts[i + 1];
    return NULL;
}

/* Copy an attribute we keep into dst, or stop: a value that does not fit is
 * refused, not cut, so a report never shows half an address. */
static int keep(struct ctx *c, char *dst, size_t size, const char *v,
                const char *what, const char *allowed)
{
    size_t n = strnlen(v, size);
    if (n >= size) {
        stop(c, TZ_EPARSE, "%s is longer than %zu bytes", what, size - 1);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch < 0x21 || ch > 0x7e || (allowed && !strchr(allowed, ch))) {
            stop(c, TZ_EPARSE, "%s holds the byte 0x%02x", what, ch);
            return -1;
        }
    }
    memcpy(dst, v, n + 1);
    return 0;
}

#define SERVICE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
                      "0123456789._+:/-"

/* Plain decimal without sign or leading zero, at most max; -1 otherwise. */
static long decimal(const char *s, long max)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 10 || s[n] != '\0' || (n > 1 && s[0] == '0'))
        return -1;
    long v = strtol(s, NULL, 10);
    return v > max ? -1 : v;
}

static void on_address(struct ctx *c, const XML_Char **atts)
{
    const char *type = attr(atts, "addrtype"), *a = attr(atts, "addr");
    int af = type == NULL ? 0 : strcmp(type, "ipv4") == 0 ? AF_INET
           : strcmp(type, "ipv6") == 0 ? AF_INET6 : 0;
    if (af == 0)
        return;             /* a MAC address: nothing we compare */
    char text[64];
    unsigned char bin[16];
    if (a == NULL) {
        stop(c, TZ_EPARSE, "an <address> without addr");
        return;
    }
    if (keep(c, text, sizeof(text), a, "an address", NULL) != 0)
        return;
    if (inet_pton(af, text, bin) != 1) {
        stop(c, TZ_EPARSE, "\"%s\" is not an %s address", text, type);
        return;
    }
    /* Canonical, so that it compares equal to the ledger's text. */
    if (c->host_addr[0] == '\0' &&
        inet_ntop(af, bin, c->host_addr, sizeof(c->host_addr)) == NULL)
        c->host_addr[0] = '\0';
}

static void on_port(struct ctx *c, const XML_Char **atts)
{
    const char *proto = attr(atts, "protocol"), *id = attr(atts, "portid");
    c->port_tcp = proto != NULL && strcmp(proto, "tcp") == 0;
    c->port_open = 0;
    c->port_id = 0;
    c->port_service[0] = '\0';
    if (!c->port_tcp)
        return;             /* -sO reports protocol numbers from 0: not ours */
    long v = id ? decimal(id, 65535) : -1;
    if (v < 1) {
        stop(c, TZ_EPARSE, "portid \"%.20s\" is not a port number 1 to 65535",
             id ? id : "");
        return;
    }
    c->port_id = (uint16_t)v;
}

static void port_end(struct ctx *c)
{
    if (!c->port_tcp || !c->port_open)
        return;
    struct scan_result *o = c->out;
    if (o->n_open == SCAN_MAX_OPEN) {
        o->truncated = 1;
        return;
    }
    /* n_open < SCAN_MAX_OPEN (4096) here: doubling stops at 4096 slots */
    if (tz_grow((void **)&o->open, &c->cap, o->n_open, sizeof(*o->open))) {
        stop(c, TZ_ENOMEM, "out of memory");
        return;
    }
    struct scan_port *sp = &o->open[o->n_open++];
    memset(sp, 0, sizeof(*sp));
    sp->port = c->port_id;
    memcpy(sp->service, c->port_service, sizeof(sp->service));
}

static void host_end(struct ctx *c)
{
    struct scan_result *o = c->out;
    if (o->n_open > c->host_first && c->host_addr[0] == '\0') {
        stop(c, TZ_EPARSE, "a <host> with open ports has no IPv4 or IPv6 address");
        return;
    }
    for (size_t i = c->host_first; i < o->n_open; i++)
        memcpy(o->open[i].addr, c->host_addr, sizeof(o->open[i].addr));
    if (c->host_timedout && c->run->hosts_timedout++ == 0)
        memcpy(c->run->timedout_addr, c->host_addr, sizeof(c->host_addr));
}

/* The first line of nmap's message, printable: it goes into why_not. */
static void first_line(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; src[n] && src[n] != '\n' && n + 1 < size; n++) {
        unsigned char ch = (unsigned char)src[n];
        dst[n] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    dst[n] = '\0';
}

static void on_element(struct ctx *c, enum el e, const XML_Char **atts)
{
    const char *v;
    switch (e) {
    case EL_NMAPRUN:
        v = attr(atts, "version");
        if (v)
            keep(c, c->out->nmap_version, sizeof(c->out->nmap_version), v,
                 "nmap's version", NULL);
        break;
    case EL_HOST:
        if (++c->hosts > NMAP_XML_MAX_HOSTS) {
            stop(c, TZ_ELIMIT, "more than %d hosts", NMAP_XML_MAX_HOSTS);
            break;
        }
        v = attr(atts, "timedout");
        c->host_timedout = v != NULL && strcmp(v, "true") == 0;
        c->host_addr[0] = '\0';
        c->host_first = c->out->n_open;
        break;
    case EL_ADDRESS:
        on_address(c, atts);
        break;
    case EL_PORT:
        on_port(c, atts);
        break;
    case EL_STATE:
        v = attr(atts, "state");
        c->port_open = v != NULL && strcmp(v, "open") == 0;
        break;
    case EL_SERVICE:
        v = attr(atts, "name");
        if (v && c->port_tcp)
            keep(c, c->port_service, sizeof(c->port_service), v,
                 "a service name", SERVICE_CHARS);
        break;
    case EL_FINISHED:
        c->run->finished = 1;
        v = attr(atts, "exit");
        c->run->success = v != NULL && strcmp(v, "success") == 0;
        v = attr(atts, "errormsg");
        first_line(c->run->errormsg, sizeof(c->run->errormsg), v ? v : "");
        break;
    case EL_HOSTS:
        v = attr(atts, "total");
        c->run->hosts_total = v ? decimal(v, 1L << 30) : -1;
        if (c->run->hosts_total < 0)
            stop(c, TZ_EPARSE, "<hosts total=\"%.20s\"> is not a count",
                 v ? v : "");
        break;
    default:
        break;
    }
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **atts)
{
    struct ctx *c = ud;
    if (c->rc)
        return;
    size_t n = 0;
    while (atts[n] && n / 2 <= NMAP_XML_MAX_ATTRS)
        n += 2;
    if (n / 2 > NMAP_XML_MAX_ATTRS) {
        stop(c, TZ_ELIMIT, "<%.40s> has more than %d attributes", name,
             NMAP_XML_MAX_ATTRS);
        return;
    }
    if (c->depth == NMAP_XML_MAX_DEPTH) {
        stop(c, TZ_ELIMIT, "elements nested deeper than %d", NMAP_XML_MAX_DEPTH);
        return;
    }
    enum el e = EL_OTHER;
    if (c->depth == 0) {
        if (strcmp(name, "nmaprun") != 0) {
            stop(c, TZ_EPARSE, "not an nmap report: the root element is "
                 "<%.40s>, not <nmaprun>", name);
            return;
        }
        e = EL_NMAPRUN;
    } else {
        enum el parent = c->stack[c->depth - 1];
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (known[i].parent == parent && strcmp(known[i].name, name) == 0)
                e = known[i].el;
    }
    c->stack[c->depth++] = e;
    on_element(c, e, atts);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct ctx *c = ud;
    (void)name;
    if (c->rc || c->depth == 0)
        return;
    enum el e = c->stack[--c->depth];
    if (e == EL_PORT)
        port_end(c);
    else if (e == EL_HOST)
        host_end(c);
}

/* nmap writes <!DOCTYPE nmaprun> and nothing more; anything else could
 * declare entities or point at a DTD, so it ends the parse. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    struct ctx *c = ud;
    if (strcmp(name, "nmaprun") != 0 || sysid || pubid || has_internal_subset)
        stop(c, TZ_EPARSE, "a DOCTYPE other than nmap's <!DOCTYPE nmaprun> "
             "is refused (no DTDs, no entities)");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
                              const XML_Char *value, int value_length,
                              const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
    (void)is_param; (void)value; (void)value_length; (void)base;
    (void)sysid; (void)pubid; (void)notation;
    stop(ud, TZ_EPARSE, "an entity declaration (%.40s) is refused", name);
}

static int addr_key(const char *a, unsigned char key[17])
{
    memset(key, 0, 17);
    if (inet_pton(AF_INET, a, key + 1) == 1)
        return 0;
    key[0] = 1;
    return inet_pton(AF_INET6, a, key + 1) == 1 ? 0 : -1;
}

/* IPv4 before IPv6, then numeric address, then port. */
static int port_cmp(const void *a, const void *b)
{
    const struct scan_port *x = a, *y = b;
    unsigned char kx[17], ky[17];
    addr_key(x->addr, kx);
    addr_key(y->addr, ky);
    int d = memcmp(kx, ky, sizeof(kx));
    if (d == 0)
        d = strcmp(x->addr, y->addr);
    return d ? d : (int)x->port - (int)y->port;
}

static void sort_unique(struct scan_result *o)
{
    if (o->n_open < 2)
        return;
    qsort(o->open, o->n_open, sizeof(o->open[0]), port_cmp);
    size_t m = 1;
    for (size_t i = 1; i < o->n_open; i++)
        if (port_cmp(&o->open[m - 1], &o->open[i]) != 0)
            o->open[m++] = o->open[i];
    o->n_open = m;
}

static void judge(struct scan_result *o, const struct nmap_xml_run *run)
{
    o->ran = 0;
    if (!run->finished)
        snprintf(o->why_not, sizeof(o->why_not), "nmap's report ends without "
                 "<runstats><finished>: the scan did not complete");
    else if (!run->success)
        snprintf(o->why_not, sizeof(o->why_not), "nmap reported an error: %s",
                 run->errormsg[0] ? run->errormsg : "(no message)");
    else if (run->hosts_timedout)
        snprintf(o->why_not, sizeof(o->why_not), "nmap gave up on %s%s "
                 "(host timeout)", run->timedout_addr[0] ? run->timedout_addr
                 : "a host", run->hosts_timedout > 1 ? " and others" : "");
    else
        o->ran = 1;
}

int nmap_xml_parse_run(const char *xml, size_t len, struct scan_result *out,
                       struct nmap_xml_run *run, struct tz_error *err)
{
    struct nmap_xml_run scratch;
    if (out == NULL)
        return tz_err(err, TZ_EINVAL, SRC, 0, "no result to fill");
    memset(out, 0, sizeof(*out));
    if (run == NULL)
        run = &scratch;
    memset(run, 0, sizeof(*run));
    run->hosts_total = -1;
    if (xml == NULL)
        return tz_err(err, TZ_EINVAL, SRC, 0, "no document");
    if (len > NMAP_XML_MAX_BYTES)
        return tz_err(err, TZ_ELIMIT, SRC, 0, "the report is %zu bytes, the "
                      "limit is %u", len, NMAP_XML_MAX_BYTES);
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.run = run;
    c.p = XML_ParserCreate("UTF-8");
    if (c.p == NULL)
        return tz_err(err, TZ_ENOMEM, SRC, 0, "out of memory");
    XML_SetUserData(c.p, &c);
    XML_SetParamEntityParsing(c.p, XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetStartDoctypeDeclHandler(c.p, on_doctype);
    XML_SetEntityDeclHandler(c.p, on_entity);
    XML_SetElementHandler(c.p, on_start, on_end);
    enum XML_Status st = XML_Parse(c.p, xml, (int)len, XML_TRUE);
    if (st != XML_STATUS_OK && c.rc == 0) {
        c.rc = TZ_EPARSE;
        c.line = (long)XML_GetCurrentLineNumber(c.p);
        snprintf(c.why, sizeof(c.why), "not well-formed XML: %s",
                 XML_ErrorString(XML_GetErrorCode(c.p)));
    }
    XML_ParserFree(c.p);
    if (c.rc) {
        scan_result_free(out);
        memset(run, 0, sizeof(*run));
        run->hosts_total = -1;
        return tz_err(err, c.rc, SRC, c.line, "%s", c.why);
    }
    sort_unique(out);
    judge(out, run);
    return 0;
}

int nmap_xml_parse(const char *xml, size_t len, struct scan_result *out,
                   struct tz_error *err)
{
    return nmap_xml_parse_run(xml, len, out, NULL, err);
}
