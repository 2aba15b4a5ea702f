/* collect_sshd — the global settings of the OpenSSH server that matter for
 * exposure: PermitRootLogin, PasswordAuthentication, PermitEmptyPasswords,
 * Port.
 *
 * Reads <root>/etc/ssh/sshd_config the way sshd does at startup:
 *   - keywords are case-insensitive, "Keyword value", "Keyword=value" and
 *     "Keyword = value" all work, "#" starts a comment at the start of a word,
 *     values may be quoted;
 *   - the first value given wins, except Port, which accumulates (each Port
 *     line adds one; repeats are listed once, in first-seen order);
 *   - Include takes one or more glob(3) patterns, relative ones relative to
 *     /etc/ssh, expanded below root; matches are read in glob's (sorted)
 *     order at the point of the Include, nested at most TZ_SSHD_MAX_DEPTH
 *     deep; a pattern that matches nothing is not an error;
 *   - Match: lines after a Match (up to the next Match or the end of the file
 *     the Match is in) apply only to some connections, so they do not change
 *     the global values; "Match all" makes lines global again. Include
 *     inside a Match block is read (its files are listed) but nothing in it is
 *     global. After an included file the block state before the Include
 *     returns, as in sshd.
 * When a setting is absent the OpenSSH default is reported: PermitRootLogin
 * "prohibit-password", PasswordAuthentication yes, PermitEmptyPasswords no,
 * Port 22. permit_root_login is normalised to yes, no, prohibit-password
 * (also for the old spelling without-password) or forced-commands-only.
 *
 * found = false when sshd_config does not exist: then nothing else is set, no
 * defaults either, since there may be no sshd at all. files lists every file
 * read, host paths in reading order.
 *
 * Malformed input never fails the section: an unknown value for one of the
 * four keywords, a bad or 0 port, a keyword without value or with extra
 * values, Port inside a Match block, bad quotes, a line over
 * TZ_SSHD_MAX_LINE (rest of that file skipped), an unreadable included file,
 * too deep nesting, more than TZ_MAX_SMALL_LIST files or ports each add
 * "file:line: why" to warnings (warnlist bound) and the line is ignored.
 * Unknown keywords are ignored silently: sshd has too many to track.
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: TZ_EIO (sshd_config exists but cannot be read), TZ_ELIMIT (root
 * path too long), TZ_ENOMEM. */
#ifndef TZ_COLLECT_SSHD_H
#define TZ_COLLECT_SSHD_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

#define TZ_SSHD_MAX_LINE   (16u << 10)
#define TZ_SSHD_MAX_DEPTH  8
#define TZ_SSHD_MAX_LINES  100000      /* per file */

int collect_sshd(const char *root, Tz__SshSection **out, struct tz_error *err);

#endif
