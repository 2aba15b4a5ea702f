/* digest_run — deciding which digests go out now, and remembering how it went. */
#include "digest_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest_mail.h"
#include "digest_schedule.h"
#include "digest_school.h"
#include "digest_send.h"
#include "grow.h"
#include "tz_log.h"

int digest_state_load(struct tz_register *reg, const char *dept,
                      struct digest_state *st, struct tz_error *err)
{
    memset(st, 0, sizeof(*st));
    Tz__DigestState *m;
    int rc = register_digest_state_get(reg, dept, &m, err);
    if (rc == TZ_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    st->last_sent = m->last_sent;
    st->last_slot = m->last_slot;
    st->next_try = m->next_try;
    st->since = m->since;
    st->has_facts = m->facts.len == DIGEST_FACTS_LEN;
    if (st->has_facts)
        memcpy(st->facts, m->facts.data, DIGEST_FACTS_LEN);
    st->attempts = m->attempts;
    st->sent_total = m->sent_total;
    st->failed_total = m->failed_total;
    st->given_up_total = m->given_up_total;
    snprintf(st->last_error, sizeof(st->last_error), "%s", m->last_error);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    return 0;
}

/* st as the stored message m (m's strings and bytes point into st). */
static void state_msg(struct digest_state *st, Tz__DigestState *m)
{
    *m = (Tz__DigestState)TZ__DIGEST_STATE__INIT;
    m->last_sent = st->last_sent;
    m->last_slot = st->last_slot;
    m->next_try = st->next_try;
    m->since = st->since;
    if (st->has_facts)
        m->facts = (ProtobufCBinaryData){DIGEST_FACTS_LEN, st->facts};
    m->attempts = st->attempts;
    m->sent_total = st->sent_total;
    m->failed_total = st->failed_total;
    m->given_up_total = st->given_up_total;
    m->last_error = st->last_error;
}

/* Is a digest whose state is st due at now, in the schedule's slot? */
static int is_due(const struct digest_state *st, int64_t slot, int64_t now)
{
    if (slot <= st->last_slot)
        return 0;
    return st->attempts == 0 || now >= st->next_try;
}

static struct digest_job *job_new(struct digest_batch *b)
{
    if (tz_grow((void **)&b->jobs, &b->cap, b->n, sizeof(*b->jobs)) != 0)
        return NULL;
    struct digest_job *j = &b->jobs[b->n++];
    memset(j, 0, sizeof(*j));
    return j;
}

int64_t digest_since(const struct digest_state *st,
                     const struct digest_schedule *s, int64_t now)
{
    return st->since ? st->since : digest_slot(s, now) - digest_period(s);
}

int digest_unchanged(const struct digest *d, const struct digest_state *st)
{
    return d->new_flags == 0 && st->has_facts &&
           memcmp(d->facts, st->facts, DIGEST_FACTS_LEN) == 0;
}

/* Fill j from digest d: a composed mail, or no message when there is
 * nothing new to say (or the address is refused: j->rc says so). */
static int job_fill(struct digest_job *j, const struct digest_config *cfg,
                    const struct digest *d, const char *to, int64_t now, int force)
{
    memcpy(j->facts, d->facts, DIGEST_FACTS_LEN);
    if ((j->to = strdup(to)) == NULL)
        return TZ_ENOMEM;
    if (!force && (d->empty || digest_unchanged(d, &j->st)))
        return 0;
    struct tz_error e = {0};
    j->rc = digest_mail_compose(cfg->from, to, d->subject, d->body, now,
                                &j->message, &e);
    if (j->rc == TZ_ENOMEM)
        return TZ_ENOMEM;
    if (j->rc != 0)
        snprintf(j->why, sizeof(j->why), "%s", e.msg);
    return 0;
}

/* A recipient whose digest is to be built: its state and window. */
struct due {
    const char *dept;            /* NULL: the school's */
    const char *to;
    struct digest_state st;
    int64_t since;
};

/* Load the state of u->dept; *is_due says whether a digest is due in slot
 * (slot < 0: on demand, always). */
static int due_load(struct tz_register *reg, const struct digest_config *cfg,
                    int64_t slot, int64_t now, struct due *u, int *is,
                    struct tz_error *err)
{
    int rc = digest_state_load(reg, u->dept, &u->st, err);
    *is = rc == 0 && (slot < 0 || is_due(&u->st, slot, now));
    /* The first digest covers one period before its slot, and keeps that
     * start through failures until one is sent. */
    u->since = digest_since(&u->st, &cfg->schedule, now);
    return rc;
}

/* A job of b for u's digest d: on schedule in slot, or on demand (slot < 0:
 * the schedule's slot stays as it was). */
static int job_add(struct digest_batch *b, const struct digest_config *cfg,
                   const struct due *u, int64_t slot, int force,
                   const struct digest *d, struct tz_error *err)
{
    struct digest_job *j = job_new(b);
    int rc = 0;
    if (j == NULL || (u->dept && (j->dept = strdup(u->dept)) == NULL))
        rc = TZ_ENOMEM;
    if (rc == 0) {
        j->on_demand = slot < 0;
        j->slot = slot < 0 ? u->st.last_slot : slot;
        j->since = u->since;
        j->st = u->st;
        rc = job_fill(j, cfg, d, u->to, b->now, force);
    }
    if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    return rc;
}

/* The digest of one recipient, built and added when due. */
static int plan_one(struct tz_register *reg, const struct digest_config *cfg,
                    const struct rules_config *rules, struct due *u, int64_t slot,
                    int force, struct digest_batch *b, struct tz_error *err)
{
    int is;
    int rc = due_load(reg, cfg, slot, b->now, u, &is, err);
    if (rc != 0 || !is)
        return rc;
    struct digest d;
    rc = u->dept ? digest_build(reg, u->dept, u->since, b->now, rules, &d, err)
                 : digest_school_build(reg, u->since, b->now, rules, &d, err);
    if (rc != 0)
        return rc;
    rc = job_add(b, cfg, u, slot, force, &d, err);
    digest_free(&d);
    return rc;
}

int digest_plan_now(struct tz_register *reg, const struct digest_config *cfg,
                    const struct rules_config *rules, const char *dept, int64_t now,
                    int force, struct digest_batch *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    out->now = now;
    if (dept == NULL) {
        if (cfg->school_to[0] == '\0')
            return tz_err(err, TZ_EINVAL, NULL, 0, "no address for the school-wide "
                          "digest: set school_to in [digest] of the collector's "
                          "configuration");
        struct due u = {.to = cfg->school_to};
        return plan_one(reg, cfg, rules, &u, -1, force, out, err);
    }
    Tz__DeptRecord *rec;
    int rc = register_dept_get(reg, dept, &rec, err);
    if (rc == TZ_ENOENT)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no department \"%s\"", dept);
    if (rc != 0)
        return rc;
    if (rec->liaison_email[0] == '\0')
        rc = tz_err(err, TZ_EINVAL, NULL, 0, "%s has no 联络人 e-mail address: tzctl "
                    "dept set %s liaison_email=ADDRESS", dept, dept);
    else
        rc = plan_one(reg, cfg, rules, &(struct due){.dept = dept, .to = rec->liaison_email},
                      -1, force, out, err);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    if (rc != 0)
        digest_batch_free(out);
    return rc;
}

struct dept_list {
    char **names, **to;
    size_t n, cap_names, cap_to;
};

static int dept_cb(const Tz__DeptRecord *rec, void *arg)
{
    struct dept_list *l = arg;
    if (rec->liaison_email[0] == '\0')
        return 0;   /* the school digest names it instead */
    if (tz_grow((void **)&l->names, &l->cap_names, l->n, sizeof(*l->names)) != 0 ||
        tz_grow((void **)&l->to, &l->cap_to, l->n, sizeof(*l->to)) != 0)
        return TZ_ENOMEM;
    l->names[l->n] = strdup(rec->name);
    l->to[l->n] = strdup(rec->liaison_email);
    l->n++;
    return l->names[l->n - 1] && l->to[l->n - 1] ? 0 : TZ_ENOMEM;
}

/* The departments' digests due in slot, built together (one walk of the
 * register's flags and systems for all of them, on the collector's loop). */
static int plan_depts(struct tz_register *reg, const struct digest_config *cfg,
                      const struct rules_config *rules, const struct dept_list *l,
                      int64_t slot, struct digest_batch *b, struct tz_error *err)
{
    struct due *u = calloc(l->n ? l->n : 1, sizeof(*u));
    const char **names = calloc(l->n ? l->n : 1, sizeof(*names));
    int64_t *since = calloc(l->n ? l->n : 1, sizeof(*since));
    struct digest *d = calloc(l->n ? l->n : 1, sizeof(*d));
    size_t n = 0;
    int rc = u && names && since && d ? 0 : TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < l->n; i++) {
        int is;
        u[n] = (struct due){.dept = l->names[i], .to = l->to[i]};
        if ((rc = due_load(reg, cfg, slot, b->now, &u[n], &is, err)) == 0 && is) {
            names[n] = u[n].dept;
            since[n] = u[n].since;
            n++;
        }
    }
    if (rc == 0 && n)
        rc = digest_build_many(reg, names, since, n, b->now, rules, d, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = job_add(b, cfg, &u[i], slot, 0, &d[i], err);
    for (size_t i = 0; d && i < n; i++)
        digest_free(&d[i]);
    if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    free(u);
    free(names);
    free(since);
    free(d);
    return rc;
}

int digest_plan(struct tz_register *reg, const struct digest_config *cfg,
                const struct rules_config *rules, int64_t now,
                struct digest_batch *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    out->now = now;
    struct dept_list l = {0};
    int rc = register_each_dept(reg, dept_cb, &l, err);
    if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    int64_t slot = digest_slot(&cfg->schedule, now);
    if (rc == 0)
        rc = plan_depts(reg, cfg, rules, &l, slot, out, err);
    if (rc == 0 && cfg->school_to[0])
        rc = plan_one(reg, cfg, rules, &(struct due){.to = cfg->school_to}, slot, 0,
                      out, err);
    for (size_t i = 0; i < l.n; i++) {
        free(l.names[i]);
        free(l.to[i]);
    }
    free(l.names);
    free(l.to);
    if (rc != 0)
        digest_batch_free(out);
    return rc;
}

void digest_batch_send(const struct digest_config *cfg, struct digest_batch *b)
{
    for (size_t i = 0; i < b->n && !atomic_load(&b->cancel); i++) {
        struct digest_job *j = &b->jobs[i];
        j->tried = 1;
        if (j->message)
            j->rc = digest_send(cfg, j->to, j->message, j->why, sizeof(j->why));
    }
}

static const char *who(const struct digest_job *j)
{
    return j->dept ? j->dept : "(school-wide)";
}

/* A failed attempt: retry after retry_interval, or give up this slot. */
static void record_failure(const struct digest_config *cfg, struct digest_job *j,
                           int64_t now, int permanent)
{
    struct digest_state *st = &j->st;
    st->attempts++;
    st->failed_total++;
    snprintf(st->last_error, sizeof(st->last_error), "%s", j->why);
    if (permanent || st->attempts >= cfg->max_attempts) {
        tz_log(TZ_LOG_ERROR, "digest of %s to %s: giving up after %u attempt(s) "
               "until the next scheduled time: %s", who(j), j->to, st->attempts, j->why);
        st->given_up_total++;
        st->attempts = 0;
        st->next_try = 0;
        st->last_slot = j->slot;
        return;
    }
    st->next_try = now + (int64_t)cfg->retry_interval;
    tz_log(TZ_LOG_WARN, "digest of %s to %s: sending failed (attempt %u of %zu), "
           "retrying in %zu s: %s", who(j), j->to, st->attempts, cfg->max_attempts,
           cfg->retry_interval, j->why);
}

static void record_one(const struct digest_config *cfg, struct digest_job *j,
                       int64_t now)
{
    struct digest_state *st = &j->st;
    if (st->since == 0)
        st->since = j->since;
    if (j->on_demand && j->rc != 0) {
        /* the operator saw it fail; the schedule's attempts are its own */
        st->failed_total++;
        snprintf(st->last_error, sizeof(st->last_error), "%s", j->why);
        tz_log(TZ_LOG_WARN, "digest of %s to %s (on demand): not sent: %s", who(j),
               j->to, j->why);
    } else if (j->message == NULL && j->rc != 0) {
        record_failure(cfg, j, now, 1);   /* refused before sending: no retry helps */
    } else if (j->message == NULL) {
        tz_log(TZ_LOG_DEBUG, "digest of %s: nothing new since the last one sent, "
               "not sent", who(j));
        st->last_slot = j->slot;
    } else if (j->rc != 0) {
        record_failure(cfg, j, now, 0);
    } else {
        tz_log(TZ_LOG_INFO, "digest of %s sent to %s", who(j), j->to);
        st->last_sent = now;
        st->since = now;
        st->last_slot = j->slot;
        memcpy(st->facts, j->facts, DIGEST_FACTS_LEN);
        st->has_facts = 1;
        st->attempts = 0;
        st->next_try = 0;
        st->sent_total++;
        st->last_error[0] = '\0';
    }
}

int digest_batch_record(struct tz_register *reg, const struct digest_config *cfg,
                        struct digest_batch *b, struct tz_error *err)
{
    Tz__DigestState *m = calloc(b->n ? b->n : 1, sizeof(*m));
    const Tz__DigestState **sts = calloc(b->n ? b->n : 1, sizeof(*sts));
    const char **depts = calloc(b->n ? b->n : 1, sizeof(*depts));
    size_t n = 0;
    int rc = m && sts && depts ? 0 : tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        struct digest_job *j = &b->jobs[i];
        if (!j->tried)
            continue;   /* stopped before its turn: its state stays as stored */
        record_one(cfg, j, b->now);
        state_msg(&j->st, &m[n]);
        sts[n] = &m[n];
        depts[n++] = j->dept;
    }
    /* one transaction, one sync, for the whole batch */
    if (rc == 0)
        rc = register_digest_states_put(reg, depts, sts, n, err);
    free(m);
    free(sts);
    free(depts);
    return rc;
}

void digest_batch_free(struct digest_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->jobs[i].dept);
        free(b->jobs[i].to);
        free(b->jobs[i].message);
    }
    free(b->jobs);
    memset(b, 0, sizeof(*b));
}
