/* digest — gather a department's news for its liaison into one text. */
#include "digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "civil_day.h"
#include "flag_catalog.h"
#include "utf8.h"

struct text {
    char *buf;
    size_t len;
    FILE *f;
};

/* s as one line: control and bidi characters and invalid bytes become '?'. */
static void line(FILE *f, const char *s)
{
    char *c = strdup(s ? s : "");
    if (c == NULL)
        return;
    tz_text_repair(c);
    fputs(c, f);
    free(c);
}

struct walk {
    const char *dept;
    int64_t since, now;
    FILE *fresh, *late;
    struct digest *d;
    crypto_generichash_state *facts;
};

/* A string into the facts hash, its terminator too (no two lists of
 * strings hash alike). */
static void hash_str(crypto_generichash_state *h, const char *s)
{
    crypto_generichash_update(h, (const unsigned char *)s, strlen(s) + 1);
}

static void hash_u64(crypto_generichash_state *h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (56 - 8 * i));
    crypto_generichash_update(h, b, sizeof(b));
}

int digest_overdue_days(int sev)
{
    return sev == TZ__SEVERITY__SEV_HIGH     ? DIGEST_OVERDUE_HIGH_DAYS
           : sev == TZ__SEVERITY__SEV_MEDIUM ? DIGEST_OVERDUE_MEDIUM_DAYS
                                             : DIGEST_OVERDUE_LOW_DAYS;
}

static const char *sev_zh(int sev)
{
    return sev == TZ__SEVERITY__SEV_HIGH     ? "高危"
           : sev == TZ__SEVERITY__SEV_MEDIUM ? "中危"
                                             : "低危";
}

static void flag_line(FILE *f, const Tz__FlagRecord *fl, int64_t now)
{
    int k = flag_lookup(fl->id);
    fprintf(f, "  - [%s] %s (%s) ", sev_zh(fl->severity),
            k >= 0 ? flag_def((enum flag_id)k)->label_zh : "", fl->id);
    line(f, fl->subject_name);
    if (fl->instance[0]) {
        fputs(" · ", f);
        line(f, fl->instance);
    }
    fprintf(f, "，已 %lld 天\n", (long long)((now - fl->opened_at) / 86400));
}

static int flag_cb(const Tz__FlagRecord *fl, void *arg)
{
    struct walk *w = arg;
    if (strcmp(fl->dept, w->dept) != 0)
        return 0;
    if (fl->opened_at >= w->since) {
        w->d->new_flags++;
        flag_line(w->fresh, fl, w->now);
    }
    int sev = fl->severity <= 3 ? fl->severity : 0;
    if (w->now - fl->opened_at > (int64_t)digest_overdue_days(sev) * 86400) {
        w->d->overdue[sev]++;
        hash_str(w->facts, fl->id);
        hash_u64(w->facts, (uint64_t)fl->subject_kind << 56 ^ fl->subject_id);
        hash_str(w->facts, fl->instance);
        hash_u64(w->facts, (uint64_t)sev);
        flag_line(w->late, fl, w->now);
    }
    return 0;
}

struct sys_walk {
    const struct rules_config *rules;
    int32_t today;
    FILE *f;
    struct digest *d;
    crypto_generichash_state *facts;
};

int32_t digest_evaluation_due(const Tz__SystemRecord *s,
                              const struct rules_config *rules, int32_t today)
{
    uint32_t g = s->mlps_grade <= 5 ? s->mlps_grade : 0;
    int max = rules->eval_max_days[g];
    if (max <= 0 || strcmp(s->status, "retired") == 0)
        return -1;
    int32_t due = s->last_evaluation_day ? s->last_evaluation_day + max : 0;
    if (due && due - today > DIGEST_EVALUATION_AHEAD_DAYS)
        return -1;
    return due;
}

static int sys_cb(const Tz__SystemRecord *s, void *arg)
{
    struct sys_walk *w = arg;
    uint32_t g = s->mlps_grade <= 5 ? s->mlps_grade : 0;
    int32_t due = digest_evaluation_due(s, w->rules, w->today);
    if (due < 0)
        return 0;
    hash_u64(w->facts, s->system_id);
    hash_u64(w->facts, (uint64_t)(uint32_t)due);
    char d[11];
    civil_format(due, d);
    w->d->evaluations_due++;
    fputs("  - ", w->f);
    line(w->f, s->name);
    if (due)
        fprintf(w->f, "：等保%u级，测评%s %s\n", g,
                due < w->today ? "已于" : "应于", d);
    else
        fprintf(w->f, "：等保%u级，尚无测评记录\n", g);
    return 0;
}

void digest_free(struct digest *d)
{
    free(d->to);
    free(d->subject);
    free(d->body);
    memset(d, 0, sizeof(*d));
}

int digest_build(struct tz_register *reg, const char *dept, int64_t since,
                 int64_t now, const struct rules_config *rules,
                 struct digest *d, struct tz_error *err)
{
    memset(d, 0, sizeof(*d));
    Tz__DeptRecord *rec;
    int rc = register_dept_get(reg, dept, &rec, err);
    if (rc != 0)
        return rc;
    struct text fresh = {0}, late = {0}, due = {0}, all = {0};
    fresh.f = open_memstream(&fresh.buf, &fresh.len);
    late.f = open_memstream(&late.buf, &late.len);
    due.f = open_memstream(&due.buf, &due.len);
    all.f = open_memstream(&all.buf, &all.len);
    if (!fresh.f || !late.f || !due.f || !all.f)
        rc = TZ_ENOMEM;
    crypto_generichash_state facts;
    crypto_generichash_init(&facts, NULL, 0, DIGEST_FACTS_LEN);
    hash_str(&facts, "overdue");
    struct walk w = {dept, since, now, fresh.f, late.f, d, &facts};
    struct sys_walk sw = {rules, civil_today((time_t)now), due.f, d, &facts};
    if (rc == 0)
        rc = register_each_flag(reg, 0, flag_cb, &w, err);
    if (rc == 0) {
        hash_str(&facts, "evaluations");
        rc = register_each_system(reg, dept, sys_cb, &sw, err);
    }
    crypto_generichash_final(&facts, d->facts, DIGEST_FACTS_LEN);
    unsigned overdue = d->overdue[1] + d->overdue[2] + d->overdue[3];
    char day[11], from[11];
    civil_format(civil_today((time_t)now), day);
    civil_format(civil_today((time_t)since), from);
    if (fresh.f)
        fclose(fresh.f);
    if (late.f)
        fclose(late.f);
    if (due.f)
        fclose(due.f);
    if (rc == 0) {
        fputs("您好", all.f);
        if (rec->liaison[0]) {
            fputs(" ", all.f);
            line(all.f, rec->liaison);
        }
        fputs("：\n\n以下是", all.f);
        line(all.f, dept);
        fprintf(all.f, "截至 %s 的网络安全台账摘要（网络信息中心）。\n\n"
                "一、%s 以来新发现的问题（%u）\n%s\n"
                "二、逾期未整改的问题（高 %u，中 %u，低 %u；高危超过 %d 天、"
                "中危 %d 天、低危 %d 天）\n%s\n"
                "三、%d 天内到期或已逾期的等保测评（%u）\n%s\n"
                "请登录台账门户查看详情和整改建议。\n", day, from,
                d->new_flags, fresh.buf && fresh.len ? fresh.buf : "  无\n",
                d->overdue[3], d->overdue[2], d->overdue[1],
                DIGEST_OVERDUE_HIGH_DAYS, DIGEST_OVERDUE_MEDIUM_DAYS,
                DIGEST_OVERDUE_LOW_DAYS, late.buf && late.len ? late.buf : "  无\n",
                DIGEST_EVALUATION_AHEAD_DAYS, d->evaluations_due,
                due.buf && due.len ? due.buf : "  无\n");
        fclose(all.f);
        all.f = NULL;
        d->body = all.buf;
        all.buf = NULL;
        d->empty = d->new_flags == 0 && overdue == 0 && d->evaluations_due == 0;
        d->to = strdup(rec->liaison_email);
        char *clean = strdup(dept);
        if (clean)
            tz_text_repair(clean);
        if (clean && asprintf(&d->subject, "[台账] %s 网络安全摘要 %s：新问题 %u，"
                              "逾期 %u，测评到期 %u", clean, day, d->new_flags,
                              overdue, d->evaluations_due) < 0)
            d->subject = NULL;
        free(clean);
        if (d->to == NULL || d->subject == NULL || d->body == NULL)
            rc = TZ_ENOMEM;
    }
    if (all.f)
        fclose(all.f);
    free(all.buf);
    free(fresh.buf);
    free(late.buf);
    free(due.buf);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    if (rc != 0) {
        digest_free(d);
        if (rc == TZ_ENOMEM)
            tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    return rc;
}
