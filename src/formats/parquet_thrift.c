/*
 * parquet_thrift.c — Thrift compact protocol decoding/encoding (see parquet_thrift.h).
 */
#include <string.h>

#include "common/alloc.h"
#include "formats/parquet_thrift.h"

void sl_tc_reader_init(sl_tc_reader *r, const uint8_t *data, size_t size)
{
    memset(r, 0, sizeof *r);
    r->p = data;
    r->end = data + size;
}

void sl_tc_fail(sl_tc_reader *r, const char *problem)
{
    if (!r->failed) {
        r->failed = true;
        r->problem = problem;
    }
    r->p = r->end;
}

void sl_tc_struct_begin(sl_tc_reader *r)
{
    if (r->depth + 1 >= SL_TC_MAX_DEPTH) {
        sl_tc_fail(r, "metadata nested too deeply");
        return;
    }
    r->last_id[++r->depth] = 0;
}

void sl_tc_struct_end(sl_tc_reader *r)
{
    if (r->depth > 0)
        r->depth--;
}

uint64_t sl_tc_uvarint(sl_tc_reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            sl_tc_fail(r, "metadata truncated");
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    sl_tc_fail(r, "malformed varint in metadata");
    return 0;
}

int64_t sl_tc_varint(sl_tc_reader *r)
{
    uint64_t u = sl_tc_uvarint(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

double sl_tc_double(sl_tc_reader *r)
{
    double d = 0;
    if (r->end - r->p < 8) {
        sl_tc_fail(r, "metadata truncated");
        return 0;
    }
    memcpy(&d, r->p, 8);
    r->p += 8;
    return d;
}

const uint8_t *sl_tc_binary(sl_tc_reader *r, uint32_t *len)
{
    uint64_t n = sl_tc_uvarint(r);
    if (r->failed || n > (uint64_t)(r->end - r->p)) {
        sl_tc_fail(r, "string length in metadata exceeds its size");
        *len = 0;
        return NULL;
    }
    const uint8_t *s = r->p;
    r->p += n;
    *len = (uint32_t)n;
    return s;
}

bool sl_tc_field(sl_tc_reader *r, int *type, int16_t *id)
{
    if (r->failed)
        return false;
    if (r->p >= r->end) {
        sl_tc_fail(r, "metadata truncated");
        return false;
    }
    uint8_t b = *r->p++;
    if (b == 0)
        return false;
    *type = b & 0x0f;
    int delta = b >> 4;
    if (delta)
        *id = (int16_t)(r->last_id[r->depth] + delta);
    else
        *id = (int16_t)sl_tc_varint(r);
    r->last_id[r->depth] = *id;
    if (*type > SL_TC_STRUCT) {
        sl_tc_fail(r, "unknown type code in metadata");
        return false;
    }
    return !r->failed;
}

uint32_t sl_tc_list(sl_tc_reader *r, int *elem_type)
{
    if (r->p >= r->end) {
        sl_tc_fail(r, "metadata truncated");
        return 0;
    }
    uint8_t b = *r->p++;
    *elem_type = b & 0x0f;
    uint64_t n = b >> 4;
    if (n == 15)
        n = sl_tc_uvarint(r);
    /* every element takes at least one byte except booleans in some writers: cap anyway */
    if (n > (uint64_t)(r->end - r->p) + 1) {
        sl_tc_fail(r, "list length in metadata exceeds its size");
        return 0;
    }
    return (uint32_t)n;
}

bool sl_tc_bool_elem(sl_tc_reader *r)
{
    if (r->p >= r->end) {
        sl_tc_fail(r, "metadata truncated");
        return false;
    }
    return *r->p++ == 1;
}

void sl_tc_skip(sl_tc_reader *r, int type)
{
    if (r->failed)
        return;
    switch (type) {
    case SL_TC_TRUE:
    case SL_TC_FALSE:
        return;
    case SL_TC_BYTE:
        if (r->p >= r->end)
            sl_tc_fail(r, "metadata truncated");
        else
            r->p++;
        return;
    case SL_TC_I16:
    case SL_TC_I32:
    case SL_TC_I64:
        sl_tc_uvarint(r);
        return;
    case SL_TC_DOUBLE:
        sl_tc_double(r);
        return;
    case SL_TC_BINARY: {
        uint32_t n;
        sl_tc_binary(r, &n);
        return;
    }
    case SL_TC_LIST:
    case SL_TC_SET: {
        int et;
        uint32_t n = sl_tc_list(r, &et);
        for (uint32_t i = 0; i < n && !r->failed; i++) {
            if (et == SL_TC_TRUE || et == SL_TC_FALSE)
                sl_tc_bool_elem(r);
            else
                sl_tc_skip(r, et);
        }
        return;
    }
    case SL_TC_MAP: {
        uint64_t n = sl_tc_uvarint(r);
        if (n == 0)
            return;
        if (r->p >= r->end || n > (uint64_t)(r->end - r->p)) {
            sl_tc_fail(r, "map length in metadata exceeds its size");
            return;
        }
        uint8_t kv = *r->p++;
        for (uint64_t i = 0; i < n && !r->failed; i++) {
            int kt = kv >> 4, vt = kv & 0x0f;
            if (kt == SL_TC_TRUE || kt == SL_TC_FALSE) sl_tc_bool_elem(r); else sl_tc_skip(r, kt);
            if (vt == SL_TC_TRUE || vt == SL_TC_FALSE) sl_tc_bool_elem(r); else sl_tc_skip(r, vt);
        }
        return;
    }
    case SL_TC_STRUCT: {
        sl_tc_struct_begin(r);
        int ft;
        int16_t id;
        while (sl_tc_field(r, &ft, &id))
            sl_tc_skip(r, ft);
        sl_tc_struct_end(r);
        return;
    }
    default:
        sl_tc_fail(r, "unknown type code in metadata");
    }
}

/* ------------------------------------------------------------------ encoder */

void sl_tc_writer_init(sl_tc_writer *w)
{
    memset(w, 0, sizeof *w);
}

void sl_tc_writer_free(sl_tc_writer *w)
{
    sl_free(w->data);
    memset(w, 0, sizeof *w);
}

static void put(sl_tc_writer *w, const void *p, size_t n)
{
    if (w->failed)
        return;
    if (w->size + n > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        while (cap < w->size + n)
            cap *= 2;
        uint8_t *d = sl_realloc(w->data, cap);
        if (!d) {
            w->failed = true;
            return;
        }
        w->data = d;
        w->cap = cap;
    }
    memcpy(w->data + w->size, p, n);
    w->size += n;
}

static void put_uvarint(sl_tc_writer *w, uint64_t v)
{
    uint8_t b[10];
    int n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    put(w, b, n);
}

void sl_tc_w_varint(sl_tc_writer *w, int64_t v)
{
    put_uvarint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void sl_tc_w_struct_begin(sl_tc_writer *w)
{
    if (w->depth + 1 >= SL_TC_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->last_id[++w->depth] = 0;
}

void sl_tc_w_struct_end(sl_tc_writer *w)
{
    uint8_t stop = 0;
    put(w, &stop, 1);
    if (w->depth > 0)
        w->depth--;
}

void sl_tc_w_field(sl_tc_writer *w, int type, int16_t id)
{
    int delta = id - w->last_id[w->depth];
    if (delta > 0 && delta <= 15) {
        uint8_t b = (uint8_t)(delta << 4 | type);
        put(w, &b, 1);
    } else {
        uint8_t b = (uint8_t)type;
        put(w, &b, 1);
        sl_tc_w_varint(w, id);
    }
    w->last_id[w->depth] = id;
}

void sl_tc_w_i32(sl_tc_writer *w, int16_t id, int32_t v)
{
    sl_tc_w_field(w, SL_TC_I32, id);
    sl_tc_w_varint(w, v);
}

void sl_tc_w_i64(sl_tc_writer *w, int16_t id, int64_t v)
{
    sl_tc_w_field(w, SL_TC_I64, id);
    sl_tc_w_varint(w, v);
}

void sl_tc_w_bool(sl_tc_writer *w, int16_t id, bool v)
{
    sl_tc_w_field(w, v ? SL_TC_TRUE : SL_TC_FALSE, id);
}

void sl_tc_w_raw_binary(sl_tc_writer *w, const void *data, size_t len)
{
    put_uvarint(w, len);
    put(w, data, len);
}

void sl_tc_w_binary(sl_tc_writer *w, int16_t id, const void *data, size_t len)
{
    sl_tc_w_field(w, SL_TC_BINARY, id);
    sl_tc_w_raw_binary(w, data, len);
}

void sl_tc_w_list(sl_tc_writer *w, int16_t id, int elem_type, uint32_t count)
{
    sl_tc_w_field(w, SL_TC_LIST, id);
    if (count < 15) {
        uint8_t b = (uint8_t)(count << 4 | elem_type);
        put(w, &b, 1);
    } else {
        uint8_t b = (uint8_t)(0xf0 | elem_type);
        put(w, &b, 1);
        put_uvarint(w, count);
    }
}

void sl_tc_w_byte(sl_tc_writer *w, int16_t id, int8_t v)
{
    sl_tc_w_field(w, SL_TC_BYTE, id);
    put(w, &v, 1);
}
