/* ledger_fields — parse, check and print the system ledger's fields, from one
 * table, so that tzctl flags, `system set`, CSV import and the register agree
 * on what every value means. */
#include "ledger_fields.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "civil_day.h"
#include "system_match.h"
#include "tz_error.h"
#include "tz_limits.h"
#include "utf8.h"

const struct ledger_field ledger_fields[LF_COUNT] = {
    {LF_NAME, "name", "系统名称", "系统|system", LK_NAME, 1},
    {LF_DEPT, "dept", "所属单位", "单位|department", LK_NAME, 1},
    {LF_OWNER, "owner", "负责人", NULL, LK_NAME, 0},
    {LF_ADMIN, "admin", "管理员", NULL, LK_NAME, 0},
    {LF_CONTACT, "contact", "联系方式", "联系电话", LK_TEXT, 0},
    {LF_DOMAINS, "domains", "域名", "url|域名/URL|网址", LK_DOMAINS, 0},
    {LF_IPS, "ips", "IP地址", "ip|IP", LK_IPS, 0},
    {LF_PURPOSE, "purpose", "用途", NULL, LK_TEXT, 0},
    {LF_DATA_KINDS, "data_kinds", "数据类型", NULL, LK_TEXT, 0},
    {LF_PERSONAL_DATA, "personal_data", "是否含个人信息", "个人信息",
     LK_BOOL, 0},
    {LF_DEPLOYMENT, "deployment", "部署位置", NULL, LK_TEXT, 0},
    {LF_ICP_FILING, "icp_filing", "ICP备案号", NULL, LK_STR, 0},
    {LF_PSB_FILING, "psb_filing", "公安备案号", NULL, LK_STR, 0},
    {LF_SCHOOL_FILING, "school_filing", "校内备案", "校内备案号", LK_STR, 0},
    {LF_MLPS_GRADE, "mlps_grade", "等保等级", "grade", LK_GRADE, 0},
    {LF_GRADING_FILED_AT, "grading_filed_at", "定级备案日期",
     "grading_filed_day", LK_DATE, 0},
    {LF_LAST_EVALUATION_AT, "last_evaluation_at", "最近测评日期",
     "last_evaluation_day", LK_DATE, 0},
    {LF_PRELAUNCH_STATUS, "prelaunch_status", "上线前审查", "prelaunch",
     LK_REVIEW, 0},
    {LF_PRELAUNCH_DATE, "prelaunch_date", "上线前审查日期", "审查日期",
     LK_DATE, 0},
    {LF_PRELAUNCH_REVIEWER, "prelaunch_reviewer", "审查人", NULL, LK_NAME,
     0},
    {LF_PRELAUNCH_REPORT_ID, "prelaunch_report_id", "审查报告编号", NULL,
     LK_STR, 0},
    {LF_LAUNCHED_AT, "launched_at", "上线日期", "launched_day", LK_DATE, 0},
    {LF_STATUS, "status", "状态", "系统状态", LK_STATUS, 0},
    {LF_PUBLIC_FACING, "public_facing", "对外服务", "是否对外服务", LK_BOOL,
     0},
    {LF_REMARKS, "remarks", "备注", "说明|notes|comments", LK_TEXT, 0},
};

#define YEAR_MIN 1980
#define YEAR_MAX 2099

static int why_set(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t len, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return TZ_EINVAL;
}

/* ---- trimming and names ---- */

/* Bytes of the space at p: ASCII blanks, U+00A0 (Excel's non-breaking space)
 * and U+3000 (the ideographic space a Chinese input method types). */
static size_t space_at(const char *p, size_t avail)
{
    const unsigned char *u = (const unsigned char *)p;
    if (avail >= 1 && (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' ||
                       u[0] == '\n'))
        return 1;
    if (avail >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
        return 2;
    if (avail >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
        return 3;
    return 0;
}

static void trim_span(const char *s, const char **start, size_t *len)
{
    size_t n = strlen(s), k;
    while (n > 0 && (k = space_at(s, n)) > 0) {
        s += k;
        n -= k;
    }
    for (;;) {
        if (n >= 1 && space_at(s + n - 1, 1) == 1)
            n -= 1;
        else if (n >= 2 && space_at(s + n - 2, 2) == 2)
            n -= 2;
        else if (n >= 3 && space_at(s + n - 3, 3) == 3)
            n -= 3;
        else
            break;
    }
    *start = s;
    *len = n;
}

char *ledger_trim_dup(const char *s)
{
    const char *p;
    size_t n;
    trim_span(s, &p, &n);
    return strndup(p, n);
}

/* Trimmed s into a small stack buffer for the keyword parsers; 0 when it
 * does not fit (then it matches no keyword anyway). */
static int trim_into(const char *s, char *buf, size_t len)
{
    const char *p;
    size_t n;
    trim_span(s, &p, &n);
    if (n >= len)
        return 0;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return 1;
}

static int key_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '-' ? '_' : (char)tolower((unsigned char)*a);
        char y = *b == '-' ? '_' : (char)tolower((unsigned char)*b);
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static int alias_match(const char *aliases, const char *name)
{
    if (aliases == NULL)
        return 0;
    size_t nl = strlen(name);
    for (const char *p = aliases; *p;) {
        size_t n = strcspn(p, "|");
        if (n == nl && (strncmp(p, name, n) == 0 ||
                        strncasecmp(p, name, n) == 0))
            return 1;
        p += n;
        if (*p == '|')
            p++;
    }
    return 0;
}

const struct ledger_field *ledger_field_find(const char *key_or_label)
{
    char name[128];
    if (key_or_label == NULL || !trim_into(key_or_label, name, sizeof(name)))
        return NULL;
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field *f = &ledger_fields[i];
        if (key_eq(name, f->key) || strcmp(name, f->label) == 0 ||
            alias_match(f->aliases, name))
            return f;
    }
    return NULL;
}

/* ---- text ---- */

/* "联系方式, 用途, 数据类型, 部署位置 and 备注": the fields that keep line
 * breaks, from the table. */
static void text_fields(char *buf, size_t len)
{
    size_t used = 0, n = 0, total = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < LF_COUNT; i++)
        total += ledger_fields[i].kind == LK_TEXT;
    for (size_t i = 0; i < LF_COUNT && used < len; i++) {
        if (ledger_fields[i].kind != LK_TEXT)
            continue;
        n++;
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 n == 1 ? "" : n == total ? " and " : ", ",
                                 ledger_fields[i].label);
    }
}

/* Valid UTF-8 within max bytes, no control characters (C0, DEL, C1) except
 * \n and \t when multiline. */
static int text_check(const char *s, size_t max, int multiline, char *why,
                      size_t whylen)
{
    size_t len = strlen(s);
    if (len > max)
        return why_set(why, whylen, "is %zu bytes long, the limit is %zu",
                       len, max);
    if (!tz_utf8_valid(s))
        return why_set(why, whylen, "is not valid UTF-8");
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        int ctl = u[i] < 0x20 || u[i] == 0x7f ||
                  (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f);
        if (!ctl || (multiline && (u[i] == '\n' || u[i] == '\t')))
            continue;
        /* The common case is Alt+Enter in Excel: say that, not "control". */
        if (u[i] == '\n' || u[i] == '\r') {
            char text[256];
            text_fields(text, sizeof(text));
            return why_set(why, whylen, "has a line break, and this field "
                           "is one line (only %s take several)", text);
        }
        return why_set(why, whylen, "contains a control character");
    }
    return 0;
}

static size_t kind_max(enum ledger_kind k)
{
    return k == LK_NAME ? TZ_MAX_NAME : TZ_MAX_STR;
}

/* CRLF and lone CR become LF, in place: Excel writes either in a cell. */
static void normalize_newlines(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\r') {
            *w++ = '\n';
            if (r[1] == '\n')
                r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* ---- keyword parsers ---- */

static int word_in(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcasecmp(s, *words) == 0)
            return 1;
    return 0;
}

int ledger_parse_status(const char *s, const char **status, char *why,
                        size_t whylen)
{
    static const char *const planned[] = {"planned", "规划", "规划中", "建设中",
                                          "在建", "筹建", NULL};
    static const char *const live[] = {"live", "运行", "运行中", "在用",
                                       "上线", "已上线", "在线", NULL};
    static const char *const retired[] = {"retired", "下线", "已下线", "停用",
                                          "已停用", "退役", NULL};
    char b[64];
    *status = NULL;
    if (trim_into(s, b, sizeof(b))) {
        if (word_in(b, planned))
            *status = "planned";
        else if (word_in(b, live))
            *status = "live";
        else if (word_in(b, retired))
            *status = "retired";
    }
    if (*status)
        return 0;
    return why_set(why, whylen,
                   "\"%.64s\" is not a status (planned/规划, live/运行, "
                   "retired/下线)", s);
}

int ledger_parse_review(const char *s, const char **status, char *why,
                        size_t whylen)
{
    static const char *const none[] = {"none", "无", "未审查", "未开展", NULL};
    static const char *const passed[] = {"passed", "pass", "通过", "已通过",
                                         "合格", NULL};
    static const char *const failed[] = {"failed", "fail", "未通过", "不通过",
                                         "不合格", NULL};
    char b[64];
    *status = NULL;
    if (trim_into(s, b, sizeof(b))) {
        if (b[0] == '\0')
            *status = "";
        else if (word_in(b, none))
            *status = "none";
        else if (word_in(b, passed))
            *status = "passed";
        else if (word_in(b, failed))
            *status = "failed";
    }
    if (*status)
        return 0;
    return why_set(why, whylen,
                   "\"%.64s\" is not a review result (passed/通过, "
                   "failed/未通过, none/未审查)", s);
}

int ledger_parse_bool(const char *s, int *v, char *why, size_t whylen)
{
    static const char *const yes[] = {"yes", "y", "true", "1", "是", "有",
                                      NULL};
    static const char *const no[] = {"", "no", "n", "false", "0", "否", "无",
                                     NULL};
    char b[32];
    *v = 0;
    if (trim_into(s, b, sizeof(b))) {
        if (word_in(b, yes)) {
            *v = 1;
            return 0;
        }
        if (word_in(b, no))
            return 0;
    }
    return why_set(why, whylen, "\"%.64s\" is not yes/是 or no/否", s);
}

/* A digit or a Chinese numeral 一..九 at *p: its value, *p advanced; -1. */
static int numeral(const char **p)
{
    static const char *const cn[] = {"一", "二", "三", "四", "五",
                                     "六", "七", "八", "九"};
    if (**p >= '0' && **p <= '9')
        return *(*p)++ - '0';
    for (int i = 0; i < 9; i++) {
        size_t n = strlen(cn[i]);
        if (strncmp(*p, cn[i], n) == 0) {
            *p += n;
            return i + 1;
        }
    }
    return -1;
}

/* MLPS 1.0 (GB/T 22239-2008) wrote a grade as S2A3G3: the security (S),
 * service (A) and general (G) grades. The system's grade is the highest of
 * them. S and A are required, G optional, each once, in that order, 1..5;
 * the letters in either case. The highest, or 0 when s is not this form. */
static int mlps1_grade(const char *s)
{
    static const char letters[] = "SAG";
    int high = 0;
    for (size_t k = 0; k < 3; k++) {
        if (*s == '\0' && k == 2)
            break;
        if ((*s & ~0x20) != letters[k] || s[1] < '1' || s[1] > '5')
            return 0;
        if (s[1] - '0' > high)
            high = s[1] - '0';
        s += 2;
    }
    return *s == '\0' ? high : 0;
}

int ledger_parse_grade(const char *s, uint32_t *grade, char *why,
                       size_t whylen)
{
    static const char *const none[] = {"", "none", "0", "无", "未定级",
                                       "不定级", "未定", NULL};
    static const char *const tail[] = {"", "级", "级保护", "级等保", NULL};
    char b[64];
    *grade = 0;
    if (!trim_into(s, b, sizeof(b)))
        goto bad;
    if (word_in(b, none))
        return 0;
    int mlps1 = mlps1_grade(b);
    if (mlps1 > 0) {
        *grade = (uint32_t)mlps1;
        return 0;
    }
    const char *p = b;
    if (strncmp(p, "等保", strlen("等保")) == 0)
        p += strlen("等保");
    if (strncmp(p, "第", strlen("第")) == 0)
        p += strlen("第");
    int v = numeral(&p);
    if (v < 0 || (*p >= '0' && *p <= '9'))
        goto bad;
    int known = 0;
    for (const char *const *t = tail; *t; t++)
        known |= strcmp(p, *t) == 0;
    if (!known)
        goto bad;
    if (v < 1 || v > 5)
        return why_set(why, whylen,
                       "grade %d does not exist: 等保等级 is 1 to 5, or "
                       "none/未定级", v);
    *grade = (uint32_t)v;
    return 0;
bad:
    return why_set(why, whylen,
                   "\"%.64s\" is not a grade (1 to 5, 第三级, 三级, S3A3G3, "
                   "or none/未定级)", s);
}

/* 1..max digits at *p into *v (min digits required). */
static int digits(const char **p, int min, int max, int *v)
{
    int n = 0;
    *v = 0;
    while (n < max && **p >= '0' && **p <= '9') {
        *v = *v * 10 + (*(*p)++ - '0');
        n++;
    }
    return n >= min && !(**p >= '0' && **p <= '9');
}

static int skip(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return 0;
    *p += n;
    return 1;
}

int ledger_parse_date(const char *s, int32_t *day, char *why, size_t whylen)
{
    char b[64];
    *day = 0;
    if (!trim_into(s, b, sizeof(b)))
        goto bad;
    if (b[0] == '\0')
        return 0;
    const char *p = b;
    int y, m, d;
    if (strlen(b) == 8 && strspn(b, "0123456789") == 8) {
        y = (b[0] - '0') * 1000 + (b[1] - '0') * 100 + (b[2] - '0') * 10 +
            (b[3] - '0');
        m = (b[4] - '0') * 10 + (b[5] - '0');
        d = (b[6] - '0') * 10 + (b[7] - '0');
        p += 8;
    } else {
        if (!digits(&p, 4, 4, &y))
            goto bad;
        if (skip(&p, "年")) {
            if (!digits(&p, 1, 2, &m) || !skip(&p, "月") ||
                !digits(&p, 1, 2, &d))
                goto bad;
            if (!skip(&p, "日"))
                skip(&p, "号");
        } else {
            char sep = *p;
            if (sep != '-' && sep != '/' && sep != '.')
                goto bad;
            p++;
            if (!digits(&p, 1, 2, &m) || *p++ != sep || !digits(&p, 1, 2, &d))
                goto bad;
        }
        /* Excel writes a date cell as "2026/3/1 0:00": the time is noise. */
        if (*p == ' ' || *p == 'T') {
            int hh, mm, ss;
            p++;
            while (*p == ' ')
                p++;
            if (!digits(&p, 1, 2, &hh) || *p++ != ':' ||
                !digits(&p, 2, 2, &mm) || hh > 23 || mm > 59)
                goto bad;
            if (*p == ':') {
                p++;
                if (!digits(&p, 2, 2, &ss) || ss > 60)
                    goto bad;
            }
        }
    }
    if (*p != '\0')
        goto bad;
    if (y < YEAR_MIN || y > YEAR_MAX)
        return why_set(why, whylen, "\"%s\": the year must be %d to %d", b,
                       YEAR_MIN, YEAR_MAX);
    if (!civil_valid(y, (unsigned)m, (unsigned)d))
        return why_set(why, whylen, "\"%s\" is not a real calendar date", b);
    *day = civil_day(y, (unsigned)m, (unsigned)d);
    return 0;
bad:
    return why_set(why, whylen,
                   "\"%.64s\" is not a date (write 2026-03-01, 2026/3/1 or "
                   "2026年3月1日)", s);
}

static int day_ok(int32_t day)
{
    return day == 0 || (day >= civil_day(YEAR_MIN, 1, 1) &&
                        day <= civil_day(YEAR_MAX, 12, 31));
}

/* ---- lists ---- */

/* Bytes of the list separator at p, 0 if none: , ; 、 ， ； and spaces. */
static size_t sep_at(const char *p)
{
    static const char *const multi[] = {"、", "，", "；", NULL};
    if (*p == ',' || *p == ';')
        return 1;
    size_t k = space_at(p, strnlen(p, 3));
    if (k)
        return k;
    for (const char *const *m = multi; *m; m++)
        if (strncmp(p, *m, strlen(*m)) == 0)
            return strlen(*m);
    return 0;
}

static int has_sep(const char *s)
{
    for (; *s; s++)
        if (sep_at(s))
            return 1;
    return 0;
}

/* One domain or URL: printable, with a host part of name characters. */
static int domain_check(const char *item, char *why, size_t whylen)
{
    char host[LEDGER_MAX_ITEM + 1];
    if (text_check(item, LEDGER_MAX_ITEM, 0, why, whylen) != 0)
        return TZ_EINVAL;
    if (sm_url_host(item, host, sizeof(host)) != 0)
        return why_set(why, whylen, "\"%.80s\" has no host name", item);
    for (const unsigned char *h = (const unsigned char *)host; *h; h++)
        if (!(isalnum(*h) || *h == '-' || *h == '.' || *h == '_' ||
              *h == '*' || *h == ':' || *h >= 0x80))
            return why_set(why, whylen,
                           "\"%.80s\" is not a domain name or URL", item);
    return 0;
}

void ledger_list_free(char **items, size_t n)
{
    if (items == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static int parse_items(enum ledger_kind kind, const char *s, char ***items,
                       size_t *n, char *why, size_t whylen);

/* Bytes of a range dash at p, 0 if none: - ~ and the full-width ～, en
 * and em dashes a Chinese input method types. */
static size_t dash_at(const char *p)
{
    static const char *const multi[] = {"～", "–", "—", NULL};
    if (*p == '-' || *p == '~')
        return 1;
    for (const char *const *m = multi; *m; m++)
        if (strncmp(p, *m, strlen(*m)) == 0)
            return strlen(*m);
    return 0;
}

/* Bytes of blanks at p that are not a line break: spaces and tabs around a
 * range dash belong to the range; a line break still ends an item. */
static size_t blank_at(const char *p)
{
    if (*p == '\n' || *p == '\r')
        return 0;
    return space_at(p, strnlen(p, 3));
}

/* s with every range dash made '-' and the blanks around it dropped, so
 * "10.1.2.3 ～ 10.1.2.9" is one item; NULL on ENOMEM. */
static char *ips_join_ranges(const char *s)
{
    char *out = malloc(strlen(s) + 1), *w = out;
    if (out == NULL)
        return NULL;
    for (const char *p = s; *p;) {
        size_t k = dash_at(p);
        if (k == 0) {
            *w++ = *p++;
            continue;
        }
        /* the blanks already copied before the dash: space, tab, NBSP,
         * U+3000 */
        for (;;) {
            if (w > out && (w[-1] == ' ' || w[-1] == '\t'))
                w -= 1;
            else if (w - out >= 2 && memcmp(w - 2, "\xc2\xa0", 2) == 0)
                w -= 2;
            else if (w - out >= 3 && memcmp(w - 3, "\xe3\x80\x80", 3) == 0)
                w -= 3;
            else
                break;
        }
        *w++ = '-';
        p += k;
        while ((k = blank_at(p)) > 0)
            p += k;
    }
    *w = '\0';
    return out;
}

int ledger_parse_list(enum ledger_kind kind, const char *s, char ***items,
                      size_t *n, char *why, size_t whylen)
{
    *items = NULL;
    *n = 0;
    char *joined = NULL;
    if (kind == LK_IPS) {
        if ((joined = ips_join_ranges(s)) == NULL)
            return TZ_ENOMEM;
        s = joined;
    }
    int rc = parse_items(kind, s, items, n, why, whylen);
    free(joined);
    return rc;
}

static int parse_items(enum ledger_kind kind, const char *s, char ***items,
                       size_t *n, char *why, size_t whylen)
{
    char **v = calloc(LEDGER_MAX_ITEMS, sizeof(char *));
    if (v == NULL)
        return TZ_ENOMEM;
    size_t m = 0;
    int rc = 0;
    const char *p = s;
    while (rc == 0 && *p) {
        size_t k = sep_at(p);
        if (k) {
            p += k;
            continue;
        }
        const char *start = p;
        while (*p && sep_at(p) == 0)
            p++;
        size_t len = (size_t)(p - start);
        if (len > LEDGER_MAX_ITEM) {
            rc = why_set(why, whylen, "an item is %zu bytes long, the limit "
                         "is %d", len, LEDGER_MAX_ITEM);
            break;
        }
        char *item = strndup(start, len);
        if (item == NULL) {
            rc = TZ_ENOMEM;
            break;
        }
        if (kind == LK_IPS) {
            struct sm_range r;
            char canon[SM_ITEM_STRLEN];
            rc = sm_item_parse(item, &r, canon, why, whylen);
            if (rc == 0) {
                free(item);
                item = strdup(canon);
                if (item == NULL)
                    rc = TZ_ENOMEM;
            }
        } else {
            rc = domain_check(item, why, whylen);
        }
        if (rc != 0) {
            free(item);
            break;
        }
        int dup = 0;
        for (size_t i = 0; i < m && !dup; i++)
            dup = strcasecmp(v[i], item) == 0;
        if (dup) {
            free(item);
            continue;
        }
        if (m == LEDGER_MAX_ITEMS) {
            free(item);
            rc = TZ_ELIMIT;
            why_set(why, whylen, "more than %d items", LEDGER_MAX_ITEMS);
            break;
        }
        v[m++] = item;
    }
    if (rc != 0) {
        ledger_list_free(v, m);
        return rc;
    }
    *items = v;
    *n = m;
    return 0;
}

/* ---- records ---- */

Tz__SystemRecord *ledger_record_new(void)
{
    Tz__SystemRecord *r = malloc(sizeof(*r));
    if (r == NULL)
        return NULL;
    tz__system_record__init(r);
    r->status = strdup("live");
    if (r->status == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void ledger_record_free(Tz__SystemRecord *rec)
{
    if (rec)
        protobuf_c_message_free_unpacked(&rec->base, NULL);
}

static void str_free(char *s)
{
    if (s && s != protobuf_c_empty_string)
        free(s);
}

/* The prelaunch sub-message, made when create is set; NULL on ENOMEM. */
static Tz__Prelaunch *prelaunch(Tz__SystemRecord *r, int create)
{
    if (r->prelaunch == NULL && create) {
        r->prelaunch = malloc(sizeof(*r->prelaunch));
        if (r->prelaunch)
            tz__prelaunch__init(r->prelaunch);
    }
    return r->prelaunch;
}

/* Where a string field lives (NULL for other kinds or an absent prelaunch
 * when create is 0). */
static char **str_slot(Tz__SystemRecord *r, enum ledger_id id, int create)
{
    Tz__Prelaunch *pl;
    switch (id) {
    case LF_NAME: return &r->name;
    case LF_DEPT: return &r->dept;
    case LF_OWNER: return &r->owner;
    case LF_ADMIN: return &r->admin;
    case LF_CONTACT: return &r->contact;
    case LF_PURPOSE: return &r->purpose;
    case LF_DATA_KINDS: return &r->data_kinds;
    case LF_DEPLOYMENT: return &r->deployment;
    case LF_ICP_FILING: return &r->icp_filing;
    case LF_PSB_FILING: return &r->psb_filing;
    case LF_SCHOOL_FILING: return &r->school_filing;
    case LF_STATUS: return &r->status;
    case LF_REMARKS: return &r->remarks;
    case LF_PRELAUNCH_STATUS:
        pl = prelaunch(r, create);
        return pl ? &pl->status : NULL;
    case LF_PRELAUNCH_REVIEWER:
        pl = prelaunch(r, create);
        return pl ? &pl->reviewer : NULL;
    case LF_PRELAUNCH_REPORT_ID:
        pl = prelaunch(r, create);
        return pl ? &pl->report_id : NULL;
    default: return NULL;
    }
}

static int32_t *day_slot(Tz__SystemRecord *r, enum ledger_id id, int create)
{
    Tz__Prelaunch *pl;
    switch (id) {
    case LF_GRADING_FILED_AT: return &r->grading_filed_day;
    case LF_LAST_EVALUATION_AT: return &r->last_evaluation_day;
    case LF_LAUNCHED_AT: return &r->launched_day;
    case LF_PRELAUNCH_DATE:
        pl = prelaunch(r, create);
        return pl ? &pl->day : NULL;
    default: return NULL;
    }
}

static protobuf_c_boolean *bool_slot(Tz__SystemRecord *r, enum ledger_id id)
{
    return id == LF_PERSONAL_DATA ? &r->personal_data
         : id == LF_PUBLIC_FACING ? &r->public_facing : NULL;
}

size_t ledger_field_items(const Tz__SystemRecord *rec,
                          const struct ledger_field *f, char *const **items)
{
    *items = NULL;
    if (f->id == LF_DOMAINS) {
        *items = rec->domains;
        return rec->n_domains;
    }
    if (f->id == LF_IPS) {
        *items = rec->ips;
        return rec->n_ips;
    }
    return 0;
}

/* Store a string (taking ownership of s, freeing the old value). */
static int put_str(Tz__SystemRecord *rec, enum ledger_id id, char *s)
{
    char **slot = str_slot(rec, id, 1);
    if (slot == NULL) {
        free(s);
        return TZ_ENOMEM;
    }
    str_free(*slot);
    *slot = s;
    return 0;
}

/* A filing, an evaluation or a review is recorded after it happened: a
 * date after today (the campus's) is a typo, and would hide an overdue
 * evaluation for years. A launch may be planned ahead. */
static int not_future(enum ledger_id id, int32_t day, char *why,
                      size_t whylen)
{
    if (id != LF_GRADING_FILED_AT && id != LF_LAST_EVALUATION_AT &&
        id != LF_PRELAUNCH_DATE)
        return 0;
    int32_t today = civil_today(time(NULL));
    if (day <= today)
        return 0;
    char d[11], t[11];
    civil_format(day, d);
    civil_format(today, t);
    return why_set(why, whylen, "%s is in the future (today is %s): give the "
                   "date it happened", d, t);
}

int ledger_field_set(Tz__SystemRecord *rec, const char *key_or_label,
                     const char *value, char *why, size_t whylen)
{
    const struct ledger_field *f = ledger_field_find(key_or_label);
    if (f == NULL) {
        why_set(why, whylen, "unknown field \"%.80s\"", key_or_label);
        return TZ_ENOENT;
    }
    int rc = 0;
    switch (f->kind) {
    case LK_NAME:
    case LK_STR:
    case LK_TEXT: {
        char *t = ledger_trim_dup(value);
        if (t == NULL)
            return TZ_ENOMEM;
        if (f->kind == LK_TEXT)
            normalize_newlines(t);
        rc = text_check(t, kind_max(f->kind), f->kind == LK_TEXT, why,
                        whylen);
        if (rc == 0 && f->required && t[0] == '\0')
            rc = why_set(why, whylen, "is required");
        if (rc != 0) {
            free(t);
            return rc;
        }
        return put_str(rec, f->id, t);
    }
    case LK_DOMAINS:
    case LK_IPS: {
        char **items;
        size_t n;
        rc = ledger_parse_list(f->kind, value, &items, &n, why, whylen);
        if (rc != 0)
            return rc;
        char ***slot = f->id == LF_DOMAINS ? &rec->domains : &rec->ips;
        size_t *nslot = f->id == LF_DOMAINS ? &rec->n_domains : &rec->n_ips;
        ledger_list_free(*slot, *nslot);
        if (n == 0) {
            free(items);
            items = NULL;
        }
        *slot = items;
        *nslot = n;
        return 0;
    }
    case LK_BOOL: {
        int v;
        if ((rc = ledger_parse_bool(value, &v, why, whylen)) != 0)
            return rc;
        *bool_slot(rec, f->id) = v;
        return 0;
    }
    case LK_GRADE:
        return ledger_parse_grade(value, &rec->mlps_grade, why, whylen);
    case LK_DATE: {
        int32_t d, *slot;
        if ((rc = ledger_parse_date(value, &d, why, whylen)) != 0)
            return rc;
        if ((rc = not_future(f->id, d, why, whylen)) != 0)
            return rc;
        if ((slot = day_slot(rec, f->id, 1)) == NULL)
            return TZ_ENOMEM;
        *slot = d;
        return 0;
    }
    case LK_STATUS:
    case LK_REVIEW: {
        const char *st;
        rc = f->kind == LK_STATUS
                 ? ledger_parse_status(value, &st, why, whylen)
                 : ledger_parse_review(value, &st, why, whylen);
        if (rc != 0)
            return rc;
        char *t = strdup(st);
        return t ? put_str(rec, f->id, t) : TZ_ENOMEM;
    }
    }
    return TZ_EINVAL;
}

/* The field's value as text into buf; TZ_ELIMIT when truncated. */
static int format_field(const Tz__SystemRecord *rec,
                        const struct ledger_field *f, char *buf, size_t len)
{
    Tz__SystemRecord *r = (Tz__SystemRecord *)rec;  /* create is 0: no write */
    size_t need = 0;
    if (len == 0)
        return TZ_ELIMIT;
    buf[0] = '\0';
    switch (f->kind) {
    case LK_NAME:
    case LK_STR:
    case LK_TEXT:
    case LK_STATUS:
    case LK_REVIEW: {
        char **slot = str_slot(r, f->id, 0);
        const char *s = slot && *slot ? *slot : "";
        need = (size_t)snprintf(buf, len, "%s", s);
        break;
    }
    case LK_DOMAINS:
    case LK_IPS: {
        char *const *items;
        size_t n = ledger_field_items(rec, f, &items), used = 0;
        for (size_t i = 0; i < n; i++) {
            const char *it = items[i] ? items[i] : "";
            need += strlen(it) + (i ? 1 : 0);
            if (used < len)
                used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                         i ? "," : "", it);
        }
        break;
    }
    case LK_BOOL:
        need = (size_t)snprintf(buf, len, "%s",
                                *bool_slot(r, f->id) ? "yes" : "no");
        break;
    case LK_GRADE:
        if (rec->mlps_grade)
            need = (size_t)snprintf(buf, len, "%u", rec->mlps_grade);
        break;
    case LK_DATE: {
        int32_t *d = day_slot(r, f->id, 0);
        char tmp[11];
        civil_format(d ? *d : 0, tmp);
        need = (size_t)snprintf(buf, len, "%s", tmp);
        break;
    }
    }
    return need >= len ? TZ_ELIMIT : 0;
}

int ledger_field_format(const Tz__SystemRecord *rec, const char *key,
                        char *buf, size_t len)
{
    const struct ledger_field *f = ledger_field_find(key);
    if (len)
        buf[0] = '\0';
    if (f == NULL)
        return TZ_ENOENT;
    return format_field(rec, f, buf, len);
}

/* One field of a stored record against the table's rules. */
static int check_field(const Tz__SystemRecord *rec,
                       const struct ledger_field *f, char *why, size_t whylen)
{
    Tz__SystemRecord *r = (Tz__SystemRecord *)rec;  /* create is 0: no write */
    switch (f->kind) {
    case LK_NAME:
    case LK_STR:
    case LK_TEXT: {
        char **slot = str_slot(r, f->id, 0);
        const char *s = slot && *slot ? *slot : "";
        if (f->required && s[0] == '\0')
            return why_set(why, whylen, "is required");
        return text_check(s, kind_max(f->kind), f->kind == LK_TEXT, why,
                          whylen);
    }
    case LK_DOMAINS:
    case LK_IPS: {
        char *const *items;
        size_t n = ledger_field_items(rec, f, &items);
        if (n > LEDGER_MAX_ITEMS)
            return why_set(why, whylen, "more than %d items",
                           LEDGER_MAX_ITEMS);
        for (size_t i = 0; i < n; i++) {
            const char *it = items[i] ? items[i] : "";
            struct sm_range span;
            if (it[0] == '\0' || has_sep(it))
                return why_set(why, whylen, "item %zu is empty or holds a "
                               "separator", i + 1);
            if (strlen(it) > LEDGER_MAX_ITEM)
                return why_set(why, whylen, "item %zu is too long", i + 1);
            int rc = f->kind == LK_IPS
                         ? sm_item_parse(it, &span, NULL, why, whylen)
                         : domain_check(it, why, whylen);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    case LK_BOOL:
        return 0;
    case LK_GRADE:
        if (rec->mlps_grade > 5)
            return why_set(why, whylen, "grade %u does not exist (1 to 5)",
                           rec->mlps_grade);
        return 0;
    case LK_DATE: {
        int32_t *d = day_slot(r, f->id, 0);
        if (d && !day_ok(*d))
            return why_set(why, whylen, "day %d is outside %d to %d",
                           (int)*d, YEAR_MIN, YEAR_MAX);
        return 0;
    }
    case LK_STATUS:
    case LK_REVIEW: {
        char **slot = str_slot(r, f->id, 0);
        const char *s = slot && *slot ? *slot : "";
        static const char *const st[] = {"planned", "live", "retired", NULL};
        static const char *const rv[] = {"", "none", "passed", "failed",
                                         NULL};
        const char *const *ok = f->kind == LK_STATUS ? st : rv;
        for (; *ok; ok++)
            if (strcmp(s, *ok) == 0)
                return 0;
        return why_set(why, whylen, "\"%.40s\" is not a known value", s);
    }
    }
    return 0;
}

int ledger_record_check(const Tz__SystemRecord *rec, char *why,
                        size_t whylen)
{
    char inner[LEDGER_WHY];
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field *f = &ledger_fields[i];
        if (check_field(rec, f, inner, sizeof(inner)) != 0)
            return why_set(why, whylen, "%s (%s): %s", f->label, f->key,
                           inner);
    }
    return 0;
}
