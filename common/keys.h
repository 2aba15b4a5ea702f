/* keys — X25519 keypairs kept in files, and hex helpers.
 *
 * A keypair lives in DIR/NAME.key (secret, 64 hex chars, mode 0600) and
 * DIR/NAME.pub (public, 64 hex chars, for operators to copy into agent
 * configs). The agent keeps its own; the collector keeps one whose public
 * half agents pin (DESIGN.md §2). */
#ifndef TZ_KEYS_H
#define TZ_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "tz_error.h"

#define TZ_KEY_LEN 32
#define TZ_KEY_HEX (2 * TZ_KEY_LEN + 1)

struct tz_keypair {
    uint8_t pk[TZ_KEY_LEN];
    uint8_t sk[TZ_KEY_LEN];
};

/* Load DIR/NAME.key; when it does not exist and create is set, make a new
 * keypair (DIR is created 0700 if missing) and write both files. The key
 * file must be a regular file (not a link) owned by the effective uid (for
 * root: or by the owner of DIR) and closed to group and others, else
 * TZ_EPERM. */
int tz_keypair_load(const char *dir, const char *name, int create,
                    struct tz_keypair *kp, struct tz_error *err);
/* The same in an open directory; shown names it in errors. */
int tz_keypair_loadat(int dirfd, const char *shown, const char *name,
                      int create, struct tz_keypair *kp, struct tz_error *err);
/* Make a new keypair and write NAME.key (0600) and NAME.pub (0644) in
 * dirfd atomically, replacing any there (the new key is in *kp whenever
 * NAME.key was written, even if NAME.pub then failed). */
int tz_keypair_createat(int dirfd, const char *shown, const char *name,
                        struct tz_keypair *kp, struct tz_error *err);

/* Wipe the secret half (sodium_memzero). */
void tz_keypair_wipe(struct tz_keypair *kp);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void tz_hex_encode(const uint8_t *in, size_t n, char *out);
/* The value of one hex digit (either case), -1 for anything else. */
int tz_hexval(int c);
/* Exactly 2*n hex digits (surrounding whitespace ignored) into out.
 * TZ_EINVAL otherwise. */
int tz_hex_decode(const char *hex, uint8_t *out, size_t n);

/* "SHA256:" + base64 (standard alphabet, no padding) of SHA-256 over the 32
 * raw key bytes: the form OpenSSH prints, so operators can read one aloud
 * over the phone and compare it with what the collector's host shows. */
#define TZ_KEY_FPR_LEN (7 + 43 + 1)
void tz_key_fingerprint(const uint8_t pk[TZ_KEY_LEN], char out[TZ_KEY_FPR_LEN]);

/* mkdir -p with mode for each created component. */
int tz_mkdirs(const char *path, unsigned mode, struct tz_error *err);

/* Write data to path atomically (temp file, fsync, rename, fsync of the
 * directory) with mode. The temp file is made with O_EXCL|O_NOFOLLOW: a link
 * or foreign file planted under its name is refused (TZ_EPERM, logged), a
 * leftover of our own from a crash is replaced. */
int tz_write_file_atomic(const char *path, const void *data, size_t len,
                         unsigned mode, struct tz_error *err);
/* The same for name in the open directory dirfd; shown names it in errors. */
int tz_write_file_atomicat(int dirfd, const char *shown, const char *name,
                           const void *data, size_t len, unsigned mode,
                           struct tz_error *err);

#endif
