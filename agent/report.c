/* report — assembling the sections of one collection. */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "collect_accounts.h"
#include "collect_hardware.h"
#include "collect_host.h"
#include "collect_interfaces.h"
#include "collect_listeners.h"
#include "collect_packages.h"
#include "collect_patch.h"
#include "collect_sshd.h"
#include "privsep.h"
#include "rootfs.h"
#include "sections.h"
#include "utf8.h"
#include "validate.h"

static struct {
    struct privsep *ps;
    struct weakpw_limits lim;
    int have_lim;
    const char *dict;
    uint64_t system_id;
} accounts_cfg;

void report_set_accounts(struct privsep *ps, const struct weakpw_limits *lim,
                         const char *dict_path)
{
    accounts_cfg.ps = ps;
    accounts_cfg.have_lim = lim != NULL;
    if (lim)
        accounts_cfg.lim = *lim;
    accounts_cfg.dict = dict_path;
}

void report_set_system(uint64_t system_id)
{
    accounts_cfg.system_id = system_id;
}

static int collect_accounts_configured(const char *root, Tz__AccountsSection **out,
                                       struct tz_error *err)
{
    return collect_accounts(root, accounts_cfg.ps,
                            accounts_cfg.have_lim ? &accounts_cfg.lim : NULL,
                            accounts_cfg.dict, out, err);
}

/* The daemon collects without root (main.c drops it first); what only root
 * can read of the live system its privsep child reads for it. As root, or
 * under --root (a snapshot: the child reads live paths only), we read it
 * all ourselves. */
static int ask_child(const char *root)
{
    return accounts_cfg.ps != NULL && geteuid() != 0 && tz_root_is_live(root);
}

static int add_error(Tz__Report *r, Tz__SectionKind kind, const struct tz_error *e)
{
    char buf[1024];
    Tz__CollectError *ce = malloc(sizeof(*ce));
    Tz__CollectError **v = realloc(r->errors, (r->n_errors + 1) * sizeof(*v));
    if (ce == NULL || v == NULL) {
        free(ce);
        if (v)
            r->errors = v;
        return TZ_ENOMEM;
    }
    r->errors = v;
    tz__collect_error__init(ce);
    ce->section = kind;
    ce->message = tz_strdup(tz_error_str(e, buf, sizeof(buf)));
    if (ce->message == NULL) {
        free(ce);
        return TZ_ENOMEM;
    }
    /* The message may quote a path or a line of the host's files. */
    tz_text_repair(ce->message);
    r->errors[r->n_errors++] = ce;
    return 0;
}

/* The collector refuses a whole report for one out-of-bounds field; check
 * each section as it will, and leave out (with the reason) one that fails. */
static int keep_if_valid(Tz__Report *r, Tz__SectionKind kind)
{
    ProtobufCMessage **slot = tz_section_slot(r, kind);
    Tz__Report one = TZ__REPORT__INIT;
    *tz_section_slot(&one, kind) = *slot;
    char detail[160];
    if (validate_report(&one, detail, sizeof(detail)) == TZ__STATUS__OK)
        return 1;
    protobuf_c_message_free_unpacked(*slot, NULL);
    *slot = NULL;
    struct tz_error e;
    tz_err(&e, TZ_ELIMIT, NULL, 0, "%s section left out: %s", tz_section_name(kind),
           detail);
    return add_error(r, kind, &e) == 0 ? 0 : -1;
}

static int add_hash(Tz__Report *r, Tz__SectionKind kind, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    Tz__SectionHash *h = malloc(sizeof(*h));
    uint8_t *digest = malloc(crypto_generichash_BYTES);
    Tz__SectionHash **v = realloc(r->hashes, (r->n_hashes + 1) * sizeof(*v));
    if (v)
        r->hashes = v;
    if (buf == NULL || h == NULL || digest == NULL || v == NULL) {
        free(buf);
        free(h);
        free(digest);
        return TZ_ENOMEM;
    }
    protobuf_c_message_pack(m, buf);
    crypto_generichash(digest, crypto_generichash_BYTES, buf, len, NULL, 0);
    free(buf);
    tz__section_hash__init(h);
    h->kind = kind;
    h->hash.data = digest;
    h->hash.len = crypto_generichash_BYTES;
    r->hashes[r->n_hashes++] = h;
    return 0;
}

/* A section that was collected but lacks what the child should have given:
 * one line in errors[] for it, as a failed section gets. */
static int add_warning(Tz__Report *r, Tz__SectionKind kind, const char *what,
                       const struct tz_error *why)
{
    char buf[600];
    struct tz_error e;
    tz_err(&e, why->code ? why->code : TZ_EPROTO, NULL, 0, "%s: %s", what,
           tz_error_str(why, buf, sizeof(buf)));
    return add_error(r, kind, &e);
}

int report_collect(const char *root, Tz__Report **out, struct tz_error *err)
{
    if (sodium_init() < 0)
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "libsodium failed to initialise");
    Tz__Report *r = malloc(sizeof(*r));
    if (r == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    tz__report__init(r);
    r->collected_at = (int64_t)time(NULL);
    r->system_id = accounts_cfg.system_id;
    r->agent_version = tz_strdup(TZ_VERSION);
    int rc = r->agent_version ? 0 : TZ_ENOMEM;

    /* Each collector either fills its section or explains in errors[]. */
    struct tz_error e;
#define SECTION(kind, field, CALL)                                   \
    if (rc == 0) {                                                   \
        memset(&e, 0, sizeof(e));                                    \
        int crc = (CALL);                                            \
        if (crc == TZ_ENOMEM)                                        \
            rc = crc;                                                \
        else if (crc != 0)                                           \
            rc = add_error(r, kind, &e);                             \
        else {                                                       \
            tz_pb_repair_text(&r->field->base);                      \
            int keep = keep_if_valid(r, kind);                       \
            rc = keep > 0 ? add_hash(r, kind, &r->field->base)       \
                          : keep < 0 ? TZ_ENOMEM : 0;                \
        }                                                            \
    }
    SECTION(TZ__SECTION_KIND__SECTION_HOST, host, collect_host(root, &r->host, &e))
    struct rootfacts facts;
    struct tz_error fwarn;
    const struct rootfacts *have = NULL;
    memset(&fwarn, 0, sizeof(fwarn));
    memset(&facts, 0, sizeof(facts));
    if (rc == 0 && ask_child(root)) {
        if (privsep_facts(accounts_cfg.ps, NULL, 0, &facts, &fwarn) == 0)
            have = &facts;
        else if (fwarn.code == 0)
            fwarn.code = TZ_EPROTO;
    }
    SECTION(TZ__SECTION_KIND__SECTION_HARDWARE, hardware,
            collect_hardware_with(root, have, &r->hardware, &e))
    if (rc == 0 && fwarn.code != 0)
        rc = add_warning(r, TZ__SECTION_KIND__SECTION_HARDWARE,
                         "DMI fields only root can read are left empty", &fwarn);
    rootfacts_free(&facts);
    SECTION(TZ__SECTION_KIND__SECTION_INTERFACES, interfaces,
            collect_interfaces(root, &r->interfaces, &e))
    SECTION(TZ__SECTION_KIND__SECTION_PACKAGES, packages,
            collect_packages(root, &r->packages, &e))
    /* The patch level compares against the dpkg packages just collected. */
    SECTION(TZ__SECTION_KIND__SECTION_PATCH, patch,
            collect_patch_from(root, NULL, r->packages, &r->patch, &e))
    SECTION(TZ__SECTION_KIND__SECTION_ACCOUNTS, accounts,
            collect_accounts_configured(root, &r->accounts, &e))
    SECTION(TZ__SECTION_KIND__SECTION_SSH, ssh, collect_sshd(root, &r->ssh, &e))
    struct tz_error lwarn;
    memset(&lwarn, 0, sizeof(lwarn));
    int ask = ask_child(root);
    SECTION(TZ__SECTION_KIND__SECTION_LISTENERS, listeners,
            collect_listeners_with(root, TZ_LISTEN_AUTO,
                                   ask ? privsep_owners : NULL,
                                   accounts_cfg.ps, &r->listeners, &lwarn, &e))
    if (rc == 0 && lwarn.code != 0)
        rc = add_warning(r, TZ__SECTION_KIND__SECTION_LISTENERS,
                         "owners of other users' sockets are unknown (pid 0)",
                         &lwarn);
#undef SECTION

    if (rc != 0) {
        protobuf_c_message_free_unpacked(&r->base, NULL);
        return tz_err(err, rc, NULL, 0, "out of memory while collecting");
    }
    *out = r;
    return 0;
}
