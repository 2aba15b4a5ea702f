/* screen_evidence — the evidence text of one screening item: bounded,
 * valid UTF-8, no control characters, lists that say how much was left out.
 *
 * Text from reports (names, sudoers rules, kernel versions) goes through
 * ev_clean first: cut to a bound at a character boundary, each invalid byte
 * or control character a '?'. A list entry that would not fit is counted,
 * not cut, and ev_done ends the text with "(+N more)". */
#ifndef TZ_SCREEN_EVIDENCE_H
#define TZ_SCREEN_EVIDENCE_H

#include <stddef.h>

#include "screen_check.h"

struct screen_ev {
    char s[SCREEN_EVIDENCE_MAX];
    size_t n;        /* bytes in s */
    size_t items;    /* list entries written */
    size_t more;     /* list entries that did not fit */
};

void ev_init(struct screen_ev *e);
/* Append text; what does not fit is cut at a character boundary. */
void ev_text(struct screen_ev *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append one list entry, after sep unless it is the first. */
void ev_item(struct screen_ev *e, const char *sep, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The finished text, "(+N more)" added when entries were left out. */
const char *ev_done(struct screen_ev *e);

/* s (NULL taken as "") made safe to show, at most max - 1 bytes, into dst
 * (max bytes); returns dst. */
char *ev_clean(char *dst, size_t max, const char *s);

#endif
