/* utf8 — valid UTF-8 in, valid UTF-8 out; text an operator can see.
 *
 * Strings from a host (os-release, DMI, package fields) end up in CSV, JSON,
 * HTML and a terminal on the collector side, which refuses a report carrying
 * broken UTF-8, a control character or a bidi control (review finding 8: a
 * newline forges a line of `tzctl host show`, U+202E reverses what follows).
 * The agent therefore repairs its strings before sending (each invalid byte
 * and each such character becomes '?') rather than lose a whole report to
 * one byte. Strings stored before that rule, and ledger fields operators
 * type (a 用途 may hold line breaks), are escaped when shown as text. */
#ifndef TZ_UTF8_H
#define TZ_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* 1 when s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int tz_utf8_valid(const char *s);
/* The same for a string whose length (strlen) the caller knows already:
 * s[len] must be its NUL. ASCII runs are checked 8 bytes at a time. */
int tz_utf8_valid_len(const char *s, size_t len);
/* The character at s, of which avail (>= 1) bytes may be read: its length
 * 1..4 with its code point in *cp, or 0 when s does not start a valid
 * sequence (one cut short by avail included). For text that is not
 * NUL-terminated, escaped one character at a time (html_buf). */
size_t tz_utf8_next(const char *s, size_t avail, uint32_t *cp);
/* What tz_text_check finds. */
enum { TZ_TEXT_OK = 0, TZ_TEXT_NOT_UTF8, TZ_TEXT_CONTROL };
/* 1 for a character no agent string may carry: C0 controls (U+0000-U+001F,
 * tab and newline included), DEL, C1 controls (U+0080-U+009F) and the bidi
 * controls U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069. */
int tz_text_unsafe_cp(uint32_t cp);
/* Whether s (s[len] its NUL) is valid UTF-8 free of such characters, in
 * one pass: TZ_TEXT_OK, TZ_TEXT_NOT_UTF8, or TZ_TEXT_CONTROL with *cp (if
 * not NULL) the first one. Printable ASCII runs go 8 bytes at a time. */
int tz_text_check(const char *s, size_t len, uint32_t *cp);
/* Make s pass tz_text_check, in place: each byte that is not part of a
 * valid sequence, and each control or bidi character, becomes one '?' (s
 * may get shorter). Returns the number of replacements. */
size_t tz_text_repair(char *s);
/* Copy of s for a terminal: newline, CR and tab as the two characters \n,
 * \r, \t, other ASCII controls and DEL as \xHH, C1 and bidi controls as
 * \uHHHH, each invalid byte as '?'; characters in keep (ASCII only, NULL
 * for none) are left as they are. NULL on ENOMEM; the caller frees. */
char *tz_text_escape(const char *s, const char *keep);
/* Copy of s cut to at most max bytes at a character boundary (a display
 * field longer than the wire allows is shortened, not refused). NULL on
 * ENOMEM. Ownership: the caller's (free). */
char *tz_strdup_bounded(const char *s, size_t max);
/* tz_text_repair every string field of msg and its sub-messages. */
size_t tz_pb_repair_text(ProtobufCMessage *msg);

#endif
