/* report_facts — what a host's report says, read one way for the flags
 * (rules.c) and for the pre-launch screening (screen_check.c), so a weak
 * password or an exposed port is the same finding in both.
 *
 * Pure functions over a decoded report; no allocation. Strings written into
 * a caller's buffer are cut to fit and always NUL-terminated. */
#ifndef TZ_REPORT_FACTS_H
#define TZ_REPORT_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "taizhang.pb-c.h"

enum pw_finding { PWF_NONE, PWF_EMPTY, PWF_WEAK };

/* An empty password counts on an account that can log in (a system
 * account without a shell cannot use it); a weak one counts always. */
enum pw_finding report_pw_finding(const Tz__Account *ac);

/* Why the agent called the password weak: one of its own words ("matches
 * username", "username variant", "dictionary"), else "weak". Only the
 * agent's words pass, so no other text from a report (a hash) is quoted. */
const char *report_weak_reason(const Tz__Account *ac);

/* report_weak_reason's word in Chinese ("dictionary" → "常见口令字典");
 * another string is returned as it is, NULL as "". */
const char *report_weak_reason_zh(const char *en);

/* 1 when x listens on a non-loopback address on one of ports[0..n). */
int report_listener_high_risk(const Tz__Listener *x, const uint16_t *ports, int n);

/* "tcp/3306": tcp and tcp6 on one port are one exposure to fix. */
void report_exposure_key(const Tz__Listener *x, char *buf, size_t len);

/* v[0..n) joined by ", " into buf, up to the first that does not fit. */
void report_join(char *const *v, size_t n, char *buf, size_t len);

/* The names of the first max security updates of p, joined by ", ". */
void report_security_names(const Tz__PatchSection *p, size_t max, char *buf,
                           size_t len);

/* 1 when root may log in over SSH with a password: PermitRootLogin yes, or
 * any value but no, prohibit-password (without-password, its old name) and
 * forced-commands-only while PasswordAuthentication is on. An sshd_config
 * that was not found is 0; the section must not be NULL. */
int report_ssh_root_password(const Tz__SshSection *s);

#endif
