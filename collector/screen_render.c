/* screen_render — a stored pre-launch screening as text, JSON or HTML.
 *
 * One walk of the record per format, each reading it defensively: the
 * record may be a hostile one (screen_render.h), so every pointer is
 * checked where it is used and every string goes out through an escaper. */
#include "screen_render.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "flag_catalog.h"
#include "ledger_fields.h"
#include "ledger_json.h"
#include "time_text.h"
#include "utf8.h"

/* The rule that asks for the screening, named once in each report. */
#define REGULATION FLAG_REGULATION "第五条(五)、第六条(六)"

static const char *S(const char *s)
{
    return s ? s : "";
}

/* A record without a result or scan reads as the empty one: nothing
 * passed, nothing was scanned. */
static const Tz__ScreeningResult no_result = TZ__SCREENING_RESULT__INIT;
static const Tz__ScanRecord no_scan = TZ__SCAN_RECORD__INIT;

/* ---- what every format judges the same way ---- */

/* t as ISO 8601 with the offset ("2026-03-01T08:00:00+08:00") or for
 * reading ("2026-03-01 08:00 +0800"), as every output (time_text.h). 0 on
 * success; -1 for 0 (buf "") or a time outside years 0..9999 (buf its raw
 * number): the calendar's answer there helps nobody. */
static int fmt_time(int64_t t, int iso, char buf[48])
{
    char s[TIME_TEXT_BUF], raw[24];
    time_text(t, iso ? TIME_ISO : TIME_HUMAN, s);
    snprintf(buf, 48, "%s", s);
    snprintf(raw, sizeof(raw), "%" PRId64, t);
    return t == 0 || strcmp(s, raw) == 0 ? -1 : 0;
}

enum host_state { H_ANSWERED, H_REPORTED, H_NOT_ANSWERED, H_NO_REPORT };

/* Not answering wins over everything else a record may claim: a silent
 * host's items are not checked, and nothing here may suggest otherwise. */
static enum host_state host_state(const Tz__Screening *s,
                                  const Tz__ScreenedHost *h)
{
    if (h == NULL || !h->answered)
        return h == NULL ? H_NO_REPORT : H_NOT_ANSWERED;
    if (h->report == NULL)
        return H_NO_REPORT;
    return s->fresh ? H_ANSWERED : H_REPORTED;
}

/* When the host last reported: its answer to the fresh collection, else
 * its latest report. */
static int64_t host_report_at(const Tz__Screening *s, const Tz__ScreenedHost *h)
{
    const Tz__AgentRecord *a = h ? h->agent : NULL;
    if (a == NULL)
        return 0;
    return s->fresh && h->answered ? a->last_collect_at : a->last_report_at;
}

enum outcome { O_NOT_CHECKED, O_PASS, O_FAIL };

/* An outcome this build does not know is not a pass. */
static enum outcome outcome_of(const Tz__ScreeningItem *it)
{
    switch (it->outcome) {
    case TZ__SCREEN_OUTCOME__SCREEN_PASS: return O_PASS;
    case TZ__SCREEN_OUTCOME__SCREEN_FAIL: return O_FAIL;
    default: return O_NOT_CHECKED;
    }
}

static const char *const outcome_key[] = {"not_checked", "pass", "fail"};

static int blocking_item_failed(const Tz__ScreeningResult *r)
{
    for (size_t i = 0; i < r->n_items; i++)
        if (r->items[i] && r->items[i]->blocking &&
            outcome_of(r->items[i]) == O_FAIL)
            return 1;
    return 0;
}

/* The verdict every format shows: the stored one, unless a blocking item
 * failed (a record that says otherwise is not believed). */
static int screening_passed(const Tz__Screening *s)
{
    return s->result && s->result->passed && !blocking_item_failed(s->result);
}

static size_t hosts_not_answered(const Tz__Screening *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_hosts; i++)
        n += host_state(s, s->hosts[i]) == H_NOT_ANSWERED;
    return n;
}

/* ---- the ledger record, made safe for ledger_fields ---- */

/* civil_from_day overflows on days near INT32_MIN/MAX (signed arithmetic):
 * dates outside years 0..9999 are taken out of the copy ledger_fields sees
 * and shown by their raw number instead. */
#define DAY_MIN (-719528)   /* 0000-01-01 */
#define DAY_MAX 2932896     /* 9999-12-31 */

static int day_ok(int32_t d)
{
    return d >= DAY_MIN && d <= DAY_MAX;
}

struct safe_record {
    Tz__SystemRecord r;
    Tz__Prelaunch pl;
};

/* A shallow copy of in (strings and lists shared) with its dates safe. */
static const Tz__SystemRecord *safe_record(const Tz__SystemRecord *in,
                                           struct safe_record *sr)
{
    sr->r = *in;
    if (!day_ok(sr->r.grading_filed_day))
        sr->r.grading_filed_day = 0;
    if (!day_ok(sr->r.last_evaluation_day))
        sr->r.last_evaluation_day = 0;
    if (!day_ok(sr->r.launched_day))
        sr->r.launched_day = 0;
    if (in->prelaunch) {
        sr->pl = *in->prelaunch;
        if (!day_ok(sr->pl.day))
            sr->pl.day = 0;
        sr->r.prelaunch = &sr->pl;
    }
    return &sr->r;
}

/* The stored day of a date field, whatever its value. */
static int32_t raw_day(const Tz__SystemRecord *r, enum ledger_id id)
{
    switch (id) {
    case LF_GRADING_FILED_AT: return r->grading_filed_day;
    case LF_LAST_EVALUATION_AT: return r->last_evaluation_day;
    case LF_LAUNCHED_AT: return r->launched_day;
    case LF_PRELAUNCH_DATE: return r->prelaunch ? r->prelaunch->day : 0;
    default: return 0;
    }
}

/* ---- output with labels in one or two languages ---- */

struct rout {
    FILE *f;
    int english;    /* 0: Chinese with English beside; 1: English only */
};

/* Both: "系统 System" (zh) or "System" (en). Z: one of them. */
#define LB(o, z, e) ((o)->english ? (e) : z " " e)
#define LZ(o, z, e) ((o)->english ? (e) : (z))

static void put(struct rout *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct rout *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
}

/* Text from the record for a terminal: invalid bytes as '?', control and
 * bidi characters escaped as tz_text_escape writes them. */
static void put_text(struct rout *o, const char *s)
{
    size_t left = strlen(S(s));
    for (const char *p = S(s); left > 0;) {
        uint32_t cp;
        size_t n = tz_utf8_next(p, left, &cp);
        if (n == 0) {
            putc('?', o->f);
            n = 1;
        } else if (!tz_text_unsafe_cp(cp)) {
            fwrite(p, 1, n, o->f);
        } else if (cp == '\n' || cp == '\r' || cp == '\t') {
            fputs(cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t", o->f);
        } else if (cp < 0x80) {
            fprintf(o->f, "\\x%02x", (unsigned)cp);
        } else {
            fprintf(o->f, "\\u%04x", (unsigned)cp);
        }
        p += n;
        left -= n;
    }
}

/* Text from the record in HTML element content or a quoted attribute:
 * & < > " ' as entities; invalid bytes, control and bidi characters as
 * U+FFFD (tab, CR and LF kept: pre-wrap cells show the line breaks). */
static void put_html(struct rout *o, const char *s)
{
    size_t left = strlen(S(s));
    for (const char *p = S(s); left > 0;) {
        uint32_t cp;
        size_t n = tz_utf8_next(p, left, &cp);
        if (n == 0 || (tz_text_unsafe_cp(cp) && cp != '\t' && cp != '\n' &&
                       cp != '\r')) {
            fputs("\xef\xbf\xbd", o->f);
            n = n ? n : 1;
        } else if (cp == '&') {
            fputs("&amp;", o->f);
        } else if (cp == '<') {
            fputs("&lt;", o->f);
        } else if (cp == '>') {
            fputs("&gt;", o->f);
        } else if (cp == '"') {
            fputs("&quot;", o->f);
        } else if (cp == '\'') {
            fputs("&#39;", o->f);
        } else {
            fwrite(p, 1, n, o->f);
        }
        p += n;
        left -= n;
    }
}

static const char *item_label(const struct rout *o, const Tz__ScreeningItem *it)
{
    const char *zh = S(it->label_zh), *en = S(it->label_en);
    return o->english ? (en[0] ? en : zh) : (zh[0] ? zh : en);
}

static const char *item_remedy(const struct rout *o,
                               const Tz__ScreeningItem *it)
{
    const char *zh = S(it->remedy_zh), *en = S(it->remedy_en);
    return o->english ? (en[0] ? en : zh) : (zh[0] ? zh : en);
}

/* The evidence in the render's language: a screening stored before
 * evidence_zh has only the English. */
static const char *item_evidence(const struct rout *o,
                                 const Tz__ScreeningItem *it)
{
    const char *zh = S(it->evidence_zh), *en = S(it->evidence);
    return o->english ? (en[0] ? en : zh) : (zh[0] ? zh : en);
}

static const char *subject_kind(const struct rout *o,
                                const Tz__ScreeningItem *it)
{
    if (strcmp(S(it->subject_kind), "host") == 0)
        return LB(o, "主机", "host");
    if (strcmp(S(it->subject_kind), "system") == 0)
        return LB(o, "系统", "system");
    return NULL;
}

/* ---- text ---- */

static void text_header(struct rout *o, const Tz__Screening *s)
{
    char t[48];
    const Tz__ScreeningResult *r = s->result ? s->result : &no_result;
    put(o, "%s  %s %" PRIu64 "\n", LB(o, "上线前安全审查", "Pre-launch screening"),
        LB(o, "审查编号", "No."), s->screening_id);
    put(o, "%s: " REGULATION "\n", LB(o, "依据", "Basis"));
    put(o, "%s: ", LB(o, "系统", "System"));
    if (s->system) {
        put_text(o, s->system->name);
        put(o, " (");
        put_text(o, s->system->dept);
        put(o, ")");
    } else {
        put(o, "%s", LB(o, "(无台账记录)", "(no ledger record)"));
    }
    put(o, " #%" PRIu64 "\n", s->system_id);
    fmt_time(s->at, 0, t);
    put(o, "%s: %s\n", LB(o, "时间", "At"), t[0] ? t : "-");
    put(o, "%s: ", LB(o, "执行人", "By"));
    put_text(o, s->by);
    put(o, " (via ");
    put_text(o, s->via);
    put(o, ")\n");
    if (s->fresh)
        put(o, "%s: %s, %s %" PRIu32 " s\n", LB(o, "现采", "Fresh"),
            LB(o, "是", "yes"), LB(o, "等待", "waited up to"), s->deadline_s);
    else
        put(o, "%s: %s\n", LB(o, "现采", "Fresh"),
            LB(o, "否，用最近的报告", "no, latest stored reports"));
    put(o, "%s: ", LB(o, "检查程序", "Checker"));
    put_text(o, r->checker_version);
    put(o, "\n");
}

static void text_verdict(struct rout *o, const Tz__Screening *s)
{
    const Tz__ScreeningResult *r = s->result ? s->result : &no_result;
    const char *v = s->result == NULL ? LB(o, "无结果", "NO RESULT")
                  : screening_passed(s) ? LB(o, "通过", "PASSED")
                                        : LB(o, "未通过", "FAILED");
    put(o, "%s: %s (%s %" PRIu32 ", %s %" PRIu32 ", %s %" PRIu32 ")\n",
        LB(o, "结论", "Verdict"), v,
        LB(o, "阻断项不通过", "blocking failed"), r->blocking_failed,
        LB(o, "建议项不通过", "advisory failed"), r->advisory_failed,
        LB(o, "未检查", "not checked"), r->not_checked);
    if (r->passed && blocking_item_failed(r))
        put(o, "%s\n", LZ(o, "注意：记录称通过，但有阻断项不通过",
                          "Note: the record says passed, but a blocking "
                          "item failed"));
}

static void text_hosts(struct rout *o, const Tz__Screening *s)
{
    put(o, "\n%s: %zu (%s: %zu)\n", LB(o, "主机", "Hosts"), s->n_hosts,
        LB(o, "未应答", "not answered"), hosts_not_answered(s));
    for (size_t i = 0; i < s->n_hosts; i++) {
        const Tz__ScreenedHost *h = s->hosts[i];
        const Tz__AgentRecord *a = h ? h->agent : NULL;
        char t[48];
        put(o, "  ");
        if (a) {
            put_text(o, a->hostname);
            put(o, " #%" PRIu64 " (", a->agent_id);
            put_text(o, a->dept);
            put(o, "): ");
        } else {
            put(o, "%s: ", LB(o, "(无主机记录)", "(no host record)"));
        }
        fmt_time(h && h->report ? h->report->collected_at : 0, 0, t);
        switch (host_state(s, h)) {
        case H_NOT_ANSWERED:
            put(o, "%s, %s\n", LB(o, "未应答", "NOT ANSWERED"),
                LB(o, "其检查项未检查", "its items not checked"));
            break;
        case H_NO_REPORT:
            put(o, "%s, %s\n", LB(o, "无报告", "NO REPORT"),
                LB(o, "其检查项未检查", "its items not checked"));
            break;
        case H_ANSWERED:
            put(o, "%s, %s %s\n", LB(o, "已应答", "answered"),
                LB(o, "采集于", "collected"), t[0] ? t : "-");
            break;
        case H_REPORTED:
            put(o, "%s %s\n", LB(o, "最近报告采集于", "last report collected"),
                t[0] ? t : "-");
            break;
        }
    }
}

static void text_scan(struct rout *o, const Tz__Screening *s)
{
    const Tz__ScanRecord *sc = s->scan ? s->scan : &no_scan;
    put(o, "\n%s: ", LB(o, "外部扫描", "Scan"));
    if (!sc->ran) {
        if (sc->asked) {
            put(o, "%s: ", LB(o, "未检查", "NOT CHECKED"));
            put_text(o, sc->why_not);
        } else {
            put(o, "%s", LB(o, "未要求", "not asked"));
        }
        put(o, "\n  %s\n", LB(o, "扫描项未检查", "scan items not checked"));
        return;
    }
    put(o, "%s (nmap ", LB(o, "已执行", "ran"));
    put_text(o, sc->nmap_version);
    if (sc->ports_scanned)   /* 0 in records from before it was kept */
        put(o, ", %" PRIu32 " %s", sc->ports_scanned,
            LB(o, "个端口/地址", "ports per address"));
    put(o, ")\n  %s: ", LB(o, "仅扫描台账登记的地址",
                           "scanned the ledger's addresses only"));
    for (size_t i = 0; i < sc->n_addrs; i++) {
        put(o, "%s", i ? ", " : "");
        put_text(o, sc->addrs[i]);
    }
    put(o, "%s\n", sc->n_addrs ? "" : LB(o, "(无)", "(none)"));
    put(o, "  %s: %zu\n", LB(o, "开放端口", "open ports"), sc->n_open);
    for (size_t i = 0; i < sc->n_open; i++) {
        const Tz__ScannedPort *p = sc->open[i];
        if (p == NULL)
            continue;
        put(o, "    ");
        put_text(o, p->addr);
        put(o, ":%" PRIu32 " ", p->port);
        put_text(o, p->service);
        put(o, "\n");
    }
    if (sc->truncated)
        put(o, "  %s\n", LB(o, "(开放端口过多，列表不完整)",
                           "(more were open than kept)"));
}

static void text_item(struct rout *o, const Tz__ScreeningItem *it)
{
    static const char *const mark[] = {"[----]", "[PASS]", "[FAIL]"};
    enum outcome oc = outcome_of(it);
    const char *kind = subject_kind(o, it);
    put(o, "%s %s | ", mark[oc], it->blocking ? LB(o, "阻断", "blocking")
                                             : LB(o, "建议", "advisory"));
    put_text(o, item_label(o, it));
    put(o, " (");
    put_text(o, it->id);
    put(o, ") | ");
    if (kind)
        put(o, "%s ", kind);
    else {
        put_text(o, it->subject_kind);
        put(o, " ");
    }
    put_text(o, it->subject_name);
    put(o, " #%" PRIu64 "\n", it->subject_id);
    if (item_evidence(o, it)[0]) {
        put(o, "       %s: ", LB(o, "证据", "evidence"));
        put_text(o, item_evidence(o, it));
        put(o, "\n");
    }
    if (oc == O_FAIL) {
        put(o, "       %s: ", LB(o, "整改建议", "remedy"));
        put_text(o, item_remedy(o, it));
        put(o, "\n       %s: ", LB(o, "依据", "cites"));
        put_text(o, it->cites);
        put(o, "\n");
    }
}

static void render_text(struct rout *o, const Tz__Screening *s)
{
    const Tz__ScreeningResult *r = s->result ? s->result : &no_result;
    text_header(o, s);
    text_verdict(o, s);
    text_hosts(o, s);
    text_scan(o, s);
    put(o, "\n%s: %zu\n", LB(o, "检查项", "Items"), r->n_items);
    for (size_t i = 0; i < r->n_items; i++)
        if (r->items[i])
            text_item(o, r->items[i]);
}

/* ---- HTML ---- */

/* Fits 180 mm (A4 less 15 mm margins); rows are never split over pages;
 * failing rows carry words, the colour is only a help. */
static const char css[] =
    "@page { size: A4; margin: 15mm }\n"
    "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", "
    "\"Microsoft YaHei\", \"PingFang SC\", SimSun, sans-serif; font-size: 10pt;"
    " color: #000; max-width: 180mm; margin: 0 auto }\n"
    "h1 { font-size: 16pt; text-align: center; margin: 0 0 2mm }\n"
    "h1 small { display: block; font-size: 10pt; font-weight: normal }\n"
    "h2 { font-size: 12pt; margin: 5mm 0 2mm; break-after: avoid;"
    " page-break-after: avoid }\n"
    "p { margin: 1mm 0 }\n"
    "table { width: 100%; border-collapse: collapse; table-layout: fixed;"
    " margin-bottom: 3mm }\n"
    "th, td { border: 0.3mm solid #444; padding: 1mm 1.5mm; text-align: left;"
    " vertical-align: top; overflow-wrap: anywhere; word-break: break-word }\n"
    "th { background: #eee }\n"
    "thead { display: table-header-group }\n"
    "tr { break-inside: avoid; page-break-inside: avoid }\n"
    ".kv th { width: 30% }\n"
    ".fail td { background: #fde8e8 }\n"
    ".fail td.r, .warn td.r { font-weight: bold }\n"
    ".warn td { background: #fff4d6 }\n"
    ".verdict { font-size: 12pt; font-weight: bold; border: 0.5mm solid #000;"
    " padding: 2mm; margin: 3mm 0 }\n"
    ".counts { display: block; font-size: 10pt; font-weight: normal }\n"
    ".pre { white-space: pre-wrap }\n"
    ".sub { display: block; font-size: 8.5pt; font-weight: normal; color: #333 }\n"
    ".more { display: block; margin-top: 1mm }\n"
    ".sig { margin-top: 12mm; break-inside: avoid; page-break-inside: avoid }\n"
    ".sig p { margin: 8mm 0 }\n"
    ".line { display: inline-block; width: 55mm; border-bottom: 0.3mm solid #000 }\n"
    ".date { display: inline-block; width: 35mm; border-bottom: 0.3mm solid #000 }\n"
    "* { -webkit-print-color-adjust: exact; print-color-adjust: exact }\n";

/* <tr><th>label</th><td>escaped value</td></tr> */
static void html_kv(struct rout *o, const char *label, const char *value)
{
    put(o, "<tr><th>%s</th><td>", label);
    put_html(o, value);
    put(o, "</td></tr>\n");
}

/* <colgroup> of widths in percent, 0-terminated. */
static void html_cols(struct rout *o, const int *w)
{
    put(o, "<colgroup>");
    for (; *w; w++)
        put(o, "<col style=\"width: %d%%\">", *w);
    put(o, "</colgroup>\n");
}

static void html_header(struct rout *o, const Tz__Screening *s)
{
    char t[48], n[64];
    const Tz__ScreeningResult *r = s->result ? s->result : &no_result;
    put(o, "<h1>%s</h1>\n", o->english
                                ? "Pre-launch security screening report"
                                : "上线前安全审查报告<small>Pre-launch security "
                                  "screening report</small>");
    put(o, "<p>%s: " REGULATION "</p>\n", LB(o, "依据", "Basis"));
    put(o, "<table class=\"kv\">\n");
    snprintf(n, sizeof(n), "%" PRIu64, s->screening_id);
    html_kv(o, LB(o, "审查编号", "Screening No."), n);
    put(o, "<tr><th>%s</th><td>", LB(o, "系统", "System"));
    if (s->system) {
        put_html(o, s->system->name);
        put(o, " (");
        put_html(o, s->system->dept);
        put(o, ")");
    } else {
        put(o, "%s", LB(o, "无台账记录", "no ledger record"));
    }
    put(o, " #%" PRIu64 "</td></tr>\n", s->system_id);
    fmt_time(s->at, 0, t);
    html_kv(o, LB(o, "审查时间", "At"), t[0] ? t : "-");
    put(o, "<tr><th>%s</th><td>", LB(o, "执行人", "Run by"));
    put_html(o, s->by);
    put(o, " (via ");
    put_html(o, s->via);
    put(o, ")</td></tr>\n");
    if (s->fresh)
        put(o, "<tr><th>%s</th><td>%s, %s %" PRIu32 " s</td></tr>\n",
            LB(o, "现采", "Fresh"), LB(o, "是", "yes"),
            LB(o, "等待", "waited up to"), s->deadline_s);
    else
        put(o, "<tr><th>%s</th><td>%s</td></tr>\n", LB(o, "现采", "Fresh"),
            LB(o, "否，用最近的报告", "no, latest stored reports"));
    html_kv(o, LB(o, "检查程序", "Checker"), r->checker_version);
    put(o, "</table>\n");
}

static void html_verdict(struct rout *o, const Tz__Screening *s)
{
    const Tz__ScreeningResult *r = s->result ? s->result : &no_result;
    const char *v = s->result == NULL ? LB(o, "无结果", "NO RESULT")
                  : screening_passed(s) ? LB(o, "通过", "PASSED")
                                        : LB(o, "未通过", "FAILED");
    put(o, "<p class=\"verdict\">%s: %s<span class=\"counts\">%s %" PRIu32
        ", %s %" PRIu32 ", %s %" PRIu32 "</span></p>\n",
        LB(o, "结论", "Verdict"), v,
        LB(o, "阻断项不通过", "blocking failed"), r->blocking_failed,
        LB(o, "建议项不通过", "advisory failed"), r->advisory_failed,
        LB(o, "未检查", "not checked"), r->not_checked);
    if (r->passed && blocking_item_failed(r))
        put(o, "<p>%s</p>\n", LZ(o, "注意：记录称通过，但有阻断项不通过。",
                                 "Note: the record says passed, but a "
                                 "blocking item failed."));
}

static void html_hosts(struct rout *o, const Tz__Screening *s)
{
    static const int w[] = {30, 20, 26, 24, 0};
    put(o, "<h2>%s (%zu; %s %zu)</h2>\n", LB(o, "主机", "Hosts"), s->n_hosts,
        LB(o, "未应答", "not answered"), hosts_not_answered(s));
    if (s->n_hosts == 0) {
        put(o, "<p>%s</p>\n", LB(o, "无", "none"));
        return;
    }
    put(o, "<table>");
    html_cols(o, w);
    put(o, "<thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
        "</thead>\n<tbody>\n", LB(o, "主机", "Host"), LB(o, "部门", "Dept"),
        LB(o, "状态", "State"), LB(o, "报告采集于", "Collected"));
    for (size_t i = 0; i < s->n_hosts; i++) {
        const Tz__ScreenedHost *h = s->hosts[i];
        const Tz__AgentRecord *a = h ? h->agent : NULL;
        enum host_state st = host_state(s, h);
        char t[48];
        int bad = st == H_NOT_ANSWERED || st == H_NO_REPORT;
        put(o, "<tr%s><td>", bad ? " class=\"warn\"" : "");
        if (a) {
            put_html(o, a->hostname);
            put(o, " #%" PRIu64 "</td><td>", a->agent_id);
            put_html(o, a->dept);
        } else {
            put(o, "%s</td><td>", LB(o, "无主机记录", "no host record"));
        }
        put(o, "</td><td class=\"r\">%s</td><td>",
            st == H_NOT_ANSWERED ? LB(o, "未应答，其检查项未检查",
                                      "NOT ANSWERED, items not checked")
            : st == H_NO_REPORT ? LB(o, "无报告，其检查项未检查",
                                     "NO REPORT, items not checked")
            : st == H_ANSWERED ? LB(o, "已应答", "answered")
                               : LB(o, "最近报告", "latest report"));
        fmt_time(h && h->report ? h->report->collected_at : 0, 0, t);
        put_html(o, t[0] ? t : "-");
        put(o, "</td></tr>\n");
    }
    put(o, "</tbody></table>\n");
}

static void html_scan(struct rout *o, const Tz__Screening *s)
{
    static const int w[] = {45, 15, 40, 0};
    const Tz__ScanRecord *sc = s->scan ? s->scan : &no_scan;
    put(o, "<h2>%s</h2>\n", LB(o, "外部扫描", "Outside scan"));
    if (!sc->ran) {
        if (sc->asked) {
            put(o, "<p><b>%s</b>: ", LB(o, "未检查", "NOT CHECKED"));
            put_html(o, sc->why_not);
            put(o, "</p>\n");
        } else {
            put(o, "<p><b>%s</b></p>\n", LB(o, "未要求", "not asked"));
        }
        put(o, "<p>%s</p>\n", LB(o, "扫描项未检查。", "Scan items not checked."));
        return;
    }
    put(o, "<p>%s (nmap ", LB(o, "已执行", "Ran"));
    put_html(o, sc->nmap_version);
    if (sc->ports_scanned)
        put(o, ", %" PRIu32 " %s", sc->ports_scanned,
            LB(o, "个端口/地址", "ports per address"));
    put(o, "). %s: ", LB(o, "仅扫描台账登记的地址",
                         "Only the ledger's addresses were scanned"));
    for (size_t i = 0; i < sc->n_addrs; i++) {
        put(o, "%s", i ? ", " : "");
        put_html(o, sc->addrs[i]);
    }
    put(o, "%s</p>\n", sc->n_addrs ? "" : LB(o, "无", "none"));
    if (sc->n_open == 0) {
        put(o, "<p>%s</p>\n", LB(o, "未发现开放端口。", "No open ports found."));
        return;
    }
    put(o, "<table>");
    html_cols(o, w);
    put(o, "<thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead>\n"
        "<tbody>\n", LB(o, "地址", "Address"), LB(o, "端口", "Port"),
        LB(o, "服务", "Service"));
    for (size_t i = 0; i < sc->n_open; i++) {
        const Tz__ScannedPort *p = sc->open[i];
        if (p == NULL)
            continue;
        put(o, "<tr><td>");
        put_html(o, p->addr);
        put(o, "</td><td>%" PRIu32 "</td><td>", p->port);
        put_html(o, p->service);
        put(o, "</td></tr>\n");
    }
    put(o, "</tbody></table>\n");
    if (sc->truncated)
        put(o, "<p>%s</p>\n", LB(o, "开放端口过多，列表不完整。",
                                 "More ports were open than kept."));
}

static void html_item(struct rout *o, const Tz__ScreeningItem *it)
{
    enum outcome oc = outcome_of(it);
    const char *kind = subject_kind(o, it);
    static const char *const cls[] = {"", "", " class=\"fail\""};
    const char *word = oc == O_FAIL ? LB(o, "不通过", "FAIL")
                     : oc == O_PASS ? LB(o, "通过", "pass")
                                    : LB(o, "未检查", "not checked");
    put(o, "<tr%s><td class=\"r\">%s</td><td>%s</td><td>", cls[oc], word,
        it->blocking ? LB(o, "阻断", "blocking") : LB(o, "建议", "advisory"));
    put_html(o, item_label(o, it));
    put(o, "<span class=\"sub\">");
    put_html(o, it->id);
    put(o, "</span></td><td>");
    if (kind)
        put(o, "%s ", kind);
    else {
        put_html(o, it->subject_kind);
        put(o, " ");
    }
    put_html(o, it->subject_name);
    put(o, " #%" PRIu64 "</td><td>", it->subject_id);
    put_html(o, item_evidence(o, it));
    if (oc == O_FAIL) {
        put(o, "<span class=\"more\"><b>%s</b>: ", LB(o, "整改建议", "Remedy"));
        put_html(o, item_remedy(o, it));
        put(o, "</span><span class=\"more\"><b>%s</b>: ", LB(o, "依据", "Cites"));
        put_html(o, it->cites);
        put(o, "</span>");
    }
    put(o, "</td></tr>\n");
}

static void html_items(struct rout *o, const Tz__Screening *s)
{
    static const int w[] = {12, 10, 24, 18, 36, 0};
    const Tz__ScreeningResult *r = s->result ? s->result : &no_result;
    put(o, "<h2>%s (%zu)</h2>\n", LB(o, "检查项", "Checklist"), r->n_items);
    if (r->n_items == 0) {
        put(o, "<p>%s</p>\n", LB(o, "无", "none"));
        return;
    }
    put(o, "<table>");
    html_cols(o, w);
    put(o, "<thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
        "<th>%s</th></tr></thead>\n<tbody>\n", LB(o, "结果", "Result"),
        LB(o, "类别", "Kind"), LB(o, "检查项", "Item"),
        LB(o, "对象", "Subject"), LB(o, "证据", "Evidence"));
    for (size_t i = 0; i < r->n_items; i++)
        if (r->items[i])
            html_item(o, r->items[i]);
    put(o, "</tbody></table>\n");
}

/* One ledger field's value as judged; buf holds LEDGER_FORMAT_MAX bytes. */
static void html_field(struct rout *o, const Tz__SystemRecord *raw,
                       const Tz__SystemRecord *safe,
                       const struct ledger_field *f, char *buf)
{
    char *const *items;
    int32_t d = raw_day(raw, f->id);
    switch (f->kind) {
    case LK_DOMAINS:
    case LK_IPS: {
        size_t n = ledger_field_items(safe, f, &items);
        for (size_t i = 0; i < n; i++) {
            put(o, "%s", i ? "<br>" : "");
            put_html(o, items[i]);
        }
        return;
    }
    case LK_BOOL:
        ledger_field_format(safe, f->key, buf, LEDGER_FORMAT_MAX);
        put(o, "%s", strcmp(buf, "yes") == 0 ? LB(o, "是", "yes")
                                              : LB(o, "否", "no"));
        return;
    case LK_DATE:
        if (!day_ok(d)) {
            put(o, "%s %" PRId32, LB(o, "无效日期", "invalid day"), d);
            return;
        }
        break;
    default:
        break;
    }
    ledger_field_format(safe, f->key, buf, LEDGER_FORMAT_MAX);
    put_html(o, buf);
}

static int html_ledger(struct rout *o, const Tz__Screening *s)
{
    put(o, "<h2>%s</h2>\n", LB(o, "台账记录（审查时）", "Ledger record as judged"));
    if (s->system == NULL) {
        put(o, "<p>%s</p>\n", LB(o, "本次审查无台账记录。",
                                 "This screening holds no ledger record."));
        return 0;
    }
    char *buf = malloc(LEDGER_FORMAT_MAX);
    if (buf == NULL)
        return TZ_ENOMEM;
    struct safe_record sr;
    const Tz__SystemRecord *safe = safe_record(s->system, &sr);
    put(o, "<table class=\"kv\">\n<tbody>\n");
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field *f = &ledger_fields[i];
        put(o, "<tr><th>%s<span class=\"sub\">%s</span></th><td class=\"pre\">",
            f->label, f->key);
        html_field(o, s->system, safe, f, buf);
        put(o, "</td></tr>\n");
    }
    put(o, "</tbody></table>\n");
    free(buf);
    return 0;
}

static int render_html(struct rout *o, const Tz__Screening *s)
{
    put(o, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
        o->english ? "en" : "zh-CN",
        LB(o, "上线前安全审查报告", "Pre-launch security screening report"),
        css);
    html_header(o, s);
    html_verdict(o, s);
    html_hosts(o, s);
    html_scan(o, s);
    html_items(o, s);
    int rc = html_ledger(o, s);
    put(o, "<div class=\"sig\">\n<p>%s <span class=\"line\"></span> %s "
        "<span class=\"date\"></span></p>\n<p>%s <span class=\"line\"></span> "
        "%s <span class=\"date\"></span></p>\n</div>\n</body>\n</html>\n",
        LB(o, "审查人签字", "Reviewer's signature"), LB(o, "日期", "Date"),
        LB(o, "系统负责人签字", "System owner's signature"),
        LB(o, "日期", "Date"));
    return rc;
}

/* ---- JSON ---- */

static int add_str(cJSON *o, const char *k, const char *v)
{
    return cJSON_AddStringToObject(o, k, S(v)) ? 0 : -1;
}

static int add_num(cJSON *o, const char *k, double v)
{
    return cJSON_AddNumberToObject(o, k, v) ? 0 : -1;
}

static int add_bool(cJSON *o, const char *k, int v)
{
    return cJSON_AddBoolToObject(o, k, v) ? 0 : -1;
}

static int add_null(cJSON *o, const char *k)
{
    return cJSON_AddNullToObject(o, k) ? 0 : -1;
}

static int add_time(cJSON *o, const char *k, int64_t t)
{
    char b[48];
    return fmt_time(t, 1, b) == 0 ? add_str(o, k, b) : add_null(o, k);
}

/* Adds v to o under k, or fails (v NULL: out of memory). */
static int add_item(cJSON *o, const char *k, cJSON *v)
{
    if (v == NULL)
        return -1;
    cJSON_AddItemToObject(o, k, v);
    return 0;
}

/* Strings that are not valid UTF-8 made so, in place (cJSON owns them):
 * cJSON would print their bytes as they are, into JSON nobody can parse. */
static void json_repair(cJSON *j)
{
    for (; j; j = j->next) {
        if (cJSON_IsString(j) && j->valuestring &&
            !tz_utf8_valid(j->valuestring))
            tz_text_repair(j->valuestring);
        json_repair(j->child);
    }
}

static cJSON *host_json(const Tz__Screening *s, const Tz__ScreenedHost *h)
{
    const Tz__AgentRecord *a = h ? h->agent : NULL;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL ||
        (a ? add_num(o, "id", (double)a->agent_id) ||
                 add_str(o, "hostname", a->hostname) ||
                 add_str(o, "dept", a->dept)
           : add_null(o, "id") || add_null(o, "hostname") ||
                 add_null(o, "dept")) ||
        add_bool(o, "answered", h && h->answered) ||
        add_time(o, "report_at", host_report_at(s, h)) ||
        add_time(o, "collected_at", h && h->report ? h->report->collected_at : 0)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *scan_json(const Tz__ScanRecord *sc)
{
    cJSON *o = cJSON_CreateObject(), *addrs, *ports;
    if (o == NULL || add_bool(o, "asked", sc->asked) ||
        add_bool(o, "ran", sc->ran) || add_str(o, "why_not", sc->why_not) ||
        (addrs = cJSON_AddArrayToObject(o, "addrs")) == NULL ||
        (ports = cJSON_AddArrayToObject(o, "open")) == NULL ||
        add_bool(o, "truncated", sc->truncated) ||
        add_str(o, "nmap_version", sc->nmap_version))
        goto oom;
    for (size_t i = 0; i < sc->n_addrs; i++) {
        cJSON *a = cJSON_CreateString(S(sc->addrs[i]));
        if (a == NULL)
            goto oom;
        cJSON_AddItemToArray(addrs, a);
    }
    for (size_t i = 0; i < sc->n_open; i++) {
        const Tz__ScannedPort *p = sc->open[i];
        cJSON *x;
        if (p == NULL)
            continue;
        if ((x = cJSON_CreateObject()) == NULL)
            goto oom;
        cJSON_AddItemToArray(ports, x);
        if (add_str(x, "addr", p->addr) || add_num(x, "port", p->port) ||
            add_str(x, "service", p->service))
            goto oom;
    }
    return o;
oom:
    cJSON_Delete(o);
    return NULL;
}

static cJSON *item_json(const Tz__ScreeningItem *it)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || add_str(o, "id", it->id) ||
        add_str(o, "subject_kind", it->subject_kind) ||
        add_num(o, "subject_id", (double)it->subject_id) ||
        add_str(o, "subject", it->subject_name) ||
        add_str(o, "outcome", outcome_key[outcome_of(it)]) ||
        add_bool(o, "blocking", it->blocking) ||
        add_str(o, "evidence", it->evidence) ||
        add_str(o, "evidence_zh", it->evidence_zh) ||
        add_str(o, "label_zh", it->label_zh) ||
        add_str(o, "label_en", it->label_en) ||
        add_str(o, "cites", it->cites) ||
        add_str(o, "remedy_zh", it->remedy_zh) ||
        add_str(o, "remedy_en", it->remedy_en)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int hosts_items_json(const Tz__Screening *s, cJSON *o)
{
    const Tz__ScreeningResult *r = s->result ? s->result : &no_result;
    cJSON *hosts = cJSON_AddArrayToObject(o, "hosts"), *items;
    if (hosts == NULL)
        return -1;
    for (size_t i = 0; i < s->n_hosts; i++) {
        cJSON *h = host_json(s, s->hosts[i]);
        if (h == NULL)
            return -1;
        cJSON_AddItemToArray(hosts, h);
    }
    if (add_item(o, "scan", scan_json(s->scan ? s->scan : &no_scan)) ||
        (items = cJSON_AddArrayToObject(o, "items")) == NULL)
        return -1;
    for (size_t i = 0; i < r->n_items; i++) {
        cJSON *x;
        if (r->items[i] == NULL)
            continue;
        if ((x = item_json(r->items[i])) == NULL)
            return -1;
        cJSON_AddItemToArray(items, x);
    }
    return 0;
}

cJSON *screen_json(const Tz__Screening *s)
{
    if (s == NULL)
        return NULL;
    const Tz__ScreeningResult *r = s->result ? s->result : &no_result;
    const Tz__SystemRecord *sys = s->system;
    struct safe_record sr;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || add_num(o, "screening_id", (double)s->screening_id) ||
        add_num(o, "system_id", (double)s->system_id) ||
        (sys ? add_str(o, "system", sys->name) || add_str(o, "dept", sys->dept)
             : add_null(o, "system") || add_null(o, "dept")) ||
        add_time(o, "at", s->at) || add_str(o, "by", s->by) ||
        add_str(o, "via", s->via) || add_bool(o, "fresh", s->fresh) ||
        add_num(o, "deadline_s", s->deadline_s) ||
        add_str(o, "checker_version", r->checker_version) ||
        add_bool(o, "passed", screening_passed(s)) ||
        add_num(o, "blocking_failed", r->blocking_failed) ||
        add_num(o, "advisory_failed", r->advisory_failed) ||
        add_num(o, "not_checked", r->not_checked) ||
        hosts_items_json(s, o) ||
        (sys ? add_item(o, "ledger", ledger_record_json(safe_record(sys, &sr)))
             : add_null(o, "ledger"))) {
        cJSON_Delete(o);
        return NULL;
    }
    json_repair(o);
    return o;
}

cJSON *screen_summary_json(const Tz__ScreeningSummary *s)
{
    if (s == NULL)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || add_num(o, "screening_id", (double)s->screening_id) ||
        add_num(o, "system_id", (double)s->system_id) ||
        add_time(o, "at", s->at) || add_str(o, "by", s->by) ||
        add_bool(o, "passed", s->passed) ||
        add_num(o, "blocking_failed", s->blocking_failed) ||
        add_num(o, "advisory_failed", s->advisory_failed) ||
        add_num(o, "not_checked", s->not_checked) ||
        add_bool(o, "fresh", s->fresh) || add_bool(o, "scanned", s->scanned) ||
        add_num(o, "hosts", s->hosts) ||
        add_num(o, "not_answered", s->not_answered) ||
        add_str(o, "checker_version", s->checker_version)) {
        cJSON_Delete(o);
        return NULL;
    }
    json_repair(o);
    return o;
}

cJSON *screen_review_json(const Tz__Review *r)
{
    if (r == NULL)
        return NULL;
    const Tz__ScreeningSummary *sum = r->screening;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || add_num(o, "review_id", (double)r->review_id) ||
        add_num(o, "system_id", (double)r->system_id) ||
        add_time(o, "at", r->at) ||
        add_str(o, "decision", r->passed ? "pass" : "fail") ||
        add_str(o, "reviewer", r->reviewer) || add_str(o, "actor", r->actor) ||
        add_str(o, "via", r->via) ||
        (sum && sum->screening_id
             ? add_num(o, "screening_id", (double)sum->screening_id)
             : add_null(o, "screening_id")) ||
        (S(r->override_reason)[0] ? add_str(o, "override_reason",
                                            r->override_reason)
                                  : add_null(o, "override_reason")) ||
        (sum ? add_item(o, "screening", screen_summary_json(sum))
             : add_null(o, "screening"))) {
        cJSON_Delete(o);
        return NULL;
    }
    json_repair(o);
    return o;
}

/* ---- the entry ---- */

static const char *const format_names[] = {"text", "json", "html"};

int screen_format_parse(const char *s, enum screen_format *out)
{
    for (int i = 0; s && i < 3; i++)
        if (strcasecmp(s, format_names[i]) == 0) {
            *out = (enum screen_format)i;
            return 0;
        }
    return TZ_EINVAL;
}

static int render_json(FILE *out, const Tz__Screening *s)
{
    cJSON *o = screen_json(s);
    char *text = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (text == NULL)
        return TZ_ENOMEM;
    fputs(text, out);
    putc('\n', out);
    free(text);
    return 0;
}

int screen_render_lang(const Tz__Screening *s, enum screen_format f,
                       const char *lang, FILE *out, struct tz_error *err)
{
    if (s == NULL || out == NULL)
        return tz_err(err, TZ_EINVAL, NULL, 0, "no screening to show");
    struct rout o = {out, lang && strncasecmp(lang, "en", 2) == 0};
    int rc;
    switch (f) {
    case SCREEN_TEXT:
        render_text(&o, s);
        rc = 0;
        break;
    case SCREEN_JSON:
        rc = render_json(out, s);
        break;
    case SCREEN_HTML:
        rc = render_html(&o, s);
        break;
    default:
        return tz_err(err, TZ_EINVAL, NULL, 0, "unknown format %d", (int)f);
    }
    if (rc != 0)
        return tz_err(err, rc, NULL, 0, "screening %" PRIu64 ": out of memory",
                      s->screening_id);
    if (fflush(out) != 0 || ferror(out))
        return tz_err(err, TZ_EIO, NULL, 0,
                      "screening %" PRIu64 ": could not write it out",
                      s->screening_id);
    return 0;
}

int screen_render(const Tz__Screening *s, enum screen_format f, FILE *out,
                  struct tz_error *err)
{
    return screen_render_lang(s, f, "zh", out, err);
}
