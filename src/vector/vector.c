/*
 * vector.c — reference-counted buffers and columnar vectors.
 *
 * Buffers we allocate ourselves are a single sl_malloc block: the sl_buffer header
 * followed by the 64-byte aligned data. Foreign buffers (imported Arrow memory) are a
 * header only; their release callback runs when the last reference goes, after which the
 * header is freed here (the callback must not free `buf` itself).
 *
 * String heaps: long strings (> 12 bytes) live in heap buffers referenced by the vector.
 * A vector appends new string bytes only into its last heap and only while that heap is
 * exclusively its own (refcount 1, allocated by us); once another vector shares a heap
 * it is read-only for everyone, so no two writers ever touch the same heap.
 */
#include "vector/vector.h"

#include <stdlib.h>
#include <string.h>

#define SL_BUFFER_ALIGN 64
#define SL_HEAP_MIN_BLOCK (8 * 1024)
#define SL_HEAP_MAX_BLOCK (256 * 1024)

/* ----------------------------------------------------------------- buffers */

sl_buffer *sl_buffer_new(size_t capacity)
{
    if (capacity > SIZE_MAX - sizeof(sl_buffer) - SL_BUFFER_ALIGN)
        return NULL;
    unsigned char *block = sl_malloc(sizeof(sl_buffer) + SL_BUFFER_ALIGN + capacity);
    if (!block)
        return NULL;
    sl_buffer *buf = (sl_buffer *)block;
    uintptr_t start = (uintptr_t)(block + sizeof(sl_buffer));
    start = (start + SL_BUFFER_ALIGN - 1) & ~(uintptr_t)(SL_BUFFER_ALIGN - 1);
    atomic_init(&buf->refcount, 1);
    buf->data = (uint8_t *)start;
    buf->size = 0;
    buf->capacity = capacity;
    buf->release = NULL;
    buf->release_data = NULL;
    return buf;
}

sl_buffer *sl_buffer_wrap(void *data, size_t size, sl_buffer_release_fn release, void *release_data)
{
    sl_buffer *buf = sl_malloc(sizeof(sl_buffer));
    if (!buf)
        return NULL;
    atomic_init(&buf->refcount, 1);
    buf->data = data;
    buf->size = size;
    buf->capacity = size;
    buf->release = release;
    buf->release_data = release_data;
    return buf;
}

sl_buffer *sl_buffer_ref(sl_buffer *buf)
{
    if (buf)
        atomic_fetch_add_explicit(&buf->refcount, 1, memory_order_relaxed);
    return buf;
}

void sl_buffer_unref(sl_buffer *buf)
{
    if (!buf)
        return;
    if (atomic_fetch_sub_explicit(&buf->refcount, 1, memory_order_acq_rel) != 1)
        return;
    if (buf->release)
        buf->release(buf);
    sl_free(buf);
}

/* ----------------------------------------------------------------- vectors */

sl_vector *sl_vector_new(sl_type type, uint32_t capacity)
{
    sl_vector *v = sl_malloc(sizeof(sl_vector));
    if (!v)
        return NULL;
    memset(v, 0, sizeof *v);
    atomic_init(&v->refcount, 1);
    v->type = type;
    v->capacity = capacity;
    size_t width = sl_type_width(type);
    v->data_buffer = sl_buffer_new((size_t)capacity * width);
    if (!v->data_buffer) {
        sl_free(v);
        return NULL;
    }
    v->data = v->data_buffer->data;
    v->data_buffer->size = (size_t)capacity * width;
    if (type.id == SL_TYPE_NULL) {
        /* every value of the NULL type is NULL */
        if (sl_vector_ensure_validity(v, NULL) != SL_OK) {
            sl_vector_unref(v);
            return NULL;
        }
        memset(v->validity, 0, ((size_t)capacity + 7) / 8);
    }
    return v;
}

sl_vector *sl_vector_new_from_buffers(sl_type type, uint32_t capacity, sl_buffer *data_buffer, void *data,
                                      sl_buffer *validity_buffer, uint8_t *validity)
{
    sl_vector *v = sl_malloc(sizeof(sl_vector));
    if (!v)
        return NULL;
    memset(v, 0, sizeof *v);
    atomic_init(&v->refcount, 1);
    v->type = type;
    v->capacity = capacity;
    v->data_buffer = data_buffer;
    v->data = data;
    v->validity_buffer = validity_buffer;
    v->validity = validity;
    return v;
}

sl_vector *sl_vector_ref(sl_vector *v)
{
    if (v)
        atomic_fetch_add_explicit(&v->refcount, 1, memory_order_relaxed);
    return v;
}

void sl_vector_unref(sl_vector *v)
{
    if (!v)
        return;
    if (atomic_fetch_sub_explicit(&v->refcount, 1, memory_order_acq_rel) != 1)
        return;
    sl_buffer_unref(v->data_buffer);
    sl_buffer_unref(v->validity_buffer);
    for (uint32_t i = 0; i < v->heap_count; i++)
        sl_buffer_unref(v->heaps[i]);
    sl_free(v->heaps);
    sl_free(v);
}

sl_status sl_vector_ensure_validity(sl_vector *v, sl_error *err)
{
    if (v->validity)
        return SL_OK;
    size_t bytes = ((size_t)v->capacity + 7) / 8;
    sl_buffer *buf = sl_buffer_new(bytes ? bytes : 1);
    if (!buf)
        return sl_error_oom(err);
    buf->size = bytes;
    memset(buf->data, 0xff, bytes ? bytes : 1);
    v->validity_buffer = buf;
    v->validity = buf->data;
    return SL_OK;
}

sl_status sl_vector_set_null(sl_vector *v, uint32_t row, sl_error *err)
{
    SL_TRY(sl_vector_ensure_validity(v, err));
    sl_validity_set(v->validity, row, false);
    return SL_OK;
}

bool sl_vector_has_nulls(const sl_vector *v, const uint32_t *sel, uint32_t count)
{
    const uint8_t *bits = v->validity;
    if (!bits)
        return false;
    if (sel) {
        for (uint32_t i = 0; i < count; i++) {
            uint32_t row = sel[i];
            if (!((bits[row >> 3] >> (row & 7)) & 1))
                return true;
        }
        return false;
    }
    uint32_t full = count / 8;
    for (uint32_t i = 0; i < full; i++)
        if (bits[i] != 0xff)
            return true;
    for (uint32_t row = full * 8; row < count; row++)
        if (!((bits[row >> 3] >> (row & 7)) & 1))
            return true;
    return false;
}

/* ----------------------------------------------------------------- string heaps */

static sl_status sl_vector_push_heap(sl_vector *v, sl_buffer *buf, sl_error *err)
{
    if (v->heap_count == v->heap_capacity) {
        uint32_t cap = v->heap_capacity ? v->heap_capacity * 2 : 4;
        sl_buffer **grown = sl_realloc(v->heaps, cap * sizeof(sl_buffer *));
        if (!grown)
            return sl_error_oom(err);
        v->heaps = grown;
        v->heap_capacity = cap;
    }
    v->heaps[v->heap_count++] = buf;
    return SL_OK;
}

char *sl_vector_heap_alloc(sl_vector *v, uint32_t length)
{
    if (v->heap_count) {
        sl_buffer *last = v->heaps[v->heap_count - 1];
        if (!last->release && atomic_load_explicit(&last->refcount, memory_order_acquire) == 1 &&
            last->capacity - last->size >= length) {
            char *p = (char *)last->data + last->size;
            last->size += length;
            return p;
        }
    }
    size_t block = SL_HEAP_MIN_BLOCK;
    if (v->heap_count) {
        size_t prev = v->heaps[v->heap_count - 1]->capacity * 2;
        if (prev > block)
            block = prev < SL_HEAP_MAX_BLOCK ? prev : SL_HEAP_MAX_BLOCK;
    }
    if (block < length)
        block = length;
    sl_buffer *buf = sl_buffer_new(block);
    if (!buf)
        return NULL;
    if (sl_vector_push_heap(v, buf, NULL) != SL_OK) {
        sl_buffer_unref(buf);
        return NULL;
    }
    buf->size = length;
    return (char *)buf->data;
}

sl_status sl_vector_set_string(sl_vector *v, uint32_t row, const char *data, uint32_t length, sl_error *err)
{
    sl_string *slot = &SL_VECTOR_DATA(v, sl_string)[row];
    if (length <= SL_STRING_INLINE_MAX) {
        *slot = sl_string_make(data, length);
        return SL_OK;
    }
    char *dst = sl_vector_heap_alloc(v, length);
    if (!dst)
        return sl_error_oom(err);
    memcpy(dst, data, length);
    *slot = sl_string_make(dst, length);
    return SL_OK;
}

/* Only the most recent heaps are checked for a duplicate: a vector gathered from many
 * chunks can hold hundreds of heaps, and a full scan per added heap made gathers
 * quadratic. A duplicate entry is harmless (one more reference, dropped with the vector). */
#define SL_HEAP_DEDUPE_WINDOW 16

sl_status sl_vector_add_heap(sl_vector *v, sl_buffer *buf, sl_error *err)
{
    uint32_t from = v->heap_count > SL_HEAP_DEDUPE_WINDOW ? v->heap_count - SL_HEAP_DEDUPE_WINDOW : 0;
    for (uint32_t i = v->heap_count; i-- > from;)
        if (v->heaps[i] == buf)
            return SL_OK;
    SL_TRY(sl_vector_push_heap(v, buf, err));
    sl_buffer_ref(buf);
    return SL_OK;
}

sl_status sl_vector_share_heaps(sl_vector *dst, const sl_vector *src, sl_error *err)
{
    if (dst == src)
        return SL_OK;
    for (uint32_t i = 0; i < src->heap_count; i++)
        SL_TRY(sl_vector_add_heap(dst, src->heaps[i], err));
    return SL_OK;
}

/* ----------------------------------------------------------------- gather / repeat */

#define SL_GATHER_LOOP(ctype)                                                  \
    do {                                                                       \
        ctype *out = (ctype *)dst->data + dst_offset;                          \
        const ctype *in = (const ctype *)src->data;                            \
        if (sel) {                                                             \
            for (uint32_t i = 0; i < count; i++)                               \
                out[i] = in[sel[i]];                                           \
        } else {                                                               \
            memcpy(out, in, (size_t)count * sizeof(ctype));                    \
        }                                                                      \
    } while (0)

typedef struct { uint64_t lo, hi; } sl_slot16;

sl_status sl_vector_gather(sl_vector *dst, uint32_t dst_offset, const sl_vector *src,
                           const uint32_t *sel, uint32_t count, sl_error *err)
{
    if ((uint64_t)dst_offset + count > dst->capacity)
        return sl_error_set(err, SL_ERR_INTERNAL, "vector gather of %u rows at offset %u overflows capacity %u",
                            count, dst_offset, dst->capacity);
    if (count == 0)
        return SL_OK;
    switch (sl_type_width(src->type)) {
    case 1: SL_GATHER_LOOP(uint8_t); break;
    case 2: SL_GATHER_LOOP(uint16_t); break;
    case 4: SL_GATHER_LOOP(uint32_t); break;
    case 8: SL_GATHER_LOOP(uint64_t); break;
    case 16: SL_GATHER_LOOP(sl_slot16); break;
    default: break; /* NULL type: validity only */
    }
    if (src->type.id == SL_TYPE_VARCHAR && src->heap_count)
        SL_TRY(sl_vector_share_heaps(dst, src, err));

    /* validity */
    if (src->validity) {
        SL_TRY(sl_vector_ensure_validity(dst, err));
        const uint8_t *in = src->validity;
        uint8_t *out = dst->validity;
        if (!sel && (dst_offset & 7) == 0) {
            memcpy(out + dst_offset / 8, in, count / 8);
            for (uint32_t i = count & ~7u; i < count; i++)
                sl_validity_set(out, dst_offset + i, (in[i >> 3] >> (i & 7)) & 1);
        } else {
            for (uint32_t i = 0; i < count; i++) {
                uint32_t row = sel ? sel[i] : i;
                sl_validity_set(out, dst_offset + i, (in[row >> 3] >> (row & 7)) & 1);
            }
        }
    } else if (dst->validity) {
        uint8_t *out = dst->validity;
        uint32_t i = 0;
        for (; i < count && ((dst_offset + i) & 7); i++)
            sl_validity_set(out, dst_offset + i, true);
        uint32_t bytes = (count - i) / 8;
        memset(out + (dst_offset + i) / 8, 0xff, bytes);
        for (i += bytes * 8; i < count; i++)
            sl_validity_set(out, dst_offset + i, true);
    }
    return SL_OK;
}

#define SL_REPEAT_LOOP(ctype)                                                  \
    do {                                                                       \
        ctype value = ((const ctype *)src->data)[row];                         \
        ctype *out = (ctype *)v->data;                                         \
        for (uint32_t i = 0; i < count; i++)                                   \
            out[i] = value;                                                    \
    } while (0)

sl_vector *sl_vector_new_repeat(const sl_vector *src, uint32_t row, uint32_t count)
{
    sl_vector *v = sl_vector_new(src->type, count);
    if (!v)
        return NULL;
    if (!sl_vector_is_valid(src, row)) {
        if (sl_vector_ensure_validity(v, NULL) != SL_OK) {
            sl_vector_unref(v);
            return NULL;
        }
        memset(v->validity, 0, ((size_t)count + 7) / 8);
        if (v->data_buffer->capacity)
            memset(v->data, 0, v->data_buffer->capacity);
        return v;
    }
    switch (sl_type_width(src->type)) {
    case 1: SL_REPEAT_LOOP(uint8_t); break;
    case 2: SL_REPEAT_LOOP(uint16_t); break;
    case 4: SL_REPEAT_LOOP(uint32_t); break;
    case 8: SL_REPEAT_LOOP(uint64_t); break;
    case 16: SL_REPEAT_LOOP(sl_slot16); break;
    default: break;
    }
    if (src->type.id == SL_TYPE_VARCHAR) {
        /* a long string is copied once into v's own heap (rather than sharing all of
         * src's heaps) and every slot points at that copy */
        const sl_string *s = &SL_VECTOR_DATA(src, sl_string)[row];
        if (s->length > SL_STRING_INLINE_MAX) {
            char *bytes = sl_vector_heap_alloc(v, s->length);
            if (!bytes) {
                sl_vector_unref(v);
                return NULL;
            }
            memcpy(bytes, s->u.ptr, s->length);
            sl_string copy = sl_string_make(bytes, s->length);
            sl_string *out = SL_VECTOR_DATA(v, sl_string);
            for (uint32_t i = 0; i < count; i++)
                out[i] = copy;
        }
    }
    return v;
}
