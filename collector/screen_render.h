/* screen_render — one stored pre-launch screening (上线前安全审查,
 * Tz__Screening) shown again: text for a terminal, JSON for the portal's API
 * and `tzctl --format json`, or a self-contained HTML report printed on A4,
 * signed and filed.
 *
 * The record is hostile: it came from agents' reports and a decoded LMDB
 * value. Any submessage may be NULL (system, result, scan, hosts[i] and
 * their agent and report, items[i], open[i]); what is missing is shown as
 * missing, never as a pass. Text: invalid bytes become '?', control and
 * bidi characters are written escaped as tz_text_escape does (\n, \x1b,
 * \u202e), so a hostname cannot forge a line or reorder one. HTML: every
 * string is escaped (& < > " ' as entities; invalid UTF-8, control and bidi
 * characters as U+FFFD). JSON: strings that are not valid UTF-8 are
 * repaired (tz_text_repair), so the output always parses.
 *
 * Judgement stays the checker's: verdict and counts are shown as stored. A
 * host that did not answer a fresh collection reads "not answered", one
 * without a report "no report"; an outcome this build does not know reads
 * "not checked". Text and HTML say so when a record claims "passed" while
 * one of its blocking items failed.
 * Times are UTC; a time that is 0 or outside years 0..9999 is null in JSON
 * and shown as its raw number in text and HTML. */
#ifndef TZ_SCREEN_RENDER_H
#define TZ_SCREEN_RENDER_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "taizhang.pb-c.h"
#include "tz_error.h"

enum screen_format { SCREEN_TEXT, SCREEN_JSON, SCREEN_HTML };

/* "text", "json" or "html" (ASCII case-insensitive): 0, else TZ_EINVAL. */
int screen_format_parse(const char *s, enum screen_format *out);

/* Write screening s to out in format f; lang "zh" (or NULL) gives Chinese
 * labels with the English beside where short, "en" English only (the
 * checklist's label_en and remedy_en). An item's evidence is shown in the
 * one language: evidence_zh in Chinese, evidence in English, the other when
 * that one is empty (screenings stored before evidence_zh have only the
 * English). JSON is the same in both and carries both members.
 * Errors: TZ_EINVAL (s or out NULL, an unknown format), TZ_ENOMEM, TZ_EIO
 * (out reported a write error). */
int screen_render_lang(const Tz__Screening *s, enum screen_format f,
                       const char *lang, FILE *out, struct tz_error *err);

/* screen_render_lang with lang "zh". */
int screen_render(const Tz__Screening *s, enum screen_format f, FILE *out,
                  struct tz_error *err);

/* The JSON object every front end shares: {"screening_id", "system_id",
 * "system", "dept", "at", "by", "via", "fresh", "deadline_s",
 * "checker_version", "passed", "blocking_failed", "advisory_failed",
 * "not_checked", "hosts": [...], "scan": {...}, "items": [...], "ledger":
 * ledger_record_json(system)}. Without a system record "system", "dept"
 * and "ledger" are null; without a result "passed" is false, the counts 0
 * and "items" empty; without a scan record "scan" says not asked.
 * Ownership: the caller's (cJSON_Delete). NULL on ENOMEM or a NULL s. */
cJSON *screen_json(const Tz__Screening *s);

/* A listing's row: {"screening_id", "system_id", "at", "by", "passed",
 * "blocking_failed", "advisory_failed", "not_checked", "fresh", "scanned",
 * "hosts", "not_answered", "checker_version"}. Ownership as screen_json;
 * NULL on ENOMEM or a NULL s. */
cJSON *screen_summary_json(const Tz__ScreeningSummary *s);

/* A review decision (上线前审查结论): {"review_id", "system_id", "at",
 * "decision": "pass"|"fail", "reviewer", "actor", "via", "screening_id"
 * (null: none), "override_reason" (null: none), "screening": the summary
 * or null}. Ownership as screen_json; NULL on ENOMEM or a NULL r. */
cJSON *screen_review_json(const Tz__Review *r);

#endif
