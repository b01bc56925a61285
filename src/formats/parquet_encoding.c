/*
 * parquet_encoding.c — Parquet value/level encodings that are not plain byte copies:
 * the RLE/bit-packed hybrid (levels and dictionary indices; decoder and encoder) and
 * DELTA_BINARY_PACKED (decoder; also the length streams of DELTA_LENGTH_BYTE_ARRAY and
 * DELTA_BYTE_ARRAY). Every decoder checks each read against the end of its input.
 */
#include <string.h>

#include "formats/parquet.h"

static bool read_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Unpacks `count` values of `bw` bits (LSB first) from src (which holds at least
 * ceil(count*bw/8) bytes) into out. */
static void unpack_bits32(const uint8_t *src, int bw, uint32_t count, uint32_t *out)
{
    if (bw == 0) {
        memset(out, 0, count * sizeof *out);
        return;
    }
    uint64_t mask = bw == 32 ? 0xffffffffull : ((1ull << bw) - 1);
    uint64_t bitpos = 0;
    for (uint32_t i = 0; i < count; i++, bitpos += bw) {
        size_t byte = bitpos >> 3;
        int shift = bitpos & 7;
        uint64_t w = 0;
        int need = (shift + bw + 7) >> 3;
        for (int k = 0; k < need; k++)
            w |= (uint64_t)src[byte + k] << (8 * k);
        out[i] = (uint32_t)((w >> shift) & mask);
    }
}

bool sl_pq_rle_decode(const uint8_t *data, size_t size, int bit_width, uint32_t count, uint32_t *out)
{
    if (bit_width < 0 || bit_width > 32)
        return false;
    const uint8_t *p = data, *end = data + size;
    uint32_t done = 0;
    size_t value_bytes = (size_t)(bit_width + 7) / 8;
    while (done < count) {
        uint64_t header;
        if (!read_uvarint(&p, end, &header))
            return false;
        if (header & 1) {
            uint64_t groups = header >> 1;
            if (groups == 0 || groups > (1u << 28))
                return false;
            uint64_t values = groups * 8;
            uint64_t bytes = groups * (uint64_t)bit_width;
            if (bytes > (uint64_t)(end - p)) {
                /* some writers end the last group early: accept when it covers what we need */
                uint64_t need = ((uint64_t)(count - done) * bit_width + 7) / 8;
                if (need > (uint64_t)(end - p))
                    return false;
                bytes = need;
                values = count - done;
            }
            uint32_t take = values > count - done ? count - done : (uint32_t)values;
            unpack_bits32(p, bit_width, take, out + done);
            done += take;
            p += bytes;
        } else {
            uint64_t run = header >> 1;
            if ((size_t)(end - p) < value_bytes)
                return false;
            uint32_t v = 0;
            for (size_t k = 0; k < value_bytes; k++)
                v |= (uint32_t)p[k] << (8 * k);
            p += value_bytes;
            if (bit_width < 32 && v >> bit_width)
                return false;
            uint32_t take = run > count - done ? count - done : (uint32_t)run;
            for (uint32_t i = 0; i < take; i++)
                out[done + i] = v;
            done += take;
            if (run == 0)
                return false;
        }
    }
    return true;
}

bool sl_pq_delta_decode(const uint8_t *data, size_t size, uint32_t count, int64_t *out, size_t *consumed)
{
    const uint8_t *p = data, *end = data + size;
    uint64_t block_size, miniblocks, total, first_zz;
    if (!read_uvarint(&p, end, &block_size) || !read_uvarint(&p, end, &miniblocks) ||
        !read_uvarint(&p, end, &total) || !read_uvarint(&p, end, &first_zz))
        return false;
    if (block_size == 0 || block_size % 128 || miniblocks == 0 || block_size % miniblocks ||
        (block_size / miniblocks) % 32 || block_size > (1u << 20) || total != count)
        return false;
    uint64_t per_mini = block_size / miniblocks;
    uint64_t value = (first_zz >> 1) ^ -(first_zz & 1);
    uint32_t done = 0;
    if (count == 0) {
        *consumed = (size_t)(p - data);
        return true;
    }
    out[done++] = (int64_t)value;
    uint8_t widths[256];
    if (miniblocks > 256)
        return false;
    while (done < count) {
        uint64_t min_zz;
        if (!read_uvarint(&p, end, &min_zz))
            return false;
        uint64_t min_delta = (min_zz >> 1) ^ -(min_zz & 1);
        if ((uint64_t)(end - p) < miniblocks)
            return false;
        memcpy(widths, p, miniblocks);
        p += miniblocks;
        for (uint64_t m = 0; m < miniblocks && done < count; m++) {
            int bw = widths[m];
            if (bw > 64)
                return false;
            uint64_t bytes = per_mini * bw / 8;
            if (bytes > (uint64_t)(end - p))
                return false;
            uint64_t bitpos = 0;
            for (uint64_t i = 0; i < per_mini && done < count; i++, bitpos += bw) {
                uint64_t d = 0;
                if (bw) {
                    /* gather up to 72 bits */
                    size_t byte = bitpos >> 3;
                    int shift = bitpos & 7;
                    int need = (shift + bw + 7) >> 3;
                    unsigned __int128 w = 0;
                    for (int k = 0; k < need; k++)
                        w |= (unsigned __int128)p[byte + k] << (8 * k);
                    d = (uint64_t)(w >> shift);
                    if (bw < 64)
                        d &= (1ull << bw) - 1;
                }
                value += min_delta + d;
                out[done++] = (int64_t)value;
            }
            p += bytes;
        }
    }
    *consumed = (size_t)(p - data);
    return true;
}

/* ------------------------------------------------------------------ encoder */

void sl_pq_bytes_put(sl_pq_bytes *b, const void *src, size_t n)
{
    if (b->failed)
        return;
    if (b->size + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->size + n)
            cap *= 2;
        uint8_t *d = sl_realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->size, src, n);
    b->size += n;
}

void sl_pq_bytes_free(sl_pq_bytes *b)
{
    sl_free(b->data);
    memset(b, 0, sizeof *b);
}

int sl_pq_bit_width(uint32_t max_value)
{
    int w = 0;
    while (max_value) {
        w++;
        max_value >>= 1;
    }
    return w;
}

static void put_uvarint(sl_pq_bytes *b, uint64_t v)
{
    uint8_t buf[10];
    int n = 0;
    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    sl_pq_bytes_put(b, buf, n);
}

/* Bit-packs values[0..n) (n a multiple of 8, padded by the caller) as one run. */
static void put_packed(sl_pq_bytes *b, const uint32_t *values, uint32_t n, int bw)
{
    put_uvarint(b, ((uint64_t)(n / 8) << 1) | 1);
    uint64_t acc = 0;
    int bits = 0;
    uint8_t buf[256];
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++) {
        acc |= (uint64_t)values[i] << bits;
        bits += bw;
        while (bits >= 8) {
            buf[len++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
            if (len == sizeof buf) {
                sl_pq_bytes_put(b, buf, len);
                len = 0;
            }
        }
    }
    if (bits > 0)
        buf[len++] = (uint8_t)acc;
    sl_pq_bytes_put(b, buf, len);
}

static void put_rle(sl_pq_bytes *b, uint32_t value, uint32_t run, int bw)
{
    put_uvarint(b, (uint64_t)run << 1);
    uint8_t v[4] = { (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16), (uint8_t)(value >> 24) };
    sl_pq_bytes_put(b, v, (size_t)(bw + 7) / 8);
}

void sl_pq_rle_encode(sl_pq_bytes *out, const uint32_t *values, uint32_t count, int bw)
{
    /* Runs of >= 8 equal values at a multiple-of-8 position become RLE runs; everything else
     * is bit-packed in groups of 8 (the final group padded with zeros). */
    uint32_t i = 0;
    uint32_t packed_start = 0;
    while (i < count) {
        uint32_t j = i;
        while (j < count && values[j] == values[i])
            j++;
        uint32_t run = j - i;
        if (run >= 16 && (i - packed_start) % 8 == 0) {
            if (i > packed_start)
                put_packed(out, values + packed_start, i - packed_start, bw);
            put_rle(out, values[i], run, bw);
            packed_start = i = j;
        } else if (run >= 16) {
            /* align: extend the packed part to a multiple of 8 */
            uint32_t pad = 8 - (i - packed_start) % 8;
            i += pad;
        } else
            i = j;
    }
    if (count > packed_start) {
        uint32_t n = count - packed_start;
        uint32_t padded = (n + 7) / 8 * 8;
        uint32_t tmp[8] = { 0 };
        if (padded > n) {
            uint32_t full = n / 8 * 8;
            if (full)
                put_packed(out, values + packed_start, full, bw);
            memcpy(tmp, values + packed_start + full, (n - full) * sizeof *tmp);
            put_packed(out, tmp, 8, bw);
        } else
            put_packed(out, values + packed_start, n, bw);
    }
}
