/* fuzz_privsep_msg — hostile frame bodies through the privsep decoders.
 *
 * The decoders are the boundary between the agent and its root child: the
 * child decodes requests from a possibly compromised unprivileged parent,
 * the parent decodes answers from a possibly compromised root child. The
 * first input byte picks the decoder (bit 0: request or response; bit 1:
 * the fix/audit or the root-facts kind), the rest is the body. A request
 * that decodes must be within the fix's bounds and re-encode to the same
 * bytes; an audit answer that decodes
 * must re-encode to one that decodes to the same audit, a facts answer to
 * the same bytes; a failed decode leaves its output empty and says why. */
#include <stdint.h>
#include <stdlib.h>

#include "acct_audit.h"
#include "fuzz_common.h"
#include "privsep_msg.h"
#include "rootfacts.h"

static void same_frame(const uint8_t *frame, size_t flen, const uint8_t *body,
                       size_t len)
{
    if (flen != len + 4 || memcmp(frame + 4, body, len) != 0) {
        fprintf(stderr, "fuzz_privsep_msg: re-encoding differs (%zu vs %zu bytes)\n",
                flen - 4, len);
        abort();
    }
}

/* The child's side: a fix or an audit request. */
static void request(const uint8_t *body, size_t len)
{
    struct tz_error err = {0};
    uint8_t *frame = NULL;
    size_t flen = 0;
    if (psmsg_request_kind(body, len) == PSMSG_AUDIT) {
        if (psmsg_decode_audit(body, len, &err) != 0) {
            if (err.msg[0] == '\0')
                abort();
            return;
        }
        if (psmsg_encode_audit(&frame, &flen, &err) != 0)
            abort();
        same_frame(frame, flen, body, len);
        free(frame);
        return;
    }
    struct psmsg_request rq;
    if (psmsg_decode_fix(body, len, &rq, &err) != 0) {
        if (err.msg[0] == '\0' || rq.root[0] || rq.dict_path[0] ||
            rq.lim.max_candidates || rq.lim.max_ms || rq.lim.max_total_ms)
            abort();
        return;
    }
    if (strlen(rq.root) > PSMSG_MAX_PATH || strlen(rq.dict_path) > PSMSG_MAX_PATH ||
        rq.lim.max_candidates == 0 || rq.lim.max_candidates > PSMSG_MAX_CANDIDATES ||
        rq.lim.max_ms == 0 || rq.lim.max_ms > PSMSG_MAX_MS ||
        rq.lim.max_total_ms == 0 || rq.lim.max_total_ms > PSMSG_MAX_MS ||
        (rq.root[0] && rq.root[0] != '/') ||
        (rq.dict_path[0] && rq.dict_path[0] != '/'))
        abort();
    if (psmsg_encode_fix(&rq, &frame, &flen, &err) != 0)
        abort();
    same_frame(frame, flen, body, len);
    free(frame);
}

static int same_strs(char **x, size_t nx, char **y, size_t ny)
{
    if (nx != ny)
        return 0;
    for (size_t i = 0; i < nx; i++)
        if (strcmp(x[i], y[i]) != 0)
            return 0;
    return 1;
}

/* a and b hold the same audit (what the agent builds its section from). */
static int same_audit(const struct acct_audit *a, const struct acct_audit *b)
{
    if (a->shadow_read != b->shadow_read || a->check_ran != b->check_ran ||
        a->cut != b->cut || a->candidates != b->candidates || a->n != b->n ||
        !same_strs(a->rules, a->n_rules, b->rules, b->n_rules) ||
        !same_strs(a->warnings, a->n_warnings, b->warnings, b->n_warnings))
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const struct acct_verdict *x = &a->v[i], *y = &b->v[i];
        if (strcmp(x->name, y->name) != 0 || x->state != y->state ||
            x->reason != y->reason || x->cut != y->cut ||
            x->days_since_change != y->days_since_change ||
            x->max_days != y->max_days || x->n_rules != y->n_rules ||
            (x->n_rules && memcmp(x->rules, y->rules, x->n_rules * sizeof(*x->rules))))
            return 0;
    }
    return 1;
}

/* A successful answer must re-encode to a frame that decodes to the same
 * audit. (Not to the same bytes: a success may carry a message, which the
 * decoder ignores and the encoder does not write.) */
static void response(const uint8_t *body, size_t len)
{
    struct acct_audit a;
    struct tz_error err = {0};
    int rc = psmsg_decode_response(body, len, &a, &err);
    if (rc != 0) {
        if (err.msg[0] == '\0' || a.n || a.v || a.n_rules || a.rules ||
            a.n_warnings || a.warnings)
            abort();
        return;
    }
    for (size_t i = 0; i < a.n; i++) {
        const struct acct_verdict *v = &a.v[i];
        if (v->name == NULL || v->name[0] == '\0' || strlen(v->name) > TZ_MAX_NAME)
            abort();
        for (size_t k = 0; k < v->n_rules; k++)
            if (v->rules[k] >= a.n_rules)
                abort();
    }
    uint8_t *frame = NULL;
    size_t flen = 0;
    if (psmsg_encode_response(0, NULL, &a, &frame, &flen, &err) != 0)
        abort();
    struct acct_audit b;
    if (psmsg_decode_response(frame + 4, flen - 4, &b, &err) != 0) {
        fprintf(stderr, "fuzz_privsep_msg: a re-encoded answer does not decode: %s\n",
                err.msg);
        abort();
    }
    if (!same_audit(&a, &b)) {
        fprintf(stderr, "fuzz_privsep_msg: a re-encoded answer decodes differently\n");
        abort();
    }
    free(frame);
    acct_audit_free(&a);
    acct_audit_free(&b);
}

static void facts_request(const uint8_t *body, size_t len)
{
    unsigned long *inodes = NULL;
    size_t n = 0;
    struct tz_error err = {0};
    if (psmsg_decode_facts_request(body, len, &inodes, &n, &err) != 0) {
        if (err.msg[0] == '\0' || inodes || n)
            abort();
        return;
    }
    if (n > TZ_MAX_LISTENERS)
        abort();
    for (size_t i = 0; i < n; i++)
        if (inodes[i] == 0 || (i > 0 && inodes[i] <= inodes[i - 1]))
            abort();
    uint8_t *frame = NULL;
    size_t flen = 0;
    if (psmsg_encode_facts_request(inodes, n, &frame, &flen, &err) != 0)
        abort();
    same_frame(frame, flen, body, len);
    free(frame);
    free(inodes);
}

/* A facts answer that decodes holds only bounded, checked data and
 * re-encodes to the same bytes (a success carries an empty message). */
static void facts_response(const uint8_t *body, size_t len)
{
    struct rootfacts f;
    struct tz_error err = {0};
    int rc = psmsg_decode_facts_response(body, len, &f, &err);
    if (rc != 0) {
        if (err.msg[0] == '\0' || f.owners || f.n_owners)
            abort();
        for (size_t i = 0; i < ROOTFACTS_N_DMI; i++)
            if (f.dmi[i][0])
                abort();
        return;
    }
    for (size_t i = 0; i < ROOTFACTS_N_DMI; i++)
        if (strlen(f.dmi[i]) > TZ_MAX_NAME)
            abort();
    for (size_t i = 0; i < f.n_owners; i++) {
        const struct proc_owner *o = &f.owners[i];
        if (o->inode == 0 || o->pid == 0 ||
            (i > 0 && o->inode <= f.owners[i - 1].inode) ||
            strlen(o->comm) >= PROC_OWNER_COMM)
            abort();
    }
    uint8_t *frame = NULL;
    size_t flen = 0;
    if (psmsg_encode_facts_response(0, NULL, &f, &frame, &flen, &err) != 0)
        abort();
    /* the message of a success is not kept: compare from the DMI fields on */
    if (len < 10 || flen < 14 || memcmp(frame + 4, body, 8) != 0 ||
        flen - 14 != len - 10 - ((size_t)body[8] << 8 | body[9]) ||
        memcmp(frame + 14, body + 10 + ((size_t)body[8] << 8 | body[9]),
               flen - 14) != 0) {
        fprintf(stderr, "fuzz_privsep_msg: a re-encoded facts answer differs\n");
        abort();
    }
    free(frame);
    rootfacts_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] & 3) {
    case 0: request(data + 1, size - 1); break;
    case 1: response(data + 1, size - 1); break;
    case 2: facts_request(data + 1, size - 1); break;
    default: facts_response(data + 1, size - 1); break;
    }
    return 0;
}
