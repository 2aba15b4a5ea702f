/* civil_day — dates as days since 1970-01-01, the ledger's date type.
 *
 * The ledger records dates (定级备案日期, 最近测评日期), not instants, and the
 * rules count days between them; a plain day number makes both exact. */
#ifndef TZ_CIVIL_DAY_H
#define TZ_CIVIL_DAY_H

#include <stdint.h>
#include <time.h>

/* Day number of a proleptic Gregorian date (no validation). */
int32_t civil_day(int y, unsigned m, unsigned d);
/* The date of a day number. */
void civil_from_day(int32_t day, int *y, unsigned *m, unsigned *d);
/* 1 when y-m-d is a real calendar date. */
int civil_valid(int y, unsigned m, unsigned d);
/* Today in the collector's local time zone (the campus's). */
int32_t civil_today(time_t now);
/* "YYYY-MM-DD" into buf (11 bytes); "" for day 0 (unset). */
void civil_format(int32_t day, char buf[11]);

#endif
