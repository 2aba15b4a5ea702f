/* scan_nmap — the outside view of pre-launch screening: a TCP connect scan
 * of a system's registered addresses from the collector host.
 *
 * Runs `nmap -sT -Pn -n --open --noninteractive --max-retries 1
 * --host-timeout T -oX - -p LIST -- ADDR...` with posix_spawn and an argv
 * (never a shell; a connect scan needs no root; -n: no DNS), in its own
 * process group, stdin /dev/null, a fixed environment (PATH, LC_ALL=C),
 * and reads its XML with nmap_xml.h. The whole call keeps to timeout_s:
 * when it passes, nmap's process group is killed and nmap is reaped — the
 * child is always reaped before this returns. stdout is read up to
 * SCAN_NMAP_MAX_OUTPUT bytes, stderr up to SCAN_NMAP_MAX_STDERR (the rest
 * is drained and dropped); its first line names a failure.
 *
 * Addresses: what the ledger's IP地址 holds (LK_IPS): a numeric IPv4 or
 * IPv6 address, a CIDR block of at most 256 addresses (/24 or longer for
 * IPv4, /120 or longer for IPv6), or a range a-b of at most 256 addresses
 * (scanned as the CIDR blocks that make it up). Anything else — a name, a wider block, a
 * stray character — is refused with the reason before nmap starts; what
 * reaches argv is our own canonical text of the parsed address, never the
 * caller's string. Identical entries are scanned once; all entries together
 * may cover at most SCAN_MAX_ADDRS addresses.
 * IPv4 and IPv6 together: nmap scans one family a run (-6), so a mixed list
 * is scanned in two runs, IPv4 first, sharing the one deadline; the result
 * is ran == 1 only if both ran.
 *
 * The scan "did not run" cases return 0 with out->ran == 0 and why_not set,
 * so the checklist shows "not checked": no addresses; nmap not installed
 * ("nmap is not installed (apt-get install nmap)"); nmap exited non-zero
 * or by a signal (its stderr's first line); the deadline passed; its XML
 * could not be read; the report did not finish with exit="success"; a
 * host timed out; or it reported fewer hosts than were asked for.
 * ran == 1 only when every requested address was reported scanned.
 *
 * Ownership: *out is always initialised (also on error); free it with
 * scan_result_free. out->addrs holds the canonical entries scanned.
 * Errors: TZ_EINVAL (an address, port or timeout refused: err->msg and
 * out->why_not say which and why), TZ_ELIMIT (more than SCAN_MAX_ADDRS
 * addresses, or ports), TZ_ENOMEM, TZ_EIO (pipe or spawn failed). */
#ifndef TZ_SCAN_NMAP_H
#define TZ_SCAN_NMAP_H

#include <stddef.h>
#include <stdint.h>

#include "scan_result.h"
#include "tz_error.h"

#define SCAN_NMAP_MAX_OUTPUT (16u << 20)   /* = NMAP_XML_MAX_BYTES */
#define SCAN_NMAP_MAX_STDERR 4096
#define SCAN_NMAP_MAX_PORTS  1024
#define SCAN_NMAP_MAX_TIMEOUT 3600

/* Scan n_addrs entries of addrs on the n_ports TCP ports (1..65535, at most
 * SCAN_NMAP_MAX_PORTS; duplicates ignored) within timeout_s seconds
 * (1..SCAN_NMAP_MAX_TIMEOUT). nmap_path names the nmap binary; NULL looks
 * for "nmap" on PATH. */
int scan_nmap(const char *const *addrs, size_t n_addrs, const uint16_t *ports,
              size_t n_ports, int timeout_s, const char *nmap_path,
              struct scan_result *out, struct tz_error *err);

#endif
