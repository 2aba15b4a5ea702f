/* screen_evidence — the evidence text of one screening item, in English and
 * in Chinese at once: each bounded, valid UTF-8, no control characters,
 * lists that say how much was left out.
 *
 * Every call gives both languages over the same arguments: the English
 * format (checked by the compiler) and the Chinese one (a literal at every
 * call, over the same arguments; "%.0s" skips an argument meant for the
 * other language, as rules.c does for flags' evidence). So both texts carry
 * the same facts (names, numbers, ports).
 *
 * Text from reports (names, sudoers rules, kernel versions) goes through
 * ev_clean first: cut to a bound at a character boundary, each invalid byte
 * or control character a '?'. A list entry that would not fit is counted,
 * not cut, and ev_done ends the text with "(+N more)" / "（另有 N 项未列出）".
 * The two languages are bounded apart: one may list more entries than the
 * other, each says how many it left out. */
#ifndef TZ_SCREEN_EVIDENCE_H
#define TZ_SCREEN_EVIDENCE_H

#include <stddef.h>

#include "screen_check.h"

struct screen_ev_text {
    char s[SCREEN_EVIDENCE_MAX];
    size_t n;        /* bytes in s */
    size_t items;    /* list entries written */
    size_t more;     /* list entries that did not fit */
};

struct screen_ev {
    struct screen_ev_text en, zh;
};

void ev_init(struct screen_ev *e);
/* Append text to both; what does not fit is cut at a character boundary. */
void ev_text(struct screen_ev *e, const char *en, const char *zh, ...)
    __attribute__((format(printf, 2, 4)));
/* Append one list entry to both, after sep unless it is the first; sep is
 * ", " or "; ", the Chinese text takes "、" or "；" for them. */
void ev_item(struct screen_ev *e, const char *sep, const char *en, const char *zh,
             ...) __attribute__((format(printf, 3, 5)));
/* List entries given since ev_init (written or left out): 0 when none. */
size_t ev_entries(const struct screen_ev *e);
/* Finish both texts: the count of entries left out added to each. The
 * texts are e->en.s and e->zh.s. */
void ev_done(struct screen_ev *e);

/* s (NULL taken as "") made safe to show, at most max - 1 bytes, into dst
 * (max bytes); returns dst. */
char *ev_clean(char *dst, size_t max, const char *s);

#endif
