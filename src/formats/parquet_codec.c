/*
 * parquet_codec.c — page compression codecs: SNAPPY (libsnappy), GZIP (zlib), ZSTD
 * (libzstd), LZ4_RAW and Hadoop-framed LZ4 (liblz4). Decompression always targets a
 * buffer of the exact size the page header announces; any mismatch is an error.
 */
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <lz4.h>

#include "formats/parquet.h"

const char *sl_pq_codec_name(int codec)
{
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED: return "UNCOMPRESSED";
    case PQ_CODEC_SNAPPY: return "SNAPPY";
    case PQ_CODEC_GZIP: return "GZIP";
    case PQ_CODEC_LZO: return "LZO";
    case PQ_CODEC_BROTLI: return "BROTLI";
    case PQ_CODEC_LZ4: return "LZ4";
    case PQ_CODEC_ZSTD: return "ZSTD";
    case PQ_CODEC_LZ4_RAW: return "LZ4_RAW";
    default: return "unknown codec";
    }
}

static bool gzip_inflate(const uint8_t *src, size_t src_size, uint8_t *dst, size_t dst_size)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return false;
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)src_size;
    z.next_out = dst;
    z.avail_out = (uInt)dst_size;
    int rc = inflate(&z, Z_FINISH);
    size_t produced = dst_size - z.avail_out;
    inflateEnd(&z);
    return rc == Z_STREAM_END && produced == dst_size;
}

/* Hadoop LZ4 framing: repeated [u32 BE raw size][u32 BE compressed size][lz4 block]. */
static bool lz4_hadoop(const uint8_t *src, size_t src_size, uint8_t *dst, size_t dst_size)
{
    size_t in = 0, out = 0;
    while (in < src_size) {
        if (src_size - in < 8)
            return false;
        uint32_t raw = (uint32_t)src[in] << 24 | (uint32_t)src[in + 1] << 16 | (uint32_t)src[in + 2] << 8 | src[in + 3];
        uint32_t comp = (uint32_t)src[in + 4] << 24 | (uint32_t)src[in + 5] << 16 | (uint32_t)src[in + 6] << 8 |
                        src[in + 7];
        in += 8;
        if (comp > src_size - in || raw > dst_size - out)
            return false;
        int n = LZ4_decompress_safe((const char *)src + in, (char *)dst + out, (int)comp, (int)raw);
        if (n < 0 || (uint32_t)n != raw)
            return false;
        in += comp;
        out += raw;
    }
    return out == dst_size;
}

bool sl_pq_decompress(int codec, const uint8_t *src, size_t src_size, uint8_t *dst, size_t dst_size,
                      const char **problem)
{
    *problem = "decompression failed (corrupt page data)";
    if (src_size > INT32_MAX || dst_size > INT32_MAX) {
        *problem = "page too large";
        return false;
    }
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
        if (src_size != dst_size)
            return false;
        memcpy(dst, src, src_size);
        return true;
    case PQ_CODEC_SNAPPY: {
        size_t n;
        if (snappy_uncompressed_length((const char *)src, src_size, &n) != SNAPPY_OK || n != dst_size)
            return false;
        return snappy_uncompress((const char *)src, src_size, (char *)dst, &n) == SNAPPY_OK && n == dst_size;
    }
    case PQ_CODEC_GZIP:
        return gzip_inflate(src, src_size, dst, dst_size);
    case PQ_CODEC_ZSTD: {
        size_t n = ZSTD_decompress(dst, dst_size, src, src_size);
        return !ZSTD_isError(n) && n == dst_size;
    }
    case PQ_CODEC_LZ4_RAW: {
        int n = LZ4_decompress_safe((const char *)src, (char *)dst, (int)src_size, (int)dst_size);
        return n >= 0 && (size_t)n == dst_size;
    }
    case PQ_CODEC_LZ4: {
        if (lz4_hadoop(src, src_size, dst, dst_size))
            return true;
        int n = LZ4_decompress_safe((const char *)src, (char *)dst, (int)src_size, (int)dst_size);
        return n >= 0 && (size_t)n == dst_size;
    }
    default:
        *problem = "unsupported compression codec";
        return false;
    }
}

bool sl_pq_compress(int codec, const uint8_t *src, size_t src_size, uint8_t **dst, size_t *dst_size)
{
    *dst = NULL;
    size_t cap;
    switch (codec) {
    case PQ_CODEC_SNAPPY: cap = snappy_max_compressed_length(src_size); break;
    case PQ_CODEC_GZIP: cap = compressBound((uLong)src_size) + 32; break;
    case PQ_CODEC_ZSTD: cap = ZSTD_compressBound(src_size); break;
    case PQ_CODEC_LZ4_RAW: cap = (size_t)LZ4_compressBound((int)src_size); break;
    default: cap = src_size; break;
    }
    uint8_t *out = sl_malloc(cap ? cap : 1);
    if (!out)
        return false;
    size_t n = cap;
    bool ok = true;
    switch (codec) {
    case PQ_CODEC_SNAPPY:
        ok = snappy_compress((const char *)src, src_size, (char *)out, &n) == SNAPPY_OK;
        break;
    case PQ_CODEC_GZIP: {
        z_stream z;
        memset(&z, 0, sizeof z);
        ok = deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
        if (ok) {
            z.next_in = (Bytef *)src;
            z.avail_in = (uInt)src_size;
            z.next_out = out;
            z.avail_out = (uInt)cap;
            ok = deflate(&z, Z_FINISH) == Z_STREAM_END;
            n = cap - z.avail_out;
            deflateEnd(&z);
        }
        break;
    }
    case PQ_CODEC_ZSTD:
        n = ZSTD_compress(out, cap, src, src_size, 3);
        ok = !ZSTD_isError(n);
        break;
    case PQ_CODEC_LZ4_RAW: {
        int k = LZ4_compress_default((const char *)src, (char *)out, (int)src_size, (int)cap);
        ok = k > 0 || src_size == 0;
        n = (size_t)(k > 0 ? k : 0);
        break;
    }
    default:
        memcpy(out, src, src_size);
        n = src_size;
    }
    if (!ok) {
        sl_free(out);
        return false;
    }
    *dst = out;
    *dst_size = n;
    return true;
}
