/* operator — MACs of operator requests on the control socket. */
#include "operator.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define OPERATOR_LABEL "taizhang operator requests v1"

void operator_key(const struct tz_keypair *kp, uint8_t key[32])
{
    crypto_generichash(key, 32, (const unsigned char *)OPERATOR_LABEL,
                       sizeof(OPERATOR_LABEL) - 1, kp->sk, sizeof(kp->sk));
}

/* The MAC of q as if its operator_mac were empty. */
static int mac_of(const uint8_t key[32], const Tz__ControlRequest *q, uint8_t out[32])
{
    Tz__ControlRequest copy = *q;
    copy.operator_mac.data = NULL;
    copy.operator_mac.len = 0;
    size_t n = tz__control_request__get_packed_size(&copy);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL)
        return TZ_ENOMEM;
    tz__control_request__pack(&copy, buf);
    crypto_generichash(out, 32, buf, n, key, 32);
    free(buf);
    return 0;
}

int operator_sign(const uint8_t key[32], Tz__ControlRequest *q, uint8_t mac[32])
{
    int rc = mac_of(key, q, mac);
    if (rc == 0) {
        q->operator_mac.data = mac;
        q->operator_mac.len = 32;
    }
    return rc;
}

int operator_verify(const uint8_t key[32], const Tz__ControlRequest *q,
                    int64_t now)
{
    uint8_t want[32];
    if (q->operator_mac.len != 32 || q->operator_ == NULL || q->operator_[0] == '\0' ||
        q->sent_at < now - OPERATOR_MAX_AGE || q->sent_at > now + OPERATOR_MAX_AGE ||
        mac_of(key, q, want) != 0)
        return 0;
    return sodium_memcmp(want, q->operator_mac.data, 32) == 0;
}
