/* report_facts — findings read from a report's sections. */
#include "report_facts.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rules_config.h"

enum pw_finding report_pw_finding(const Tz__Account *ac)
{
    if (ac->password == TZ__PASSWORD_STATE__PW_EMPTY && ac->login_capable)
        return PWF_EMPTY;
    if (ac->password == TZ__PASSWORD_STATE__PW_WEAK)
        return PWF_WEAK;
    return PWF_NONE;
}

const char *report_weak_reason(const Tz__Account *ac)
{
    static const char *const known[] = {"matches username", "username variant",
                                        "dictionary"};
    for (size_t i = 0; ac->weak_reason && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(ac->weak_reason, known[i]) == 0)
            return known[i];
    return "weak";
}

const char *report_weak_reason_zh(const char *en)
{
    static const char *const m[][2] = {
        {"matches username", "与用户名相同"},
        {"username variant", "用户名的变体"},
        {"dictionary", "常见口令字典"},
    };
    for (size_t i = 0; en && i < sizeof(m) / sizeof(m[0]); i++)
        if (strcmp(en, m[i][0]) == 0)
            return m[i][1];
    return en ? en : "";
}

int report_listener_high_risk(const Tz__Listener *x, const uint16_t *ports, int n)
{
    return x->exposed && rules_port_in(ports, n, x->port);
}

void report_exposure_key(const Tz__Listener *x, char *buf, size_t len)
{
    snprintf(buf, len, "%.3s/%u", x->proto ? x->proto : "", x->port);
}

/* Append s after ", "; 0 when it does not fit (and nothing is written). */
static int join_one(char *buf, size_t len, size_t *used, const char *s)
{
    size_t sep = *used ? 2 : 0, sl = strlen(s);
    if (*used + sep + sl >= len)
        return 0;
    memcpy(buf + *used, ", ", sep);
    memcpy(buf + *used + sep, s, sl);
    *used += sep + sl;
    buf[*used] = '\0';
    return 1;
}

void report_join(char *const *v, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < n && len; i++)
        if (!join_one(buf, len, &used, v[i] ? v[i] : ""))
            break;
}

void report_security_names(const Tz__PatchSection *p, size_t max, char *buf,
                           size_t len)
{
    size_t used = 0, shown = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < p->n_updates && shown < max && len; i++) {
        if (!p->updates[i]->security)
            continue;
        if (!join_one(buf, len, &used, p->updates[i]->name ? p->updates[i]->name : ""))
            break;
        shown++;
    }
}

int report_ssh_root_password(const Tz__SshSection *s)
{
    const char *v = s->permit_root_login ? s->permit_root_login : "";
    if (!s->found)
        return 0;
    if (strcasecmp(v, "yes") == 0)
        return 1;
    /* sshd reads these case-insensitively; anything else (an old report's
     * empty value included) is taken as allowing root in. */
    if (strcasecmp(v, "no") == 0 || strcasecmp(v, "prohibit-password") == 0 ||
        strcasecmp(v, "without-password") == 0 ||
        strcasecmp(v, "forced-commands-only") == 0)
        return 0;
    return s->password_authentication ? 1 : 0;
}
