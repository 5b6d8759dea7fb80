/* Two hashes. ds_checksum: a fast 64-bit checksum over a block, for the
 * cache's header and payload. ds_hash_*: a content hash of a source file that
 * does not depend on how its bytes were cut into pieces (each 8-byte word at
 * file offset 8i contributes f(word, i) to a sum), so the threads that read
 * or parse separate chunks each hash their own bytes and the parts merge into
 * the hash of the whole file. Neither is cryptographic: the cache's trust
 * rests on file ownership and modes, these catch accidents. */
#include <string.h>

#include "dataset/internal.h"

static const uint64_t K_MUL = 0x9E3779B97F4A7C15ull, K_IDX = 0xD6E8FEB86659FD93ull;

static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * K_MUL;
    return h ^ (h >> 29);
}

uint64_t ds_checksum(uint64_t h, const void *data, size_t n)
{
    /* Four independent lanes: one multiply chain would make this the
     * slowest part of a cached load. */
    const unsigned char *p = data;
    uint64_t l[4] = {h, h ^ 0x243F6A8885A308D3ull, h ^ 0x13198A2E03707344ull,
                     h ^ 0xA4093822299F31D0ull};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * (size_t)k, 8);
            l[k] = mix(l[k], w);
        }
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        l[0] = mix(l[0], w);
    }
    uint64_t tail = 0;
    memcpy(&tail, p + i, n - i);
    h = mix(mix(mix(l[0], l[1]), l[2]), l[3]);
    return mix(h, tail ^ ((uint64_t)n << 56));
}

/* f(word, index): a bijection of the word for each index, so changing one
 * word always changes the sum. */
static inline uint64_t word_term(uint64_t w, uint64_t index)
{
    uint64_t x = (w ^ (index * K_IDX)) * K_MUL;
    return x ^ (x >> 32);
}

void ds_hash_init(struct ds_hash *h)
{
    memset(h, 0, sizeof *h);
}

/* Adds the bytes of word `index` given by mask; a word whose bytes are all
 * in becomes a term of the sum. */
static void add_partial(struct ds_hash *h, uint64_t index, uint64_t value, uint64_t mask)
{
    for (int k = 0; k < h->nwords; k++) {
        if (h->words[k].index != index)
            continue;
        h->words[k].value |= value;
        h->words[k].mask |= mask;
        if (h->words[k].mask == UINT64_MAX) {
            h->sum += word_term(h->words[k].value, index);
            h->words[k] = h->words[--h->nwords];
        }
        return;
    }
    if (mask == UINT64_MAX) {
        h->sum += word_term(value, index);
    } else if (h->nwords < DS_HASH_PARTIALS) {
        h->words[h->nwords++] = (struct ds_hash_word){index, value, mask};
    } else {
        h->sum += word_term(value ^ mask, index); /* cannot happen for contiguous pieces */
    }
}

/* Bytes [0, n) of a word that start at byte `at` of it (n + at <= 8). */
static void add_bytes(struct ds_hash *h, const unsigned char *p, size_t n, uint64_t index,
                      unsigned at)
{
    unsigned char v[8] = {0}, m[8] = {0};
    memcpy(v + at, p, n);
    memset(m + at, 0xff, n);
    uint64_t value, mask;
    memcpy(&value, v, 8);
    memcpy(&mask, m, 8);
    add_partial(h, index, value, mask);
}

void ds_hash_update(struct ds_hash *h, const void *data, size_t len, uint64_t offset)
{
    const unsigned char *p = data;
    unsigned at = (unsigned)(offset & 7);
    if (at && len > 0) {
        size_t n = 8 - at < len ? 8 - at : len;
        add_bytes(h, p, n, offset >> 3, at);
        p += n;
        len -= n;
        offset += n;
    }
    uint64_t index = offset >> 3, s0 = 0, s1 = 0;
    for (; len >= 16; len -= 16, p += 16, index += 2) {
        uint64_t w0, w1;
        memcpy(&w0, p, 8);
        memcpy(&w1, p + 8, 8);
        s0 += word_term(w0, index);
        s1 += word_term(w1, index + 1);
    }
    h->sum += s0 + s1;
    if (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h->sum += word_term(w, index++);
        p += 8;
        len -= 8;
    }
    if (len > 0)
        add_bytes(h, p, len, index, 0);
}

void ds_hash_merge(struct ds_hash *into, const struct ds_hash *part)
{
    into->sum += part->sum;
    for (int k = 0; k < part->nwords; k++)
        add_partial(into, part->words[k].index, part->words[k].value, part->words[k].mask);
}

uint64_t ds_hash_final(const struct ds_hash *h, uint64_t size)
{
    uint64_t sum = h->sum;
    /* What is left is the file's last word, zero-padded. */
    for (int k = 0; k < h->nwords; k++)
        sum += word_term(h->words[k].value, h->words[k].index);
    return mix(mix(sum, size), K_IDX);
}
