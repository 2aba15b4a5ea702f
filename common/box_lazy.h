/* box_lazy — a crypto_box (XSalsa20-Poly1305) verified whole, decrypted in
 * pieces.
 *
 * The collector must authenticate all of a full report's ~80 KB, but it
 * reads little of it: sections the agent says are unchanged (their hash
 * equals the stored one) are never looked at. Poly1305 over the whole box
 * costs a third of opening it; XSalsa20 the rest. So the box is verified at
 * once (box_lazy_open: nothing is decrypted before the tag checks), and the
 * keystream is applied only to the bytes someone asks for (box_lazy_need),
 * in 64-byte keystream blocks, each at most once. The result for any bytes
 * asked for is exactly crypto_box_open_easy_afternm's.
 *
 * Layout (libsodium's secretbox): box = tag(16) || c; m[i] = c[i] ^ S[32+i]
 * where S is the XSalsa20 keystream and S[0..32) keyed the Poly1305 tag.
 * Ownership: the box's bytes are the caller's and must outlive b until
 * box_lazy_free (or box_lazy_need(0, len)); b->m (len bytes) is b's, and
 * its bytes nobody asked for are unspecified: never read them (valgrind
 * and MSan would say so). box_lazy_free wipes the key. */
#ifndef TZ_BOX_LAZY_H
#define TZ_BOX_LAZY_H

#include <stddef.h>
#include <stdint.h>

struct box_lazy {
    uint8_t subkey[32];      /* HSalsa20(key, nonce[0..16)): the Salsa20 key */
    uint8_t nonce8[8];       /* nonce[16..24) */
    const uint8_t *c;        /* ciphertext, len bytes (the caller's) */
    uint8_t *m;              /* len bytes: plaintext where asked for */
    size_t len;
    uint8_t *done;           /* per keystream block: 1 once applied */
    size_t nblocks;
};

/* Verify box (tag || ciphertext, box_len >= 16) with the crypto_box shared
 * key (crypto_box_beforenm) and nonce. 0, -1 when the tag does not verify
 * (b is then empty), or TZ_ENOMEM. */
int box_lazy_open(struct box_lazy *b, const uint8_t *box, size_t box_len,
                  const uint8_t nonce[24], const uint8_t key[32]);

/* Verify box like box_lazy_open but decrypt only its first head_len bytes
 * (fewer when the plaintext is shorter) into head, allocating nothing: what
 * the collector reads of a request it will refuse unread (envelope.h,
 * envelope_open_gated). The number of bytes decrypted, or -1 when the tag
 * does not verify (head untouched). head_len at most BOX_HEAD_MAX. */
#define BOX_HEAD_MAX 256
long box_head_open(const uint8_t *box, size_t box_len, const uint8_t nonce[24],
                   const uint8_t key[32], uint8_t *head, size_t head_len);

/* Make b->m[from, to) plaintext (to is clamped to len). */
void box_lazy_need(struct box_lazy *b, size_t from, size_t to);

/* Wipe the key, free m (unless taken: set b->m = NULL first) and the map. */
void box_lazy_free(struct box_lazy *b);

#endif
