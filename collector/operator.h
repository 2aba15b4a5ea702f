/* operator — how tzctl speaks for the operator on the control socket.
 *
 * The control socket is open to the collector's group, which the portal's
 * user is in; a request that acts for nobody in particular (tzctl screen
 * --fresh asking agents to collect now) must prove more than that. tzctl,
 * run by root or the collector's user, can read DATA/collector.key; the
 * portal cannot. So the operator key is BLAKE2b keyed with the collector's
 * secret key over a fixed label, and an operator request carries
 * BLAKE2b-256(key = operator key, the request packed with operator_mac
 * empty) and a sent_at within OPERATOR_MAX_AGE seconds of the collector's
 * clock. */
#ifndef TZ_OPERATOR_H
#define TZ_OPERATOR_H

#include <stdint.h>

#include "keys.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"

#define OPERATOR_MAX_AGE 120

void operator_key(const struct tz_keypair *kp, uint8_t key[32]);

/* Set q->operator_mac (q->sent_at and q->operator must be set; mac is
 * written into mac, which q then points at). TZ_ENOMEM. */
int operator_sign(const uint8_t key[32], Tz__ControlRequest *q, uint8_t mac[32]);

/* 1 when q carries a valid, fresh operator MAC. */
int operator_verify(const uint8_t key[32], const Tz__ControlRequest *q,
                    int64_t now);

#endif
