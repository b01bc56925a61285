/*
 * vector.h — reference-counted buffers and columnar vectors (one column of a batch).
 *
 * A vector is one column of up to `capacity` values in Arrow layout: a validity bitmap
 * (bit i set = row i is valid; NULL bitmap = all valid) and a fixed-width data buffer
 * (see types.h for the slot type of each SQL type). VARCHAR slots are sl_string views;
 * long strings point into "heap" buffers that the vector holds references to, so passing
 * a vector or gathering from it never copies string bytes.
 *
 * Ownership: vectors are reference-counted (sl_vector_ref / sl_vector_unref). A vector
 * with refcount 1 is exclusively owned and may be written; a shared vector is read-only.
 * Buffers are reference-counted too; a buffer may wrap foreign memory (an imported Arrow
 * array) with a release callback.
 *
 * Row addressing: kernels receive `(vector, sel, count)`; row r of the logical input is
 * `sel ? sel[r] : r`. Outputs are written at the same physical positions (so a projection
 * keeps the batch's selection vector and passes untouched columns through).
 */
#ifndef SL_VECTOR_VECTOR_H
#define SL_VECTOR_VECTOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/status.h"
#include "vector/types.h"

/* ----------------------------------------------------------------- buffers */

typedef struct sl_buffer sl_buffer;
typedef void (*sl_buffer_release_fn)(sl_buffer *buf);

struct sl_buffer {
    atomic_int refcount;
    uint8_t *data;
    size_t size;                   /* bytes in use (heaps: bump position) */
    size_t capacity;               /* bytes allocated */
    sl_buffer_release_fn release;  /* NULL = data was sl_malloc'd by us */
    void *release_data;            /* for foreign buffers */
};

/* New buffer with `capacity` bytes (64-byte aligned, uninitialised). NULL on OOM. */
sl_buffer *sl_buffer_new(size_t capacity);
/* Wraps foreign memory; `release(buf)` runs when the last reference goes. */
sl_buffer *sl_buffer_wrap(void *data, size_t size, sl_buffer_release_fn release, void *release_data);
sl_buffer *sl_buffer_ref(sl_buffer *buf);
void sl_buffer_unref(sl_buffer *buf);

/* ----------------------------------------------------------------- vectors */

typedef struct sl_vector {
    atomic_int refcount;
    sl_type type;
    uint32_t capacity;            /* slots allocated */
    uint8_t *validity;            /* Arrow bitmap, NULL = all valid */
    void *data;                   /* capacity * sl_type_width(type) bytes */
    sl_buffer *validity_buffer;   /* owns validity (may be NULL) */
    sl_buffer *data_buffer;       /* owns data */
    sl_buffer **heaps;            /* VARCHAR: buffers holding long string bytes */
    uint32_t heap_count;
    uint32_t heap_capacity;
} sl_vector;

/* New exclusively owned vector with room for `capacity` values, all valid, data
 * uninitialised. NULL on OOM. */
sl_vector *sl_vector_new(sl_type type, uint32_t capacity);
/* New vector over existing buffers (e.g. imported Arrow memory): takes ownership of the
 * caller's references to data_buffer and validity_buffer (either may be NULL); `data` and
 * `validity` point inside them (validity NULL = all valid). NULL on OOM (the references
 * are then still the caller's). */
sl_vector *sl_vector_new_from_buffers(sl_type type, uint32_t capacity, sl_buffer *data_buffer, void *data,
                                      sl_buffer *validity_buffer, uint8_t *validity);
sl_vector *sl_vector_ref(sl_vector *v);
void sl_vector_unref(sl_vector *v);

/* Validity. */
static inline bool sl_vector_is_valid(const sl_vector *v, uint32_t row)
{
    return !v->validity || (v->validity[row >> 3] >> (row & 7)) & 1;
}
/* Allocates the bitmap (all valid) if absent. SL_ERR_OOM on failure. */
sl_status sl_vector_ensure_validity(sl_vector *v, sl_error *err);
/* Marks a row NULL (allocating the bitmap as needed). */
sl_status sl_vector_set_null(sl_vector *v, uint32_t row, sl_error *err);
static inline void sl_validity_set(uint8_t *bitmap, uint32_t row, bool valid)
{
    if (valid)
        bitmap[row >> 3] |= (uint8_t)(1u << (row & 7));
    else
        bitmap[row >> 3] &= (uint8_t)~(1u << (row & 7));
}
/* Does any of the addressed rows hold NULL? */
bool sl_vector_has_nulls(const sl_vector *v, const uint32_t *sel, uint32_t count);

/* Typed access to the data buffer. */
#define SL_VECTOR_DATA(v, ctype) ((ctype *)(v)->data)

/* Copies `length` bytes into the vector's heap (if longer than the inline limit) and
 * stores the resulting string in slot `row`. */
sl_status sl_vector_set_string(sl_vector *v, uint32_t row, const char *data, uint32_t length, sl_error *err);
/* Reserves `length` bytes of heap space in v for a long string the caller will write;
 * returns the pointer or NULL on OOM. Used by kernels that build strings in place. */
char *sl_vector_heap_alloc(sl_vector *v, uint32_t length);
/* Makes v keep references to all of src's heaps, so string slots copied from src stay
 * valid (no bytes are copied). */
sl_status sl_vector_share_heaps(sl_vector *dst, const sl_vector *src, sl_error *err);
/* Makes v keep a reference to buf (e.g. an arena of string bytes owned elsewhere). */
sl_status sl_vector_add_heap(sl_vector *v, sl_buffer *buf, sl_error *err);

/* Copies value slots: dst[dst_offset + i] = src[sel ? sel[i] : i] for i < count, with
 * validity, sharing string heaps. dst must be exclusively owned and large enough. */
sl_status sl_vector_gather(sl_vector *dst, uint32_t dst_offset, const sl_vector *src,
                           const uint32_t *sel, uint32_t count, sl_error *err);

/* New vector with every one of `count` slots equal to value slot `row` of src. */
sl_vector *sl_vector_new_repeat(const sl_vector *src, uint32_t row, uint32_t count);

#endif
