/* cell_guard — the characters that make a spreadsheet cell a formula. */
#include "cell_guard.h"

#include <string.h>

int cell_needs_guard(const char *s)
{
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

const char *cell_unguard(const char *s)
{
    return s[0] == '\'' && cell_needs_guard(s + 1) ? s + 1 : s;
}
