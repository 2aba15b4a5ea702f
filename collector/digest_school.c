/* digest_school — one text for the network center about every department. */
#include "digest_school.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "civil_day.h"
#include "grow.h"

struct row {
    char *name;
    int has_email;
    unsigned fresh, overdue[4], due;
};

struct school {
    struct row *rows;
    size_t n, cap;
    int64_t since, now;
    int32_t today;
    const struct rules_config *rules;
};

static int dept_cb(const Tz__DeptRecord *rec, void *arg)
{
    struct school *s = arg;
    if (tz_grow((void **)&s->rows, &s->cap, s->n, sizeof(*s->rows)) != 0)
        return TZ_ENOMEM;
    struct row *r = &s->rows[s->n];
    memset(r, 0, sizeof(*r));
    if ((r->name = strdup(rec->name)) == NULL)
        return TZ_ENOMEM;
    r->has_email = rec->liaison_email[0] != '\0';
    s->n++;
    return 0;
}

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

static struct row *row_of(struct school *s, const char *dept)
{
    struct row key = {.name = (char *)dept};
    return bsearch(&key, s->rows, s->n, sizeof(*s->rows), row_cmp);
}

static int flag_cb(const Tz__FlagRecord *fl, void *arg)
{
    struct school *s = arg;
    struct row *r = row_of(s, fl->dept);
    if (r == NULL)
        return 0;
    if (fl->opened_at >= s->since)
        r->fresh++;
    int sev = fl->severity <= 3 ? fl->severity : 0;
    if (s->now - fl->opened_at > (int64_t)digest_overdue_days(sev) * 86400)
        r->overdue[sev]++;
    return 0;
}

static int sys_cb(const Tz__SystemRecord *sys, void *arg)
{
    struct school *s = arg;
    struct row *r = row_of(s, sys->dept);
    if (r && digest_evaluation_due(sys, s->rules, s->today) >= 0)
        r->due++;
    return 0;
}

static void row_line(FILE *f, const struct row *r)
{
    fputs("  - ", f);
    digest_line(f, r->name);
    fprintf(f, "：新问题 %u，逾期 高 %u / 中 %u / 低 %u，测评到期 %u\n", r->fresh,
            r->overdue[3], r->overdue[2], r->overdue[1], r->due);
}

/* The body, the totals and the facts hash from the filled rows. */
static void school_text(struct school *s, FILE *f, struct digest *d)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, DIGEST_FACTS_LEN);
    unsigned quiet = 0, missing = 0;
    fprintf(f, "一、各单位情况（逾期：高危超过 %d 天、中危 %d 天、低危 %d 天）\n",
            DIGEST_OVERDUE_HIGH_DAYS, DIGEST_OVERDUE_MEDIUM_DAYS,
            DIGEST_OVERDUE_LOW_DAYS);
    for (size_t i = 0; i < s->n; i++) {
        struct row *r = &s->rows[i];
        unsigned late = r->overdue[1] + r->overdue[2] + r->overdue[3];
        d->new_flags += r->fresh;
        d->evaluations_due += r->due;
        for (int k = 0; k < 4; k++)
            d->overdue[k] += r->overdue[k];
        if (r->fresh + late + r->due == 0) {
            quiet++;
            continue;
        }
        row_line(f, r);
        /* standing facts: who has how many overdue and due */
        digest_hash_str(&h, r->name);
        crypto_generichash_update(&h, (const unsigned char *)r->overdue,
                                  sizeof(r->overdue));
        crypto_generichash_update(&h, (const unsigned char *)&r->due, sizeof(r->due));
    }
    if (quiet)
        fprintf(f, "  %s %u 个单位无新问题、无逾期、无到期测评。\n",
                quiet == s->n ? "全部" : "其余", quiet);
    fputs("\n二、未设联络人邮箱的单位（其摘要无法送达）\n", f);
    crypto_generichash_update(&h, (const unsigned char *)"\0no-liaison", 11);
    for (size_t i = 0; i < s->n; i++) {
        if (s->rows[i].has_email)
            continue;
        missing++;
        fputs("  - ", f);
        digest_line(f, s->rows[i].name);
        fputc('\n', f);
        digest_hash_str(&h, s->rows[i].name);
    }
    if (missing == 0)
        fputs("  无\n", f);
    fputs("\n请登录台账门户查看详情。\n", f);
    crypto_generichash_final(&h, d->facts, DIGEST_FACTS_LEN);
    unsigned late = d->overdue[1] + d->overdue[2] + d->overdue[3];
    d->empty = d->new_flags == 0 && late == 0 && d->evaluations_due == 0 &&
               missing == 0;
}

static int school_walk(struct tz_register *reg, struct school *s,
                       struct tz_error *err)
{
    int rc = register_each_dept(reg, dept_cb, s, err);
    if (rc == 0 && s->n)
        qsort(s->rows, s->n, sizeof(*s->rows), row_cmp);
    if (rc == 0)
        rc = register_each_flag(reg, 0, flag_cb, s, err);
    if (rc == 0)
        rc = register_each_system(reg, NULL, sys_cb, s, err);
    return rc;
}

int digest_school_build(struct tz_register *reg, int64_t since, int64_t now,
                        const struct rules_config *rules, struct digest *d,
                        struct tz_error *err)
{
    memset(d, 0, sizeof(*d));
    struct school s = {.since = since, .now = now, .rules = rules,
                       .today = civil_today((time_t)now)};
    int rc = school_walk(reg, &s, err);
    char day[11], from[11];
    civil_format(s.today, day);
    civil_format(civil_today((time_t)since), from);
    size_t len;
    char *head = NULL;
    FILE *f = rc == 0 ? open_memstream(&d->body, &len) : NULL;
    if (rc == 0 && f == NULL)
        rc = TZ_ENOMEM;
    if (f) {
        fprintf(f, "全校网络安全台账摘要，截至 %s（%s 以来的新问题）。\n\n", day, from);
        school_text(&s, f, d);
        if (fclose(f) != 0)
            rc = TZ_ENOMEM;
        unsigned late = d->overdue[1] + d->overdue[2] + d->overdue[3];
        if (asprintf(&head, "[台账] 全校网络安全摘要 %s：新问题 %u，逾期 %u，"
                     "测评到期 %u", day, d->new_flags, late, d->evaluations_due) < 0)
            head = NULL;
    }
    d->subject = head;
    d->to = strdup("");
    if (rc == 0 && (d->body == NULL || d->subject == NULL || d->to == NULL))
        rc = TZ_ENOMEM;
    for (size_t i = 0; i < s.n; i++)
        free(s.rows[i].name);
    free(s.rows);
    if (rc != 0) {
        digest_free(d);
        if (rc == TZ_ENOMEM)
            tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    return rc;
}
