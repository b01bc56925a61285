/*
 * arrow_import.c — foreign Arrow arrays into batches (Arrow C Data Interface).
 *
 * The imported ArrowArray is moved into a heap "holder" with a reference count. Every
 * sl_buffer that points into Arrow memory (zero-copy value buffers, validity bitmaps,
 * the string data that sl_string views point at) is an sl_buffer_wrap whose release
 * drops one holder reference; when the last goes, the ArrowArray's own release runs.
 * Layouts that differ from ours (bit-packed booleans, unsigned integers, other time
 * units, dictionary-encoded strings) are converted into fresh vectors.
 */
#include "vector/arrow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SL_MICROS_PER_DAY INT64_C(86400000000)

/* ------------------------------------------------------------------ holder */

typedef struct sl_arrow_holder {
    atomic_int refs;
    struct ArrowArray array;
} sl_arrow_holder;

static void sl_arrow_holder_unref(sl_arrow_holder *h)
{
    if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (h->array.release)
        h->array.release(&h->array);
    sl_free(h);
}

static void sl_arrow_holder_buffer_release(sl_buffer *buf)
{
    sl_arrow_holder_unref(buf->release_data);
}

/* A buffer over Arrow memory that keeps the whole imported array alive. */
static sl_buffer *sl_arrow_holder_wrap(sl_arrow_holder *h, const void *data, size_t size)
{
    sl_buffer *buf = sl_buffer_wrap((void *)data, size, sl_arrow_holder_buffer_release, h);
    if (buf)
        atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
    return buf;
}

/* ------------------------------------------------------------------ formats */

typedef enum sl_arrow_kind {
    SL_ARROW_NULL,
    SL_ARROW_BOOL,
    SL_ARROW_FIXED,        /* same layout as our slot: zero-copy */
    SL_ARROW_UINT8,
    SL_ARROW_UINT16,
    SL_ARROW_UINT32,
    SL_ARROW_UINT64,
    SL_ARROW_DEC128_SMALL, /* decimal128 with precision <= 18: narrowed to int64 */
    SL_ARROW_DATE64,
    SL_ARROW_TS_S,
    SL_ARROW_TS_MS,
    SL_ARROW_TS_NS,
    SL_ARROW_INTERVAL_MDN,
    SL_ARROW_INTERVAL_MONTHS,
    SL_ARROW_INTERVAL_DT,
    SL_ARROW_UTF8,
    SL_ARROW_LARGE_UTF8,
    SL_ARROW_UTF8_VIEW,
    SL_ARROW_DICT,         /* dictionary-encoded strings */
} sl_arrow_kind;

/* Maps one column's format to our type and a conversion kind. For dictionaries,
 * *index_kind gets the index integer format character. */
static sl_status sl_arrow_column_type(const struct ArrowSchema *s, uint32_t column, sl_type *type,
                                      sl_arrow_kind *kind, char *index_format, sl_error *err)
{
    const char *f = s->format ? s->format : "";
    const char *name = s->name ? s->name : "";
    if (s->dictionary) {
        const char *vf = s->dictionary->format ? s->dictionary->format : "";
        bool int_index = strlen(f) == 1 && strchr("csilCSIL", f[0]);
        if (!int_index || !(strcmp(vf, "u") == 0 || strcmp(vf, "U") == 0 || strcmp(vf, "vu") == 0))
            return sl_error_set(err, SL_ERR_TYPE,
                                "unsupported Arrow type for column %u \"%s\": dictionary of format \"%s\" with "
                                "index format \"%s\" (only dictionary-encoded strings are supported)",
                                column + 1, name, vf, f);
        *type = sl_type_make(SL_TYPE_VARCHAR);
        *kind = SL_ARROW_DICT;
        *index_format = f[0];
        return SL_OK;
    }
    struct { const char *format; sl_type_id id; sl_arrow_kind kind; } simple[] = {
        { "n", SL_TYPE_NULL, SL_ARROW_NULL },
        { "b", SL_TYPE_BOOLEAN, SL_ARROW_BOOL },
        { "c", SL_TYPE_TINYINT, SL_ARROW_FIXED },
        { "s", SL_TYPE_SMALLINT, SL_ARROW_FIXED },
        { "i", SL_TYPE_INTEGER, SL_ARROW_FIXED },
        { "l", SL_TYPE_BIGINT, SL_ARROW_FIXED },
        { "C", SL_TYPE_SMALLINT, SL_ARROW_UINT8 },
        { "S", SL_TYPE_INTEGER, SL_ARROW_UINT16 },
        { "I", SL_TYPE_BIGINT, SL_ARROW_UINT32 },
        { "f", SL_TYPE_REAL, SL_ARROW_FIXED },
        { "g", SL_TYPE_DOUBLE, SL_ARROW_FIXED },
        { "u", SL_TYPE_VARCHAR, SL_ARROW_UTF8 },
        { "U", SL_TYPE_VARCHAR, SL_ARROW_LARGE_UTF8 },
        { "vu", SL_TYPE_VARCHAR, SL_ARROW_UTF8_VIEW },
        { "tdD", SL_TYPE_DATE, SL_ARROW_FIXED },
        { "tdm", SL_TYPE_DATE, SL_ARROW_DATE64 },
        { "tin", SL_TYPE_INTERVAL, SL_ARROW_INTERVAL_MDN },
        { "tiM", SL_TYPE_INTERVAL, SL_ARROW_INTERVAL_MONTHS },
        { "tiD", SL_TYPE_INTERVAL, SL_ARROW_INTERVAL_DT },
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        if (strcmp(f, simple[i].format) == 0) {
            *type = sl_type_make(simple[i].id);
            *kind = simple[i].kind;
            return SL_OK;
        }
    }
    if (strcmp(f, "L") == 0) {
        *type = sl_type_decimal(20, 0);
        *kind = SL_ARROW_UINT64;
        return SL_OK;
    }
    if (strncmp(f, "ts", 2) == 0 && strlen(f) >= 4 && f[3] == ':') {
        /* timestamps with a time zone hold UTC instants: imported as UTC timestamps */
        *type = sl_type_make(SL_TYPE_TIMESTAMP);
        switch (f[2]) {
        case 's': *kind = SL_ARROW_TS_S; return SL_OK;
        case 'm': *kind = SL_ARROW_TS_MS; return SL_OK;
        case 'u': *kind = SL_ARROW_FIXED; return SL_OK;
        case 'n': *kind = SL_ARROW_TS_NS; return SL_OK;
        default: break;
        }
    }
    if (strncmp(f, "d:", 2) == 0) {
        int precision = 0, scale = 0, bits = 128;
        int fields = sscanf(f + 2, "%d,%d,%d", &precision, &scale, &bits);
        if (fields >= 2 && bits == 128 && precision >= 1 && precision <= SL_DECIMAL_MAX_PRECISION && scale >= 0 &&
            scale <= precision) {
            *type = sl_type_decimal(precision, scale);
            *kind = precision <= SL_DECIMAL_INT64_MAX_PRECISION ? SL_ARROW_DEC128_SMALL : SL_ARROW_FIXED;
            return SL_OK;
        }
    }
    return sl_error_set(err, SL_ERR_TYPE, "unsupported Arrow type for column %u \"%s\": format \"%s\"", column + 1,
                        name, f);
}

sl_status sl_arrow_import_schema(const struct ArrowSchema *schema, sl_type **types, char ***names,
                                 uint32_t *count, sl_error *err)
{
    if (!schema || !schema->release)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "Arrow import: the schema is released or NULL");
    if (!schema->format || strcmp(schema->format, "+s") != 0)
        return sl_error_set(err, SL_ERR_TYPE, "Arrow import: expected a struct schema (format \"+s\"), got \"%s\"",
                            schema->format ? schema->format : "");
    if (schema->n_children < 0 || schema->n_children > UINT32_MAX)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "Arrow import: invalid column count %lld",
                            (long long)schema->n_children);
    uint32_t n = (uint32_t)schema->n_children;
    sl_type *t = sl_malloc((n ? n : 1) * sizeof(sl_type));
    char **nm = sl_calloc(n ? n : 1, sizeof(char *));
    if (!t || !nm) {
        sl_free(t);
        sl_free(nm);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < n; i++) {
        sl_arrow_kind kind;
        char index_format;
        sl_status st = sl_arrow_column_type(schema->children[i], i, &t[i], &kind, &index_format, err);
        if (st == SL_OK) {
            const char *name = schema->children[i]->name;
            nm[i] = name && name[0] ? sl_strdup(name) : sl_asprintf("column%u", i);
            if (!nm[i])
                st = sl_error_oom(err);
        }
        if (st != SL_OK) {
            sl_arrow_free_columns(t, nm, i + 1);
            return st;
        }
    }
    *types = t;
    *names = nm;
    *count = n;
    return SL_OK;
}

void sl_arrow_free_columns(sl_type *types, char **names, uint32_t count)
{
    if (names)
        for (uint32_t i = 0; i < count; i++)
            sl_free(names[i]);
    sl_free(names);
    sl_free(types);
}

/* ------------------------------------------------------------------ columns */

/* Where one column's rows are: child buffer index of row r is `pos + r`; the struct
 * parent's validity index of row r is `parent_pos + r`. */
typedef struct sl_arrow_slice {
    sl_arrow_holder *holder;
    const struct ArrowArray *parent;
    int64_t parent_pos;
    const struct ArrowArray *child;
    int64_t pos;
    uint32_t n;
} sl_arrow_slice;

static inline bool sl_bit(const uint8_t *bits, int64_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}

/* Validity of the slice: none, a zero-copy wrap of the Arrow bitmap, or a fresh bitmap
 * (unaligned offset, or struct-level nulls to merge in). */
static sl_status sl_arrow_import_validity(const sl_arrow_slice *s, sl_buffer **buf, uint8_t **bits, sl_error *err)
{
    const uint8_t *child_bits = s->child->null_count != 0 && s->child->n_buffers > 0 ? s->child->buffers[0] : NULL;
    const uint8_t *parent_bits = s->parent->null_count != 0 && s->parent->n_buffers > 0 ? s->parent->buffers[0] : NULL;
    *buf = NULL;
    *bits = NULL;
    if (!child_bits && !parent_bits)
        return SL_OK;
    if (!parent_bits && (s->pos & 7) == 0) {
        *buf = sl_arrow_holder_wrap(s->holder, child_bits + s->pos / 8, ((size_t)s->n + 7) / 8);
        if (!*buf)
            return sl_error_oom(err);
        *bits = (*buf)->data;
        return SL_OK;
    }
    size_t bytes = ((size_t)s->n + 7) / 8;
    sl_buffer *out = sl_buffer_new(bytes ? bytes : 1);
    if (!out)
        return sl_error_oom(err);
    memset(out->data, 0, bytes ? bytes : 1);
    for (uint32_t r = 0; r < s->n; r++) {
        bool valid = (!child_bits || sl_bit(child_bits, s->pos + r)) &&
                     (!parent_bits || sl_bit(parent_bits, s->parent_pos + r));
        if (valid)
            out->data[r >> 3] |= (uint8_t)(1u << (r & 7));
    }
    out->size = bytes;
    *buf = out;
    *bits = out->data;
    return SL_OK;
}

/* Reads string i (child index) of a utf8 / large_utf8 / utf8_view array into *out
 * (a view into the Arrow memory). Returns false if the offsets are malformed. */
static bool sl_arrow_string_at(const struct ArrowArray *a, sl_arrow_kind kind, int64_t i, sl_string *out)
{
    if (kind == SL_ARROW_UTF8) {
        const int32_t *offsets = a->buffers[1];
        int32_t start = offsets[i], end = offsets[i + 1];
        if (end < start)
            return false;
        *out = sl_string_make((const char *)a->buffers[2] + start, (uint32_t)(end - start));
        return true;
    }
    if (kind == SL_ARROW_LARGE_UTF8) {
        const int64_t *offsets = a->buffers[1];
        int64_t start = offsets[i], end = offsets[i + 1];
        if (end < start || end - start > UINT32_MAX)
            return false;
        *out = sl_string_make((const char *)a->buffers[2] + start, (uint32_t)(end - start));
        return true;
    }
    /* utf8_view: 16-byte views; inline up to 12 bytes like ours, else
     * {length, prefix[4], buffer_index, offset} into the variadic data buffers */
    const uint8_t *view = (const uint8_t *)a->buffers[1] + i * 16;
    int32_t length;
    memcpy(&length, view, 4);
    if (length < 0)
        return false;
    if (length <= SL_STRING_INLINE_MAX) {
        memcpy(out, view, 16);
        return true;
    }
    int32_t buffer_index, offset;
    memcpy(&buffer_index, view + 8, 4);
    memcpy(&offset, view + 12, 4);
    if (buffer_index < 0 || 2 + (int64_t)buffer_index >= a->n_buffers - 1 || offset < 0)
        return false;
    *out = sl_string_make((const char *)a->buffers[2 + buffer_index] + offset, (uint32_t)length);
    return true;
}

static int64_t sl_arrow_index_at(const void *indices, char format, int64_t i)
{
    switch (format) {
    case 'c': return ((const int8_t *)indices)[i];
    case 's': return ((const int16_t *)indices)[i];
    case 'i': return ((const int32_t *)indices)[i];
    case 'l': return ((const int64_t *)indices)[i];
    case 'C': return ((const uint8_t *)indices)[i];
    case 'S': return ((const uint16_t *)indices)[i];
    case 'I': return ((const uint32_t *)indices)[i];
    default: {
        uint64_t u = ((const uint64_t *)indices)[i];
        return u > INT64_MAX ? -1 : (int64_t)u;
    }
    }
}

static inline int64_t sl_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Makes v's validity bitmap its own (copying a zero-copy Arrow bitmap) before a write. */
static sl_status sl_vector_own_validity(sl_vector *v, sl_error *err)
{
    if (v->validity && v->validity_buffer && !v->validity_buffer->release)
        return SL_OK;
    if (!v->validity)
        return sl_vector_ensure_validity(v, err);
    size_t bytes = ((size_t)v->capacity + 7) / 8;
    sl_buffer *own = sl_buffer_new(bytes ? bytes : 1);
    if (!own)
        return sl_error_oom(err);
    memcpy(own->data, v->validity, bytes);
    own->size = bytes;
    sl_buffer_unref(v->validity_buffer);
    v->validity_buffer = own;
    v->validity = own->data;
    return SL_OK;
}

/* Imports one column slice into *out. */
static sl_status sl_arrow_import_column(const sl_arrow_slice *s, const struct ArrowSchema *schema, uint32_t column,
                                        sl_vector **out, sl_error *err)
{
    sl_type type;
    sl_arrow_kind kind;
    char index_format = 0;
    SL_TRY(sl_arrow_column_type(schema, column, &type, &kind, &index_format, err));
    const struct ArrowArray *a = s->child;
    int64_t needed_buffers = kind == SL_ARROW_NULL ? 0
                             : (kind == SL_ARROW_UTF8 || kind == SL_ARROW_LARGE_UTF8) ? 3
                             : 2;
    if (a->n_buffers < needed_buffers || (needed_buffers > 1 && !a->buffers[1]) ||
        (needed_buffers > 2 && a->length > 0 && !a->buffers[2]) || (kind == SL_ARROW_DICT && !a->dictionary))
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "Arrow import: column %u \"%s\" (format \"%s\") is missing buffers",
                            column + 1, schema->name ? schema->name : "", schema->format);
    if (s->parent_pos + s->n > a->length)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "Arrow import: column %u \"%s\" is shorter than the batch",
                            column + 1, schema->name ? schema->name : "");

    sl_buffer *vbuf;
    uint8_t *vbits;
    SL_TRY(sl_arrow_import_validity(s, &vbuf, &vbits, err));
    size_t width = sl_type_width(type);
    uint32_t n = s->n;
    int64_t pos = s->pos;

    if (kind == SL_ARROW_FIXED) {
        const uint8_t *data = (const uint8_t *)a->buffers[1] + pos * (int64_t)width;
        size_t align = width > 8 ? 8 : width;   /* decimal128 needs 8 per Arrow alignment */
        if (((uintptr_t)data % align) == 0) {
            sl_buffer *dbuf = sl_arrow_holder_wrap(s->holder, data, (size_t)n * width);
            sl_vector *v = dbuf ? sl_vector_new_from_buffers(type, n, dbuf, (void *)data, vbuf, vbits) : NULL;
            if (!v) {
                sl_buffer_unref(dbuf);
                sl_buffer_unref(vbuf);
                return sl_error_oom(err);
            }
            *out = v;
            return SL_OK;
        }
    }

    sl_vector *v = sl_vector_new(type, n ? n : 1);
    if (!v) {
        sl_buffer_unref(vbuf);
        return sl_error_oom(err);
    }
    v->capacity = n;
    if (kind != SL_ARROW_NULL) {
        v->validity_buffer = vbuf;
        v->validity = vbits;
    } else {
        sl_buffer_unref(vbuf);
    }
    const void *src = needed_buffers > 1 ? a->buffers[1] : NULL;
    sl_status st = SL_OK;
    switch (kind) {
    case SL_ARROW_NULL:
        break;
    case SL_ARROW_FIXED:   /* misaligned: copy */
        memcpy(v->data, (const uint8_t *)src + pos * (int64_t)width, (size_t)n * width);
        break;
    case SL_ARROW_BOOL: {
        uint8_t *d = v->data;
        for (uint32_t r = 0; r < n; r++)
            d[r] = sl_bit(src, pos + r);
        break;
    }
    case SL_ARROW_UINT8: {
        int16_t *d = v->data;
        for (uint32_t r = 0; r < n; r++)
            d[r] = ((const uint8_t *)src)[pos + r];
        break;
    }
    case SL_ARROW_UINT16: {
        int32_t *d = v->data;
        for (uint32_t r = 0; r < n; r++)
            d[r] = ((const uint16_t *)src)[pos + r];
        break;
    }
    case SL_ARROW_UINT32: {
        int64_t *d = v->data;
        for (uint32_t r = 0; r < n; r++)
            d[r] = ((const uint32_t *)src)[pos + r];
        break;
    }
    case SL_ARROW_UINT64: {
        sl_int128 *d = v->data;
        for (uint32_t r = 0; r < n; r++)
            d[r] = ((const uint64_t *)src)[pos + r];
        break;
    }
    case SL_ARROW_DEC128_SMALL: {
        int64_t *d = v->data;
        for (uint32_t r = 0; r < n; r++) {
            sl_int128 x;
            memcpy(&x, (const uint8_t *)src + (pos + r) * 16, 16);
            d[r] = (int64_t)x;   /* precision <= 18 fits */
        }
        break;
    }
    case SL_ARROW_DATE64: {
        int32_t *d = v->data;
        for (uint32_t r = 0; r < n; r++)
            d[r] = (int32_t)sl_floor_div(((const int64_t *)src)[pos + r], INT64_C(86400000));
        break;
    }
    case SL_ARROW_TS_S:
    case SL_ARROW_TS_MS: {
        int64_t *d = v->data;
        int64_t factor = kind == SL_ARROW_TS_S ? 1000000 : 1000;
        for (uint32_t r = 0; r < n; r++) {
            int64_t x = ((const int64_t *)src)[pos + r];
            if (__builtin_mul_overflow(x, factor, &d[r])) {
                if (!v->validity || sl_bit(v->validity, r)) {
                    st = sl_error_set(err, SL_ERR_INVALID_INPUT,
                                      "Arrow import: timestamp %lld in column %u \"%s\" is out of range",
                                      (long long)x, column + 1, schema->name ? schema->name : "");
                    break;
                }
                d[r] = 0;
            }
        }
        break;
    }
    case SL_ARROW_TS_NS: {
        int64_t *d = v->data;
        for (uint32_t r = 0; r < n; r++)
            d[r] = sl_floor_div(((const int64_t *)src)[pos + r], 1000);
        break;
    }
    case SL_ARROW_INTERVAL_MDN: {
        sl_interval *d = v->data;
        for (uint32_t r = 0; r < n; r++) {
            memcpy(&d[r], (const uint8_t *)src + (pos + r) * 16, 16);
            d[r].micros /= 1000;
        }
        break;
    }
    case SL_ARROW_INTERVAL_MONTHS: {
        sl_interval *d = v->data;
        for (uint32_t r = 0; r < n; r++)
            d[r] = (sl_interval){ ((const int32_t *)src)[pos + r], 0, 0 };
        break;
    }
    case SL_ARROW_INTERVAL_DT: {
        sl_interval *d = v->data;
        for (uint32_t r = 0; r < n; r++) {
            const int32_t *pair = (const int32_t *)src + (pos + r) * 2;
            d[r] = (sl_interval){ 0, pair[0], (int64_t)pair[1] * 1000 };
        }
        break;
    }
    case SL_ARROW_UTF8:
    case SL_ARROW_LARGE_UTF8:
    case SL_ARROW_UTF8_VIEW:
    case SL_ARROW_DICT: {
        sl_string *d = v->data;
        const struct ArrowArray *dict = a->dictionary;
        sl_arrow_kind value_kind = kind;
        if (kind == SL_ARROW_DICT) {
            const char *vf = schema->dictionary->format;
            value_kind = strcmp(vf, "u") == 0 ? SL_ARROW_UTF8 : strcmp(vf, "U") == 0 ? SL_ARROW_LARGE_UTF8
                                                                                    : SL_ARROW_UTF8_VIEW;
            if (dict->n_buffers < (value_kind == SL_ARROW_UTF8_VIEW ? 2 : 3) || !dict->buffers[1]) {
                st = sl_error_set(err, SL_ERR_INVALID_INPUT, "Arrow import: dictionary of column %u \"%s\" is malformed",
                                  column + 1, schema->name ? schema->name : "");
                break;
            }
        }
        for (uint32_t r = 0; r < n && st == SL_OK; r++) {
            if (v->validity && !sl_bit(v->validity, r)) {
                memset(&d[r], 0, sizeof d[r]);
                continue;
            }
            if (kind != SL_ARROW_DICT) {
                if (!sl_arrow_string_at(a, kind, pos + r, &d[r]))
                    st = sl_error_set(err, SL_ERR_INVALID_INPUT, "Arrow import: malformed string at row %lld of column %u \"%s\"",
                                      (long long)r, column + 1, schema->name ? schema->name : "");
                continue;
            }
            int64_t idx = sl_arrow_index_at(src, index_format, pos + r);
            if (idx < 0 || idx >= dict->length) {
                st = sl_error_set(err, SL_ERR_INVALID_INPUT,
                                  "Arrow import: dictionary index %lld out of range at row %u of column %u \"%s\"",
                                  (long long)idx, r, column + 1, schema->name ? schema->name : "");
                break;
            }
            int64_t di = dict->offset + idx;
            if (dict->null_count != 0 && dict->buffers[0] && !sl_bit(dict->buffers[0], di)) {
                st = sl_vector_own_validity(v, err);
                if (st == SL_OK)
                    sl_validity_set(v->validity, r, false);
                memset(&d[r], 0, sizeof d[r]);
                continue;
            }
            if (!sl_arrow_string_at(dict, value_kind, di, &d[r]))
                st = sl_error_set(err, SL_ERR_INVALID_INPUT, "Arrow import: malformed dictionary string in column %u \"%s\"",
                                  column + 1, schema->name ? schema->name : "");
        }
        if (st == SL_OK) {
            /* the views point into Arrow memory: keep the array alive via a heap reference */
            sl_buffer *heap = sl_arrow_holder_wrap(s->holder, NULL, 0);
            if (!heap)
                st = sl_error_oom(err);
            else {
                st = sl_vector_add_heap(v, heap, err);
                sl_buffer_unref(heap);
            }
        }
        break;
    }
    }
    if (st != SL_OK) {
        sl_vector_unref(v);
        return st;
    }
    *out = v;
    return SL_OK;
}

/* Builds a dense batch of rows [start, start + n) of the held struct array. */
static sl_status sl_arrow_import_slice(sl_arrow_holder *h, const struct ArrowSchema *schema, int64_t start, uint32_t n,
                                       sl_batch **out, sl_error *err)
{
    const struct ArrowArray *parent = &h->array;
    sl_batch *b = sl_batch_new((uint32_t)schema->n_children);
    if (!b)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < b->column_count; c++) {
        const struct ArrowArray *child = parent->children[c];
        sl_arrow_slice s = { h, parent, parent->offset + start, child, child->offset + parent->offset + start, n };
        sl_status st = sl_arrow_import_column(&s, schema->children[c], c, &b->columns[c], err);
        if (st != SL_OK) {
            sl_batch_free(b);
            return st;
        }
    }
    b->length = b->count = n;
    *out = b;
    return SL_OK;
}

sl_status sl_arrow_import_array_chunked(struct ArrowArray *array, const struct ArrowSchema *schema,
                                        uint32_t max_rows, sl_batch ***batches, size_t *batch_count,
                                        sl_error *err)
{
    if (!array || !array->release)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "Arrow import: the array is released or NULL");
    sl_arrow_holder *h = sl_malloc(sizeof *h);
    if (!h) {
        array->release(array);
        return sl_error_oom(err);
    }
    atomic_init(&h->refs, 1);
    h->array = *array;             /* move */
    array->release = NULL;
    const struct ArrowArray *a = &h->array;

    sl_status st = SL_OK;
    if (!schema || !schema->format || strcmp(schema->format, "+s") != 0)
        st = sl_error_set(err, SL_ERR_TYPE, "Arrow import: expected a struct array (format \"+s\"), got \"%s\"",
                          schema && schema->format ? schema->format : "");
    else if (a->n_children != schema->n_children)
        st = sl_error_set(err, SL_ERR_INVALID_INPUT, "Arrow import: the array has %lld columns but the schema %lld",
                          (long long)a->n_children, (long long)schema->n_children);
    else if (a->length < 0 || a->offset < 0 || (a->length > UINT32_MAX && max_rows == 0))
        st = sl_error_set(err, SL_ERR_INVALID_INPUT, "Arrow import: invalid array length %lld", (long long)a->length);
    if (st != SL_OK) {
        sl_arrow_holder_unref(h);
        return st;
    }
    uint64_t per = max_rows ? max_rows : (uint64_t)(a->length ? a->length : 1);
    size_t count = (size_t)(((uint64_t)a->length + per - 1) / per);
    sl_batch **list = sl_calloc(count ? count : 1, sizeof(sl_batch *));
    if (!list) {
        sl_arrow_holder_unref(h);
        return sl_error_oom(err);
    }
    size_t made = 0;
    for (int64_t start = 0; start < a->length; start += (int64_t)per, made++) {
        uint32_t n = (uint32_t)((uint64_t)(a->length - start) < per ? (uint64_t)(a->length - start) : per);
        st = sl_arrow_import_slice(h, schema, start, n, &list[made], err);
        if (st != SL_OK)
            break;
    }
    sl_arrow_holder_unref(h);      /* the buffers hold their own references */
    if (st != SL_OK) {
        for (size_t i = 0; i < made; i++)
            sl_batch_free(list[i]);
        sl_free(list);
        return st;
    }
    *batches = list;
    *batch_count = made;
    return SL_OK;
}

sl_status sl_arrow_import_array(struct ArrowArray *array, const struct ArrowSchema *schema, sl_batch **out,
                                sl_error *err)
{
    if (array && array->release && array->length == 0) {
        /* an empty array: one empty batch with typed columns */
        sl_type *types;
        char **names;
        uint32_t count;
        sl_status st = sl_arrow_import_schema(schema, &types, &names, &count, err);
        array->release(array);
        if (st != SL_OK)
            return st;
        sl_batch *b = sl_batch_new_typed(types, count, 1);
        sl_arrow_free_columns(types, names, count);
        if (!b)
            return sl_error_oom(err);
        *out = b;
        return SL_OK;
    }
    sl_batch **list;
    size_t n;
    SL_TRY(sl_arrow_import_array_chunked(array, schema, 0, &list, &n, err));
    *out = list[0];
    sl_free(list);
    return SL_OK;
}
