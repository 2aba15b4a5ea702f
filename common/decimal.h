/* decimal — a strict unsigned decimal, for numbers read from /proc and
 * other files the agent does not trust: digits only (no sign, no spaces, no
 * "0x"), at least one, and no larger than max. strtoul accepts all of
 * those and saturates silently, which is why it is not used for them. */
#ifndef TZ_DECIMAL_H
#define TZ_DECIMAL_H

/* 0 with *out set, -1 when s is not such a number (then *out is untouched). */
int tz_decimal(const char *s, unsigned long max, unsigned long *out);

#endif
