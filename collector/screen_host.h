/* screen_host — the checklist's host items on one host's latest report:
 * weak_password, uid0_duplicate, sudo_nopasswd, root_ssh_login,
 * exposed_ports, patches, reboot_required.
 *
 * Reads the report as the rules do (report_facts.h) and writes the
 * evidence into ev; returns the outcome. A section the report lacks, or a
 * check the agent could not run, is SCREEN_NOT_CHECKED with the reason. */
#ifndef TZ_SCREEN_HOST_H
#define TZ_SCREEN_HOST_H

#include "screen_config.h"
#include "screen_evidence.h"
#include "taizhang.pb-c.h"

/* it must be a host item (screen_item_per_host); r must not be NULL. */
Tz__ScreenOutcome screen_judge_host(const struct screen_config *cfg,
                                    enum screen_item it, const Tz__Report *r,
                                    struct screen_ev *ev);

#endif
