/* configure — set options in tz-agent's INI in place, keeping the rest. */
#include "configure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"
#include "rootfs.h"

#define CONFIG_MAX (64 * 1024)

struct out {
    char *buf;
    size_t len, cap;
};

static int put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (o->len + n + 1 > cap)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (b == NULL)
            return TZ_ENOMEM;
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
    return 0;
}

static int put_flag(struct out *o, const struct agent_flag *f)
{
    int rc = put(o, f->key, strlen(f->key));
    if (rc == 0)
        rc = put(o, " = ", 3);
    if (rc == 0)
        rc = put(o, f->value, strlen(f->value));
    return rc == 0 ? put(o, "\n", 1) : rc;
}

/* The option a line sets ("key = v" or "key: v"), or "" for comments,
 * blanks and section headers. */
static void line_key(const char *line, size_t n, char *key, size_t keylen)
{
    key[0] = '\0';
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == n || line[i] == ';' || line[i] == '#' || line[i] == '[')
        return;
    size_t start = i;
    while (i < n && line[i] != '=' && line[i] != ':')
        i++;
    if (i == n)
        return;
    size_t end = i;
    while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t'))
        end--;
    if (end - start >= keylen)
        return;
    memcpy(key, line + start, end - start);
    key[end - start] = '\0';
}

static int is_header(const char *line, size_t n, const char *name)
{
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t len = strlen(name);
    return i + len + 2 <= n && line[i] == '[' &&
           strncmp(line + i + 1, name, len) == 0 && line[i + 1 + len] == ']';
}

static int given(const struct agent_flag *f, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(f[i].key, key) == 0)
            return 1;
    return 0;
}

/* Every flag with this key, in the order given. */
static int put_key(struct out *o, const struct agent_flag *f, int n,
                   const char *key)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        if (strcmp(f[i].key, key) == 0)
            rc = put_flag(o, &f[i]);
    return rc;
}

static int was_done(char done[][64], int n_done, const char *key)
{
    for (int d = 0; d < n_done; d++)
        if (strcmp(done[d], key) == 0)
            return 1;
    return 0;
}

/* The flags whose keys the section did not have, at its end. */
static int put_rest(struct out *o, const struct agent_flag *f, int n,
                    char done[][64], int n_done)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        if (!was_done(done, n_done, f[i].key))
            rc = put_flag(o, &f[i]);
    return rc;
}

/* old (NUL-terminated) with the flags set in its first [agent] section:
 * each key where it first stood, the rest at the end of the section. */
static int rewrite(const char *old, const struct agent_flag *f, int n,
                   struct out *o)
{
    int in_agent = 0, first = 0, seen_agent = 0, rc = 0;
    char done[AGENT_MAX_COLLECTORS + 16][64];
    int n_done = 0;
    for (const char *p = old; rc == 0 && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        char key[64];
        line_key(p, len, key, sizeof(key));
        if (p[strspn(p, " \t")] == '[') {
            if (first)                  /* leaving [agent]: add what is left */
                rc = put_rest(o, f, n, done, n_done);
            /* A second [agent] section only loses the keys set here. */
            in_agent = is_header(p, len, "agent");
            first = in_agent && !seen_agent;
            seen_agent |= in_agent;
        }
        if (in_agent && key[0] && given(f, n, key)) {
            /* The first line of a key gets all its new lines; later ones go. */
            if (first && !was_done(done, n_done, key) &&
                n_done < (int)(sizeof(done) / sizeof(done[0]))) {
                snprintf(done[n_done++], sizeof(done[0]), "%s", key);
                rc = put_key(o, f, n, key);
            }
        } else {
            rc = put(o, p, len);
            if (rc == 0 && nl == NULL)
                rc = put(o, "\n", 1);
        }
        p += len;
    }
    if (rc == 0 && !seen_agent) {
        rc = put(o, "[agent]\n", 8);
        first = 1;
    }
    if (rc == 0 && first)
        rc = put_rest(o, f, n, done, n_done);
    return rc == 0 ? 0 : TZ_ENOMEM;
}

int agent_configure(const char *path, const struct agent_flag *flags, int n,
                    struct tz_error *err)
{
    /* Each value as the agent would take it, before anything is touched. */
    struct agent_config c;
    agent_config_defaults(&c);
    char why[256];
    if (agent_config_apply_flags(&c, flags, n, why, sizeof(why)) != 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "%s", why);

    char *old = NULL;
    int rc = tz_read_file(path, CONFIG_MAX, &old, NULL, err);
    if (rc == TZ_ENOENT) {
        memset(err, 0, sizeof(*err));
        old = tz_strdup("; tz-agent configuration, written by tz-agent "
                        "--configure.\n; Every option: "
                        "/usr/share/doc/taizhang-agent/examples/"
                        "tz-agent.ini.example\n");
        if (old == NULL)
            return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    } else if (rc != 0) {
        return rc;
    }
    struct out o = {0};
    rc = rewrite(old, flags, n, &o);
    free(old);
    if (rc != 0)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    if (o.len > CONFIG_MAX) {
        free(o.buf);
        return tz_err(err, TZ_ELIMIT, path, 0, "would exceed %d bytes", CONFIG_MAX);
    }
    agent_config_defaults(&c);
    rc = agent_config_load_string(&c, o.buf, path, err);
    if (rc == 0 && (c.n_collectors == 0 || !c.have_collector_pk))
        rc = tz_err(err, TZ_EINVAL, path, 0, "needs collector and collector_key "
                    "(--collector URL --collector-key HEX)");
    if (rc == 0)
        rc = tz_write_file_atomic(path, o.buf, o.len, 0600, err);
    sodium_memzero(o.buf, o.cap);       /* may hold the token */
    free(o.buf);
    return rc;
}
