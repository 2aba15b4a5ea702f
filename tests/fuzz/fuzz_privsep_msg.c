/* fuzz_privsep_msg — hostile frame bodies through the privsep decoders.
 *
 * The decoders are the boundary between the agent and its root child: the
 * child decodes requests from a possibly compromised unprivileged parent,
 * the parent decodes answers from a possibly compromised root child. The
 * first input byte picks the decoder (even: request, odd: response), the
 * rest is the body. A request that decodes must re-encode to the same bytes;
 * an answer that decodes must re-encode to one that decodes to the same
 * audit; a failed decode leaves its output empty and says why. */
#include <stdint.h>
#include <stdlib.h>

#include "acct_audit.h"
#include "fuzz_common.h"
#include "privsep_msg.h"

static void same_frame(const uint8_t *frame, size_t flen, const uint8_t *body,
                       size_t len)
{
    if (flen != len + 4 || memcmp(frame + 4, body, len) != 0) {
        fprintf(stderr, "fuzz_privsep_msg: re-encoding differs (%zu vs %zu bytes)\n",
                flen - 4, len);
        abort();
    }
}

static void request(const uint8_t *body, size_t len)
{
    struct psmsg_request rq;
    struct tz_error err = {0};
    if (psmsg_decode_request(body, len, &rq, &err) != 0) {
        if (err.msg[0] == '\0' || rq.root[0] || rq.dict_path[0] ||
            rq.lim.max_candidates || rq.lim.max_ms || rq.lim.max_total_ms)
            abort();
        return;
    }
    if (strlen(rq.root) > PSMSG_MAX_PATH || strlen(rq.dict_path) > PSMSG_MAX_PATH)
        abort();
    uint8_t *frame = NULL;
    size_t flen = 0;
    if (psmsg_encode_request(&rq, &frame, &flen, &err) != 0)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        response(data + 1, size - 1);
    else
        request(data + 1, size - 1);
    return 0;
}
