/* validate — bounds checks on decoded payloads. */
#include "validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sections.h"
#include "tz_limits.h"
#include "utf8.h"

#define FAIL(...) do { snprintf(detail, detail_len, __VA_ARGS__); \
                       return TZ__STATUS__INVALID; } while (0)

/* Strings are bounded, valid UTF-8 (they end up in CSV, JSON and HTML, where
 * a broken sequence is at best garbage) and free of control and bidi
 * characters (shown in a terminal, a newline forges a line and U+202E
 * reverses one: review finding 8). The agent repairs them before sending
 * (tz_text_repair), so no field legitimately carries a tab or a newline. */
static int str_fine(const char *s, size_t max)
{
    if (s == NULL)
        return 1;
    size_t n = strnlen(s, max + 1);
    return n <= max && tz_text_check(s, n, NULL) == TZ_TEXT_OK;
}

/* Why s is not str_fine, into detail: off the path of every good string. */
static int str_fail(const char *s, size_t max, const char *name, char *detail,
                    size_t detail_len)
{
    size_t n = strnlen(s, max + 1);
    uint32_t cp = 0;
    if (n > max)
        FAIL("%s longer than %zu bytes", name, max);
    if (tz_text_check(s, n, &cp) == TZ_TEXT_CONTROL)
        FAIL("%s contains control or bidi character U+%04X", name, (unsigned)cp);
    FAIL("%s not UTF-8", name);
}

#define STR(field, max, name)                                                  \
    do {                                                                       \
        if (!str_fine(field, max))                                             \
            return str_fail(field, max, name, detail, detail_len);             \
    } while (0)

static int check_strings(char **v, size_t n, size_t max_n, size_t max_len,
                         const char *what, char *detail, size_t detail_len);

static int check_host(const Tz__HostSection *h, char *detail, size_t detail_len)
{
    int st;
    if ((st = check_strings(h->warnings, h->n_warnings, TZ_MAX_WARNINGS,
                            TZ_MAX_STR, "host.warnings", detail, detail_len)) !=
        TZ__STATUS__OK)
        return st;
    STR(h->hostname, TZ_MAX_NAME, "host.hostname");
    STR(h->os_id, TZ_MAX_NAME, "host.os_id");
    STR(h->os_name, TZ_MAX_NAME, "host.os_name");
    STR(h->os_version, TZ_MAX_NAME, "host.os_version");
    STR(h->os_pretty, TZ_MAX_NAME, "host.os_pretty");
    STR(h->kernel_release, TZ_MAX_NAME, "host.kernel_release");
    STR(h->kernel_version, TZ_MAX_NAME, "host.kernel_version");
    STR(h->arch, TZ_MAX_NAME, "host.arch");
    STR(h->machine_id, TZ_MAX_NAME, "host.machine_id");
    return TZ__STATUS__OK;
}

static int check_hardware(const Tz__HardwareSection *w, char *detail,
                          size_t detail_len)
{
    int st;
    if ((st = check_strings(w->warnings, w->n_warnings, TZ_MAX_WARNINGS,
                            TZ_MAX_STR, "hardware.warnings", detail, detail_len)) !=
        TZ__STATUS__OK)
        return st;
    const char *f[] = {w->cpu_model, w->sys_vendor, w->product_name,
                       w->product_serial, w->product_uuid, w->board_vendor,
                       w->board_name, w->bios_vendor, w->bios_version,
                       w->bios_date, w->chassis_type};
    static const char *const name[] = {
        "hardware.cpu_model", "hardware.sys_vendor", "hardware.product_name",
        "hardware.product_serial", "hardware.product_uuid",
        "hardware.board_vendor", "hardware.board_name", "hardware.bios_vendor",
        "hardware.bios_version", "hardware.bios_date", "hardware.chassis_type"};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        STR(f[i], TZ_MAX_NAME, name[i]);
    return TZ__STATUS__OK;
}

static int check_interfaces(const Tz__InterfacesSection *s, char *detail,
                            size_t detail_len)
{
    if (s->n_interfaces > TZ_MAX_INTERFACES)
        FAIL("%zu interfaces (limit %d)", s->n_interfaces, TZ_MAX_INTERFACES);
    for (size_t i = 0; i < s->n_interfaces; i++) {
        const Tz__Interface *it = s->interfaces[i];
        if (it == NULL)
            FAIL("interface %zu empty", i);
        STR(it->name, TZ_MAX_NAME, "interface.name");
        STR(it->mac, 64, "interface.mac");
        if (it->n_ipv4 > TZ_MAX_ADDRS || it->n_ipv6 > TZ_MAX_ADDRS)
            FAIL("interface %s has more than %d addresses", it->name, TZ_MAX_ADDRS);
        for (size_t k = 0; k < it->n_ipv4; k++)
            STR(it->ipv4[k], 64, "interface.ipv4");
        for (size_t k = 0; k < it->n_ipv6; k++)
            STR(it->ipv6[k], 64, "interface.ipv6");
    }
    return TZ__STATUS__OK;
}

static int check_packages(const Tz__PackagesSection *s, char *detail,
                          size_t detail_len)
{
    STR(s->manager, 32, "packages.manager");
    if (s->n_packages > TZ_MAX_PACKAGES)
        FAIL("%zu packages (limit %d)", s->n_packages, TZ_MAX_PACKAGES);
    for (size_t i = 0; i < s->n_packages; i++) {
        const Tz__Package *p = s->packages[i];
        if (p == NULL)
            FAIL("package %zu empty", i);
        if (p->name == NULL || p->name[0] == '\0')
            FAIL("package %zu has no name", i);
        STR(p->name, TZ_MAX_NAME, "package.name");
        STR(p->version, TZ_MAX_NAME, "package.version");
        STR(p->arch, 64, "package.arch");
        STR(p->source, TZ_MAX_NAME, "package.source");
    }
    return TZ__STATUS__OK;
}

static int check_strings(char **v, size_t n, size_t max_n, size_t max_len,
                         const char *what, char *detail, size_t detail_len)
{
    if (n > max_n)
        FAIL("%zu %s (limit %zu)", n, what, max_n);
    for (size_t i = 0; i < n; i++) {
        if (v[i] == NULL)
            FAIL("%s entry %zu empty", what, i);
        STR(v[i], max_len, what);
    }
    return TZ__STATUS__OK;
}

#define LIST(v, n, max_n, max_len, what)                                       \
    if ((st = check_strings(v, n, max_n, max_len, what, detail, detail_len)) != \
        TZ__STATUS__OK)                                                        \
        return st;

static int check_patch(const Tz__PatchSection *p, char *detail, size_t detail_len)
{
    int st;
    STR(p->running_kernel, TZ_MAX_NAME, "patch.running_kernel");
    STR(p->newest_kernel, TZ_MAX_NAME, "patch.newest_kernel");
    STR(p->newest_kernel_package, TZ_MAX_NAME, "patch.newest_kernel_package");
    LIST(p->reboot_required_pkgs, p->n_reboot_required_pkgs, TZ_MAX_PACKAGES,
         TZ_MAX_NAME, "patch.reboot_required_pkgs");
    LIST(p->warnings, p->n_warnings, TZ_MAX_WARNINGS, TZ_MAX_STR, "patch.warnings");
    if (p->n_updates > TZ_MAX_PACKAGES)
        FAIL("%zu pending updates (limit %d)", p->n_updates, TZ_MAX_PACKAGES);
    for (size_t i = 0; i < p->n_updates; i++) {
        const Tz__PendingUpdate *u = p->updates[i];
        if (u == NULL || u->name == NULL || u->name[0] == '\0')
            FAIL("pending update %zu has no name", i);
        STR(u->name, TZ_MAX_NAME, "update.name");
        STR(u->installed, TZ_MAX_NAME, "update.installed");
        STR(u->candidate, TZ_MAX_NAME, "update.candidate");
        STR(u->suite, TZ_MAX_NAME, "update.suite");
    }
    return TZ__STATUS__OK;
}

static int check_accounts(const Tz__AccountsSection *a, char *detail,
                          size_t detail_len)
{
    int st;
    if (a->n_accounts > TZ_MAX_ACCOUNTS)
        FAIL("%zu accounts (limit %d)", a->n_accounts, TZ_MAX_ACCOUNTS);
    LIST(a->uid0_accounts, a->n_uid0_accounts, TZ_MAX_ACCOUNTS, TZ_MAX_NAME,
         "accounts.uid0_accounts");
    LIST(a->warnings, a->n_warnings, TZ_MAX_WARNINGS, TZ_MAX_STR,
         "accounts.warnings");
    STR(a->weak_check_error, TZ_MAX_STR, "accounts.weak_check_error");
    for (size_t i = 0; i < a->n_accounts; i++) {
        const Tz__Account *ac = a->accounts[i];
        if (ac == NULL || ac->name == NULL || ac->name[0] == '\0')
            FAIL("account %zu has no name", i);
        STR(ac->name, TZ_MAX_NAME, "account.name");
        STR(ac->home, TZ_MAX_STR, "account.home");
        STR(ac->shell, TZ_MAX_STR, "account.shell");
        STR(ac->weak_reason, TZ_MAX_NAME, "account.weak_reason");
        LIST(ac->admin_groups, ac->n_admin_groups, TZ_MAX_SMALL_LIST, TZ_MAX_NAME,
             "account.admin_groups");
        LIST(ac->nopasswd_rules, ac->n_nopasswd_rules, TZ_MAX_SMALL_LIST,
             TZ_MAX_STR, "account.nopasswd_rules");
    }
    return TZ__STATUS__OK;
}

static int check_ssh(const Tz__SshSection *s, char *detail, size_t detail_len)
{
    int st;
    STR(s->permit_root_login, 64, "ssh.permit_root_login");
    if (s->n_ports > TZ_MAX_SMALL_LIST)
        FAIL("%zu ssh ports (limit %d)", s->n_ports, TZ_MAX_SMALL_LIST);
    for (size_t i = 0; i < s->n_ports; i++)
        if (s->ports[i] > 65535)
            FAIL("ssh port %u out of range", s->ports[i]);
    LIST(s->files, s->n_files, TZ_MAX_SMALL_LIST, TZ_MAX_STR, "ssh.files");
    LIST(s->warnings, s->n_warnings, TZ_MAX_WARNINGS, TZ_MAX_STR, "ssh.warnings");
    return TZ__STATUS__OK;
}

static int check_listeners(const Tz__ListenersSection *l, char *detail,
                           size_t detail_len)
{
    if (l->n_listeners > TZ_MAX_LISTENERS)
        FAIL("%zu listeners (limit %d)", l->n_listeners, TZ_MAX_LISTENERS);
    for (size_t i = 0; i < l->n_listeners; i++) {
        const Tz__Listener *x = l->listeners[i];
        if (x == NULL)
            FAIL("listener %zu empty", i);
        STR(x->proto, 8, "listener.proto");
        STR(x->address, 64, "listener.address");
        STR(x->process, TZ_MAX_NAME, "listener.process");
        if (x->port > 65535)
            FAIL("listener port %u out of range", x->port);
    }
    return TZ__STATUS__OK;
}

/* The first message in m's tree that carries a field this build does not
 * know (protobuf-c keeps those in unknown_fields), or NULL. The schema has
 * no recursive message, so the depth is the schema's. */
static const ProtobufCMessage *with_unknown(const ProtobufCMessage *m)
{
    if (m->n_unknown_fields)
        return m;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        size_t n = 1;
        const ProtobufCMessage *const *sub = (const void *)(base + f->offset);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *)(base + f->quantifier_offset);
            sub = *(const ProtobufCMessage *const *const *)(base + f->offset);
        } else if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                   *(const uint32_t *)(base + f->quantifier_offset) != f->id) {
            continue;   /* another member of the oneof is set */
        }
        for (size_t k = 0; k < n; k++) {
            const ProtobufCMessage *hit = sub[k] ? with_unknown(sub[k]) : NULL;
            if (hit)
                return hit;
        }
    }
    return NULL;
}

/* INVALID when m's tree carries an unknown field: refused rather than kept
 * (protobuf-c would copy it, and the register would store it unread). */
static int check_known(const ProtobufCMessage *m, char *detail, size_t detail_len)
{
    const ProtobufCMessage *hit = with_unknown(m);
    if (hit)
        FAIL("unknown field %u in %s: this collector does not read it (is the "
             "agent newer than the collector?)", (unsigned)hit->unknown_fields[0].tag,
             hit->descriptor->short_name);
    return TZ__STATUS__OK;
}

int validate_section(int kind, const ProtobufCMessage *m, char *detail,
                     size_t detail_len)
{
    if (m == NULL)
        return TZ__STATUS__OK;
    int st = check_known(m, detail, detail_len);
    if (st != TZ__STATUS__OK)
        return st;
    switch (kind) {
    case TZ__SECTION_KIND__SECTION_HOST:
        return check_host((const Tz__HostSection *)m, detail, detail_len);
    case TZ__SECTION_KIND__SECTION_HARDWARE:
        return check_hardware((const Tz__HardwareSection *)m, detail, detail_len);
    case TZ__SECTION_KIND__SECTION_INTERFACES:
        return check_interfaces((const Tz__InterfacesSection *)m, detail, detail_len);
    case TZ__SECTION_KIND__SECTION_PACKAGES:
        return check_packages((const Tz__PackagesSection *)m, detail, detail_len);
    case TZ__SECTION_KIND__SECTION_PATCH:
        return check_patch((const Tz__PatchSection *)m, detail, detail_len);
    case TZ__SECTION_KIND__SECTION_ACCOUNTS:
        return check_accounts((const Tz__AccountsSection *)m, detail, detail_len);
    case TZ__SECTION_KIND__SECTION_SSH:
        return check_ssh((const Tz__SshSection *)m, detail, detail_len);
    case TZ__SECTION_KIND__SECTION_LISTENERS:
        return check_listeners((const Tz__ListenersSection *)m, detail, detail_len);
    default:
        FAIL("unknown section kind %d", kind);
    }
}

int validate_report(const Tz__Report *r, char *detail, size_t detail_len)
{
    int st;
    for (int kind = TZ_SECTION_FIRST; kind <= TZ_SECTION_LAST; kind++)
        if ((st = validate_section(kind, tz_section_get(r, kind), detail,
                                   detail_len)) != TZ__STATUS__OK)
            return st;
    if (r->n_hashes > TZ_MAX_HASHES)
        FAIL("%zu section hashes (limit %d)", r->n_hashes, TZ_MAX_HASHES);
    for (size_t i = 0; i < r->n_hashes; i++)
        if (r->hashes[i] == NULL || r->hashes[i]->hash.len > 64)
            FAIL("section hash %zu malformed", i);
    if (r->n_errors > TZ_MAX_ERRORS)
        FAIL("%zu collection errors (limit %d)", r->n_errors, TZ_MAX_ERRORS);
    for (size_t i = 0; i < r->n_errors; i++) {
        if (r->errors[i] == NULL)
            FAIL("collection error %zu empty", i);
        STR(r->errors[i]->message, TZ_MAX_STR, "error.message");
    }
    STR(r->agent_version, 64, "agent_version");
    if (r->collect_request_id.len != 0 && r->collect_request_id.len != 16)
        FAIL("collect_request_id of %zu bytes (16 or none)", r->collect_request_id.len);
    return TZ__STATUS__OK;
}

int validate_payload(const Tz__Payload *p, char *detail, size_t detail_len)
{
    int st = check_known(&p->base, detail, detail_len);
    if (st != TZ__STATUS__OK)
        return st;
    if (p->seq == 0)
        FAIL("seq must be positive");
    if (p->request_id.len != 0 && p->request_id.len != TZ_REQUEST_ID_LEN)
        FAIL("request_id must be %d bytes", TZ_REQUEST_ID_LEN);
    switch (p->body_case) {
    case TZ__PAYLOAD__BODY_ENROLL:
        if (p->enroll == NULL)
            FAIL("empty enroll");
        STR(p->enroll->token, TZ_MAX_TOKEN, "enroll.token");
        STR(p->enroll->hostname, TZ_MAX_NAME, "enroll.hostname");
        STR(p->enroll->machine_id, TZ_MAX_NAME, "enroll.machine_id");
        return TZ__STATUS__OK;
    case TZ__PAYLOAD__BODY_REPORT:
        if (p->report == NULL)
            FAIL("empty report");
        return validate_report(p->report, detail, detail_len);
    case TZ__PAYLOAD__BODY_HEARTBEAT:
        return TZ__STATUS__OK;
    default:
        FAIL("payload has no body");
    }
}
