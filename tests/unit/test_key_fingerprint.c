/* tz_key_fingerprint against fingerprints computed elsewhere (Python's
 * hashlib and base64 over the same 32 bytes): the form OpenSSH prints. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "keys.h"

Test(key_fingerprint, is_sha256_base64_without_padding)
{
    cr_assert(sodium_init() >= 0);
    uint8_t zero[TZ_KEY_LEN] = {0}, counting[TZ_KEY_LEN];
    for (int i = 0; i < TZ_KEY_LEN; i++)
        counting[i] = (uint8_t)i;
    char fpr[TZ_KEY_FPR_LEN];
    tz_key_fingerprint(zero, fpr);
    cr_assert_str_eq(fpr, "SHA256:Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU");
    tz_key_fingerprint(counting, fpr);
    cr_assert_str_eq(fpr, "SHA256:Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0");
    cr_assert_eq(strlen(fpr), TZ_KEY_FPR_LEN - 1);
}
