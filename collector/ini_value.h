/* ini_value — reading one value of a collector INI file (rules.ini,
 * screening.ini): a bounded integer, a list of TCP ports.
 *
 * Both return 0, or -1 when the value does not parse or is out of bounds;
 * the caller words the error with the option's name and its file and line
 * (and fails the whole load: a port list may be half written then). */
#ifndef TZ_INI_VALUE_H
#define TZ_INI_VALUE_H

#include <stdint.h>

/* A decimal integer in lo..hi; trailing blanks allowed, nothing else. */
int ini_int(const char *v, long lo, long hi, int *out);

/* Ports 1..65535 separated by commas or blanks, at most max of them
 * (and at most 1023 bytes of text); *n is their count. */
int ini_ports(const char *v, uint16_t *out, int max, int *n);

#endif
