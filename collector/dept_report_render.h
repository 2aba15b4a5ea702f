/* dept_report_render — the self-inspection report (dept_report.h's JSON),
 * and the school-wide view of every department's score (school_report.h),
 * as a self-contained HTML page printable on A4 (tables that do not split
 * rows, the article cited, a signature block: 负责人签字, 日期) or as an
 * XLSX workbook with Chinese headers (sheets 概况, 信息系统, 主机, 问题,
 * 台账变更).
 * The JSON is this build's own, but every string in it came from people
 * and agents: HTML escapes each (& < > " ' as entities; invalid UTF-8,
 * control and bidi characters as U+FFFD); XLSX writes string cells, which
 * Excel never evaluates. A member missing from the object is shown empty.
 * Times are the collector's local time, as the period's days are.
 * Errors: TZ_EIO (a write failed), TZ_ENOMEM, TZ_ELIMIT (a sheet past
 * Excel's rows). */
#ifndef TZ_DEPT_REPORT_RENDER_H
#define TZ_DEPT_REPORT_RENDER_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "tz_error.h"

enum dept_report_format { DRF_HTML, DRF_XLSX, DRF_JSON };

/* "html", "xlsx" or "json": 0, else TZ_EINVAL. */
int dept_report_format_parse(const char *s, enum dept_report_format *f);

int dept_report_html(const cJSON *r, FILE *out, struct tz_error *err);

/* The workbook written to fd (built in a temporary file under $TMPDIR,
 * mode 0600, removed on every path). */
int dept_report_xlsx(const cJSON *r, int fd, struct tz_error *err);

/* The school-wide view (school_report.h): one row per department with its
 * score, why it needs attention and each indicator's points; the same
 * as a workbook (sheet 各单位得分). */
int school_report_html(const cJSON *r, FILE *out, struct tz_error *err);
int school_report_xlsx(const cJSON *r, int fd, struct tz_error *err);

#endif
