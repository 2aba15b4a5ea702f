/* spool — reports not yet acknowledged, kept on disk in seq order.
 *
 * One file per report in the spool directory (<state_dir>/work/spool), named by
 * its seq as 20 zero-padded digits plus ".report", so names sort by seq; the
 * content is the packed Tz__Report. Each file is written atomically (temp
 * file, fsync, rename, fsync of the directory): after a crash a report is
 * either whole or absent. A report leaves the spool only on the collector's
 * Ack (DESIGN.md §2) or when the bound forces the oldest out.
 *
 * The directory is the agent's own, but its content is treated as hostile:
 * files with other names (including temp files a crash left behind),
 * non-regular files, files over TZ_MAX_MSG and files that do not decode are
 * removed with a log line; they never crash the agent or block draining.
 *
 * One process at a time: spool_open takes an exclusive lock on the directory
 * (flock), so a daemon and a `tz-agent --once` never send the same report.
 * Ownership: *out of spool_open is the caller's (spool_close); reports from
 * spool_oldest are the caller's (protobuf_c_message_free_unpacked).
 * Errors: TZ_EEXIST (locked by another process), TZ_EIO, TZ_ENOMEM,
 * TZ_ELIMIT (report too large to spool), TZ_ENOENT (spool empty). */
#ifndef TZ_SPOOL_H
#define TZ_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "taizhang.pb-c.h"
#include "tz_error.h"

struct spool;

/* Open (creating, mode 0700) the spool in dir and index it; more than
 * max_items files already there are trimmed, oldest first. */
int spool_open(const char *dir, size_t max_items, struct spool **out,
               struct tz_error *err);
/* The same for the directory name below parentfd (created 0700 if missing;
 * not followed if a link); shown names it in messages. */
int spool_openat(int parentfd, const char *name, const char *shown,
                 size_t max_items, struct spool **out, struct tz_error *err);
void spool_close(struct spool *sp);

/* 1 when another process (a running daemon) holds the spool name below
 * parentfd; 0 when it is free or absent. Writes nothing: root may ask. */
int spool_held(int parentfd, const char *name);

/* Store r under seq. When the spool then holds more than its bound, the
 * oldest reports are deleted ("spool full (64): dropped report seq N"). */
int spool_put(struct spool *sp, uint64_t seq, const Tz__Report *r,
              struct tz_error *err);

/* The report with the lowest seq. A file that vanished or no longer decodes
 * is removed and the next one tried. TZ_ENOENT when the spool is empty. */
int spool_oldest(struct spool *sp, uint64_t *seq, Tz__Report **r,
                 struct tz_error *err);

/* Remove the report stored under seq (acknowledged or refused). Removing a
 * seq that is not there is not an error. */
int spool_delete(struct spool *sp, uint64_t seq, struct tz_error *err);

size_t spool_count(const struct spool *sp);

/* Change the bound (config reload); trims at once when it shrank. */
void spool_set_max(struct spool *sp, size_t max_items);

#endif
