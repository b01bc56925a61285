/*
 * batch.c — record batches: the payload of DATA messages between operators.
 *
 * A batch holds references to its column vectors and to its selection / change buffers;
 * sharing a batch (sl_batch_share) is cheap, compacting it (sl_batch_compact) copies the
 * active rows into fresh dense vectors with one typed gather per column.
 */
#include "vector/batch.h"

#include <string.h>

sl_batch *sl_batch_new(uint32_t column_count)
{
    sl_batch *b = sl_malloc(sizeof(sl_batch));
    if (!b)
        return NULL;
    memset(b, 0, sizeof *b);
    b->column_count = column_count;
    if (column_count) {
        b->columns = sl_calloc(column_count, sizeof(sl_vector *));
        if (!b->columns) {
            sl_free(b);
            return NULL;
        }
    }
    return b;
}

sl_batch *sl_batch_new_typed(const sl_type *types, uint32_t column_count, uint32_t capacity)
{
    sl_batch *b = sl_batch_new(column_count);
    if (!b)
        return NULL;
    for (uint32_t i = 0; i < column_count; i++) {
        b->columns[i] = sl_vector_new(types[i], capacity);
        if (!b->columns[i]) {
            sl_batch_free(b);
            return NULL;
        }
    }
    return b;
}

void sl_batch_free(sl_batch *batch)
{
    if (!batch)
        return;
    for (uint32_t i = 0; i < batch->column_count; i++)
        sl_vector_unref(batch->columns[i]);
    sl_free(batch->columns);
    sl_buffer_unref(batch->sel_buffer);
    sl_buffer_unref(batch->change_buffer);
    sl_free(batch);
}

void sl_batch_set_column(sl_batch *batch, uint32_t i, sl_vector *v)
{
    sl_vector *old = batch->columns[i];
    batch->columns[i] = v;
    sl_vector_unref(old);
}

sl_status sl_batch_set_selection(sl_batch *batch, const uint32_t *sel, uint32_t sel_count, sl_error *err)
{
    sl_buffer *buf = sl_buffer_new((size_t)(sel_count ? sel_count : 1) * sizeof(uint32_t));
    if (!buf)
        return sl_error_oom(err);
    if (sel_count)
        memcpy(buf->data, sel, (size_t)sel_count * sizeof(uint32_t));
    buf->size = (size_t)sel_count * sizeof(uint32_t);
    sl_buffer_unref(batch->sel_buffer);
    batch->sel_buffer = buf;
    batch->sel = (uint32_t *)buf->data;
    batch->count = sel_count;
    return SL_OK;
}

sl_status sl_batch_set_change(sl_batch *batch, const int8_t *codes, int8_t fill, uint32_t length, sl_error *err)
{
    sl_buffer *buf = sl_buffer_new(length ? length : 1);
    if (!buf)
        return sl_error_oom(err);
    if (codes)
        memcpy(buf->data, codes, length);
    else
        memset(buf->data, (uint8_t)fill, length);
    buf->size = length;
    sl_buffer_unref(batch->change_buffer);
    batch->change_buffer = buf;
    batch->change = (int8_t *)buf->data;
    return SL_OK;
}

sl_batch *sl_batch_share(const sl_batch *src)
{
    sl_batch *b = sl_batch_new(src->column_count);
    if (!b)
        return NULL;
    for (uint32_t i = 0; i < src->column_count; i++)
        b->columns[i] = sl_vector_ref(src->columns[i]);
    b->length = src->length;
    b->count = src->count;
    b->sel = src->sel;
    b->sel_buffer = sl_buffer_ref(src->sel_buffer);
    b->change = src->change;
    b->change_buffer = sl_buffer_ref(src->change_buffer);
    return b;
}

/* Copies the active change flags of src into dst at dst_offset (dst->change must exist). */
static void sl_batch_copy_change(sl_batch *dst, uint32_t dst_offset, const sl_batch *src)
{
    int8_t *out = dst->change + dst_offset;
    if (!src->change) {
        memset(out, 1, src->count);
    } else if (src->sel) {
        for (uint32_t i = 0; i < src->count; i++)
            out[i] = src->change[src->sel[i]];
    } else {
        memcpy(out, src->change, src->count);
    }
}

sl_batch *sl_batch_compact(const sl_batch *src, sl_error *err)
{
    sl_batch *b = sl_batch_new(src->column_count);
    if (!b) {
        sl_error_oom(err);
        return NULL;
    }
    uint32_t cap = src->count ? src->count : 1;
    for (uint32_t i = 0; i < src->column_count; i++) {
        const sl_vector *in = src->columns[i];
        if (!in)
            continue;
        b->columns[i] = sl_vector_new(in->type, cap);
        if (!b->columns[i]) {
            sl_error_oom(err);
            sl_batch_free(b);
            return NULL;
        }
        if (sl_vector_gather(b->columns[i], 0, in, src->sel, src->count, err) != SL_OK) {
            sl_batch_free(b);
            return NULL;
        }
    }
    if (src->change) {
        b->change_buffer = sl_buffer_new(cap);
        if (!b->change_buffer) {
            sl_error_oom(err);
            sl_batch_free(b);
            return NULL;
        }
        b->change_buffer->size = src->count;
        b->change = (int8_t *)b->change_buffer->data;
        sl_batch_copy_change(b, 0, src);
    }
    b->length = src->count;
    b->count = src->count;
    return b;
}

sl_status sl_batch_append(sl_batch *dst, const sl_batch *src, sl_error *err)
{
    if (dst->sel)
        return sl_error_set(err, SL_ERR_INTERNAL, "sl_batch_append: destination batch has a selection vector");
    if (dst->column_count != src->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "sl_batch_append: %u columns appended to a batch of %u",
                            src->column_count, dst->column_count);
    for (uint32_t i = 0; i < dst->column_count; i++) {
        if (!dst->columns[i] || !src->columns[i])
            return sl_error_set(err, SL_ERR_INTERNAL, "sl_batch_append: column %u is missing", i);
        if (!sl_type_equal(dst->columns[i]->type, src->columns[i]->type))
            return sl_error_set(err, SL_ERR_INTERNAL, "sl_batch_append: column %u type mismatch", i);
        SL_TRY(sl_vector_gather(dst->columns[i], dst->length, src->columns[i], src->sel, src->count, err));
    }
    if (src->change || dst->change) {
        if (!dst->change) {
            /* first retraction: materialise +1 for the rows already there */
            uint32_t cap = dst->column_count ? dst->columns[0]->capacity : dst->length + src->count;
            if (cap < dst->length + src->count)
                cap = dst->length + src->count;
            sl_buffer *buf = sl_buffer_new(cap ? cap : 1);
            if (!buf)
                return sl_error_oom(err);
            buf->size = cap;
            memset(buf->data, 1, dst->length);
            dst->change_buffer = buf;
            dst->change = (int8_t *)buf->data;
        } else if (dst->change_buffer && dst->change_buffer->capacity < (size_t)dst->length + src->count) {
            return sl_error_set(err, SL_ERR_INTERNAL, "sl_batch_append: change column too small");
        }
        sl_batch_copy_change(dst, dst->length, src);
    }
    dst->length += src->count;
    dst->count = dst->length;
    return SL_OK;
}
