/*
 * row_store.c — dense chunked row storage for sort, top-N and window (see row_store.h).
 */
#include "exec/row_store.h"

sl_status sl_row_store_init(sl_row_store *store, const sl_type *types, uint32_t column_count, sl_memory *memory,
                            const char *owner, sl_error *err)
{
    memset(store, 0, sizeof *store);
    store->column_count = column_count;
    store->memory = memory;
    store->owner = owner;
    store->types = sl_malloc(sizeof *types * (column_count ? column_count : 1));
    if (!store->types)
        return sl_error_oom(err);
    if (column_count)
        memcpy(store->types, types, sizeof *types * column_count);
    return SL_OK;
}

void sl_row_store_free(sl_row_store *store)
{
    for (size_t i = 0; i < store->chunk_count; i++)
        sl_batch_free(store->chunks[i]);
    sl_free(store->chunks);
    sl_free(store->types);
    sl_free(store->stamps);
    if (store->memory && store->reserved)
        sl_memory_release(store->memory, store->reserved);
    memset(store, 0, sizeof *store);
}

/* Adds an empty chunk, reserving its memory first (the bytes of long strings are
 * reserved as rows arrive, in sl_row_store_append_some). A refused reservation sets *refused
 * (no error) unless the store is empty: one chunk is the floor every store may hold. */
static sl_status add_chunk(sl_row_store *store, bool *refused, sl_error *err)
{
    int64_t bytes = 64;
    for (uint32_t c = 0; c < store->column_count; c++)
        bytes += (int64_t)sl_type_width(store->types[c]) * SL_BATCH_CAPACITY + SL_BATCH_CAPACITY / 8;
    if (store->memory && !sl_memory_try_reserve(store->memory, bytes)) {
        if (store->row_count > 0) {
            *refused = true;
            return SL_OK;
        }
        sl_memory_release(store->memory, -bytes);   /* the floor: counted, never refused */
    }
    sl_status st = sl_array_reserve((void **)&store->chunks, &store->chunk_capacity, store->chunk_count + 1,
                                    sizeof *store->chunks, err);
    sl_batch *chunk = NULL;
    if (st == SL_OK) {
        chunk = store->column_count ? sl_batch_new_typed(store->types, store->column_count, SL_BATCH_CAPACITY)
                                    : sl_batch_new(0);
        if (!chunk)
            st = sl_error_oom(err);
    }
    if (st != SL_OK) {
        if (store->memory)
            sl_memory_release(store->memory, bytes);
        return st;
    }
    store->reserved += bytes;
    store->chunks[store->chunk_count++] = chunk;
    return SL_OK;
}

sl_status sl_row_store_append_some(sl_row_store *store, const sl_batch *batch, uint32_t first, uint32_t *appended,
                                   sl_error *err)
{
    *appended = 0;
    if (batch->column_count < store->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "%s: batch has %u columns, expected %u",
                            store->owner ? store->owner : "row store", batch->column_count, store->column_count);
    if ((uint64_t)store->row_count + batch->count >= UINT32_MAX)
        return sl_error_set(err, SL_ERR_OOM, "%s: more than %u rows to materialize",
                            store->owner ? store->owner : "row store", UINT32_MAX - 1);
    uint32_t done = first;
    uint32_t scratch[SL_BATCH_CAPACITY];
    while (done < batch->count) {
        if (store->chunk_count == 0 || store->chunks[store->chunk_count - 1]->length == SL_BATCH_CAPACITY) {
            bool refused = false;
            SL_TRY(add_chunk(store, &refused, err));
            if (refused)
                break;
        }
        sl_batch *chunk = store->chunks[store->chunk_count - 1];
        uint32_t n = SL_BATCH_CAPACITY - chunk->length;
        if (n > batch->count - done)
            n = batch->count - done;
        for (uint32_t i = 0; i < n; i++)
            scratch[i] = sl_batch_row(batch, done + i);
        /* long strings stay in their heaps, which the store keeps alive: count their bytes */
        int64_t string_bytes = 0;
        for (uint32_t c = 0; c < store->column_count; c++) {
            if (store->types[c].id != SL_TYPE_VARCHAR)
                continue;
            const sl_vector *v = batch->columns[c];
            const sl_string *strings = v->data;
            for (uint32_t i = 0; i < n; i++)
                if (strings[scratch[i]].length > SL_STRING_INLINE_MAX && sl_vector_is_valid(v, scratch[i]))
                    string_bytes += strings[scratch[i]].length;
        }
        if (string_bytes && store->memory) {
            if (!sl_memory_try_reserve(store->memory, string_bytes)) {
                if (store->chunk_count > 1)
                    break;                                            /* refused: the caller spills */
                sl_memory_release(store->memory, -string_bytes);   /* the floor */
            }
            store->reserved += string_bytes;
        }
        for (uint32_t c = 0; c < store->column_count; c++)
            SL_TRY(sl_vector_gather(chunk->columns[c], chunk->length, batch->columns[c], scratch, n, err));
        chunk->length += n;
        chunk->count = chunk->length;
        store->row_count += n;
        done += n;
        *appended += n;
    }
    return SL_OK;
}

sl_status sl_row_store_append(sl_row_store *store, const sl_batch *batch, sl_error *err)
{
    uint32_t appended;
    SL_TRY(sl_row_store_append_some(store, batch, 0, &appended, err));
    if (appended < batch->count)
        return sl_error_set(err, SL_ERR_OOM,
                            "%s: out of memory: the input does not fit in memory_limit (%lld bytes) and spilling "
                            "to disk is not supported for this operator yet; raise memory_limit",
                            store->owner ? store->owner : "operator", (long long)store->memory->limit);
    return SL_OK;
}

/* Copies the values of rows[0..count) of `column` into out[0..count) with one typed loop
 * (no per-row call); *nullable is set when some source chunk has a validity bitmap. */
#define SL_ROW_GATHER_LOOP(ctype)                                                              \
    do {                                                                                       \
        ctype *o = (ctype *)out;                                                               \
        for (uint32_t i = 0; i < count; i++) {                                                 \
            const sl_vector *src = store->chunks[rows[i] / SL_BATCH_CAPACITY]->columns[column]; \
            o[i] = ((const ctype *)src->data)[rows[i] % SL_BATCH_CAPACITY];                    \
            nullable |= src->validity != NULL;                                                 \
        }                                                                                      \
    } while (0)

typedef struct { uint64_t lo, hi; } sl_row_slot16;

sl_status sl_row_store_gather(sl_row_store *store, const uint32_t *rows, uint32_t count, uint32_t column,
                              sl_vector *dst, uint32_t dst_offset, sl_error *err)
{
    if ((uint64_t)dst_offset + count > dst->capacity)
        return sl_error_set(err, SL_ERR_INTERNAL, "row store gather of %u rows at offset %u overflows capacity %u",
                            count, dst_offset, dst->capacity);
    size_t width = sl_type_width(store->types[column]);
    uint8_t *out = (uint8_t *)dst->data + (size_t)dst_offset * width;
    bool nullable = false;
    switch (width) {
    case 0: break;
    case 1: SL_ROW_GATHER_LOOP(uint8_t); break;
    case 2: SL_ROW_GATHER_LOOP(uint16_t); break;
    case 4: SL_ROW_GATHER_LOOP(uint32_t); break;
    case 8: SL_ROW_GATHER_LOOP(uint64_t); break;
    case 16: SL_ROW_GATHER_LOOP(sl_row_slot16); break;
    default:
        for (uint32_t i = 0; i < count; i++) {
            const sl_vector *src = store->chunks[rows[i] / SL_BATCH_CAPACITY]->columns[column];
            memcpy(out + (size_t)i * width, (const uint8_t *)src->data + (size_t)(rows[i] % SL_BATCH_CAPACITY) * width,
                   width);
            nullable |= src->validity != NULL;
        }
        break;
    }
    /* validity: only when a source chunk has NULLs or dst already tracks validity */
    if (nullable || dst->validity) {
        for (uint32_t i = 0; i < count; i++) {
            const sl_vector *src = store->chunks[rows[i] / SL_BATCH_CAPACITY]->columns[column];
            uint32_t at = dst_offset + i;
            if (!sl_vector_is_valid(src, rows[i] % SL_BATCH_CAPACITY)) {
                SL_TRY(sl_vector_set_null(dst, at, err));
                if (width)
                    memset(out + (size_t)i * width, 0, width);
            } else if (dst->validity) {
                sl_validity_set(dst->validity, at, true);
            }
        }
    }
    /* strings: dst keeps a reference to the heaps of every chunk it copied from; a bitmap
     * local to this call visits each chunk once (the store is not written: parallel probe
     * instances gather from one store concurrently) */
    if (store->types[column].id == SL_TYPE_VARCHAR) {
        uint8_t small[512];
        size_t bytes = (store->chunk_count + 7) / 8;
        uint8_t *seen = bytes <= sizeof small ? small : sl_malloc(bytes);
        if (!seen)
            return sl_error_oom(err);
        memset(seen, 0, bytes);
        sl_status st = SL_OK;
        for (uint32_t i = 0; i < count && st == SL_OK; i++) {
            uint32_t chunk_index = rows[i] / SL_BATCH_CAPACITY;
            if (!(seen[chunk_index >> 3] & (1u << (chunk_index & 7)))) {
                seen[chunk_index >> 3] |= (uint8_t)(1u << (chunk_index & 7));
                st = sl_vector_share_heaps(dst, store->chunks[chunk_index]->columns[column], err);
            }
        }
        if (seen != small)
            sl_free(seen);
        SL_TRY(st);
    }
    return SL_OK;
}

sl_status sl_row_store_gather_batch(sl_row_store *store, const uint32_t *rows, uint32_t count,
                                    uint32_t column_count, sl_batch **out, sl_error *err)
{
    *out = NULL;
    sl_batch *b = column_count ? sl_batch_new_typed(store->types, column_count, count ? count : 1) : sl_batch_new(0);
    if (!b)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < column_count; c++) {
        sl_status st = sl_row_store_gather(store, rows, count, c, b->columns[c], 0, err);
        if (st != SL_OK) {
            sl_batch_free(b);
            return st;
        }
    }
    b->length = b->count = count;
    *out = b;
    return SL_OK;
}
