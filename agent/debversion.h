/* debversion — Debian version ordering (Policy §5.6.12, as dpkg implements it).
 *
 * A version is [epoch:]upstream[-revision]. Epochs compare numerically (absent
 * is 0); upstream and revision compare by dpkg's verrevcmp: alternating
 * non-digit runs, where '~' sorts before everything (even the end of the
 * string), letters before all other characters, and digit runs compared as
 * numbers. An absent revision equals "0" ("1.0" == "1.0-0"), as in dpkg.
 *
 * Digit runs (and epochs) are compared as digit strings, so arbitrarily long
 * runs never overflow. debversion_cmp is total: it gives an order even for
 * strings debversion_valid rejects, so hostile input cannot crash a sort.
 * Neither function allocates; both take NUL-terminated strings (NULL is ""). */
#ifndef TZ_DEBVERSION_H
#define TZ_DEBVERSION_H

/* -1, 0 or 1 as a is older than, equal to or newer than b. */
int debversion_cmp(const char *a, const char *b);

/* 1 when v is a syntactically valid Debian version, else 0: optional epoch of
 * digits, upstream starting with a digit and made of [A-Za-z0-9.+~-:] (':'
 * only with an epoch), revision (after the last '-') of [A-Za-z0-9.+~] and
 * not empty, no whitespace, at most TZ_MAX_NAME bytes in all. */
int debversion_valid(const char *v);

#endif
