/* digest_config — parsing and checking the [digest] section. */
#include "digest_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest_mail.h"
#include "ini_value.h"

void digest_config_defaults(struct digest_config *c)
{
    memset(c, 0, sizeof(*c));
    c->enabled = -1;
    c->starttls = DIGEST_TLS_REQUIRED;
    c->schedule = (struct digest_schedule){DIGEST_WEEKLY, 1, 8 * 60};
    c->retry_interval = 900;
    c->max_attempts = 5;
    c->timeout = 60;
}

static int parse_hhmm(const char *v, int *minute)
{
    int h, m;
    char tail;
    if (sscanf(v, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 ||
        m < 0 || m > 59 || strlen(v) != 5)
        return -1;
    *minute = h * 60 + m;
    return 0;
}

int digest_schedule_parse(const char *v, struct digest_schedule *out)
{
    static const char *days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    char a[16], b[16], c[16], extra;
    int n = sscanf(v, "%15s %15s %15s %c", a, b, c, &extra);
    struct digest_schedule s = {DIGEST_WEEKLY, 1, 8 * 60};
    if (n >= 1 && strcmp(a, "daily") == 0 && n <= 2) {
        s.every = DIGEST_DAILY;
        if (n == 2 && parse_hhmm(b, &s.minute) != 0)
            return -1;
    } else if (n >= 1 && strcmp(a, "weekly") == 0 && n <= 3) {
        if (n >= 2) {
            s.wday = -1;
            for (int i = 0; i < 7; i++)
                if (strncasecmp(b, days[i], 3) == 0 && strlen(b) == 3)
                    s.wday = i;
            if (s.wday < 0)
                return -1;
        }
        if (n == 3 && parse_hhmm(c, &s.minute) != 0)
            return -1;
    } else {
        return -1;
    }
    *out = s;
    return 0;
}

static int set_str(char *dst, size_t cap, const char *v)
{
    if (strpbrk(v, "\r\n") || snprintf(dst, cap, "%s", v) >= (int)cap)
        return -1;
    return 0;
}

static int set_size(const char *v, long lo, long hi, size_t *out)
{
    int x;
    if (ini_int(v, lo, hi, &x) != 0)
        return -1;
    *out = (size_t)x;
    return 0;
}

static int set_url(struct digest_config *c, const char *v)
{
    if (strncmp(v, "smtp://", 7) != 0 && strncmp(v, "smtps://", 8) != 0)
        return -1;
    const char *host = v + (v[4] == 's' ? 8 : 7);
    if (host[0] == '\0' || host[0] == '/' || strpbrk(v, " \t"))
        return -1;
    return set_str(c->smtp_url, sizeof(c->smtp_url), v);
}

static int set_tls(struct digest_config *c, const char *v)
{
    if (strcmp(v, "required") == 0)
        c->starttls = DIGEST_TLS_REQUIRED;
    else if (strcmp(v, "try") == 0)
        c->starttls = DIGEST_TLS_TRY;
    else if (strcmp(v, "off") == 0)
        c->starttls = DIGEST_TLS_OFF;
    else
        return -1;
    return 0;
}

static int set_addr(char *dst, const char *v)
{
    if (v[0] && !digest_addr_ok(v))
        return -1;
    return set_str(dst, DIGEST_ADDR_MAX + 1, v);
}

int digest_config_kv(struct digest_config *c, const char *name,
                     const char *value, char *why, size_t why_len)
{
    int rc;
    if (strcmp(name, "enabled") == 0)
        rc = ini_bool(value, &c->enabled);
    else if (strcmp(name, "smtp_url") == 0)
        rc = set_url(c, value);
    else if (strcmp(name, "starttls") == 0)
        rc = set_tls(c, value);
    else if (strcmp(name, "username") == 0)
        rc = set_str(c->username, sizeof(c->username), value);
    else if (strcmp(name, "password_file") == 0)
        rc = set_str(c->password_file, sizeof(c->password_file), value);
    else if (strcmp(name, "from") == 0)
        rc = set_addr(c->from, value);
    else if (strcmp(name, "school_to") == 0)
        rc = set_addr(c->school_to, value);
    else if (strcmp(name, "schedule") == 0)
        rc = digest_schedule_parse(value, &c->schedule);
    else if (strcmp(name, "retry_interval") == 0)
        rc = set_size(value, 10, 86400, &c->retry_interval);
    else if (strcmp(name, "max_attempts") == 0)
        rc = set_size(value, 1, 100, &c->max_attempts);
    else if (strcmp(name, "timeout") == 0)
        rc = set_size(value, 1, 3600, &c->timeout);
    else {
        snprintf(why, why_len, "unknown option \"%s\" in [digest]", name);
        return -1;
    }
    if (rc != 0)
        snprintf(why, why_len, "bad value for %s: \"%s\"", name, value);
    return rc;
}

/* The first line of the file, which only its owner may read. */
static int read_password(struct digest_config *c, struct tz_error *err)
{
    int fd = open(c->password_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, c->password_file,
                      0, "cannot open the SMTP password file: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
        close(fd);
        return tz_err(err, TZ_EPERM, c->password_file, 0,
                      "the SMTP password file must be a regular file readable by "
                      "its owner only (chmod 600)");
    }
    ssize_t n = read(fd, c->password, sizeof(c->password) - 1);
    close(fd);
    if (n < 0)
        return tz_err(err, TZ_EIO, c->password_file, 0, "cannot read: %s",
                      strerror(errno));
    c->password[n] = '\0';
    c->password[strcspn(c->password, "\r\n")] = '\0';
    return 0;
}

int digest_config_finish(struct digest_config *c, struct tz_error *err)
{
    if (c->enabled < 0)
        c->enabled = c->smtp_url[0] != '\0';
    if (!c->enabled)
        return 0;
    if (c->smtp_url[0] == '\0' || c->from[0] == '\0')
        return tz_err(err, TZ_EINVAL, NULL, 0, "[digest] is enabled but smtp_url "
                                               "or from is not set");
    if (c->password_file[0] && read_password(c, err) != 0)
        return err->code;
    return 0;
}
