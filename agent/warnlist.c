/* warnlist — bounded "path:line: reason" warnings. */
#include "warnlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_error.h"
#include "utf8.h"

/* One slot stays free for the "... and N more" note. */
#define KEEP (TZ_MAX_WARNINGS - 1)

int warnlist_add(struct warnlist *w, const char *file, long line,
                 const char *fmt, ...)
{
    if (w == NULL)
        return 0;
    if (w->n >= KEEP) {
        w->dropped++;
        return 0;
    }
    char msg[WARNLIST_MAX_LEN], full[2 * WARNLIST_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (file && line > 0)
        snprintf(full, sizeof(full), "%s:%ld: %s", file, line, msg);
    else if (file)
        snprintf(full, sizeof(full), "%s: %s", file, msg);
    else
        snprintf(full, sizeof(full), "%s", msg);
    full[WARNLIST_MAX_LEN - 1] = '\0';
    /* A tab in a quoted config line reads as a space; other controls and
     * broken bytes (a cut may split a sequence) the collector refuses. */
    for (char *t = full; (t = strchr(t, '\t')) != NULL; t++)
        *t = ' ';
    tz_text_repair(full);
    if (w->v == NULL) {
        w->v = calloc(TZ_MAX_WARNINGS, sizeof(*w->v));
        if (w->v == NULL)
            return TZ_ENOMEM;
    }
    if ((w->v[w->n] = strdup(full)) == NULL)
        return TZ_ENOMEM;
    w->n++;
    return 0;
}

size_t warnlist_count(const struct warnlist *w)
{
    return w ? w->n + w->dropped : 0;
}

int warnlist_take(struct warnlist *w, char ***v, size_t *n)
{
    *v = NULL;
    *n = 0;
    if (w->dropped) {
        char note[64];
        snprintf(note, sizeof(note), "... and %zu more warnings", w->dropped);
        if (w->v == NULL && (w->v = calloc(TZ_MAX_WARNINGS, sizeof(*w->v))) == NULL)
            return TZ_ENOMEM;
        if ((w->v[w->n] = strdup(note)) == NULL)
            return TZ_ENOMEM;
        w->n++;
        w->dropped = 0;
    }
    if (w->n == 0) {
        warnlist_free(w);
        return 0;
    }
    *v = w->v;
    *n = w->n;
    w->v = NULL;
    w->n = 0;
    return 0;
}

void warnlist_free(struct warnlist *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    w->v = NULL;
    w->n = 0;
    w->dropped = 0;
}
