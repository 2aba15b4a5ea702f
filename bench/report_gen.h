/* report_gen — a synthetic fleet for the benchmarks, grown from this machine.
 *
 * The base is this machine's own host, hardware, interfaces and dpkg
 * packages (agent/collect_*.c on "/"), padded to the requested package count
 * with names derived from the real ones (name-dev, name-doc, ...); patch,
 * accounts, ssh and listeners sections are synthesised (a small web server:
 * ~25 accounts, ~10 listeners, a few pending updates). Agent i gets its own
 * hostname, machine id, MAC and IPv4 address 10.x.y.z, and a few packages
 * dropped, renamed and upgraded, so no two agents send the same bytes.
 *
 * Sections are kept packed with their BLAKE2b-256 hashes (what agent/report.c
 * computes), so a report is assembled by concatenation (gen_report_pack)
 * instead of packing 1,500 packages per request: the load generator shares
 * the machine with the collector and must cost far less than what it drives.
 * Ownership: everything returned is the caller's; free with the *_free
 * function named. Errors: TZ_ENOMEM, or what the collectors return. */
#ifndef TZ_BENCH_REPORT_GEN_H
#define TZ_BENCH_REPORT_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "tz_error.h"

#define GEN_KINDS 9      /* slots indexed by Tz__SectionKind; 1..8 are sections */
#define GEN_HASH_LEN 32

struct gen_base;

/* Read this machine once and synthesise the rest. npkgs is the package count
 * of every agent before its own drops (at least the real count is used only
 * when npkgs is larger; smaller counts cut the list). */
int gen_base_load(size_t npkgs, struct gen_base **out, struct tz_error *err);
size_t gen_base_real_packages(const struct gen_base *b);  /* from dpkg */
void gen_base_free(struct gen_base *b);

/* One agent's sections, packed, with hashes. */
struct gen_sections {
    uint8_t *data[GEN_KINDS];
    size_t len[GEN_KINDS];
    uint8_t hash[GEN_KINDS][GEN_HASH_LEN];
};

/* The IPv4 address agent i reports ("10.x.y.z", no prefix). */
void gen_agent_ip(uint32_t agent, char out[16]);
/* The hostname agent i reports. */
void gen_agent_hostname(uint32_t agent, char *out, size_t len);

/* All sections of agent i at generation 0. */
int gen_agent_sections(const struct gen_base *b, uint32_t agent,
                       struct gen_sections *out, struct tz_error *err);
/* Replace section kind of s with its generation gen: for the host section
 * the uptime grows by gen days; for packages, package (agent + gen) mod n
 * gets a version bumped with "+bench<gen>" (one upgrade against gen 0).
 * Other kinds are TZ_EINVAL. */
int gen_agent_vary(const struct gen_base *b, uint32_t agent, uint32_t gen,
                   int kind, struct gen_sections *s, struct tz_error *err);
void gen_sections_free(struct gen_sections *s);

/* Packed Report: the sections whose bit (1u << kind) is in include_mask, the
 * hashes of ALL sections (as agent/session.c sends a delta), collected_at and
 * agent_version, in field order (the encoding protobuf-c itself produces).
 * Ownership: *out is the caller's (free()). */
int gen_report_pack(const struct gen_sections *s, unsigned include_mask,
                    int64_t collected_at, uint8_t **out, size_t *len);

#define GEN_ALL_SECTIONS 0x1feu

#endif
