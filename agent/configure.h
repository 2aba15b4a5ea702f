/* configure — `tz-agent --configure`: write the agent's INI for a rollout.
 *
 * A loop over 200 servers (Ansible, ssh) needs no editor: the options given
 * as flags (collector, collector_key, enroll_token, ...) are set in the
 * [agent] section of path. An existing file keeps its comments and every
 * other line; a "collector" flag replaces all collector lines. A missing
 * file is written with just these options. The result is checked as the
 * agent would load it BEFORE it replaces the old file, and is written
 * atomically with mode 0600 (it may hold an enrollment token).
 * Bounds: the file is at most 64 KiB.
 * Errors: TZ_EINVAL (a bad value, or no collector/collector_key in the
 * result), TZ_EPARSE (the existing file does not parse), TZ_ELIMIT, TZ_EIO. */
#ifndef TZ_CONFIGURE_H
#define TZ_CONFIGURE_H

#include "agent_config.h"
#include "tz_error.h"

int agent_configure(const char *path, const struct agent_flag *flags, int n,
                    struct tz_error *err);

#endif
