/* dept_fields — parse, check and print a department's responsibility
 * record from one table, so that tzctl, the CSV import, the portal and the
 * register agree on what every value means. */
#include "dept_fields.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil_day.h"
#include "ledger_fields.h"
#include "tz_error.h"
#include "tz_limits.h"
#include "utf8.h"

const struct dept_field dept_fields[DF_COUNT] = {
    {DF_PRINCIPAL, "principal", "第一责任人", NULL, DK_NAME},
    {DF_PRINCIPAL_PHONE, "principal_phone", "第一责任人电话",
     "第一责任人手机|第一责任人联系电话", DK_PHONE},
    {DF_PRINCIPAL_EMAIL, "principal_email", "第一责任人邮箱",
     "第一责任人电子邮箱|第一责任人email", DK_EMAIL},
    {DF_SECURITY_LEAD, "security_lead", "直接责任人", NULL, DK_NAME},
    {DF_SECURITY_LEAD_PHONE, "security_lead_phone", "直接责任人电话",
     "直接责任人手机|直接责任人联系电话", DK_PHONE},
    {DF_SECURITY_LEAD_EMAIL, "security_lead_email", "直接责任人邮箱",
     "直接责任人电子邮箱|直接责任人email", DK_EMAIL},
    {DF_IT_LEAD, "it_lead", "网络安全与信息化负责人", "网信负责人", DK_NAME},
    {DF_IT_LEAD_PHONE, "it_lead_phone", "网络安全与信息化负责人电话",
     "网信负责人电话|网络安全与信息化负责人手机", DK_PHONE},
    {DF_IT_LEAD_EMAIL, "it_lead_email", "网络安全与信息化负责人邮箱",
     "网信负责人邮箱|网络安全与信息化负责人电子邮箱", DK_EMAIL},
    {DF_LIAISON, "liaison", "联络人", "联系人", DK_NAME},
    {DF_LIAISON_PHONE, "liaison_phone", "联络人电话",
     "联络人手机|联系人电话|联络人联系电话", DK_PHONE},
    {DF_LIAISON_EMAIL, "liaison_email", "联络人邮箱",
     "联络人电子邮箱|联系人邮箱|联络人email", DK_EMAIL},
    {DF_LAST_MEETING, "last_meeting", "最近网络安全工作会议日期",
     "网络安全会议日期|会议日期|last_meeting_day|last_meeting_at", DK_DATE},
};

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
        if (n == nl && strncasecmp(p, name, n) == 0)
            return 1;
        p += n;
        if (*p == '|')
            p++;
    }
    return 0;
}

const struct dept_field *dept_field_find(const char *key_or_label)
{
    if (key_or_label == NULL || strlen(key_or_label) > 256)
        return NULL;
    char *name = ledger_trim_dup(key_or_label);
    const struct dept_field *hit = NULL;
    for (size_t i = 0; name && hit == NULL && i < DF_COUNT; i++) {
        const struct dept_field *f = &dept_fields[i];
        if (key_eq(name, f->key) || strcmp(name, f->label) == 0 ||
            alias_match(f->aliases, name))
            hit = f;
    }
    free(name);
    return hit;
}

/* ---- the parsers ---- */

static int name_check(const char *s, char *why, size_t whylen)
{
    size_t len = strlen(s);
    uint32_t cp = 0;
    if (len > TZ_MAX_NAME)
        return why_set(why, whylen, "is %zu bytes long, the limit is %d",
                       len, TZ_MAX_NAME);
    switch (tz_text_check(s, len, &cp)) {
    case TZ_TEXT_OK:
        return 0;
    case TZ_TEXT_NOT_UTF8:
        return why_set(why, whylen, "is not valid UTF-8");
    default:
        return why_set(why, whylen, "contains a line break or another "
                       "control character (U+%04X)", (unsigned)cp);
    }
}

/* Where an extension starts ("转123", "ext 123", "x123"), or NULL. */
static const char *extension(const char *s)
{
    const char *p = strstr(s, "转");
    if (p)
        return p;
    for (p = s; *p; p++)
        if (strncasecmp(p, "ext", 3) == 0 || *p == 'x' || *p == 'X')
            return p;
    return NULL;
}

int dept_parse_phone(const char *s, char *why, size_t whylen)
{
    size_t len = strlen(s);
    if (len < 3 || len > 32)
        return why_set(why, whylen, "a phone number is 3 to 32 characters, "
                       "this is %zu bytes", len);
    const char *ext = extension(s);
    const char *end = ext ? ext : s + len;
    size_t digits = 0;
    for (const char *p = s; p < end; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (*p == '+' && p != s)
            return why_set(why, whylen, "'+' may only start a phone number");
        else if (!strchr("+-() ", *p))
            return why_set(why, whylen, "a phone number holds digits, "
                           "spaces, '-', '(' ')' and a leading '+' (then "
                           "an extension: 转123 or ext 123), not \"%.40s\"",
                           s);
    }
    if (digits < 5 || digits > 20)
        return why_set(why, whylen, "a phone number has 5 to 20 digits, "
                       "this one %zu", digits);
    if (ext) {
        const char *p = ext + (strncmp(ext, "转", strlen("转")) == 0
                                   ? strlen("转")
                                   : (strncasecmp(ext, "ext", 3) == 0 ? 3 : 1));
        p += strspn(p, " .:");
        size_t n = strspn(p, "0123456789");
        if (n == 0 || n > 8 || p[n] != '\0')
            return why_set(why, whylen, "an extension is 1 to 8 digits at "
                           "the end (转123 or ext 123)");
    }
    return 0;
}

static int local_char(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~.-", c));
}

int dept_parse_email(const char *s, char *why, size_t whylen)
{
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    if (len > 254)
        return why_set(why, whylen, "an e-mail address is at most 254 "
                       "bytes, this is %zu", len);
    if (at == NULL || strchr(at + 1, '@'))
        return why_set(why, whylen, "an e-mail address is name@domain with "
                       "one '@'");
    size_t ll = (size_t)(at - s);
    if (ll == 0 || ll > 64)
        return why_set(why, whylen, "the part before '@' is 1 to 64 "
                       "characters");
    if (s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
        return why_set(why, whylen, "a dot may not start or end the name "
                       "or follow another");
    for (size_t i = 0; i < ll; i++)
        if (!local_char((unsigned char)s[i]))
            return why_set(why, whylen, "the part before '@' may not hold "
                           "'%c' (only ASCII letters, digits and "
                           "!#$%%&'*+/=?^_`{|}~.-)",
                           isprint((unsigned char)s[i]) ? s[i] : '?');
    const char *d = at + 1;
    size_t labels = 0;
    const char *last = d;
    for (const char *p = d;;) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n > 63)
            return why_set(why, whylen, "the domain \"%.80s\" has an empty "
                           "or over-long part", d);
        if (p[0] == '-' || p[n - 1] == '-')
            return why_set(why, whylen, "a domain part may not start or end "
                           "with '-'");
        for (size_t i = 0; i < n; i++)
            if (!isalnum((unsigned char)p[i]) && p[i] != '-')
                return why_set(why, whylen, "the domain \"%.80s\" may hold "
                               "only ASCII letters, digits, '-' and dots", d);
        labels++;
        last = p;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    if (labels < 2)
        return why_set(why, whylen, "the domain \"%.80s\" needs a dot "
                       "(xcc.edu.cn)", d);
    size_t tl = strlen(last);
    for (size_t i = 0; i < tl; i++)
        if (!isalpha((unsigned char)last[i]))
            return why_set(why, whylen, "the domain \"%.80s\" does not end "
                           "in a name like .cn or .com", d);
    if (tl < 2)
        return why_set(why, whylen, "the domain \"%.80s\" does not end in a "
                       "name like .cn or .com", d);
    return 0;
}

/* ---- the record's slots ---- */

static char **str_slot(Tz__DeptRecord *r, enum dept_id id)
{
    switch (id) {
    case DF_PRINCIPAL: return &r->principal;
    case DF_PRINCIPAL_PHONE: return &r->principal_phone;
    case DF_PRINCIPAL_EMAIL: return &r->principal_email;
    case DF_SECURITY_LEAD: return &r->security_lead;
    case DF_SECURITY_LEAD_PHONE: return &r->security_lead_phone;
    case DF_SECURITY_LEAD_EMAIL: return &r->security_lead_email;
    case DF_IT_LEAD: return &r->it_lead;
    case DF_IT_LEAD_PHONE: return &r->it_lead_phone;
    case DF_IT_LEAD_EMAIL: return &r->it_lead_email;
    case DF_LIAISON: return &r->liaison;
    case DF_LIAISON_PHONE: return &r->liaison_phone;
    case DF_LIAISON_EMAIL: return &r->liaison_email;
    default: return NULL;
    }
}

static const char *str_of(const Tz__DeptRecord *r, enum dept_id id)
{
    char **slot = str_slot((Tz__DeptRecord *)r, id);
    return slot && *slot ? *slot : "";
}

/* Check a trimmed value of field f. */
static int value_check(const struct dept_field *f, const char *v,
                       int32_t *day, char *why, size_t whylen)
{
    if (v[0] == '\0')
        return 0;
    switch (f->kind) {
    case DK_NAME:
        return name_check(v, why, whylen);
    case DK_PHONE:
        return dept_parse_phone(v, why, whylen);
    case DK_EMAIL:
        return dept_parse_email(v, why, whylen);
    case DK_DATE:
        return ledger_parse_date(v, day, why, whylen);
    }
    return TZ_EINVAL;
}

int dept_field_set(Tz__DeptRecord *rec, const char *key_or_label,
                   const char *value, char *why, size_t whylen)
{
    const struct dept_field *f = dept_field_find(key_or_label);
    if (f == NULL) {
        why_set(why, whylen, "no department field \"%.64s\"",
                key_or_label ? key_or_label : "");
        return TZ_ENOENT;
    }
    if (value == NULL)
        value = "";
    if (strlen(value) > TZ_MAX_STR)
        return why_set(why, whylen, "is %zu bytes long, the limit is %d",
                       strlen(value), TZ_MAX_STR);
    char *v = ledger_trim_dup(value);
    if (v == NULL)
        return TZ_ENOMEM;
    int32_t day = 0;
    int rc = value_check(f, v, &day, why, whylen);
    if (rc == 0 && f->kind == DK_DATE) {
        rec->last_meeting_day = day;
    } else if (rc == 0) {
        char **slot = str_slot(rec, f->id);
        if (*slot && *slot != protobuf_c_empty_string)
            free(*slot);
        *slot = v;
        v = NULL;
    }
    free(v);
    return rc;
}

int dept_field_format(const Tz__DeptRecord *rec, const char *key, char *buf,
                      size_t len)
{
    const struct dept_field *f = dept_field_find(key);
    if (f == NULL) {
        if (len)
            buf[0] = '\0';
        return TZ_ENOENT;
    }
    int n;
    if (f->kind == DK_DATE) {
        char d[11];
        civil_format(rec->last_meeting_day, d);
        n = snprintf(buf, len, "%s", d);
    } else {
        n = snprintf(buf, len, "%s", str_of(rec, f->id));
    }
    return n < 0 || (size_t)n >= len ? TZ_ELIMIT : 0;
}

int dept_record_check(const Tz__DeptRecord *rec, char *why, size_t whylen)
{
    for (size_t i = 0; i < DF_COUNT; i++) {
        const struct dept_field *f = &dept_fields[i];
        char r[DEPT_WHY] = "";
        int rc;
        if (f->kind == DK_DATE) {
            int32_t d = rec->last_meeting_day;
            rc = d == 0 || (d >= civil_day(1980, 1, 1) &&
                            d <= civil_day(2099, 12, 31))
                     ? 0
                     : why_set(r, sizeof(r), "day %d is not a date in "
                               "1980..2099", (int)d);
        } else {
            const char *v = str_of(rec, f->id);
            char *t = ledger_trim_dup(v);
            if (t == NULL)
                return TZ_ENOMEM;
            int trimmed = strcmp(t, v) == 0;
            free(t);
            int32_t day;
            rc = trimmed ? value_check(f, v, &day, r, sizeof(r))
                         : why_set(r, sizeof(r), "has spaces at an end");
        }
        if (rc != 0)
            return why_set(why, whylen, "%s (%s): %s", f->label, f->key, r);
    }
    return 0;
}
