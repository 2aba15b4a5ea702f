/* apt_lists — the stanzas of one apt Packages list, read fast.
 *
 * A Debian host keeps ~50 MB and a million lines of lists, read on every
 * collection, so the list is taken in runs of whole lines (tz_chunks: plain,
 * .gz or .lz4) whose line ends are found a block at a time; no line is
 * copied, and only Package, Version and Architecture are kept.
 *
 * Grammar, as apt writes it and as the agent has always read it: stanzas are
 * separated by lines of nothing but spaces, tabs and CRs; a line starting
 * with a space or tab continues the field before it; any other line is
 * "Name: value". Names are matched without regard to case; values are
 * trimmed of spaces, tabs and CRs.
 *
 * A stanza with at least one field is handed to fn, unless it is skipped
 * with a warning "host:line: why" in w: a line without ':' (the warning is
 * given for each such line), a continuation before any field, Package,
 * Version or Architecture given twice or longer than TZ_MAX_NAME, a stanza
 * over TZ_PATCH_MAX_STANZA bytes. A line over TZ_PATCH_MAX_LINE, a NUL byte,
 * corrupt compressed data or a failed read end the list with a warning
 * ("rest of the file skipped"); the stanza being read is dropped. A list
 * that cannot be opened is a warning too. Whether a stanza names a valid
 * version, and what it means, is fn's business.
 *
 * fn returns 0 to go on, > 0 to stop reading this list (a global bound was
 * hit), < 0 (a TZ_E* code) to fail: apt_list_read then returns that code.
 * Ownership: st and its strings are valid during the call only.
 * Returns 0, TZ_ENOMEM (from w) or fn's negative code; the list's own
 * faults are only warnings. */
#ifndef TZ_APT_LISTS_H
#define TZ_APT_LISTS_H

#include <stddef.h>

#include "tz_limits.h"
#include "warnlist.h"

struct apt_stanza {
    long start;                      /* line where the stanza begins */
    long pkg_line, ver_line, arch_line;   /* 0: the field is absent */
    char pkg[TZ_MAX_NAME_BUF];       /* "" when absent */
    char ver[TZ_MAX_NAME_BUF];
    char arch[TZ_MAX_NAME_BUF];
    size_t pkg_len, ver_len, arch_len;   /* their strlen, for free */
};

typedef int (*apt_stanza_fn)(void *arg, const struct apt_stanza *st);

/* path is where to read, below root (tz_root_open; NULL: this machine);
 * host is the name warnings give (the host's own path,
 * /var/lib/apt/lists/..., not root + path). */
int apt_list_read(const char *root, const char *path, const char *host,
                  struct warnlist *w, apt_stanza_fn fn, void *arg);

#endif
