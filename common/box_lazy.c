/* box_lazy — secretbox verified whole, decrypted block by block on demand. */
#include "box_lazy.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tz_error.h"

/* Keystream block j covers plaintext [0, 32) for j = 0 (its first half
 * keyed Poly1305) and [64j - 32, 64j + 32) after. */
static size_t block_of(size_t i)
{
    return i < 32 ? 0 : (i + 32) / 64;
}

/* The Salsa20 key and the Poly1305 verdict of box: 1 when the tag verifies. */
static int verify(const uint8_t *box, size_t box_len, const uint8_t nonce[24],
                  const uint8_t key[32], uint8_t subkey[32])
{
    crypto_core_hsalsa20(subkey, nonce, key, NULL);
    uint8_t polykey[32];
    crypto_stream_salsa20(polykey, sizeof(polykey), nonce + 16, subkey);
    int ok = crypto_onetimeauth_poly1305_verify(box, box + crypto_box_MACBYTES,
                                                box_len - crypto_box_MACBYTES,
                                                polykey) == 0;
    sodium_memzero(polykey, sizeof(polykey));
    if (!ok)
        sodium_memzero(subkey, 32);
    return ok;
}

long box_head_open(const uint8_t *box, size_t box_len, const uint8_t nonce[24],
                   const uint8_t key[32], uint8_t *head, size_t head_len)
{
    uint8_t subkey[32];
    if (box_len < crypto_box_MACBYTES || head_len > BOX_HEAD_MAX ||
        !verify(box, box_len, nonce, key, subkey))
        return -1;
    size_t n = box_len - crypto_box_MACBYTES;
    if (n > head_len)
        n = head_len;
    /* Keystream bytes [32, 32 + n) decrypt plaintext [0, n). */
    uint8_t blk[32 + BOX_HEAD_MAX] = {0};
    memcpy(blk + 32, box + crypto_box_MACBYTES, n);
    crypto_stream_salsa20_xor(blk, blk, 32 + n, nonce + 16, subkey);
    memcpy(head, blk + 32, n);
    sodium_memzero(blk, sizeof(blk));
    sodium_memzero(subkey, sizeof(subkey));
    return (long)n;
}

int box_lazy_open(struct box_lazy *b, const uint8_t *box, size_t box_len,
                  const uint8_t nonce[24], const uint8_t key[32])
{
    memset(b, 0, sizeof(*b));
    if (box_len < crypto_box_MACBYTES)
        return -1;
    if (!verify(box, box_len, nonce, key, b->subkey)) {
        memset(b, 0, sizeof(*b));
        return -1;
    }
    b->c = box + crypto_box_MACBYTES;
    b->len = box_len - crypto_box_MACBYTES;
    memcpy(b->nonce8, nonce + 16, sizeof(b->nonce8));
    b->nblocks = b->len ? block_of(b->len - 1) + 1 : 0;
    b->m = malloc(b->len ? b->len : 1);
    b->done = calloc(b->nblocks ? b->nblocks : 1, 1);
    if (b->m == NULL || b->done == NULL) {
        box_lazy_free(b);
        return TZ_ENOMEM;
    }
    return 0;
}

/* Apply the keystream to blocks [j0, j1], none of them done yet. */
static void apply(struct box_lazy *b, size_t j0, size_t j1)
{
    if (j0 == 0) {
        /* Block 0's second half: plaintext [0, 32). */
        uint8_t blk[64] = {0};
        size_t n = b->len < 32 ? b->len : 32;
        memcpy(blk + 32, b->c, n);
        crypto_stream_salsa20_xor(blk, blk, 32 + n, b->nonce8, b->subkey);
        memcpy(b->m, blk + 32, n);
        sodium_memzero(blk, sizeof(blk));
        b->done[0] = 1;
        if (j1 == 0)
            return;
        j0 = 1;
    }
    size_t from = 64 * j0 - 32, to = 64 * j1 + 32;
    if (to > b->len)
        to = b->len;
    crypto_stream_salsa20_xor_ic(b->m + from, b->c + from, to - from, b->nonce8, j0,
                                 b->subkey);
    memset(b->done + j0, 1, j1 - j0 + 1);
}

void box_lazy_need(struct box_lazy *b, size_t from, size_t to)
{
    if (to > b->len)
        to = b->len;
    if (from >= to)
        return;
    size_t j = block_of(from), last = block_of(to - 1);
    while (j <= last) {
        if (b->done[j]) {
            j++;
            continue;
        }
        size_t run = j;
        while (run + 1 <= last && !b->done[run + 1])
            run++;
        apply(b, j, run);
        j = run + 1;
    }
}

void box_lazy_free(struct box_lazy *b)
{
    sodium_memzero(b->subkey, sizeof(b->subkey));
    free(b->m);
    free(b->done);
    memset(b, 0, sizeof(*b));
}
