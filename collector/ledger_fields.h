/* ledger_fields — the one table of the system ledger's fields (台账字段,
 * DESIGN.md §4): English key, Chinese label, and how each value is parsed,
 * checked and printed. `tzctl system add/set`, the CSV import and the
 * register's own check all go through here, so a value means the same thing
 * whichever way it arrived.
 *
 * Values arrive as people type them in Excel: surrounding spaces (also
 * U+3000 and NBSP) are trimmed; dates as 2026-03-01, 2026/3/1, 2026.3.1,
 * 20260301 or 2026年3月1日 (an Excel time after the date is ignored); grades
 * as 3, 第三级, 三级, 三级保护, none/未定级, or MLPS 1.0's S2A3G3 (the
 * highest of the three); statuses and yes/no in English or Chinese; lists
 * (domains, ips) separated by , ; 、 ， ； line breaks or spaces; IPs as
 * addresses, CIDR blocks or ranges 10.1.2.3-10.1.2.9 (also 10.1.2.3-9,
 * "a - b", a~b, a～b, a–b, a—b).
 * Bounds: names (系统名称, 所属单位, 负责人, 管理员, 审查人) 1..TZ_MAX_NAME
 * bytes, other strings TZ_MAX_STR, lists LEDGER_MAX_ITEMS items of at most
 * LEDGER_MAX_ITEM bytes; all valid UTF-8 without control characters. The
 * free-text fields (LK_TEXT: 联系方式, 用途, 数据类型, 部署位置, 备注) keep
 * line breaks (CRLF and CR become LF) and tabs; every other field is one
 * line, and a line break in it is refused with a reason that says so.
 * Errors: functions return 0 or a negative TZ_E* code and write the reason,
 * in words for the person who filled the sheet, into why (may be NULL). */
#ifndef TZ_LEDGER_FIELDS_H
#define TZ_LEDGER_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "taizhang.pb-c.h"

#define LEDGER_MAX_ITEMS 64
#define LEDGER_MAX_ITEM  1024
#define LEDGER_WHY       256   /* a reason always fits this */
/* A buffer this size holds any field ledger_field_format writes. */
#define LEDGER_FORMAT_MAX (LEDGER_MAX_ITEMS * (LEDGER_MAX_ITEM + 1) + 1)

enum ledger_kind {
    LK_NAME,     /* one line, TZ_MAX_NAME */
    LK_STR,      /* one line, TZ_MAX_STR */
    LK_TEXT,     /* free text: may hold \n and \t, TZ_MAX_STR */
    LK_DOMAINS,  /* list of domain names or URLs */
    LK_IPS,      /* list of addresses, CIDR blocks or ranges, canonical */
    LK_BOOL,     /* yes / no */
    LK_GRADE,    /* 等保等级 1..5, 0 = none */
    LK_DATE,     /* civil day, 0 = unset */
    LK_STATUS,   /* planned, live, retired */
    LK_REVIEW    /* pre-launch review: none, passed, failed */
};

enum ledger_id {
    LF_NAME, LF_DEPT, LF_OWNER, LF_ADMIN, LF_CONTACT, LF_DOMAINS, LF_IPS,
    LF_PURPOSE, LF_DATA_KINDS, LF_PERSONAL_DATA, LF_DEPLOYMENT,
    LF_ICP_FILING, LF_PSB_FILING, LF_SCHOOL_FILING, LF_MLPS_GRADE,
    LF_GRADING_FILED_AT, LF_LAST_EVALUATION_AT, LF_PRELAUNCH_STATUS,
    LF_PRELAUNCH_DATE, LF_PRELAUNCH_REVIEWER, LF_PRELAUNCH_REPORT_ID,
    LF_LAUNCHED_AT, LF_STATUS, LF_PUBLIC_FACING, LF_REMARKS,
    LF_COUNT
};

struct ledger_field {
    enum ledger_id id;
    const char *key;      /* "owner": flags (--owner), set, CSV and JSON */
    const char *label;    /* "负责人": CSV headers and `system show` */
    const char *aliases;  /* other accepted names, '|'-separated, or NULL */
    enum ledger_kind kind;
    int required;         /* 系统名称 and 所属单位 */
};

/* The fields in display order (ledger_fields[i].id == i). */
extern const struct ledger_field ledger_fields[LF_COUNT];

/* The field named by its key (case-insensitive, '-' taken as '_'), its
 * Chinese label or an alias; NULL when none. Surrounding spaces ignored. */
const struct ledger_field *ledger_field_find(const char *key_or_label);

/* A new record for add or import: every field empty, status "live" (a
 * system entered into the ledger without a status is taken as running —
 * the case the rules care about). NULL on ENOMEM.
 * Ownership: free with ledger_record_free (= protobuf_c_message_free_unpacked),
 * which also frees records from register_system_get. */
Tz__SystemRecord *ledger_record_new(void);
void ledger_record_free(Tz__SystemRecord *rec);

/* Parse value for the field named key_or_label and store it in rec, whose
 * strings must be heap copies or the protobuf empty default (records from
 * ledger_record_new or register_system_get): the old value is freed.
 * An empty value clears the field (name, dept and status cannot be cleared).
 * TZ_ENOENT unknown field, TZ_EINVAL bad value (rec unchanged), TZ_ENOMEM. */
int ledger_field_set(Tz__SystemRecord *rec, const char *key_or_label,
                     const char *value, char *why, size_t whylen);

/* The field's value as text that ledger_field_set reads back: dates
 * YYYY-MM-DD, grade 1..5, yes/no, lists joined by ','; "" when unset.
 * TZ_ENOENT unknown field, TZ_ELIMIT when buf is too small (truncated). */
int ledger_field_format(const Tz__SystemRecord *rec, const char *key,
                        char *buf, size_t len);

/* Items of a list field (LK_DOMAINS, LK_IPS); 0 for other fields. */
size_t ledger_field_items(const Tz__SystemRecord *rec,
                          const struct ledger_field *f, char *const **items);

/* Everything the register requires of a stored record: name and dept set,
 * every field within the bounds above, lists parse, grade 0..5, status and
 * review status known, dates 0 or real days. why starts with the label:
 * "等保等级 (mlps_grade): ...". 0 or TZ_EINVAL. */
int ledger_record_check(const Tz__SystemRecord *rec, char *why,
                        size_t whylen);

/* ---- the parsers, one per kind (tests call them directly) ---- */

/* A real calendar date in 1980..2099 into *day; "" is 0. */
int ledger_parse_date(const char *s, int32_t *day, char *why, size_t whylen);
/* 1..5; 0 for "", none, 0, 无, 未定级; S2A3G3 (MLPS 1.0: security,
 * service and general grades) is the highest of the three. */
int ledger_parse_grade(const char *s, uint32_t *grade, char *why,
                       size_t whylen);
/* *status points at a static "planned", "live" or "retired". */
int ledger_parse_status(const char *s, const char **status, char *why,
                        size_t whylen);
/* *status points at a static "none", "passed" or "failed" ("" for ""). */
int ledger_parse_review(const char *s, const char **status, char *why,
                        size_t whylen);
/* yes/no/true/false/y/n/1/0/是/否/有/无 (ASCII case-insensitive); "" is no. */
int ledger_parse_bool(const char *s, int *v, char *why, size_t whylen);
/* Split and check a list of the given kind; IPs come back canonical,
 * duplicates dropped. Ownership: free with ledger_list_free.
 * TZ_EINVAL (why names the bad item), TZ_ELIMIT too many, TZ_ENOMEM. */
int ledger_parse_list(enum ledger_kind kind, const char *s, char ***items,
                      size_t *n, char *why, size_t whylen);
void ledger_list_free(char **items, size_t n);

/* Copy s without surrounding spaces into a new string; NULL on ENOMEM. */
char *ledger_trim_dup(const char *s);

#endif
