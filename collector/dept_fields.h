/* dept_fields — the one table of a department's responsibility record
 * (第六条(二)): its leaders, liaison, their phones and e-mail addresses and
 * the date of its last network-security meeting. `tzctl dept set`, the CSV
 * import (dept_import.h), the portal's department form (ControlDeptSet) and
 * the register's own check all go through here, as the ledger's fields go
 * through ledger_fields.h.
 *
 * Values arrive as people type them: surrounding spaces (also U+3000, NBSP)
 * are trimmed; an empty value clears the field. Names are 1..TZ_MAX_NAME
 * bytes of UTF-8 without control characters; phones 3..32 characters of
 * digits, spaces, '-', '(', ')' and one leading '+', with 5..20 digits (a
 * landline 0834-2580000, a mobile 13800000000, an extension "转123" or
 * "ext 123" at the end); e-mail addresses local@domain in ASCII, at most
 * 254 bytes (local part at most 64, of letters, digits and
 * !#$%&'*+/=?^_`{|}~.- without leading, trailing or double dots; a domain
 * of at least two labels, the last alphabetic), never a space, quote,
 * comma or line break (they end up in mail headers); dates as
 * ledger_parse_date reads them.
 * Errors: 0 or a negative TZ_E* code; why (may be NULL) gets the reason in
 * words for the person who typed it, always fitting DEPT_WHY bytes. */
#ifndef TZ_DEPT_FIELDS_H
#define TZ_DEPT_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "taizhang.pb-c.h"

#define DEPT_WHY 256
/* A buffer this size holds any field dept_field_format writes. */
#define DEPT_FORMAT_MAX 1024

enum dept_kind {
    DK_NAME,   /* a person's name */
    DK_PHONE,
    DK_EMAIL,
    DK_DATE    /* civil day, 0 = unset */
};

enum dept_id {
    DF_PRINCIPAL, DF_PRINCIPAL_PHONE, DF_PRINCIPAL_EMAIL,
    DF_SECURITY_LEAD, DF_SECURITY_LEAD_PHONE, DF_SECURITY_LEAD_EMAIL,
    DF_IT_LEAD, DF_IT_LEAD_PHONE, DF_IT_LEAD_EMAIL,
    DF_LIAISON, DF_LIAISON_PHONE, DF_LIAISON_EMAIL,
    DF_LAST_MEETING,
    DF_COUNT
};

struct dept_field {
    enum dept_id id;
    const char *key;      /* "liaison": set, CSV, JSON, the portal's form */
    const char *label;    /* "联络人": CSV headers, `dept show`, reports */
    const char *aliases;  /* other accepted names, '|'-separated, or NULL */
    enum dept_kind kind;
};

/* The fields in display order (dept_fields[i].id == i). */
extern const struct dept_field dept_fields[DF_COUNT];

/* The field named by its key (case-insensitive, '-' taken as '_'), label
 * or an alias; NULL when none. Surrounding spaces ignored. */
const struct dept_field *dept_field_find(const char *key_or_label);

/* Parse value for the field and store it in rec, whose strings must be
 * heap copies or the protobuf empty default (a record from
 * register_dept_get): the old value is freed. "" clears the field.
 * TZ_ENOENT unknown field, TZ_EINVAL bad value (rec unchanged), TZ_ENOMEM. */
int dept_field_set(Tz__DeptRecord *rec, const char *key_or_label,
                   const char *value, char *why, size_t whylen);

/* The field's value as dept_field_set reads it back (dates YYYY-MM-DD);
 * "" when unset. TZ_ENOENT unknown field, TZ_ELIMIT buf too small. */
int dept_field_format(const Tz__DeptRecord *rec, const char *key, char *buf,
                      size_t len);

/* Everything the register requires of a stored record: every field as
 * dept_field_set would accept it. why starts with the label:
 * "联络人电话 (liaison_phone): ...". 0 or TZ_EINVAL. */
int dept_record_check(const Tz__DeptRecord *rec, char *why, size_t whylen);

/* The parsers (tests call them directly); s is already trimmed. */
int dept_parse_phone(const char *s, char *why, size_t whylen);
int dept_parse_email(const char *s, char *why, size_t whylen);

#endif
