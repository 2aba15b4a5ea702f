/* publish — the collector's PUB socket for "collect now" (screening,
 * DESIGN.md §7): one sealed Push per agent asked (common/push.h), under
 * that agent's topic, so only it receives and can open it.
 * Publishing never blocks: a PUB socket drops what a slow or absent
 * subscriber cannot take, which is why the screening waits for the
 * reports and names the hosts that did not answer. */
#ifndef TZ_PUBLISH_H
#define TZ_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "register.h"
#include "tz_error.h"

struct publisher;

/* Bind url (ipc:// sockets are made 0666, like the agents' socket: opening
 * a Push takes the agent's key). Ownership: kp must outlive it; close with
 * publisher_close. */
int publisher_open(const char *url, const struct tz_keypair *kp,
                   struct publisher **out, struct tz_error *err);
void publisher_close(struct publisher *p);

/* Ask the n agents to collect now: one Push each, sealed to the key the
 * register holds for it, with request_id (16 bytes). *sent counts those
 * published; unknown agents are skipped (TZ_ENOENT only when none is
 * known). */
int publisher_collect_now(struct publisher *p, struct tz_register *reg,
                          const uint64_t *agent_ids, size_t n, int64_t now,
                          const uint8_t request_id[16], size_t *sent,
                          struct tz_error *err);

#endif
