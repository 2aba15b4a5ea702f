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

void digest_line(FILE *f, const char *s)
{
    char *c = strdup(s ? s : "");
    if (c == NULL)
        return;
    tz_text_repair(c);
    fputs(c, f);
    free(c);
}

/* One department's digest while the walks fill it. */
struct acc {
    const char *dept;
    Tz__DeptRecord *rec;
    int64_t since;
    struct text fresh, late, due;
    crypto_generichash_state facts;
    struct digest *d;
};

/* The departments being built, sorted by name: one walk of the flags and
 * one of the systems serve them all. */
struct walk {
    struct acc *accs;
    size_t n;
    int64_t now;
    int32_t today;
    const struct rules_config *rules;
};

void digest_hash_str(crypto_generichash_state *h, const char *s)
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
    digest_line(f, fl->subject_name);
    if (fl->instance[0]) {
        fputs(" · ", f);
        digest_line(f, fl->instance);
    }
    fprintf(f, "，已 %lld 天\n", (long long)((now - fl->opened_at) / 86400));
}

static int acc_cmp(const void *a, const void *b)
{
    return strcmp(((const struct acc *)a)->dept, ((const struct acc *)b)->dept);
}

static struct acc *acc_of(const struct walk *w, const char *dept)
{
    struct acc key = {.dept = dept};
    return bsearch(&key, w->accs, w->n, sizeof(*w->accs), acc_cmp);
}

static int flag_cb(const Tz__FlagRecord *fl, void *arg)
{
    const struct walk *w = arg;
    struct acc *a = acc_of(w, fl->dept);
    if (a == NULL)
        return 0;
    if (fl->opened_at >= a->since) {
        a->d->new_flags++;
        flag_line(a->fresh.f, fl, w->now);
    }
    int sev = fl->severity <= 3 ? fl->severity : 0;
    if (w->now - fl->opened_at > (int64_t)digest_overdue_days(sev) * 86400) {
        a->d->overdue[sev]++;
        digest_hash_str(&a->facts, fl->id);
        hash_u64(&a->facts, (uint64_t)fl->subject_kind << 56 ^ fl->subject_id);
        digest_hash_str(&a->facts, fl->instance);
        hash_u64(&a->facts, (uint64_t)sev);
        flag_line(a->late.f, fl, w->now);
    }
    return 0;
}

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
    const struct walk *w = arg;
    struct acc *a = acc_of(w, s->dept);
    uint32_t g = s->mlps_grade <= 5 ? s->mlps_grade : 0;
    int32_t due = a ? digest_evaluation_due(s, w->rules, w->today) : -1;
    if (due < 0)
        return 0;
    hash_u64(&a->facts, s->system_id);
    hash_u64(&a->facts, (uint64_t)(uint32_t)due);
    char d[11];
    civil_format(due, d);
    a->d->evaluations_due++;
    fputs("  - ", a->due.f);
    digest_line(a->due.f, s->name);
    if (due)
        fprintf(a->due.f, "：等保%u级，测评%s %s\n", g,
                due < w->today ? "已于" : "应于", d);
    else
        fprintf(a->due.f, "：等保%u级，尚无测评记录\n", g);
    return 0;
}

void digest_free(struct digest *d)
{
    free(d->to);
    free(d->subject);
    free(d->body);
    memset(d, 0, sizeof(*d));
}

static int text_open(struct text *t)
{
    t->f = open_memstream(&t->buf, &t->len);
    return t->f ? 0 : TZ_ENOMEM;
}

static int text_close(struct text *t)
{
    int rc = t->f && fclose(t->f) != 0 ? TZ_ENOMEM : 0;
    t->f = NULL;
    return rc;
}

/* The mail of a's department, its record rec, from what the walks found. */
static int compose(struct acc *a, int64_t now)
{
    const Tz__DeptRecord *rec = a->rec;
    struct digest *d = a->d;
    crypto_generichash_final(&a->facts, d->facts, DIGEST_FACTS_LEN);
    unsigned overdue = d->overdue[1] + d->overdue[2] + d->overdue[3];
    char day[11], from[11];
    civil_format(civil_today((time_t)now), day);
    civil_format(civil_today((time_t)a->since), from);
    struct text all = {0};
    if (text_open(&all) != 0)
        return TZ_ENOMEM;
    fputs("您好", all.f);
    if (rec->liaison[0]) {
        fputs(" ", all.f);
        digest_line(all.f, rec->liaison);
    }
    fputs("：\n\n以下是", all.f);
    digest_line(all.f, a->dept);
    fprintf(all.f, "截至 %s 的网络安全台账摘要（网络信息中心）。\n\n"
            "一、%s 以来新发现的问题（%u）\n%s\n"
            "二、逾期未整改的问题（高 %u，中 %u，低 %u；高危超过 %d 天、"
            "中危 %d 天、低危 %d 天）\n%s\n"
            "三、%d 天内到期或已逾期的等保测评（%u）\n%s\n"
            "请登录台账门户查看详情和整改建议。\n", day, from,
            d->new_flags, a->fresh.len ? a->fresh.buf : "  无\n",
            d->overdue[3], d->overdue[2], d->overdue[1],
            DIGEST_OVERDUE_HIGH_DAYS, DIGEST_OVERDUE_MEDIUM_DAYS,
            DIGEST_OVERDUE_LOW_DAYS, a->late.len ? a->late.buf : "  无\n",
            DIGEST_EVALUATION_AHEAD_DAYS, d->evaluations_due,
            a->due.len ? a->due.buf : "  无\n");
    int rc = text_close(&all);
    d->body = all.buf;
    d->empty = d->new_flags == 0 && overdue == 0 && d->evaluations_due == 0;
    d->to = strdup(rec->liaison_email);
    char *clean = strdup(a->dept);
    if (clean)
        tz_text_repair(clean);
    if (clean && asprintf(&d->subject, "[台账] %s 网络安全摘要 %s：新问题 %u，"
                          "逾期 %u，测评到期 %u", clean, day, d->new_flags,
                          overdue, d->evaluations_due) < 0)
        d->subject = NULL;
    free(clean);
    if (d->to == NULL || d->subject == NULL || d->body == NULL)
        rc = TZ_ENOMEM;
    return rc;
}

/* The department's record, its texts opened and its facts hash begun
 * (in place: a memory stream keeps the address of its buffer pointer). */
static int acc_start(struct tz_register *reg, struct acc *a, struct tz_error *err)
{
    int rc = register_dept_get(reg, a->dept, &a->rec, err);
    if (rc != 0)
        return rc;
    crypto_generichash_init(&a->facts, NULL, 0, DIGEST_FACTS_LEN);
    digest_hash_str(&a->facts, "overdue");
    if (text_open(&a->fresh) || text_open(&a->late) || text_open(&a->due))
        return TZ_ENOMEM;
    return 0;
}

static void acc_end(struct acc *a)
{
    text_close(&a->fresh);
    text_close(&a->late);
    text_close(&a->due);
    free(a->fresh.buf);
    free(a->late.buf);
    free(a->due.buf);
    if (a->rec)
        protobuf_c_message_free_unpacked(&a->rec->base, NULL);
}

/* Each department's mail, its texts complete. */
static int compose_all(struct walk *w)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < w->n; i++) {
        struct acc *a = &w->accs[i];
        if (text_close(&a->fresh) || text_close(&a->late) || text_close(&a->due))
            return TZ_ENOMEM;
        rc = compose(a, w->now);
    }
    return rc;
}

int digest_build_many(struct tz_register *reg, const char *const *depts,
                      const int64_t *since, size_t n, int64_t now,
                      const struct rules_config *rules, struct digest *d,
                      struct tz_error *err)
{
    struct walk w = {calloc(n ? n : 1, sizeof(*w.accs)), n, now,
                     civil_today((time_t)now), rules};
    memset(d, 0, n * sizeof(*d));
    int rc = w.accs ? 0 : TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        w.accs[i] = (struct acc){.dept = depts[i], .since = since[i], .d = &d[i]};
    if (rc == 0)
        qsort(w.accs, n, sizeof(*w.accs), acc_cmp);
    for (size_t i = 1; rc == 0 && i < n; i++)
        if (strcmp(w.accs[i - 1].dept, w.accs[i].dept) == 0)
            rc = tz_err(err, TZ_EINVAL, NULL, 0, "department %s asked twice",
                        w.accs[i].dept);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = acc_start(reg, &w.accs[i], err);
    if (rc == 0)
        rc = register_each_flag(reg, 0, flag_cb, &w, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        digest_hash_str(&w.accs[i].facts, "evaluations");
    /* every system in id order, as a walk of one department's would give */
    if (rc == 0)
        rc = register_each_system(reg, n == 1 ? depts[0] : NULL, sys_cb, &w, err);
    if (rc == 0)
        rc = compose_all(&w);
    for (size_t i = 0; w.accs && i < n; i++)
        acc_end(&w.accs[i]);
    free(w.accs);
    if (rc != 0) {
        for (size_t i = 0; i < n; i++)
            digest_free(&d[i]);
        if (rc == TZ_ENOMEM)
            tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    return rc;
}

int digest_build(struct tz_register *reg, const char *dept, int64_t since,
                 int64_t now, const struct rules_config *rules,
                 struct digest *d, struct tz_error *err)
{
    return digest_build_many(reg, &dept, &since, 1, now, rules, d, err);
}
