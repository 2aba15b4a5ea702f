/* dept_report_render — print the self-inspection report for paper (HTML,
 * A4) and for a spreadsheet (XLSX), from the one JSON object. */
#include "dept_report_render.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "dept_fields.h"
#include "flag_catalog.h"
#include "ledger_fields.h"
#include "time_text.h"
#include "utf8.h"
#include "value_words.h"

#define REGULATION FLAG_REGULATION "第六条(二)"

int dept_report_format_parse(const char *s, enum dept_report_format *f)
{
    if (s && strcasecmp(s, "html") == 0)
        *f = DRF_HTML;
    else if (s && strcasecmp(s, "xlsx") == 0)
        *f = DRF_XLSX;
    else if (s && strcasecmp(s, "json") == 0)
        *f = DRF_JSON;
    else
        return TZ_EINVAL;
    return 0;
}

/* ---- reading the object ---- */

static const char *js(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

static double jn(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* A value member as text: strings as they are, numbers whole, booleans
 * 是/否, null and absent "". */
static const char *jv(const cJSON *o, const char *k, char buf[32])
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        snprintf(buf, 32, "%.0f", v->valuedouble);
        return buf;
    }
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "是" : "否";
    return "";
}

/* Local time of unix seconds with its zone ("2026-12-06 09:28 +0800"), so
 * that a printed report says which 09:28; "" for 0. */
static const char *when(double secs, char buf[TIME_TEXT_BUF])
{
    buf[0] = '\0';
    return secs > 0 ? time_text((int64_t)secs, TIME_HUMAN, buf) : buf;
}

/* An enumerated value as the report's reader reads it (value_words.h). */
static const char *zh(const char *value)
{
    return value_word(value, 1);
}

/* ---- HTML ---- */

static void h(FILE *f, const char *s)
{
    size_t left = strlen(s);
    for (const char *p = s; left > 0;) {
        uint32_t cp;
        size_t n = tz_utf8_next(p, left, &cp);
        if (n == 0 || (tz_text_unsafe_cp(cp) && cp != '\t' && cp != '\n')) {
            fputs("\xef\xbf\xbd", f);
            n = n ? n : 1;
        } else if (cp == '&') {
            fputs("&amp;", f);
        } else if (cp == '<') {
            fputs("&lt;", f);
        } else if (cp == '>') {
            fputs("&gt;", f);
        } else if (cp == '"') {
            fputs("&quot;", f);
        } else if (cp == '\'') {
            fputs("&#39;", f);
        } else {
            fwrite(p, 1, n, f);
        }
        p += n;
        left -= n;
    }
}

static void td(FILE *f, const char *s)
{
    fputs("<td>", f);
    h(f, s);
    fputs("</td>", f);
}

static void th_row(FILE *f, const char *const *titles)
{
    fputs("<thead><tr>", f);
    for (; *titles; titles++)
        fprintf(f, "<th>%s</th>", *titles);
    fputs("</tr></thead>\n", f);
}

static const char css[] =
    "@page { size: A4; margin: 15mm }\n"
    "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", "
    "\"Microsoft YaHei\", SimSun, sans-serif; font-size: 10pt; color: #000;"
    " max-width: 180mm; margin: 0 auto }\n"
    "h1 { font-size: 16pt; text-align: center; margin: 0 0 2mm }\n"
    "h2 { font-size: 12pt; margin: 5mm 0 2mm; break-after: avoid;"
    " page-break-after: avoid }\n"
    "p { margin: 1mm 0 }\n"
    "table { width: 100%; border-collapse: collapse; margin-bottom: 3mm }\n"
    "th, td { border: 0.3mm solid #444; padding: 1mm 1.5mm; text-align: left;"
    " vertical-align: top; overflow-wrap: anywhere }\n"
    "th { background: #eee }\n"
    "thead { display: table-header-group }\n"
    "tr { break-inside: avoid; page-break-inside: avoid }\n"
    ".kv th { width: 35% }\n"
    ".bad td { background: #fde8e8 }\n"
    ".sig { margin-top: 12mm; break-inside: avoid; page-break-inside: avoid }\n"
    ".sig p { margin: 8mm 0 }\n"
    ".line { display: inline-block; width: 55mm; border-bottom: 0.3mm solid #000 }\n"
    ".date { display: inline-block; width: 35mm; border-bottom: 0.3mm solid #000 }\n"
    "* { -webkit-print-color-adjust: exact; print-color-adjust: exact }\n";

static void html_head(FILE *f, const cJSON *r)
{
    const cJSON *p = cJSON_GetObjectItem(r, "period");
    char t[32];
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>网络安全自查报告 ", f);
    h(f, js(r, "dept"));
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
    fputs("<h1>网络安全工作自查报告</h1>\n<table class=\"kv\">\n", f);
    fputs("<tr><th>单位</th>", f);
    td(f, js(r, "dept"));
    fputs("</tr>\n<tr><th>自查期间</th><td>", f);
    h(f, js(p, "label"));
    fputs(" (", f);
    h(f, js(p, "from"));
    fputs(" 至 ", f);
    h(f, js(p, "to"));
    fputs(")</td></tr>\n<tr><th>依据</th><td>" REGULATION "</td></tr>\n", f);
    fputs("<tr><th>生成时间</th>", f);
    td(f, when(jn(r, "generated_at"), t));
    fputs("</tr>\n</table>\n<p>本报告各项数据均为自查期末的状态，由台账系统的"
          "历史记录计算得出。</p>\n", f);
}

static void html_responsibility(FILE *f, const cJSON *r)
{
    const cJSON *d = cJSON_GetObjectItem(r, "responsibility");
    fputs("<h2>一、网络安全责任人与联络人</h2>\n<table class=\"kv\">\n", f);
    for (size_t i = 0; i < DF_COUNT; i++) {
        fprintf(f, "<tr><th>%s</th>", dept_fields[i].label);
        td(f, js(d, dept_fields[i].key)[0] ? js(d, dept_fields[i].key) : "未填写");
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    const cJSON *m = cJSON_GetObjectItem(d, "missing"), *x;
    if (cJSON_GetArraySize(m) > 0) {
        fputs("<p><strong>未明确：</strong>", f);
        int first = 1;
        cJSON_ArrayForEach(x, m) {
            const struct dept_field *df = dept_field_find(x->valuestring);
            fputs(first ? "" : "、", f);
            h(f, df ? df->label : x->valuestring);
            first = 0;
        }
        fputs("</p>\n", f);
    }
    fprintf(f, "<p>近一年内召开网络安全工作会议：%s</p>\n",
            cJSON_IsTrue(cJSON_GetObjectItem(d, "meeting_within_year"))
                ? "是"
                : "<strong>否</strong>");
}

static void html_systems(FILE *f, const cJSON *r)
{
    static const char *const cols[] = {"编号", "系统名称", "状态", "负责人",
                                       "校内/ICP/公安备案", "等保等级",
                                       "定级备案", "测评", "上线前审查", NULL};
    const cJSON *list = cJSON_GetObjectItem(r, "systems"), *s;
    fprintf(f, "<h2>二、信息系统 (%d)</h2>\n<table>\n", cJSON_GetArraySize(list));
    th_row(f, cols);
    cJSON_ArrayForEach(s, list) {
        char b[32], t[160];
        int bad = strcmp(js(s, "filing"), "complete") != 0 ||
                  strcmp(js(s, "evaluation"), "overdue") == 0 ||
                  strcmp(js(s, "evaluation"), "never") == 0 ||
                  strcmp(js(s, "grading"), "filed") != 0 ||
                  (strcmp(js(s, "status"), "live") == 0 &&
                   strcmp(js(s, "prelaunch"), "passed") != 0);
        fputs(bad ? "<tr class=\"bad\">" : "<tr>", f);
        td(f, jv(s, "id", b));
        td(f, js(s, "name"));
        td(f, zh(js(s, "status")));
        td(f, js(s, "owner"));
        snprintf(t, sizeof(t), "%s", zh(js(s, "filing")));
        fputs("<td>", f);
        h(f, t);
        fputs(": ", f);
        h(f, js(s, "school_filing")[0] ? js(s, "school_filing") : "-");
        fputs(" / ", f);
        h(f, js(s, "icp_filing")[0] ? js(s, "icp_filing") : "-");
        fputs(" / ", f);
        h(f, js(s, "psb_filing")[0] ? js(s, "psb_filing") : "-");
        fputs("</td>", f);
        td(f, jv(s, "mlps_grade", b)[0] ? jv(s, "mlps_grade", b) : "未定级");
        fputs("<td>", f);
        h(f, zh(js(s, "grading")));
        fputs(" ", f);
        h(f, js(s, "grading_filed_at"));
        fputs("</td><td>", f);
        h(f, zh(js(s, "evaluation")));
        fputs(" ", f);
        h(f, js(s, "last_evaluation_at"));
        fputs("</td><td>", f);
        h(f, zh(js(s, "prelaunch")));
        fputs(" ", f);
        h(f, js(s, "prelaunch_date"));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void html_hosts(FILE *f, const cJSON *r)
{
    static const char *const cols[] = {"编号", "主机名", "注册日期",
                                       "期内上报天数", "期内上报", NULL};
    const cJSON *o = cJSON_GetObjectItem(r, "hosts"), *x;
    fprintf(f, "<h2>三、主机与探针覆盖</h2>\n<p>期末已注册主机 %.0f 台，期内有"
            "上报 %.0f 台，期内无上报 %.0f 台。</p>\n<table>\n",
            jn(o, "enrolled"), jn(o, "seen"), jn(o, "not_seen"));
    th_row(f, cols);
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "list")) {
        char b[32];
        int seen = cJSON_IsTrue(cJSON_GetObjectItem(x, "seen"));
        fputs(seen ? "<tr>" : "<tr class=\"bad\">", f);
        td(f, jv(x, "id", b));
        td(f, js(x, "hostname"));
        td(f, js(x, "enrolled"));
        td(f, jv(x, "days_seen", b));
        td(f, seen ? "是" : "否");
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void flag_table(FILE *f, const cJSON *list, int closed)
{
    static const char *const open_cols[] = {"问题", "严重程度", "对象",
                                            "发现时间", "期末已持续(天)", NULL};
    static const char *const closed_cols[] = {"问题", "严重程度", "对象",
                                              "发现时间", "关闭时间",
                                              "持续(天)", NULL};
    fputs("<table>\n", f);
    th_row(f, closed ? closed_cols : open_cols);
    const cJSON *x;
    cJSON_ArrayForEach(x, list) {
        char b[32], t[32];
        fputs("<tr>", f);
        fputs("<td>", f);
        h(f, js(x, "label"));
        fputs(" (", f);
        h(f, js(x, "id"));
        fputs(")</td>", f);
        td(f, zh(js(x, "severity")));
        fputs("<td>", f);
        h(f, zh(js(x, "subject")));
        fputs(" ", f);
        h(f, js(x, "subject_name"));
        if (js(x, "instance")[0]) {
            fputs(" · ", f);
            h(f, js(x, "instance"));
        }
        fputs("</td>", f);
        td(f, when(jn(x, "opened_at"), t));
        if (closed)
            td(f, when(jn(x, "closed_at"), t));
        td(f, jv(x, "open_days", b));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void html_flags(FILE *f, const cJSON *r)
{
    const cJSON *o = cJSON_GetObjectItem(r, "flags");
    const cJSON *sev = cJSON_GetObjectItem(o, "open_by_severity");
    fprintf(f, "<h2>四、问题与整改</h2>\n<p>期末未关闭问题：高 %.0f，中 %.0f，"
            "低 %.0f；期内新发现 %.0f 项。</p>\n", jn(sev, "high"),
            jn(sev, "medium"), jn(sev, "low"), jn(o, "opened_in_period"));
    fputs("<p>期末未关闭：</p>\n", f);
    flag_table(f, cJSON_GetObjectItem(o, "open_at_end"), 0);
    fputs("<p>期内已关闭：</p>\n", f);
    flag_table(f, cJSON_GetObjectItem(o, "closed_in_period"), 1);
}

static void html_figures(FILE *f, const cJSON *r)
{
    static const char *const cols[] = {"项目", "期末未关闭", "涉及主机(台)",
                                       "期内新发现", NULL};
    static const char *const rows[][2] = {{"weak_password", "弱口令账户"},
                                          {"patches", "安全补丁未更新"},
                                          {"exposed_ports", "高危端口暴露"}};
    const cJSON *o = cJSON_GetObjectItem(r, "figures");
    fputs("<h2>五、弱口令、补丁与高危端口</h2>\n<table>\n", f);
    th_row(f, cols);
    for (size_t i = 0; i < 3; i++) {
        const cJSON *x = cJSON_GetObjectItem(o, rows[i][0]);
        char b[32];
        fprintf(f, "<tr><th>%s</th>", rows[i][1]);
        td(f, jv(x, "open_at_end", b));
        td(f, jv(x, "hosts_at_end", b));
        td(f, jv(x, "opened_in_period", b));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* The label of a change's field: the department's or the ledger's. */
static const char *field_label(const cJSON *c)
{
    const char *k = js(c, "label");
    return k[0] ? k : js(c, "field");
}

static void html_changes(FILE *f, const cJSON *r)
{
    static const char *const cols[] = {"时间", "操作人", "对象", "字段",
                                       "原值", "新值", NULL};
    const cJSON *list = cJSON_GetObjectItem(r, "changes"), *e, *c;
    fprintf(f, "<h2>六、台账变更 (%d)</h2>\n<table>\n", cJSON_GetArraySize(list));
    th_row(f, cols);
    cJSON_ArrayForEach(e, list) {
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(e, "changes")) {
            char t[32];
            fputs("<tr>", f);
            td(f, when(jn(e, "at"), t));
            fputs("<td>", f);
            h(f, js(e, "actor")[0] ? js(e, "actor") : "-");
            if (js(e, "via")[0]) {
                fputs(" (", f);
                h(f, js(e, "via"));
                fputs(")", f);
            }
            fputs("</td><td>", f);
            h(f, zh(js(e, "subject")));
            fputs(" ", f);
            h(f, js(e, "subject_name"));
            fputs("</td>", f);
            td(f, field_label(c));
            td(f, js(c, "old"));
            td(f, js(c, "new"));
            fputs("</tr>\n", f);
        }
    }
    fputs("</table>\n<p>按操作人：", f);
    int first = 1;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(r, "actors")) {
        fputs(first ? "" : "；", f);
        h(f, js(e, "actor")[0] ? js(e, "actor") : "-");
        fprintf(f, " %.0f 次", jn(e, "changes"));
        first = 0;
    }
    fputs(first ? "无</p>\n" : "</p>\n", f);
}

static void html_score(FILE *f, const cJSON *r)
{
    static const char *const cols[] = {"指标", "权重", "达成", "得分", "扣分",
                                       "依据", NULL};
    const cJSON *s = cJSON_GetObjectItem(r, "score"), *x;
    if (s == NULL)
        return;
    fprintf(f, "<h2>七、责任考核得分：%.0f / 100</h2>\n<table>\n",
            jn(s, "score"));
    th_row(f, cols);
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(s, "indicators")) {
        char b[32];
        fputs(jn(x, "lost") > 0 ? "<tr class=\"bad\">" : "<tr>", f);
        td(f, js(x, "name"));
        td(f, jv(x, "weight", b));
        snprintf(b, sizeof(b), "%.0f%%", jn(x, "met") * 100);
        td(f, b);
        snprintf(b, sizeof(b), "%.1f", jn(x, "points"));
        td(f, b);
        snprintf(b, sizeof(b), "%.1f", jn(x, "lost"));
        td(f, b);
        td(f, js(x, "evidence"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<p>得分 = 各指标 权重 × 达成 之和，四舍五入；权重与阈值见 "
          "scoring.ini。</p>\n", f);
}

int dept_report_html(const cJSON *r, FILE *out, struct tz_error *err)
{
    html_head(out, r);
    html_responsibility(out, r);
    html_systems(out, r);
    html_hosts(out, r);
    html_flags(out, r);
    html_figures(out, r);
    html_changes(out, r);
    html_score(out, r);
    fputs("<div class=\"sig\">\n<p>负责人签字 <span class=\"line\"></span> "
          "日期 <span class=\"date\"></span></p>\n<p>联络人签字 "
          "<span class=\"line\"></span> 日期 <span class=\"date\"></span></p>\n"
          "<p>单位（盖章）</p>\n</div>\n</body>\n</html>\n", out);
    if (ferror(out))
        return tz_err(err, TZ_EIO, NULL, 0, "the report: cannot write: %s",
                      strerror(errno));
    return 0;
}

static const char *reason_zh(const char *s)
{
    return strcmp(s, "no_liaison") == 0           ? "未明确联络人"
           : strcmp(s, "overdue_high_flags") == 0 ? "高危问题逾期未整改"
                                                  : s;
}

int school_report_html(const cJSON *r, FILE *f, struct tz_error *err)
{
    const cJSON *p = cJSON_GetObjectItem(r, "period"), *d, *x;
    const cJSON *list = cJSON_GetObjectItem(r, "departments");
    char t[32];
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta "
            "charset=\"utf-8\">\n<title>各单位网络安全责任考核</title>\n"
            "<style>\n%s@page { size: A4 landscape }\n</style>\n</head>\n"
            "<body>\n<h1>各单位网络安全责任考核</h1>\n<p>期间 ", css);
    h(f, js(p, "label"));
    fputs(" (", f);
    h(f, js(p, "from"));
    fputs(" 至 ", f);
    h(f, js(p, "to"));
    fprintf(f, ")，生成于 %s；依据" FLAG_REGULATION
            "第四条(四)。</p>\n<table>\n<thead><tr><th>单位</th><th>得分</th>"
            "<th>需关注</th><th>联络人</th><th>逾期高危</th>",
            when(jn(r, "generated_at"), t));
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0),
                                              "indicators")) {
        fputs("<th>", f);
        h(f, js(x, "name"));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n", f);
    cJSON_ArrayForEach(d, list) {
        char b[32];
        int bad = cJSON_IsTrue(cJSON_GetObjectItem(d, "attention"));
        fputs(bad ? "<tr class=\"bad\">" : "<tr>", f);
        td(f, js(d, "dept"));
        td(f, jv(d, "score", b));
        fputs("<td>", f);
        int first = 1;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(d, "reasons")) {
            fputs(first ? "" : "；", f);
            h(f, reason_zh(x->valuestring));
            first = 0;
        }
        fputs("</td>", f);
        td(f, js(d, "liaison")[0] ? js(d, "liaison") : "未填写");
        td(f, jv(d, "overdue_high", b));
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(d, "indicators")) {
            snprintf(b, sizeof(b), "%.1f/%.0f", jn(x, "points"),
                     jn(x, "weight"));
            td(f, b);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<div class=\"sig\">\n<p>网信办负责人签字 <span "
          "class=\"line\"></span> 日期 <span class=\"date\"></span></p>\n"
          "</div>\n</body>\n</html>\n", f);
    if (ferror(f))
        return tz_err(err, TZ_EIO, NULL, 0, "the report: cannot write: %s",
                      strerror(errno));
    return 0;
}

/* ---- XLSX ---- */

struct xl {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold;
    lxw_row_t row;
    int rc;
    struct tz_error *err;
};

static void xl_fail(struct xl *x, lxw_error e)
{
    if (x->rc == 0)
        x->rc = tz_err(x->err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? TZ_ENOMEM
                                                                    : TZ_EIO,
                       NULL, 0, "the XLSX report: %s", lxw_strerror(e));
}

static void xl_sheet(struct xl *x, const char *name, const char *const *cols,
                     const double *widths)
{
    x->ws = workbook_add_worksheet(x->wb, name);
    x->row = 0;
    if (x->ws == NULL) {
        xl_fail(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    for (lxw_col_t i = 0; cols[i]; i++) {
        worksheet_set_column(x->ws, i, i, widths[i], NULL);
        lxw_error e = worksheet_write_string(x->ws, 0, i, cols[i], x->bold);
        if (e != LXW_NO_ERROR)
            xl_fail(x, e);
    }
    worksheet_freeze_panes(x->ws, 1, 0);
}

static void xl_next(struct xl *x)
{
    if (x->row + 1 >= LXW_ROW_MAX && x->rc == 0)
        x->rc = tz_err(x->err, TZ_ELIMIT, NULL, 0, "the XLSX report: more "
                       "than %d rows in a sheet", LXW_ROW_MAX - 1);
    x->row++;
}

/* A string cell, cut to what a cell holds at a character boundary. */
static void xl_str(struct xl *x, lxw_col_t col, const char *v)
{
    char cut[32768];
    size_t n = strlen(v);
    if (x->rc != 0 || v[0] == '\0')
        return;
    if (n > 32767) {
        n = 32764;
        while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
            n--;
        memcpy(cut, v, n);
        memcpy(cut + n, "\xE2\x80\xA6", 4);
        v = cut;
    }
    lxw_error e = worksheet_write_string(x->ws, x->row, col, v, NULL);
    if (e != LXW_NO_ERROR)
        xl_fail(x, e);
}

static void xl_num(struct xl *x, lxw_col_t col, double v)
{
    lxw_error e = x->rc ? LXW_NO_ERROR
                        : worksheet_write_number(x->ws, x->row, col, v, NULL);
    if (e != LXW_NO_ERROR)
        xl_fail(x, e);
}

static void xl_kv(struct xl *x, const char *k, const char *v)
{
    xl_next(x);
    xl_str(x, 0, k);
    xl_str(x, 1, v);
}

static void xl_kn(struct xl *x, const char *k, double v)
{
    xl_next(x);
    xl_str(x, 0, k);
    xl_num(x, 1, v);
}

static void xl_summary(struct xl *x, const cJSON *r)
{
    static const char *const cols[] = {"项目", "内容", NULL};
    static const double w[] = {34, 60};
    const cJSON *p = cJSON_GetObjectItem(r, "period");
    const cJSON *d = cJSON_GetObjectItem(r, "responsibility");
    const cJSON *ho = cJSON_GetObjectItem(r, "hosts");
    const cJSON *fl = cJSON_GetObjectItem(r, "flags");
    const cJSON *sev = cJSON_GetObjectItem(fl, "open_by_severity");
    const cJSON *fig = cJSON_GetObjectItem(r, "figures");
    char t[32];
    xl_sheet(x, "概况", cols, w);
    xl_kv(x, "单位", js(r, "dept"));
    xl_kv(x, "自查期间", js(p, "label"));
    xl_kv(x, "起始日期", js(p, "from"));
    xl_kv(x, "截止日期", js(p, "to"));
    xl_kv(x, "生成时间", when(jn(r, "generated_at"), t));
    for (size_t i = 0; i < DF_COUNT; i++)
        xl_kv(x, dept_fields[i].label, js(d, dept_fields[i].key));
    xl_kv(x, "近一年内召开网络安全工作会议",
          cJSON_IsTrue(cJSON_GetObjectItem(d, "meeting_within_year")) ? "是"
                                                                       : "否");
    xl_kn(x, "信息系统", cJSON_GetArraySize(cJSON_GetObjectItem(r, "systems")));
    xl_kn(x, "期末已注册主机", jn(ho, "enrolled"));
    xl_kn(x, "期内有上报主机", jn(ho, "seen"));
    xl_kn(x, "期内无上报主机", jn(ho, "not_seen"));
    xl_kn(x, "期末未关闭问题(高)", jn(sev, "high"));
    xl_kn(x, "期末未关闭问题(中)", jn(sev, "medium"));
    xl_kn(x, "期末未关闭问题(低)", jn(sev, "low"));
    xl_kn(x, "期内新发现问题", jn(fl, "opened_in_period"));
    xl_kn(x, "期末弱口令账户",
          jn(cJSON_GetObjectItem(fig, "weak_password"), "open_at_end"));
    xl_kn(x, "期末补丁未更新主机",
          jn(cJSON_GetObjectItem(fig, "patches"), "hosts_at_end"));
    xl_kn(x, "期末高危端口暴露",
          jn(cJSON_GetObjectItem(fig, "exposed_ports"), "open_at_end"));
    xl_kn(x, "期内台账变更", cJSON_GetArraySize(cJSON_GetObjectItem(r, "changes")));
}

static void xl_systems(struct xl *x, const cJSON *r)
{
    static const char *const cols[] = {
        "系统编号", "系统名称", "状态", "负责人", "管理员", "对外服务",
        "校内备案", "ICP备案号", "公安备案号", "备案", "等保等级",
        "定级备案日期", "定级备案", "最近测评日期", "测评", "测评到期",
        "上线前审查", "上线前审查日期", NULL};
    static const double w[] = {10, 24, 10, 12, 12, 10, 16, 16, 16, 10, 10,
                               14, 10, 14, 10, 14, 12, 14};
    const cJSON *s;
    char b[32];
    xl_sheet(x, "信息系统", cols, w);
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(r, "systems")) {
        xl_next(x);
        xl_num(x, 0, jn(s, "id"));
        xl_str(x, 1, js(s, "name"));
        xl_str(x, 2, zh(js(s, "status")));
        xl_str(x, 3, js(s, "owner"));
        xl_str(x, 4, js(s, "admin"));
        xl_str(x, 5, jv(s, "public_facing", b));
        xl_str(x, 6, js(s, "school_filing"));
        xl_str(x, 7, js(s, "icp_filing"));
        xl_str(x, 8, js(s, "psb_filing"));
        xl_str(x, 9, zh(js(s, "filing")));
        xl_str(x, 10, jv(s, "mlps_grade", b));
        xl_str(x, 11, js(s, "grading_filed_at"));
        xl_str(x, 12, zh(js(s, "grading")));
        xl_str(x, 13, js(s, "last_evaluation_at"));
        xl_str(x, 14, zh(js(s, "evaluation")));
        xl_str(x, 15, js(s, "evaluation_due"));
        xl_str(x, 16, zh(js(s, "prelaunch")));
        xl_str(x, 17, js(s, "prelaunch_date"));
    }
}

static void xl_hosts(struct xl *x, const cJSON *r)
{
    static const char *const cols[] = {"主机编号", "主机名", "注册日期",
                                       "期内上报天数", "期内上报", NULL};
    static const double w[] = {10, 24, 14, 14, 10};
    const cJSON *o;
    xl_sheet(x, "主机", cols, w);
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "hosts"),
                                              "list")) {
        xl_next(x);
        xl_num(x, 0, jn(o, "id"));
        xl_str(x, 1, js(o, "hostname"));
        xl_str(x, 2, js(o, "enrolled"));
        xl_num(x, 3, jn(o, "days_seen"));
        xl_str(x, 4, cJSON_IsTrue(cJSON_GetObjectItem(o, "seen")) ? "是" : "否");
    }
}

static void xl_flag_rows(struct xl *x, const cJSON *list, const char *state)
{
    const cJSON *o;
    char t[32];
    cJSON_ArrayForEach(o, list) {
        xl_next(x);
        xl_str(x, 0, state);
        xl_str(x, 1, js(o, "id"));
        xl_str(x, 2, js(o, "label"));
        xl_str(x, 3, zh(js(o, "severity")));
        xl_str(x, 4, zh(js(o, "subject")));
        xl_str(x, 5, js(o, "subject_name"));
        xl_str(x, 6, js(o, "instance"));
        xl_str(x, 7, when(jn(o, "opened_at"), t));
        xl_str(x, 8, when(jn(o, "closed_at"), t));
        xl_num(x, 9, jn(o, "open_days"));
    }
}

static void xl_flags(struct xl *x, const cJSON *r)
{
    static const char *const cols[] = {"期末状态", "问题编号", "问题",
                                       "严重程度", "对象类型", "对象",
                                       "实例", "发现时间", "关闭时间",
                                       "持续(天)", NULL};
    static const double w[] = {10, 24, 16, 10, 10, 20, 16, 17, 17, 10};
    const cJSON *o = cJSON_GetObjectItem(r, "flags");
    xl_sheet(x, "问题", cols, w);
    xl_flag_rows(x, cJSON_GetObjectItem(o, "open_at_end"), "未关闭");
    xl_flag_rows(x, cJSON_GetObjectItem(o, "closed_in_period"), "期内已关闭");
}

static void xl_changes(struct xl *x, const cJSON *r)
{
    static const char *const cols[] = {"时间", "操作人", "方式", "对象类型",
                                       "对象", "字段", "原值", "新值", NULL};
    static const double w[] = {17, 14, 10, 10, 20, 18, 24, 24};
    const cJSON *e, *c;
    char t[32];
    xl_sheet(x, "台账变更", cols, w);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(r, "changes")) {
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(e, "changes")) {
            xl_next(x);
            xl_str(x, 0, when(jn(e, "at"), t));
            xl_str(x, 1, js(e, "actor"));
            xl_str(x, 2, js(e, "via"));
            xl_str(x, 3, zh(js(e, "subject")));
            xl_str(x, 4, js(e, "subject_name"));
            xl_str(x, 5, field_label(c));
            xl_str(x, 6, js(c, "old"));
            xl_str(x, 7, js(c, "new"));
        }
    }
}

static void xl_score(struct xl *x, const cJSON *r)
{
    static const char *const cols[] = {"指标", "权重", "达成", "得分", "扣分",
                                       "依据", NULL};
    static const double w[] = {22, 8, 8, 8, 8, 50};
    const cJSON *s = cJSON_GetObjectItem(r, "score"), *o;
    if (s == NULL)
        return;
    xl_sheet(x, "考核得分", cols, w);
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(s, "indicators")) {
        xl_next(x);
        xl_str(x, 0, js(o, "name"));
        xl_num(x, 1, jn(o, "weight"));
        xl_num(x, 2, jn(o, "met"));
        xl_num(x, 3, jn(o, "points"));
        xl_num(x, 4, jn(o, "lost"));
        xl_str(x, 5, js(o, "evidence"));
    }
    xl_next(x);
    xl_str(x, 0, "总分");
    xl_num(x, 3, jn(s, "score"));
}

static int copy_to(int from, int to, struct tz_error *err)
{
    char b[16384];
    if (lseek(from, 0, SEEK_SET) != 0)
        return tz_err(err, TZ_EIO, NULL, 0, "the XLSX report: %s",
                      strerror(errno));
    for (;;) {
        ssize_t n = read(from, b, sizeof(b));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? 0 : tz_err(err, TZ_EIO, NULL, 0, "the XLSX "
                                       "report: %s", strerror(errno));
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, b + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return tz_err(err, TZ_EIO, NULL, 0, "the XLSX report: cannot "
                              "write: %s", strerror(errno));
            off += w;
        }
    }
}

static void xl_school(struct xl *x, const cJSON *r)
{
    static const char *const fixed[] = {"单位", "得分", "需关注", "联络人",
                                        "逾期高危问题", "期末高危问题",
                                        "信息系统", "注册主机", "期内上报主机"};
    const cJSON *list = cJSON_GetObjectItem(r, "departments"), *d, *i;
    const char *cols[64];
    double w[64];
    size_t n = 0;
    for (; n < sizeof(fixed) / sizeof(fixed[0]); n++) {
        cols[n] = fixed[n];
        w[n] = n == 0 ? 20 : n == 2 ? 24 : 12;
    }
    cJSON_ArrayForEach(i, cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0),
                                              "indicators")) {
        if (n + 1 >= sizeof(cols) / sizeof(cols[0]))
            break;
        cols[n] = js(i, "name");
        w[n++] = 14;
    }
    cols[n] = NULL;
    xl_sheet(x, "各单位得分", cols, w);
    cJSON_ArrayForEach(d, list) {
        char reasons[256] = "";
        size_t len = 0;
        xl_next(x);
        xl_str(x, 0, js(d, "dept"));
        xl_num(x, 1, jn(d, "score"));
        cJSON_ArrayForEach(i, cJSON_GetObjectItem(d, "reasons"))
            if (len < sizeof(reasons))
                len += (size_t)snprintf(reasons + len, sizeof(reasons) - len,
                                        "%s%s", len ? "；" : "",
                                        reason_zh(i->valuestring));
        xl_str(x, 2, reasons);
        xl_str(x, 3, js(d, "liaison"));
        xl_num(x, 4, jn(d, "overdue_high"));
        xl_num(x, 5, jn(d, "open_high"));
        xl_num(x, 6, jn(d, "systems"));
        xl_num(x, 7, jn(d, "hosts_enrolled"));
        xl_num(x, 8, jn(d, "hosts_seen"));
        lxw_col_t c = 9;
        cJSON_ArrayForEach(i, cJSON_GetObjectItem(d, "indicators"))
            if (c < n)
                xl_num(x, c++, jn(i, "points"));
    }
}

/* Build a workbook with fill into a temporary file, then copy it to fd. */
static int xlsx_to_fd(const cJSON *r, int fd, void (*fill)(struct xl *,
                                                           const cJSON *),
                      struct tz_error *err);

int school_report_xlsx(const cJSON *r, int fd, struct tz_error *err)
{
    return xlsx_to_fd(r, fd, xl_school, err);
}

static void xl_dept(struct xl *x, const cJSON *r)
{
    xl_summary(x, r);
    xl_systems(x, r);
    xl_hosts(x, r);
    xl_flags(x, r);
    xl_changes(x, r);
    xl_score(x, r);
}

int dept_report_xlsx(const cJSON *r, int fd, struct tz_error *err)
{
    return xlsx_to_fd(r, fd, xl_dept, err);
}

static int xlsx_to_fd(const cJSON *r, int fd, void (*fill)(struct xl *,
                                                           const cJSON *),
                      struct tz_error *err)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] != '/')
        dir = "/tmp";
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/tz-report-XXXXXX", dir) >=
        (int)sizeof(path))
        return tz_err(err, TZ_EINVAL, NULL, 0, "TMPDIR is too long");
    int tfd = mkostemp(path, O_CLOEXEC);
    if (tfd < 0)
        return tz_err(err, TZ_EIO, NULL, 0, "the XLSX report: cannot create "
                      "a temporary file in %s: %s", dir, strerror(errno));
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE,
                                .tmpdir = (char *)dir};
    struct xl x = {.err = err};
    x.wb = workbook_new_opt(path, &opt);
    if (x.wb == NULL) {
        x.rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    } else {
        x.bold = workbook_add_format(x.wb);
        format_set_bold(x.bold);
        fill(&x, r);
        lxw_error e = workbook_close(x.wb);
        if (e != LXW_NO_ERROR)
            xl_fail(&x, e);
    }
    int rc = x.rc ? x.rc : copy_to(tfd, fd, err);
    close(tfd);
    unlink(path);
    return rc;
}
