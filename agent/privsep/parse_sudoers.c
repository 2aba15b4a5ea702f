/* parse_sudoers — the part of sudoers(5) that decides NOPASSWD, from a file
 * tree that may be large, looping or malformed.
 *
 * Lines are read physically, comments cut, continuations joined, and each
 * joined line parsed on its own: a bad line costs a warning, never the rest
 * of the file. */
#include "parse_sudoers.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decimal.h"
#include "rootfs.h"
#include "textfile.h"

#define ROOT_FILE "/etc/sudoers"

struct ctx {
    const char *root;
    struct sudoers *s;
    struct warnlist *w;
    const char *file;          /* host path of the file being read */
    long line;                 /* first line of the joined line */
};

static const char *const tags[] = {
    "NOPASSWD", "PASSWD", "NOEXEC", "EXEC", "SETENV", "NOSETENV",
    "LOG_INPUT", "NOLOG_INPUT", "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL",
    "NOMAIL", "FOLLOW", "NOFOLLOW", "INTERCEPT", "NOINTERCEPT", NULL};

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

static int is_upper_word(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static char *skip_blank(char *p)
{
    while (is_blank(*p))
        p++;
    return p;
}

#define WARN(c, ...) warnlist_add((c)->w, (c)->file, (c)->line, __VA_ARGS__)

/* ---- members and lists ---- */

static void members_free(struct sudo_member *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(m[i].name);
    free(m);
}

/* Read one word at *pp: "quoted" or up to a blank or one of stops, with
 * backslash escapes; returns a malloc'd copy (NULL: ENOMEM), *pp after it. */
static char *read_word(char **pp, const char *stops)
{
    char *p = *pp;
    size_t cap = strlen(p) + 1, n = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1])
                p++;
            out[n++] = *p;
        }
        if (*p == '"')
            p++;
    } else {
        for (; *p && !is_blank(*p) && strchr(stops, *p) == NULL; p++) {
            if (*p == '\\' && p[1])
                p++;
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    *pp = p;
    return out;
}

/* A comma-separated list of possibly negated items ending where no comma
 * follows, or at a stop character. Returns 0, a warning (1), or <0. */
static int read_list(struct ctx *c, char **pp, const char *stops,
                     const char *what, struct sudo_member **out, size_t *n_out)
{
    struct sudo_member *m = calloc(SUDOERS_MAX_ITEMS, sizeof(*m));
    size_t n = 0;
    if (m == NULL)
        return TZ_ENOMEM;
    char *p = *pp;
    for (;;) {
        p = skip_blank(p);
        int neg = 0;
        while (*p == '!') {
            neg = !neg;
            p = skip_blank(p + 1);
        }
        if (n == SUDOERS_MAX_ITEMS) {
            members_free(m, n);
            int rc = warnlist_add(c->w, c->file, c->line,
                                  "more than %d items in a %s; line ignored",
                                  SUDOERS_MAX_ITEMS, what);
            return rc < 0 ? rc : 1;
        }
        char *word = read_word(&p, stops);
        if (word == NULL) {
            members_free(m, n);
            return TZ_ENOMEM;
        }
        if (word[0] == '\0') {
            free(word);
            members_free(m, n);
            int rc = WARN(c, "empty item in a %s; line ignored", what);
            return rc < 0 ? rc : 1;
        }
        m[n].name = word;
        m[n].negated = neg;
        n++;
        char *q = skip_blank(p);
        if (*q != ',') {
            p = q;
            break;
        }
        p = q + 1;
    }
    *pp = p;
    *out = m;
    *n_out = n;
    return 0;
}

/* Skip to the next top-level ',' or ':' (or the end), past quotes and
 * parentheses. */
static char *skip_item(char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p == '\0')
                break;
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (depth == 0 && (*p == ',' || *p == ':'))
            break;
    }
    return p;
}

/* ---- aliases ---- */

static const struct sudo_alias *find_alias(const struct sudoers *s,
                                           const char *name,
                                           enum sudo_alias_kind kind)
{
    for (size_t i = 0; i < s->n_aliases; i++)
        if (s->aliases[i].kind == kind && strcmp(s->aliases[i].name, name) == 0)
            return &s->aliases[i];
    return NULL;
}

static int any_alias(const struct sudoers *s, const char *name)
{
    for (size_t i = 0; i < s->n_aliases; i++)
        if (strcmp(s->aliases[i].name, name) == 0)
            return 1;
    return 0;
}

static int valid_alias_name(const char *s)
{
    if (!(s[0] >= 'A' && s[0] <= 'Z'))
        return 0;
    for (; *s; s++)
        if (!is_upper_word(*s))
            return 0;
    return 1;
}

/* "NAME = list [: NAME = list]..." after an *_Alias keyword. */
static int parse_alias(struct ctx *c, char *p, enum sudo_alias_kind kind,
                       const char *keyword)
{
    for (;;) {
        p = skip_blank(p);
        char *name = p;
        while (is_upper_word(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        char save = *p;
        *p = '\0';
        if (nlen == 0 || !valid_alias_name(name) || strcmp(name, "ALL") == 0) {
            *p = save;
            return WARN(c, "%s needs an upper-case NAME = list; line ignored",
                        keyword);
        }
        char *aname = strdup(name);
        *p = save;
        if (aname == NULL)
            return TZ_ENOMEM;
        p = skip_blank(p);
        if (*p != '=') {
            free(aname);
            return WARN(c, "%s: expected \"=\" after the alias name; line "
                        "ignored", keyword);
        }
        p++;
        struct sudo_member *m = NULL;
        size_t n = 0;
        int rc = 0;
        if (kind == SUDO_USER_ALIAS)
            rc = read_list(c, &p, ",:", "alias", &m, &n);
        else                        /* commands, hosts: only the name matters */
            while (*(p = skip_item(p)) == ',')
                p++;
        if (rc != 0) {
            free(aname);
            return rc < 0 ? rc : 0;
        }
        if (*p != '\0' && *p != ':') {
            free(aname);
            members_free(m, n);
            return WARN(c, "%s: unexpected text after the list; line ignored",
                        keyword);
        }
        if (c->s->n_aliases >= SUDOERS_MAX_ALIASES) {
            free(aname);
            members_free(m, n);
            return warnlist_add(c->w, c->file, c->line,
                                "more than %d aliases; the rest are ignored",
                                SUDOERS_MAX_ALIASES);
        }
        if (c->s->aliases == NULL &&
            (c->s->aliases = calloc(SUDOERS_MAX_ALIASES,
                                    sizeof(*c->s->aliases))) == NULL) {
            free(aname);
            members_free(m, n);
            return TZ_ENOMEM;
        }
        struct sudo_alias *a = &c->s->aliases[c->s->n_aliases++];
        a->name = aname;
        a->kind = kind;
        a->m = m;
        a->n = n;
        if (*p != ':')
            return 0;
        p++;
    }
}

/* ---- user specifications ---- */

static int known_tag(const char *w, size_t len)
{
    for (size_t i = 0; tags[i]; i++)
        if (strlen(tags[i]) == len && memcmp(tags[i], w, len) == 0)
            return 1;
    return 0;
}

/* The command part after '=': "[(runas)] [TAG: | OPTION=v]... cmnd, ..."
 * and further ": hosts = ..." parts. Sets *nopasswd; warns on a tag we do
 * not know (the usual typo: "NOPASWD:"). */
static int scan_commands(struct ctx *c, char *p, int *nopasswd)
{
    for (;;) {
        p = skip_blank(p);
        if (*p == '(') {                      /* runas spec */
            char *e = strchr(p, ')');
            if (e == NULL)
            {
                int rc = WARN(c, "%s", "unclosed \"(\" in the runas part; "
                              "line ignored");
                return rc < 0 ? rc : 1;
            }
            p = skip_blank(e + 1);
        }
        for (;;) {                            /* tags and options */
            char *w = p;
            while (is_upper_word(*p))
                p++;
            size_t len = (size_t)(p - w);
            char *q = skip_blank(p);
            if (len > 0 && *q == ':' && q[1] != ':') {
                char word[64];
                snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63),
                         w);
                if (len == 8 && memcmp(w, "NOPASSWD", 8) == 0)
                    *nopasswd = 1;
                else if (!known_tag(w, len) && !any_alias(c->s, word) &&
                         strcmp(word, "ALL") != 0) {
                    int rc = WARN(c, "unknown tag \"%s\" (taken as no tag)",
                                  word);
                    if (rc < 0)
                        return rc;
                }
                if (!known_tag(w, len) && (any_alias(c->s, word) ||
                                           strcmp(word, "ALL") == 0)) {
                    p = w;                    /* "CMDS : host = ..." */
                    break;
                }
                p = skip_blank(q + 1);
                continue;
            }
            if (len > 0 && *q == '=') {       /* CWD=, CHROOT=, TIMEOUT=... */
                p = q + 1;
                free(read_word(&p, ","));
                p = skip_blank(p);
                continue;
            }
            p = w;
            break;
        }
        /* the command itself; a ':' with no "hosts =" after it belongs to
         * the command ("sha256:...", arguments) */
        for (p = skip_item(p); *p == ':' && p[1 + strcspn(p + 1, "=,:")] != '=';)
            p = skip_item(p + 1);
        if (*p == '\0')
            return 0;
        if (*p == ',') {
            p++;
            continue;
        }
        /* ':' — another "hosts = commands" part follows */
        char *eq = strchr(p + 1, '=');
        if (eq == NULL)
            return WARN(c, "%s", "expected \"hosts = commands\" after \":\"");
        p = eq + 1;
    }
}

static int add_rule(struct ctx *c, const char *text, struct sudo_member *users,
                    size_t n_users, int nopasswd)
{
    struct sudoers *s = c->s;
    if (s->n_rules >= SUDOERS_MAX_RULES) {
        members_free(users, n_users);
        return warnlist_add(c->w, c->file, c->line,
                            "more than %d rules; the rest are ignored",
                            SUDOERS_MAX_RULES);
    }
    if (s->rules == NULL &&
        (s->rules = calloc(SUDOERS_MAX_RULES, sizeof(*s->rules))) == NULL) {
        members_free(users, n_users);
        return TZ_ENOMEM;
    }
    struct sudo_rule *r = &s->rules[s->n_rules];
    size_t len = strlen(text);
    if (len > SUDOERS_MAX_TEXT) {
        size_t cut = SUDOERS_MAX_TEXT - 3;
        while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut--;                  /* do not split a UTF-8 sequence */
        r->text = malloc(cut + 4);
        if (r->text) {
            memcpy(r->text, text, cut);
            memcpy(r->text + cut, "...", 4);
        }
    } else {
        r->text = strdup(text);
    }
    r->file = strdup(c->file);
    if (r->text == NULL || r->file == NULL) {
        free(r->text);
        free(r->file);
        members_free(users, n_users);
        memset(r, 0, sizeof(*r));
        return TZ_ENOMEM;
    }
    r->users = users;
    r->n_users = n_users;
    r->nopasswd = nopasswd;
    r->line = c->line;
    s->n_rules++;
    return 0;
}

/* Each run of blanks in s as one space, in place: "root\tALL=..." is how
 * Debian's own sudoers is written, and a rule's text goes to the collector,
 * which refuses a tab in any string. */
static void squeeze_blanks(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (!is_blank(*r))
            *w++ = *r;
        else if (w == s || w[-1] != ' ')
            *w++ = ' ';
    }
    *w = '\0';
}

static int parse_spec(struct ctx *c, char *line)
{
    char *text = strdup(line);
    if (text == NULL)
        return TZ_ENOMEM;
    squeeze_blanks(text);
    char *p = line;
    struct sudo_member *users = NULL, *hosts = NULL;
    size_t n_users = 0, n_hosts = 0;
    int rc = read_list(c, &p, ",=", "user list", &users, &n_users);
    if (rc != 0)
        goto out;
    p = skip_blank(p);
    if (*p == '=' || *p == '\0') {
        rc = WARN(c, "%s", "expected \"users hosts = commands\"; line ignored");
        goto out;
    }
    rc = read_list(c, &p, ",=", "host list", &hosts, &n_hosts);
    if (rc != 0)
        goto out;
    p = skip_blank(p);
    if (*p != '=') {
        rc = WARN(c, "%s", "expected \"=\" after the host list (\"users hosts "
                  "= commands\"); line ignored");
        goto out;
    }
    p = skip_blank(p + 1);
    if (*p == '\0') {
        rc = WARN(c, "%s", "no command after \"=\"; line ignored");
        goto out;
    }
    int nopasswd = 0;
    rc = scan_commands(c, p, &nopasswd);
    if (rc != 0)
        goto out;
    rc = add_rule(c, text, users, n_users, nopasswd);
    users = NULL;
    n_users = 0;
out:
    members_free(users, n_users);
    members_free(hosts, n_hosts);
    free(text);
    return rc < 0 ? rc : 0;
}

/* ---- includes ---- */

static int parse_file(struct ctx *c, const char *hostpath, int depth, int top,
                      struct tz_error *err);

/* The path of an include directive, relative to the including file. */
static int include_path(struct ctx *c, char *p, char *out, size_t outlen)
{
    p = skip_blank(p);
    char *word = read_word(&p, "");
    if (word == NULL)
        return TZ_ENOMEM;
    int rc = 0;
    if (word[0] == '\0')
        rc = WARN(c, "%s", "include without a path; ignored") < 0 ? TZ_ENOMEM : 1;
    else if (*skip_blank(p) != '\0')
        rc = WARN(c, "%s", "text after the include path; ignored") < 0 ?
             TZ_ENOMEM : 1;
    else if (strstr(word, "%h"))
        rc = WARN(c, "include path \"%s\" uses %%h (host name), not "
                  "expanded; ignored", word) < 0 ? TZ_ENOMEM : 1;
    else if (word[0] == '/') {
        if (snprintf(out, outlen, "%s", word) >= (int)outlen)
            rc = WARN(c, "%s", "include path too long; ignored") < 0 ?
                 TZ_ENOMEM : 1;
    } else {
        const char *slash = strrchr(c->file, '/');
        int dl = slash ? (int)(slash - c->file) : 0;
        if (snprintf(out, outlen, "%.*s/%s", dl, c->file, word) >= (int)outlen)
            rc = WARN(c, "%s", "include path too long; ignored") < 0 ?
                 TZ_ENOMEM : 1;
    }
    free(word);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sudo skips editor backups ("~") and anything with a '.' (".rpmsave",
 * "README.txt"), so that package leftovers are never read as policy. */
static int includedir_name_ok(const char *n)
{
    size_t len = strlen(n);
    return len > 0 && n[len - 1] != '~' && strchr(n, '.') == NULL;
}

static int include_dir(struct ctx *c, const char *dir, int depth)
{
    DIR *d = tz_root_opendir(c->root, dir);
    if (d == NULL)
        return 0;                       /* sudo ignores a missing includedir */
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!includedir_name_ok(de->d_name))
            continue;
        if (n >= SUDOERS_MAX_FILES) {
            rc = WARN(c, "include directory \"%s\" has too many files; "
                      "the rest are ignored", dir);
            break;
        }
        if (names == NULL &&
            (names = calloc(SUDOERS_MAX_FILES, sizeof(*names))) == NULL) {
            rc = TZ_ENOMEM;
            break;
        }
        char fp[4096];
        struct stat st;
        if (snprintf(fp, sizeof(fp), "%s/%s", dir, de->d_name) >= (int)sizeof(fp) ||
            tz_root_stat(c->root, fp, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        if ((names[n] = strdup(de->d_name)) == NULL) {
            rc = TZ_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc >= 0 && n > 0)
        qsort(names, n, sizeof(*names), cmp_str);
    const char *file = c->file;
    long line = c->line;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        char hp[4096];
        if (snprintf(hp, sizeof(hp), "%s/%s", dir, names[i]) >= (int)sizeof(hp))
            continue;
        rc = parse_file(c, hp, depth + 1, 0, NULL);
        c->file = file;
        c->line = line;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc < 0 ? rc : 0;
}

/* "#include", "#includedir", "@include", "@includedir" at p (leading blanks
 * skipped)? Returns 1 and handles it, or 0 when the line is something else. */
static int directive(struct ctx *c, char *p, int depth, int *rc)
{
    if (p[0] != '#' && p[0] != '@')
        return 0;
    int dir;
    char *arg;
    if (strncmp(p + 1, "includedir", 10) == 0 && is_blank(p[11]))
        dir = 1, arg = p + 11;
    else if (strncmp(p + 1, "include", 7) == 0 && is_blank(p[8]))
        dir = 0, arg = p + 8;
    else
        return 0;
    char path[4096];
    *rc = include_path(c, arg, path, sizeof(path));
    if (*rc != 0) {
        if (*rc > 0)
            *rc = 0;
        return 1;
    }
    if (depth + 1 > SUDOERS_MAX_DEPTH) {
        *rc = warnlist_add(c->w, c->file, c->line,
                           "includes nested deeper than %d levels (a loop?); "
                           "\"%s\" not read", SUDOERS_MAX_DEPTH, path);
        return 1;
    }
    const char *file = c->file;
    long line = c->line;
    *rc = dir ? include_dir(c, path, depth) : parse_file(c, path, depth + 1, 0,
                                                         NULL);
    c->file = file;
    c->line = line;
    return 1;
}

/* Cut a comment: '#' not escaped, not quoted, not before a digit. */
static void cut_comment(char *p)
{
    int quoted = 0;
    for (; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '#' && !quoted && !(p[1] >= '0' && p[1] <= '9')) {
            *p = '\0';
            return;
        }
    }
}

static void rtrim(char *p)
{
    size_t n = strlen(p);
    while (n > 0 && is_blank(p[n - 1]))
        p[--n] = '\0';
}

/* One joined line, comment already cut. */
static int parse_line(struct ctx *c, char *p)
{
    p = skip_blank(p);
    rtrim(p);
    if (*p == '\0')
        return 0;
    char *e = p;
    while (*e && !is_blank(*e) && !strchr(":@!>=,", *e))
        e++;
    size_t len = (size_t)(e - p);
    if (len == 8 && memcmp(p, "Defaults", 8) == 0)
        return 0;
    static const struct { const char *kw; enum sudo_alias_kind kind; } kws[] = {
        {"User_Alias", SUDO_USER_ALIAS}, {"Runas_Alias", SUDO_RUNAS_ALIAS},
        {"Host_Alias", SUDO_HOST_ALIAS}, {"Cmnd_Alias", SUDO_CMND_ALIAS},
        {"Cmd_Alias", SUDO_CMND_ALIAS}};
    for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
        if (strlen(kws[i].kw) == len && memcmp(p, kws[i].kw, len) == 0)
            return parse_alias(c, e, kws[i].kind, kws[i].kw);
    return parse_spec(c, p);
}

static int parse_file(struct ctx *c, const char *hostpath, int depth, int top,
                      struct tz_error *err)
{
    if (c->s->n_files >= SUDOERS_MAX_FILES)
        return warnlist_add(c->w, hostpath, 0, "more than %d sudoers files; "
                            "not read", SUDOERS_MAX_FILES);
    char full[4096];   /* for messages */
    if (tz_path(c->root, hostpath, full, sizeof(full)) != 0)
        return top ? tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long")
                   : warnlist_add(c->w, hostpath, 0, "path too long; not read");
    struct textfile tf;
    struct tz_error ferr;
    int rc = textfile_read_in(c->root, hostpath, SUDOERS_MAX_BYTES, &tf, &ferr);
    if (rc != 0) {
        if (top) {
            if (err)
                *err = ferr;
            return rc;
        }
        return warnlist_add(c->w, hostpath, 0, "included but not readable: %s",
                            ferr.msg);
    }
    c->s->n_files++;
    char *joined = malloc(SUDOERS_MAX_LINE + 1);
    if (joined == NULL) {
        textfile_free(&tf);
        return tz_err(err, TZ_ENOMEM, full, 0, "out of memory");
    }
    size_t jlen = 0;
    int pending = 0, too_long = 0;
    char *line;
    size_t len;
    rc = 0;
    while (rc >= 0 && textfile_next(&tf, &line, &len) == 1) {
        c->file = hostpath;
        if (!pending) {
            c->line = tf.lineno;
            char *p = skip_blank(line);
            if (directive(c, p, depth, &rc))
                continue;
        }
        cut_comment(line);
        rtrim(line);
        size_t n = strlen(line);
        int cont = n > 0 && line[n - 1] == '\\';
        if (cont) {
            line[--n] = '\0';
            rtrim(line);
        }
        char *piece = pending ? skip_blank(line) : line;
        n = strlen(piece);
        if (!too_long && jlen + n + 1 > SUDOERS_MAX_LINE)
            too_long = 1;
        if (!too_long) {
            if (pending && jlen > 0 && n > 0)
                joined[jlen++] = ' ';
            memcpy(joined + jlen, piece, n);
            jlen += n;
            joined[jlen] = '\0';
        }
        if (cont) {
            pending = 1;
            continue;
        }
        if (too_long)
            rc = warnlist_add(c->w, c->file, c->line, "line longer than %u "
                              "bytes (joined); ignored", SUDOERS_MAX_LINE);
        else {
            joined[jlen] = '\0';
            rc = parse_line(c, joined);
        }
        pending = too_long = 0;
        jlen = 0;
    }
    if (rc >= 0 && pending) {
        joined[too_long ? 0 : jlen] = '\0';
        rc = warnlist_add(c->w, c->file, c->line, "%s",
                          "file ends in a line continuation");
        if (rc >= 0 && !too_long)
            rc = parse_line(c, joined);
    }
    free(joined);
    textfile_free(&tf);
    if (rc < 0)
        return tz_err(err, rc, full, 0, "%s", tz_strerror(rc));
    return 0;
}

int parse_sudoers(const char *root, struct sudoers *s, struct warnlist *w,
                  struct tz_error *err)
{
    memset(s, 0, sizeof(*s));
    struct ctx c = {root, s, w, ROOT_FILE, 0};
    int rc = parse_file(&c, ROOT_FILE, 0, 1, err);
    if (rc < 0) {
        sudoers_free(s);
        return rc;
    }
    return 0;
}

/* ---- matching ---- */

enum { M_NONE = 0, M_ALLOW = 1, M_DENY = 2 };

static int item_matches(const struct sudoers *s, const struct sudo_member *m,
                        const struct sudo_user *u, int depth,
                        unsigned long *budget);

/* sudo walks a list from its end: the last item that matches decides. */
static int list_matches(const struct sudoers *s, const struct sudo_member *m,
                        size_t n, const struct sudo_user *u, int depth,
                        unsigned long *budget)
{
    for (size_t i = n; i-- > 0;) {
        if (*budget == 0)
            return TZ_ELIMIT;
        (*budget)--;
        int r = item_matches(s, &m[i], u, depth, budget);
        if (r < 0)
            return r;
        if (r == M_NONE)
            continue;
        if (m[i].negated)
            r = r == M_ALLOW ? M_DENY : M_ALLOW;
        return r;
    }
    return M_NONE;
}

static int parse_id(const char *s, uint32_t *out)
{
    unsigned long v;
    if (tz_decimal(s, 4294967295UL, &v) != 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int in_gid(const struct sudo_user *u, uint32_t gid,
                  unsigned long *budget)
{
    if (u->gid == gid)
        return 1;
    if (u->groups == NULL)
        return 0;
    for (size_t i = 0; i < u->groups->n; i++) {
        if (*budget == 0)
            return TZ_ELIMIT;
        (*budget)--;
        const struct group_entry *g = &u->groups->v[i];
        if (g->gid == gid && group_has_user(g, u->name, u->gid))
            return 1;
    }
    return 0;
}

static int item_matches(const struct sudoers *s, const struct sudo_member *m,
                        const struct sudo_user *u, int depth,
                        unsigned long *budget)
{
    const char *n = m->name;
    uint32_t id;
    if (strcmp(n, "ALL") == 0)
        return M_ALLOW;
    if (n[0] == '#')
        return parse_id(n + 1, &id) == 0 && id == u->uid ? M_ALLOW : M_NONE;
    if (n[0] == '%') {
        if (n[1] == ':')                  /* non-Unix group plugin */
            return M_NONE;
        if (n[1] == '#') {
            if (parse_id(n + 2, &id) != 0)
                return M_NONE;
            int r = in_gid(u, id, budget);
            return r < 0 ? r : r ? M_ALLOW : M_NONE;
        }
        const struct group_entry *g = u->groups ? group_find(u->groups, n + 1)
                                                : NULL;
        return g && group_has_user(g, u->name, u->gid) ? M_ALLOW : M_NONE;
    }
    if (n[0] == '+')                      /* netgroup: not looked up */
        return M_NONE;
    if (valid_alias_name(n)) {
        const struct sudo_alias *a = find_alias(s, n, SUDO_USER_ALIAS);
        if (a == NULL || depth >= SUDOERS_MAX_DEPTH)
            return M_NONE;
        return list_matches(s, a->m, a->n, u, depth + 1, budget);
    }
    return strcmp(n, u->name) == 0 ? M_ALLOW : M_NONE;
}

int sudoers_rule_applies(const struct sudoers *s, const struct sudo_rule *r,
                         const struct sudo_user *u, unsigned long *budget)
{
    int m = list_matches(s, r->users, r->n_users, u, 0, budget);
    if (m < 0)
        return m;
    return m == M_ALLOW;
}

void sudoers_free(struct sudoers *s)
{
    for (size_t i = 0; i < s->n_aliases; i++) {
        free(s->aliases[i].name);
        members_free(s->aliases[i].m, s->aliases[i].n);
    }
    free(s->aliases);
    for (size_t i = 0; i < s->n_rules; i++) {
        free(s->rules[i].text);
        free(s->rules[i].file);
        members_free(s->rules[i].users, s->rules[i].n_users);
    }
    free(s->rules);
    memset(s, 0, sizeof(*s));
}
