/* portal_html — the portal's pages. */
#include "portal_html.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dept_fields.h"
#include "ledger_diff.h"
#include "ledger_fields.h"
#include "people.h"
#include "portal_auth.h"
#include "portal_html_parts.h"
#include "portal_i18n.h"
#include "time_text.h"

#define T(en) tr(q->lang, en)

static const char style[] =
    "body{font:15px/1.5 system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
    "margin:0;color:#1b1b1b;background:#f6f7f9}"
    "header{background:#123d6a;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;"
    "gap:.3em 1.2em;align-items:center}"
    "header a{color:#fff}header form{display:inline;margin:0}"
    "main{padding:1em;max-width:1200px;margin:auto}"
    "table{border-collapse:collapse;width:100%;background:#fff;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #d5d9e0;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#eef1f5}.wrap{overflow-x:auto}"
    ".high{color:#b00020;font-weight:bold}.medium{color:#a15c00}.low{color:#555}"
    ".notice{background:#e6f4ea;padding:.5em}.error{background:#fde7e9;padding:.5em}"
    "input[type=text],textarea,select{width:100%;box-sizing:border-box;padding:.3em}"
    "button{padding:.4em 1em}dl{display:grid;grid-template-columns:max-content 1fr;"
    "gap:.2em 1em;background:#fff;padding:.5em}dt{font-weight:bold}dd{margin:0;"
    "white-space:pre-wrap}"
    "@media(max-width:600px){dl{grid-template-columns:1fr}}";

static void s(struct html_buf *b, const char *raw)
{
    html_buf_puts(b, raw);
}

static void t(struct html_buf *b, const char *text)
{
    html_buf_text(b, text ? text : "", text ? strlen(text) : 0);
}

static void attr(struct html_buf *b, const char *text)
{
    html_buf_attr(b, text ? text : "", text ? strlen(text) : 0);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return v ? v : "";
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void num(struct html_buf *b, double v)
{
    html_buf_printf(b, "%.0f", v);
}

/* Local date and time of a unix time with its zone ("2026-12-06 09:28
 * +0800": a reader elsewhere knows which 09:28); "-" for 0. */
static void when(struct html_buf *b, double secs)
{
    if (secs <= 0) {
        s(b, "-");
        return;
    }
    char buf[TIME_TEXT_BUF];
    t(b, time_text((int64_t)secs, TIME_HUMAN, buf));
}

/* A link to path with the page's language kept when it was chosen. */
static void href(struct html_buf *b, const struct portal_req *q, const char *path)
{
    s(b, "<a href=\"");
    attr(b, path);
    const char *lang = http_form_get(q->query, "lang");
    if (lang && lang[0]) {
        s(b, strchr(path, '?') ? "&amp;lang=" : "?lang=");
        html_buf_url(b, lang, strlen(lang));
    }
    s(b, "\">");
}

/* A link to this page in another language, its other query arguments
 * (filters, the department, a package search) kept. */
static void lang_link(struct html_buf *b, const struct portal_req *q,
                      const char *code, const char *label, int keep)
{
    s(b, "<a href=\"?lang=");
    s(b, code);
    for (size_t i = 0; keep && q->query && i < q->query->n; i++) {
        const struct http_form_field *f = &q->query->field[i];
        if (strcmp(f->name, "lang") == 0 || strcmp(f->name, "saved") == 0)
            continue;
        s(b, "&amp;");
        html_buf_url(b, f->name, f->name_len);
        s(b, "=");
        html_buf_url(b, f->value, f->value_len);
    }
    s(b, "\">");
    t(b, label);
    s(b, "</a>");
}

/* keep: the language links keep the query (not on error pages, which
 * must not differ by what was asked for). */
static void page_begin_keep(struct html_buf *b, const struct portal_req *q,
                            const char *title, int keep)
{
    s(b, "<!DOCTYPE html>\n<html lang=\"");
    s(b, q->lang == HTTP_LANG_ZH ? "zh-CN" : "en");
    s(b, "\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<title>");
    t(b, title);
    s(b, " · Taizhang</title><style>");
    s(b, style);
    s(b, "</style></head><body><header><strong>");
    t(b, T("Network asset ledger"));
    s(b, "</strong>");
    if (q->user) {
        href(b, q, "/ledger");
        t(b, T("Ledger"));
        s(b, "</a>");
        if (q->user->role != TZ__ROLE__ROLE_ADMIN) {
            href(b, q, "/dept");
            t(b, T("Department"));
            s(b, "</a>");
        }
        href(b, q, "/hosts");
        t(b, T("Hosts"));
        s(b, "</a>");
        href(b, q, "/flags");
        t(b, T("Flags"));
        s(b, "</a>");
        if (people_may_see_queue(q->user)) {
            href(b, q, "/screening-requests");
            t(b, T("Screening requests"));
            s(b, "</a>");
        }
        s(b, "<span>");
        t(b, T("Signed in as"));
        s(b, " ");
        t(b, q->user->name);
        s(b, " (");
        t(b, tr_value(q->lang, q->user->role == TZ__ROLE__ROLE_ADMIN ? "admin"
                               : q->user->role == TZ__ROLE__ROLE_EDITOR ? "editor"
                                                                         : "viewer"));
        if (q->user->dept[0]) {
            s(b, ", ");
            t(b, q->user->dept);
        }
        s(b, ")</span>");
        if (q->has_session) {
            char csrf[PORTAL_CSRF_HEX];
            portal_csrf_token(q, csrf);
            s(b, "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" "
                 "name=\"csrf\" value=\"");
            attr(b, csrf);
            s(b, "\"><button>");
            t(b, T("Log out"));
            s(b, "</button></form>");
        }
    }
    s(b, "<span>");
    lang_link(b, q, "zh", "中文", keep);
    s(b, " | ");
    lang_link(b, q, "en", "English", keep);
    s(b, "</span></header><main>");
}

static void page_begin(struct html_buf *b, const struct portal_req *q,
                       const char *title)
{
    page_begin_keep(b, q, title, 1);
}

static void page_end(struct html_buf *b)
{
    s(b, "</main></body></html>\n");
}

static void csrf_field(struct html_buf *b, const struct portal_req *q)
{
    char csrf[PORTAL_CSRF_HEX];
    portal_csrf_token(q, csrf);
    s(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    attr(b, csrf);
    s(b, "\">");
}

void html_login(struct html_buf *b, const struct portal_req *q,
                const char *error, const char *csrf)
{
    page_begin(b, q, T("Log in"));
    s(b, "<h1>");
    t(b, T("Log in"));
    s(b, "</h1>");
    if (error) {
        s(b, "<p class=\"error\">");
        t(b, error);
        s(b, "</p>");
    }
    s(b, "<form method=\"post\" action=\"/login\"><p>");
    t(b, T("Paste the login token the network center gave you."));
    s(b, "</p><label>");
    t(b, T("Login token"));
    s(b, "<input type=\"password\" name=\"token\" autocomplete=\"off\" required "
         "style=\"width:100%\"></label><input type=\"hidden\" name=\"csrf\" value=\"");
    attr(b, csrf);
    s(b, "\"><p><button>");
    t(b, T("Log in"));
    s(b, "</button></p></form>");
    page_end(b);
}

static void sev_cell(struct html_buf *b, const struct portal_req *q, const char *sev)
{
    s(b, "<td class=\"");
    attr(b, sev);
    s(b, "\">");
    t(b, tr_value(q->lang, sev));
    s(b, "</td>");
}

static void th(struct html_buf *b, const char *text)
{
    s(b, "<th>");
    t(b, text);
    s(b, "</th>");
}

static void field_th(struct html_buf *b, const struct portal_req *q, const char *key)
{
    const struct ledger_field *f = ledger_field_find(key);
    th(b, f ? tr_field(q->lang, f) : key);
}

void html_ledger(struct html_buf *b, const struct portal_req *q,
                 const cJSON *ledger, const cJSON *summary, const char *dept)
{
    page_begin(b, q, T("Ledger"));
    s(b, "<h1>");
    t(b, T("Ledger"));
    if (dept) {
        s(b, " · ");
        t(b, dept);
    }
    s(b, "</h1>");
    const cJSON *it;
    if (summary) {
        s(b, "<h2>");
        t(b, T("Departments"));
        s(b, "</h2><div class=\"wrap\"><table><tr>");
        th(b, T("Department"));
        th(b, T("Systems"));
        th(b, T("Hosts"));
        th(b, T("Unbound hosts"));
        th(b, T("Open flags"));
        th(b, T("High"));
        s(b, "</tr>");
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(summary, "departments")) {
            s(b, "<tr><td>");
            s(b, "<a href=\"/ledger?dept=");
            html_buf_url(b, jstr(it, "name"), strlen(jstr(it, "name")));
            s(b, "\">");
            t(b, jstr(it, "name"));
            s(b, "</a></td><td>");
            num(b, jnum(it, "systems"));
            s(b, "</td><td>");
            num(b, jnum(it, "hosts"));
            s(b, "</td><td>");
            num(b, jnum(it, "hosts_unbound"));
            s(b, "</td><td>");
            num(b, jnum(it, "open_flags"));
            s(b, "</td><td class=\"high\">");
            num(b, jnum(it, "high_flags"));
            s(b, "</td></tr>");
        }
        s(b, "</table></div>");
    }
    s(b, "<h2>");
    t(b, T("Systems"));
    s(b, "</h2><p>");
    t(b, T("Export"));
    s(b, ": ");
    static const char *const fmts[] = {"csv", "xlsx", "json"};
    for (size_t i = 0; i < 3; i++) {
        s(b, i ? " · <a href=\"/export." : "<a href=\"/export.");
        s(b, fmts[i]);
        if (dept) {
            s(b, "?dept=");
            html_buf_url(b, dept, strlen(dept));
        }
        s(b, "\">");
        s(b, i == 0 ? "CSV" : i == 1 ? "XLSX" : "JSON");
        s(b, "</a>");
    }
    if (q->user && q->user->role != TZ__ROLE__ROLE_VIEWER) {
        s(b, " · ");
        href(b, q, "/systems/new");
        t(b, T("Add a system"));
        s(b, "</a>");
    }
    s(b, "</p><div class=\"wrap\"><table><tr><th>ID</th>");
    static const char *const cols[] = {"name", "dept", "owner", "admin",
                                       "mlps_grade", "school_filing",
                                       "grading_filed_at", "last_evaluation_at",
                                       "prelaunch_status", "status"};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        field_th(b, q, cols[i]);
    th(b, T("Hosts bound"));
    th(b, T("Open flags"));
    s(b, "</tr>");
    int rows = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(ledger, "systems")) {
        char path[64];
        snprintf(path, sizeof(path), "/systems/%.0f", jnum(it, "id"));
        s(b, "<tr><td>");
        num(b, jnum(it, "id"));
        s(b, "</td><td>");
        href(b, q, path);
        t(b, jstr(it, "name"));
        s(b, "</a></td>");
        for (size_t i = 1; i < sizeof(cols) / sizeof(cols[0]); i++) {
            s(b, "<td>");
            const cJSON *v = cJSON_GetObjectItem(it, cols[i]);
            if (cJSON_IsNumber(v))
                num(b, v->valuedouble);
            else if (cJSON_IsString(v) && v->valuestring[0])
                t(b, tr_value(q->lang, v->valuestring));
            else
                s(b, "-");
            s(b, "</td>");
        }
        s(b, "<td>");
        num(b, jnum(it, "hosts"));
        s(b, "</td><td");
        s(b, jnum(it, "open_flags") > 0 ? " class=\"high\">" : ">");
        num(b, jnum(it, "open_flags"));
        s(b, "</td></tr>");
        rows++;
    }
    s(b, "</table></div>");
    if (rows == 0) {
        s(b, "<p>");
        t(b, T("Nothing here yet."));
        s(b, "</p>");
    }
    page_end(b);
}

/* A flag's evidence in the page's language: the Chinese one, or the
 * English when the flag was stored before it had one. */
static const char *evidence(const struct portal_req *q, const cJSON *f)
{
    const char *zh = jstr(f, "evidence_zh");
    return q->lang == HTTP_LANG_ZH && zh[0] ? zh : jstr(f, "evidence");
}

/* The flags table of a system or host page, or of the flags page. */
static void flags_table(struct html_buf *b, const struct portal_req *q,
                        const cJSON *flags, int with_subject)
{
    s(b, "<div class=\"wrap\"><table><tr>");
    th(b, T("Severity"));
    th(b, T("Flags"));
    if (with_subject)
        th(b, T("Subject"));
    th(b, T("Evidence"));
    th(b, T("Article"));
    th(b, T("Remedy"));
    th(b, T("Opened"));
    s(b, "</tr>");
    const cJSON *f;
    int n = 0;
    cJSON_ArrayForEach(f, flags) {
        s(b, "<tr>");
        sev_cell(b, q, jstr(f, "severity"));
        s(b, "<td>");
        t(b, q->lang == HTTP_LANG_ZH ? jstr(f, "label_zh") : jstr(f, "label_en"));
        s(b, "<br><small>");
        t(b, jstr(f, "rule"));
        s(b, "</small></td>");
        if (with_subject) {
            char path[64];
            int host = strcmp(jstr(f, "subject_kind"), "host") == 0;
            snprintf(path, sizeof(path), "/%s/%.0f", host ? "hosts" : "systems",
                     jnum(f, "subject_id"));
            s(b, "<td>");
            t(b, tr_value(q->lang, jstr(f, "subject_kind")));
            s(b, " ");
            href(b, q, path);
            t(b, jstr(f, "subject_name"));
            s(b, "</a>");
            if (jstr(f, "instance")[0]) {
                s(b, " [");
                t(b, jstr(f, "instance"));
                s(b, "]");
            }
            s(b, "</td>");
        }
        s(b, "<td>");
        t(b, evidence(q, f));
        s(b, "</td><td>");
        t(b, jstr(f, "cites"));
        s(b, "</td><td>");
        t(b, q->lang == HTTP_LANG_ZH ? jstr(f, "remedy_zh") : jstr(f, "remedy_en"));
        s(b, "</td><td>");
        when(b, jnum(f, "opened_at"));
        s(b, "</td></tr>");
        n++;
    }
    s(b, "</table></div>");
    if (n == 0) {
        s(b, "<p>");
        t(b, T("Nothing here yet."));
        s(b, "</p>");
    }
}

/* A field's value as the form shows it (lists joined with ", "). */
static void value_text(struct html_buf *b, const struct portal_req *q,
                       const cJSON *v, int for_input)
{
    if (cJSON_IsArray(v)) {
        const cJSON *it;
        int first = 1;
        cJSON_ArrayForEach(it, v) {
            if (!first)
                s(b, ", ");
            first = 0;
            (for_input ? attr : t)(b, cJSON_GetStringValue(it));
        }
    } else if (cJSON_IsBool(v)) {
        const char *w = cJSON_IsTrue(v) ? "yes" : "no";
        (for_input ? attr : t)(b, for_input ? w : tr_value(q->lang, w));
    } else if (cJSON_IsNumber(v)) {
        html_buf_printf(b, "%.0f", v->valuedouble);
    } else if (cJSON_IsString(v)) {
        const char *x = v->valuestring;
        (for_input ? attr : t)(b, for_input ? x : tr_value(q->lang, x));
    }
}

static void history_table(struct html_buf *b, const struct portal_req *q,
                          const cJSON *hist)
{
    s(b, "<div class=\"wrap\"><table><tr>");
    th(b, T("Time"));
    th(b, T("Actor"));
    th(b, T("Field"));
    th(b, T("Old value"));
    th(b, T("New value"));
    s(b, "</tr>");
    const cJSON *e, *c;
    cJSON_ArrayForEach(e, hist) {
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(e, "changes")) {
            s(b, "<tr><td>");
            when(b, jnum(e, "at"));
            s(b, "</td><td>");
            t(b, jstr(e, "actor"));
            if (jstr(e, "via")[0]) {
                s(b, " (");
                t(b, jstr(e, "via"));
                s(b, ")");
            }
            s(b, "</td><td>");
            const struct ledger_field *f = ledger_field_find(jstr(c, "field"));
            t(b, f ? tr_field(q->lang, f)
                   : strcmp(jstr(c, "field"), LEDGER_CHANGE_HOST) == 0
                       ? T("Host") : jstr(c, "field"));
            s(b, "</td><td>");
            t(b, jstr(c, "old"));
            s(b, "</td><td>");
            t(b, jstr(c, "new"));
            s(b, "</td></tr>");
        }
    }
    s(b, "</table></div>");
}

void html_system(struct html_buf *b, const struct portal_req *q,
                 const cJSON *sys, const int *editable, const char *notice,
                 const char *error, const struct http_form *values,
                 const struct html_prelaunch *prelaunch)
{
    page_begin(b, q, jstr(sys, "name"));
    s(b, "<h1>");
    t(b, jstr(sys, "name"));
    s(b, "</h1>");
    if (notice) {
        s(b, "<p class=\"notice\">");
        t(b, notice);
        s(b, "</p>");
    }
    if (error) {
        s(b, "<p class=\"error\">");
        t(b, error);
        s(b, "</p>");
    }
    char path[64];
    snprintf(path, sizeof(path), "/systems/%.0f", jnum(sys, "id"));
    if (editable) {
        s(b, "<form method=\"post\" action=\"");
        attr(b, path);
        s(b, "\">");
        csrf_field(b, q);
        html_buf_printf(b, "<input type=\"hidden\" name=\"revision\" "
                           "value=\"%.0f\">", jnum(sys, "revision"));
    }
    s(b, "<dl><dt>ID</dt><dd>");
    num(b, jnum(sys, "id"));
    s(b, "</dd>");
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field *f = &ledger_fields[i];
        const cJSON *v = cJSON_GetObjectItem(sys, f->key);
        s(b, "<dt><label for=\"f_");
        s(b, f->key);
        s(b, "\">");
        t(b, tr_field(q->lang, f));
        s(b, "</label></dt><dd>");
        if (editable && editable[i]) {
            const char *typed = values ? http_form_get(values, f->key) : NULL;
            int area = f->kind == LK_TEXT;
            s(b, area ? "<textarea rows=\"3\" id=\"f_" : "<input type=\"text\" id=\"f_");
            s(b, f->key);
            s(b, "\" name=\"");
            s(b, f->key);
            s(b, area ? "\">" : "\" value=\"");
            if (typed)
                (area ? t : attr)(b, typed);
            else
                value_text(b, q, v, !area);
            s(b, area ? "</textarea>" : "\">");
        } else {
            value_text(b, q, v, 0);
        }
        s(b, "</dd>");
    }
    s(b, "</dl>");
    if (editable) {
        s(b, "<p><button>");
        t(b, T("Save"));
        s(b, "</button></p></form>");
    }
    s(b, "<h2>");
    t(b, T("Hosts"));
    s(b, "</h2><div class=\"wrap\"><table><tr><th>ID</th>");
    th(b, T("Hostname"));
    th(b, T("Operating system"));
    th(b, T("Binding"));
    th(b, T("Last seen"));
    s(b, "</tr>");
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(sys, "hosts")) {
        char hp[64];
        snprintf(hp, sizeof(hp), "/hosts/%.0f", jnum(h, "id"));
        s(b, "<tr><td>");
        num(b, jnum(h, "id"));
        s(b, "</td><td>");
        href(b, q, hp);
        t(b, jstr(h, "hostname"));
        s(b, "</a></td><td>");
        t(b, jstr(h, "os"));
        s(b, "</td><td>");
        t(b, tr_value(q->lang, jstr(h, "binding")));
        s(b, "</td><td>");
        when(b, jnum(h, "last_seen"));
        s(b, "</td></tr>");
    }
    s(b, "</table></div><h2>");
    t(b, T("Open flags"));
    s(b, "</h2>");
    flags_table(b, q, cJSON_GetObjectItem(sys, "flags"), 1);
    if (prelaunch)
        html_prelaunch(b, q, prelaunch);
    s(b, "<h2>");
    t(b, T("History"));
    s(b, "</h2>");
    history_table(b, q, cJSON_GetObjectItem(sys, "history"));
    page_end(b);
}

void html_system_new(struct html_buf *b, const struct portal_req *q,
                     const char *error, const struct http_form *values)
{
    page_begin(b, q, T("Add a system"));
    s(b, "<h1>");
    t(b, T("Add a system"));
    s(b, "</h1>");
    if (error) {
        s(b, "<p class=\"error\">");
        t(b, error);
        s(b, "</p>");
    }
    s(b, "<form method=\"post\" action=\"/systems\">");
    csrf_field(b, q);
    s(b, "<dl>");
    int admin = q->user && q->user->role == TZ__ROLE__ROLE_ADMIN;
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field *f = &ledger_fields[i];
        if (f->id == LF_PRELAUNCH_STATUS || f->id == LF_PRELAUNCH_DATE ||
            f->id == LF_PRELAUNCH_REVIEWER || f->id == LF_PRELAUNCH_REPORT_ID)
            continue;
        s(b, "<dt><label for=\"f_");
        s(b, f->key);
        s(b, "\">");
        t(b, tr_field(q->lang, f));
        s(b, "</label></dt><dd>");
        const char *typed = values ? http_form_get(values, f->key) : NULL;
        if (f->id == LF_DEPT && !admin) {
            t(b, q->user ? q->user->dept : "");
        } else if (f->kind == LK_TEXT) {
            s(b, "<textarea rows=\"3\" id=\"f_");
            s(b, f->key);
            s(b, "\" name=\"");
            s(b, f->key);
            s(b, "\">");
            t(b, typed);
            s(b, "</textarea>");
        } else {
            s(b, "<input type=\"text\" id=\"f_");
            s(b, f->key);
            s(b, "\" name=\"");
            s(b, f->key);
            s(b, "\" value=\"");
            attr(b, typed);
            s(b, f->required ? "\" required>" : "\">");
        }
        s(b, "</dd>");
    }
    s(b, "</dl><p><button>");
    t(b, T("Add"));
    s(b, "</button></p></form>");
    page_end(b);
}

void html_hosts(struct html_buf *b, const struct portal_req *q,
                const cJSON *hosts)
{
    page_begin(b, q, T("Hosts"));
    s(b, "<h1>");
    t(b, T("Hosts"));
    s(b, "</h1><div class=\"wrap\"><table><tr><th>ID</th>");
    th(b, T("Hostname"));
    th(b, T("Department"));
    th(b, T("Operating system"));
    th(b, T("Addresses"));
    th(b, T("Bound to"));
    th(b, T("Last seen"));
    s(b, "</tr>");
    const cJSON *h, *ip;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(hosts, "hosts")) {
        char hp[64];
        snprintf(hp, sizeof(hp), "/hosts/%.0f", jnum(h, "id"));
        s(b, "<tr><td>");
        num(b, jnum(h, "id"));
        s(b, "</td><td>");
        href(b, q, hp);
        t(b, jstr(h, "hostname"));
        s(b, "</a></td><td>");
        t(b, jstr(h, "dept"));
        s(b, "</td><td>");
        t(b, jstr(h, "os"));
        s(b, "</td><td>");
        int first = 1;
        cJSON_ArrayForEach(ip, cJSON_GetObjectItem(h, "ips")) {
            if (!first)
                s(b, ", ");
            first = 0;
            t(b, cJSON_GetStringValue(ip));
        }
        s(b, "</td><td>");
        if (jnum(h, "system_id") > 0) {
            char sp[64];
            snprintf(sp, sizeof(sp), "/systems/%.0f", jnum(h, "system_id"));
            href(b, q, sp);
            num(b, jnum(h, "system_id"));
            s(b, "</a>");
        } else {
            t(b, T("not in the ledger"));
        }
        s(b, "</td><td>");
        when(b, jnum(h, "last_seen"));
        s(b, "</td></tr>");
    }
    s(b, "</table></div>");
    page_end(b);
}

static void kv(struct html_buf *b, const char *k, const char *v)
{
    s(b, "<dt>");
    t(b, k);
    s(b, "</dt><dd>");
    t(b, v && v[0] ? v : "-");
    s(b, "</dd>");
}

void html_host(struct html_buf *b, const struct portal_req *q,
               const cJSON *host, const char *pkg_query)
{
    const cJSON *h = cJSON_GetObjectItem(host, "host");
    const cJSON *rep = cJSON_GetObjectItem(host, "report");
    const cJSON *bind = cJSON_GetObjectItem(host, "binding");
    page_begin(b, q, jstr(h, "hostname"));
    s(b, "<h1>");
    t(b, jstr(h, "hostname"));
    s(b, "</h1><dl>");
    kv(b, T("Department"), jstr(h, "dept"));
    kv(b, T("Operating system"), jstr(h, "os_pretty"));
    kv(b, T("Kernel"), jstr(h, "kernel"));
    s(b, "<dt>");
    t(b, T("Last seen"));
    s(b, "</dt><dd>");
    when(b, jnum(h, "last_seen"));
    s(b, "</dd><dt>");
    t(b, T("Bound to"));
    s(b, "</dt><dd>");
    if (jnum(bind, "system_id") > 0) {
        char sp[64];
        snprintf(sp, sizeof(sp), "/systems/%.0f", jnum(bind, "system_id"));
        href(b, q, sp);
        t(b, jstr(bind, "system_name"));
        s(b, "</a>");
    } else {
        t(b, T("not in the ledger"));
    }
    s(b, "</dd></dl><h2>");
    t(b, T("Open flags"));
    s(b, "</h2>");
    flags_table(b, q, cJSON_GetObjectItem(host, "flags"), 0);

    const cJSON *patch = cJSON_GetObjectItem(rep, "patch");
    s(b, "<h2>");
    t(b, T("Pending updates"));
    s(b, "</h2><div class=\"wrap\"><table><tr>");
    th(b, T("Name"));
    th(b, T("Version"));
    th(b, T("Security"));
    s(b, "</tr>");
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(patch, "pending")) {
        s(b, "<tr><td>");
        t(b, jstr(it, "name"));
        s(b, "</td><td>");
        t(b, jstr(it, "candidate"));
        s(b, "</td><td>");
        t(b, tr_value(q->lang, cJSON_IsTrue(cJSON_GetObjectItem(it, "security"))
                                   ? "yes" : "no"));
        s(b, "</td></tr>");
    }
    s(b, "</table></div><h2>");
    t(b, T("Accounts"));
    s(b, "</h2><div class=\"wrap\"><table><tr>");
    th(b, T("Name"));
    s(b, "<th>UID</th>");
    th(b, T("Password"));
    s(b, "<th>sudo NOPASSWD</th></tr>");
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "accounts"),
                                               "accounts")) {
        s(b, "<tr><td>");
        t(b, jstr(it, "name"));
        s(b, "</td><td>");
        num(b, jnum(it, "uid"));
        s(b, "</td><td>");
        const char *pw = jstr(it, "password");
        s(b, strcmp(pw, "PW_WEAK") == 0 || strcmp(pw, "PW_EMPTY") == 0
                 ? "<span class=\"high\">" : "<span>");
        t(b, tr_value(q->lang, pw[0] ? pw : "PW_UNKNOWN"));
        s(b, "</span></td><td>");
        t(b, tr_value(q->lang, cJSON_GetArraySize(cJSON_GetObjectItem(
                                   it, "nopasswd_rules")) ? "yes" : "no"));
        s(b, "</td></tr>");
    }
    s(b, "</table></div><h2>");
    t(b, T("Listening services"));
    s(b, "</h2><div class=\"wrap\"><table><tr><th>proto</th>");
    th(b, T("Address"));
    th(b, T("Port"));
    th(b, T("Process"));
    th(b, T("Exposed"));
    s(b, "</tr>");
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "listeners"),
                                               "listeners")) {
        s(b, "<tr><td>");
        t(b, jstr(it, "proto"));
        s(b, "</td><td>");
        t(b, jstr(it, "address"));
        s(b, "</td><td>");
        num(b, jnum(it, "port"));
        s(b, "</td><td>");
        t(b, jstr(it, "process"));
        s(b, "</td><td>");
        t(b, tr_value(q->lang, cJSON_IsTrue(cJSON_GetObjectItem(it, "exposed"))
                                   ? "yes" : "no"));
        s(b, "</td></tr>");
    }
    const cJSON *pk = cJSON_GetObjectItem(rep, "packages");
    s(b, "</table></div><h2>");
    t(b, T("Packages"));
    s(b, "</h2><form method=\"get\"><input type=\"text\" name=\"q\" value=\"");
    attr(b, pkg_query);
    s(b, "\" placeholder=\"");
    attr(b, T("Search packages"));
    s(b, "\"> <button>");
    t(b, T("Search"));
    s(b, "</button></form><p>");
    html_buf_printf(b, "%.0f %s %.0f", jnum(pk, "packages_shown"), T("of"),
                    jnum(pk, "packages_total"));
    s(b, "</p><div class=\"wrap\"><table><tr>");
    th(b, T("Name"));
    th(b, T("Version"));
    s(b, "</tr>");
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(pk, "packages")) {
        s(b, "<tr><td>");
        t(b, jstr(it, "name"));
        s(b, "</td><td>");
        t(b, jstr(it, "version"));
        s(b, "</td></tr>");
    }
    s(b, "</table></div><h2>");
    t(b, T("History"));
    s(b, "</h2><div class=\"wrap\"><table><tr>");
    th(b, T("Time"));
    th(b, T("Changes"));
    s(b, "</tr>");
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(host, "history")) {
        s(b, "<tr><td>");
        when(b, jnum(it, "at"));
        s(b, "</td><td>");
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(it, "packages")) {
            t(b, jstr(c, "name"));
            s(b, " ");
            t(b, jstr(c, "old_version")[0] ? jstr(c, "old_version") : "+");
            s(b, " → ");
            t(b, jstr(c, "new_version")[0] ? jstr(c, "new_version") : "-");
            s(b, "<br>");
        }
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(it, "accounts")) {
            t(b, jstr(c, "name"));
            s(b, ": ");
            t(b, jstr(c, "change"));
            s(b, "<br>");
        }
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(it, "listeners")) {
            t(b, jstr(c, "proto"));
            s(b, " ");
            t(b, jstr(c, "address"));
            html_buf_printf(b, ":%.0f ", jnum(c, "port"));
            t(b, cJSON_IsTrue(cJSON_GetObjectItem(c, "opened")) ? "+" : "-");
            s(b, "<br>");
        }
        s(b, "</td></tr>");
    }
    s(b, "</table></div>");
    page_end(b);
}

void html_flags(struct html_buf *b, const struct portal_req *q,
                const cJSON *flags, const char *severity, const char *rule)
{
    page_begin(b, q, T("Flags"));
    s(b, "<h1>");
    t(b, T("Open flags"));
    s(b, "</h1><form method=\"get\"><label>");
    t(b, T("Severity"));
    s(b, " <select name=\"severity\">");
    static const char *const sevs[] = {"", "low", "medium", "high"};
    for (size_t i = 0; i < 4; i++) {
        s(b, "<option value=\"");
        s(b, sevs[i]);
        s(b, severity && strcmp(severity, sevs[i]) == 0 ? "\" selected>" : "\">");
        t(b, i ? tr_value(q->lang, sevs[i]) : T("All"));
        s(b, "</option>");
    }
    s(b, "</select></label> <label>");
    t(b, T("Rule"));
    s(b, " <input type=\"text\" name=\"rule\" value=\"");
    attr(b, rule);
    s(b, "\" style=\"width:auto\"></label> <button>");
    t(b, T("Filter"));
    s(b, "</button></form>");
    flags_table(b, q, cJSON_GetObjectItem(flags, "flags"), 1);
    page_end(b);
}

void html_error(struct html_buf *b, const struct portal_req *q, int status,
                const char *text)
{
    const char *title = status == 404   ? T("Not found")
                        : status == 403 ? T("Forbidden")
                        : status == 503 ? T("Service unavailable")
                                        : T("Bad request");
    page_begin_keep(b, q, title, 0);
    html_buf_printf(b, "<h1>%d ", status);
    t(b, title);
    s(b, "</h1><p>");
    t(b, text);
    s(b, "</p><p>");
    if (q->user) {
        href(b, q, "/ledger");
        t(b, T("Back to the ledger"));
        s(b, "</a>");
    }
    s(b, "</p>");
    page_end(b);
}

void html_dept(struct html_buf *b, const struct portal_req *q,
               const cJSON *dept, int editable, const char *notice,
               const char *error, const struct http_form *values)
{
    page_begin(b, q, jstr(dept, "name"));
    s(b, "<h1>");
    t(b, jstr(dept, "name"));
    s(b, "</h1>");
    if (notice) {
        s(b, "<p class=\"notice\">");
        t(b, notice);
        s(b, "</p>");
    }
    if (error) {
        s(b, "<p class=\"error\">");
        t(b, error);
        s(b, "</p>");
    }
    if (editable) {
        s(b, "<form method=\"post\" action=\"/dept\">");
        csrf_field(b, q);
        s(b, "<input type=\"hidden\" name=\"dept\" value=\"");
        attr(b, jstr(dept, "name"));
        html_buf_printf(b, "\"><input type=\"hidden\" name=\"revision\" "
                           "value=\"%.0f\">", jnum(dept, "revision"));
    }
    s(b, "<dl>");
    for (size_t i = 0; i < DF_COUNT; i++) {
        const struct dept_field *f = &dept_fields[i];
        s(b, "<dt><label for=\"d_");
        s(b, f->key);
        s(b, "\">");
        t(b, tr_dept_field(q->lang, f));
        s(b, "</label></dt><dd>");
        const char *typed = values ? http_form_get(values, f->key) : NULL;
        if (editable) {
            s(b, "<input type=\"");
            s(b, f->kind == DK_EMAIL ? "email" : f->kind == DK_PHONE ? "tel"
                                                                   : "text");
            s(b, "\" id=\"d_");
            s(b, f->key);
            s(b, "\" name=\"");
            s(b, f->key);
            s(b, "\" value=\"");
            attr(b, typed ? typed : jstr(dept, f->key));
            s(b, "\">");
        } else {
            t(b, jstr(dept, f->key)[0] ? jstr(dept, f->key) : "-");
        }
        s(b, "</dd>");
    }
    s(b, "</dl>");
    if (editable) {
        s(b, "<p><button>");
        t(b, T("Save"));
        s(b, "</button></p></form>");
    }
    /* the self-inspection report of a half-year, to print or keep */
    static const char *const formats[] = {"html", "xlsx", "json"};
    char half[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    snprintf(half, sizeof(half), "%04dH%d", tm.tm_year + 1900,
             tm.tm_mon < 6 ? 1 : 2);
    s(b, "<h2>");
    t(b, T("Self-inspection report"));
    s(b, "</h2>");
    for (size_t i = 0; i < 3; i++) {
        s(b, "<form method=\"get\" action=\"/report.");
        s(b, formats[i]);
        s(b, "\"><input type=\"hidden\" name=\"dept\" value=\"");
        attr(b, jstr(dept, "name"));
        s(b, "\"><input type=\"text\" name=\"period\" value=\"");
        s(b, half);
        s(b, "\" size=\"7\"> <button>");
        t(b, formats[i]);
        s(b, "</button></form>");
    }
    s(b, "<h2>");
    t(b, T("History"));
    s(b, "</h2><div class=\"wrap\"><table><tr>");
    th(b, T("Time"));
    th(b, T("Actor"));
    th(b, T("Field"));
    th(b, T("Old value"));
    th(b, T("New value"));
    s(b, "</tr>");
    const cJSON *e, *c;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(dept, "history")) {
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(e, "changes")) {
            s(b, "<tr><td>");
            when(b, jnum(e, "at"));
            s(b, "</td><td>");
            t(b, jstr(e, "actor"));
            if (jstr(e, "via")[0]) {
                s(b, " (");
                t(b, jstr(e, "via"));
                s(b, ")");
            }
            s(b, "</td><td>");
            const struct dept_field *f = dept_field_find(jstr(c, "field"));
            t(b, f ? tr_dept_field(q->lang, f) : jstr(c, "field"));
            s(b, "</td><td>");
            t(b, jstr(c, "old"));
            s(b, "</td><td>");
            t(b, jstr(c, "new"));
            s(b, "</td></tr>");
        }
    }
    s(b, "</table></div>");
    page_end(b);
}

/* ---- the pieces other page files use (portal_html_parts.h) ---- */

void html_page_begin(struct html_buf *b, const struct portal_req *q,
                     const char *title)
{
    page_begin(b, q, title);
}

void html_page_end(struct html_buf *b)
{
    page_end(b);
}

void html_csrf_field(struct html_buf *b, const struct portal_req *q)
{
    csrf_field(b, q);
}

void html_when(struct html_buf *b, double secs)
{
    when(b, secs);
}

void html_href(struct html_buf *b, const struct portal_req *q, const char *path)
{
    href(b, q, path);
}

void html_th(struct html_buf *b, const char *text)
{
    th(b, text);
}
