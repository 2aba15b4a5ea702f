/* cell_guard — the characters that make a spreadsheet cell a formula. */
#include "cell_guard.h"

#include <string.h>

/* Apostrophes are skipped: "'=1" is guarded too ("''=1"), or the import
 * would take the apostrophe a person typed for ours and drop it. A loop,
 * not recursion: a cell of 64 KiB apostrophes must not eat the stack. */
int cell_needs_guard(const char *s)
{
    s += strspn(s, "'");
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

const char *cell_unguard(const char *s)
{
    return s[0] == '\'' && cell_needs_guard(s + 1) ? s + 1 : s;
}
