/* portal_export — downloads through a memory file. */
#include "portal_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "export_ledger.h"
#include "portal_i18n.h"
#include "tz_log.h"

/* Read the whole of fd from its start into a heap buffer. */
static int slurp(int fd, char **out, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return TZ_EIO;
    char *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL)
        return TZ_ENOMEM;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return TZ_EIO;
        }
        got += (size_t)n;
    }
    *out = buf;
    *len = got;
    return 0;
}

void portal_export(struct portal *p, struct portal_req *q, const char *fmt,
                   struct portal_resp *r)
{
    enum export_format f;
    if (export_format_parse(fmt, &f) != 0) {
        portal_error(q, r, 404, tr(q->lang, "The page or record does not exist, or it is not yours to see."));
        return;
    }
    const char *want = http_form_get(q->query, "dept");
    const char *dept = q->user->role == TZ__ROLE__ROLE_ADMIN
                           ? (want && want[0] ? want : NULL)
                           : q->user->dept;
    if (q->user->role != TZ__ROLE__ROLE_ADMIN && want && want[0] &&
        strcmp(want, q->user->dept) != 0) {
        portal_error(q, r, 404, tr(q->lang, "The page or record does not exist, or it is not yours to see."));
        return;
    }
    int fd = memfd_create("tz-export", MFD_CLOEXEC);
    struct tz_error err = {0};
    int rc = fd < 0 ? tz_err(&err, TZ_EIO, NULL, 0, "memfd_create: %s", strerror(errno))
                    : export_ledger(p->reg, dept, f, fd, (int64_t)time(NULL), NULL, &err);
    if (rc == 0)
        rc = slurp(fd, &r->body, &r->body_len);
    if (fd >= 0)
        close(fd);
    if (rc == TZ_ENOENT) {
        portal_error(q, r, 404, tr(q->lang, "The page or record does not exist, or it is not yours to see."));
        return;
    }
    if (rc != 0) {
        tz_log(TZ_LOG_ERROR, "export: %s", err.msg[0] ? err.msg : tz_strerror(rc));
        portal_error(q, r, 503, tr(q->lang, "Service unavailable"));
        return;
    }
    static const char *const types[] = {
        [EXPORT_CSV] = "text/csv; charset=utf-8",
        [EXPORT_JSON] = "application/json; charset=utf-8",
        [EXPORT_XLSX] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};
    r->status = 200;
    r->content_type = types[f];
    /* An ASCII file name: the department is in the file, not its name. */
    char day[16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(day, sizeof(day), "%Y%m%d", &tm);
    snprintf(r->disposition, sizeof(r->disposition),
             "attachment; filename=\"taizhang-ledger-%s.%s\"", day, fmt);
}
