/* nmap_xml — read the XML report of `nmap -oX -` into a scan_result.
 *
 * Pure: no I/O, no process; scan_nmap.c runs nmap and hands the bytes here,
 * the fuzzer (tests/fuzz/fuzz_nmap_xml.c) hands anything. Read with expat:
 *   <nmaprun version="7.93">                        → nmap_version
 *   <host timedout="true">                          → a host nmap gave up on
 *   <address addr=".." addrtype="ipv4|ipv6"/>       → the port's address
 *   <port protocol="tcp" portid="N"><state state="open"/><service name=".."/>
 *                                                   → one open port
 *   <runstats><finished exit="success|error" errormsg=".."/><hosts total="N"/>
 * Only state="open" TCP ports count; closed, filtered, UDP and MAC addresses
 * are ignored. out->open is sorted by (address, port), duplicates dropped
 * (nmap scans an address twice when two blocks overlap).
 *
 * Entities and DTDs: the document is attacker-shaped (nmap echoes what a
 * scanned host says), so no entity is ever declared or expanded: parameter
 * entity parsing is off (XML_PARAM_ENTITY_PARSING_NEVER) and a DOCTYPE stops
 * the parser unless it is exactly nmap's own `<!DOCTYPE nmaprun>` — no
 * internal subset, no SYSTEM or PUBLIC id, hence nothing to expand or fetch.
 * An entity declaration stops the parser too (belt and braces).
 *
 * Bounds (hit one: TZ_ELIMIT, or TZ_EPARSE for a field, never truncated):
 * NMAP_XML_MAX_BYTES in all, element depth NMAP_XML_MAX_DEPTH, at most
 * NMAP_XML_MAX_ATTRS attributes an element, NMAP_XML_MAX_HOSTS hosts;
 * addr at most 63 bytes and a valid address of its addrtype, service names
 * at most 31 bytes of [A-Za-z0-9._+:/-], version at most 31 printable bytes.
 * More than SCAN_MAX_OPEN open ports is not an error: the first are kept and
 * out->truncated is set.
 *
 * Ownership: *out is initialised here, on success and on error alike; free
 * it with scan_result_free. This module never sets out->addrs.
 * Errors: TZ_EPARSE (not XML, not an nmaprun, a refused DOCTYPE or field;
 * err->line says where), TZ_ELIMIT, TZ_ENOMEM, TZ_EINVAL (NULL arguments). */
#ifndef TZ_NMAP_XML_H
#define TZ_NMAP_XML_H

#include <stddef.h>

#include "scan_result.h"
#include "tz_error.h"

#define NMAP_XML_MAX_BYTES (16u << 20)
#define NMAP_XML_MAX_DEPTH 16
#define NMAP_XML_MAX_ATTRS 32
#define NMAP_XML_MAX_HOSTS 4096

/* How the run ended, as the report says. scan_nmap compares hosts_total
 * with the number of addresses it asked for: with --open a host without an
 * open port is not listed, so the count is the only proof it was scanned. */
struct nmap_xml_run {
    int finished;           /* <runstats><finished> was there */
    int success;            /* ... with exit="success" */
    char errormsg[200];     /* its errormsg, first line, control bytes as '?' */
    long hosts_total;       /* <runstats><hosts total=N>, -1 when absent */
    long hosts_timedout;    /* <host timedout="true"> count */
    char timedout_addr[64]; /* the first of those, "" if it had no address */
};

/* Parse len bytes of xml (need not be NUL-terminated) into out, and how the
 * run ended into *run (may be NULL). out->ran is set to 1 when the report
 * finished with exit="success" and no host timed out; otherwise out->ran is
 * 0 and out->why_not says which (the caller may still refuse a run whose
 * hosts_total is short). */
int nmap_xml_parse_run(const char *xml, size_t len, struct scan_result *out,
                       struct nmap_xml_run *run, struct tz_error *err);

/* nmap_xml_parse_run without the run details. */
int nmap_xml_parse(const char *xml, size_t len, struct scan_result *out,
                   struct tz_error *err);

#endif
