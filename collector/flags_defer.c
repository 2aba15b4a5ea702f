/* flags_defer — hosts of stored reports gathered for one rules pass per
 * interval, so ingest commits once per batch (flags_defer.h). */
#include "flags_defer.h"

#include <stdlib.h>
#include <time.h>

#include "flags_update.h"
#include "tz_log.h"

struct flags_defer {
    uv_timer_t timer;
    struct tz_register *reg;
    const struct rules_config *cfg;
    uint64_t interval_ms;
    uint64_t *ids;
    size_t n, cap;
};

int flags_defer_new(uv_loop_t *loop, struct tz_register *reg,
                    const struct rules_config *cfg, uint64_t interval_ms,
                    struct flags_defer **out, struct tz_error *err)
{
    struct flags_defer *fd = calloc(1, sizeof(*fd));
    if (fd == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    fd->reg = reg;
    fd->cfg = cfg;
    fd->interval_ms = interval_ms ? interval_ms : FLAGS_DEFER_MS;
    uv_timer_init(loop, &fd->timer);
    fd->timer.data = fd;
    *out = fd;
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int flags_defer_flush(struct flags_defer *fd, struct tz_error *err)
{
    if (fd->n == 0)
        return 0;
    /* Each host once, however many of its reports came in. */
    qsort(fd->ids, fd->n, sizeof(*fd->ids), cmp_id);
    size_t u = 0;
    for (size_t i = 0; i < fd->n; i++)
        if (u == 0 || fd->ids[u - 1] != fd->ids[i])
            fd->ids[u++] = fd->ids[i];
    fd->n = 0;
    return flags_update_hosts(fd->reg, fd->cfg, fd->ids, u, (int64_t)time(NULL), err);
}

static void on_timer(uv_timer_t *t)
{
    struct tz_error err = {0};
    char buf[700];
    if (flags_defer_flush(t->data, &err) != 0)
        tz_log(TZ_LOG_ERROR, "updating flags: %s", tz_error_str(&err, buf, sizeof(buf)));
}

void flags_defer_add(void *arg, const uint64_t *ids, size_t n)
{
    struct flags_defer *fd = arg;
    if (fd->n + n > fd->cap) {
        size_t ncap = fd->cap ? fd->cap : 256;
        while (ncap < fd->n + n)
            ncap *= 2;
        uint64_t *nv = realloc(fd->ids, ncap * sizeof(*nv));
        if (nv == NULL) {
            tz_log(TZ_LOG_ERROR, "out of memory: flags of %zu hosts wait for the recheck",
                   n);
            return;
        }
        fd->ids = nv;
        fd->cap = ncap;
    }
    for (size_t i = 0; i < n; i++)
        fd->ids[fd->n++] = ids[i];
    if (!uv_is_active((uv_handle_t *)&fd->timer))
        uv_timer_start(&fd->timer, on_timer, fd->interval_ms, 0);
}

size_t flags_defer_pending(const struct flags_defer *fd)
{
    return fd->n;
}

static void on_closed(uv_handle_t *h)
{
    struct flags_defer *fd = h->data;
    free(fd->ids);
    free(fd);
}

void flags_defer_close(struct flags_defer *fd)
{
    if (fd == NULL)
        return;
    struct tz_error err = {0};
    char buf[700];
    if (flags_defer_flush(fd, &err) != 0)
        tz_log(TZ_LOG_ERROR, "updating flags: %s", tz_error_str(&err, buf, sizeof(buf)));
    uv_timer_stop(&fd->timer);
    if (!uv_is_closing((uv_handle_t *)&fd->timer))
        uv_close((uv_handle_t *)&fd->timer, on_closed);
}
