/*
 * batch.h — a record batch: columns of equal physical length, an optional selection
 * vector and an optional change column. This is the payload of a DATA message.
 *
 * `length` is the physical number of rows in every column; `count` the number of active
 * rows. With `sel == NULL` the active rows are 0..count-1 (count == length); otherwise
 * they are sel[0..count-1] (strictly increasing physical positions). A filter narrows a
 * batch by producing a new selection vector; nothing is copied.
 *
 * `change` (optional, per physical row) carries +1 (insert) or -1 (retraction) for
 * changelog streams; NULL means all rows are inserts (append-only / batch queries).
 *
 * Ownership: the batch holds one reference to each column vector and to its sel/change
 * buffers. sl_batch_free drops them. Batches are not shared between threads while being
 * modified.
 */
#ifndef SL_VECTOR_BATCH_H
#define SL_VECTOR_BATCH_H

#include "vector/vector.h"

#define SL_BATCH_CAPACITY 2048

typedef struct sl_batch {
    uint32_t column_count;
    sl_vector **columns;       /* column_count owned references */
    uint32_t length;           /* physical rows */
    uint32_t count;            /* active rows */
    uint32_t *sel;             /* NULL or count physical positions */
    sl_buffer *sel_buffer;     /* owns sel */
    int8_t *change;            /* NULL or length entries of +1/-1 */
    sl_buffer *change_buffer;  /* owns change */
} sl_batch;

/* New batch with `column_count` empty column slots (NULL pointers), length/count 0. */
sl_batch *sl_batch_new(uint32_t column_count);
/* New batch with fresh exclusively-owned vectors of the given types, capacity rows each. */
sl_batch *sl_batch_new_typed(const sl_type *types, uint32_t column_count, uint32_t capacity);
void sl_batch_free(sl_batch *batch);

/* Sets column i, taking ownership of the caller's reference to v (drops any old column). */
void sl_batch_set_column(sl_batch *batch, uint32_t i, sl_vector *v);

/* Installs a selection vector (copied into a new buffer); count = sel_count. */
sl_status sl_batch_set_selection(sl_batch *batch, const uint32_t *sel, uint32_t sel_count, sl_error *err);

/* Physical row of active row r. */
static inline uint32_t sl_batch_row(const sl_batch *b, uint32_t r)
{
    return b->sel ? b->sel[r] : r;
}

/* Installs a change column of `length` entries (a new buffer): codes[i] for physical row
 * i, or, with codes NULL, `fill` for every row. Replaces any change column b had. */
sl_status sl_batch_set_change(sl_batch *batch, const int8_t *codes, int8_t fill, uint32_t length, sl_error *err);

/* A new batch sharing the column references (and sel/change) of src: cheap. */
sl_batch *sl_batch_share(const sl_batch *src);

/* A new dense batch (no selection) holding the active rows of src, copied. */
sl_batch *sl_batch_compact(const sl_batch *src, sl_error *err);

/* Appends the active rows of src into dst's (exclusively owned, large enough) columns at
 * dst->length, increasing length and count. dst must have no selection. */
sl_status sl_batch_append(sl_batch *dst, const sl_batch *src, sl_error *err);

#endif
