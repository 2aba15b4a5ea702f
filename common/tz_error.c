/* tz_error — formatting of the error record shared by every module. */
#include "tz_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tz_err(struct tz_error *err, int code, const char *file, long line,
           const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->line = line;
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

const char *tz_error_str(const struct tz_error *err, char *buf, size_t len)
{
    if (err->file[0] && err->line > 0)
        snprintf(buf, len, "%s:%ld: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(buf, len, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, len, "%s", err->msg[0] ? err->msg : tz_strerror(err->code));
    return buf;
}

const char *tz_strerror(int code)
{
    switch (code) {
    case TZ_OK: return "ok";
    case TZ_ENOENT: return "not found";
    case TZ_EPARSE: return "parse error";
    case TZ_ENOMEM: return "out of memory";
    case TZ_EIO: return "I/O error";
    case TZ_ELIMIT: return "limit exceeded";
    case TZ_EINVAL: return "invalid argument";
    case TZ_EEXIST: return "already exists";
    case TZ_ECRYPTO: return "cryptographic check failed";
    case TZ_ESTORE: return "storage error";
    case TZ_ETIMEOUT: return "timed out";
    case TZ_EPROTO: return "protocol error";
    case TZ_EPERM: return "permission denied";
    case TZ_ECHANGED: return "changed meanwhile";
    }
    return "unknown error";
}
