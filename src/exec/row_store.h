/*
 * row_store.h — materialized rows for the blocking operators (sort, top-N, window).
 *
 * Rows are appended into dense chunks of SL_BATCH_CAPACITY rows; every chunk but the last
 * is full, so row r lives in chunk r / SL_BATCH_CAPACITY at slot r % SL_BATCH_CAPACITY.
 * Strings are not copied: chunk vectors keep references to the source vectors' heaps (the
 * bytes of long strings are counted against the memory limit all the same: the store
 * keeps those heaps alive).
 * The store reserves its chunks against the query's memory manager and fails with a
 * clear SL_ERR_OOM when the limit is reached, or (sl_row_store_append_some) lets the
 * caller spill: SORT writes sorted runs to disk (sort_runs.h).
 * Row ids are uint32_t: a store holds at most UINT32_MAX - 1 rows.
 */
#ifndef SL_EXEC_ROW_STORE_H
#define SL_EXEC_ROW_STORE_H

#include "exec/operator.h"

typedef struct sl_row_store {
    uint32_t column_count;
    sl_type *types;              /* owned copy */
    sl_batch **chunks;
    size_t chunk_count;
    size_t chunk_capacity;
    uint32_t row_count;
    sl_memory *memory;           /* may be NULL: no accounting */
    int64_t reserved;            /* bytes reserved in memory */
    const char *owner;           /* operator name for error messages */
    uint32_t *stamps;            /* unused (gather keeps its own per-call bitmap) */
    size_t stamp_capacity;
    uint32_t generation;
} sl_row_store;

/* Initializes an empty store of the given column types (copied). */
sl_status sl_row_store_init(sl_row_store *store, const sl_type *types, uint32_t column_count, sl_memory *memory,
                            const char *owner, sl_error *err);
void sl_row_store_free(sl_row_store *store);

/* Appends the active rows of batch (its first column_count columns, same types). */
sl_status sl_row_store_append(sl_row_store *store, const sl_batch *batch, sl_error *err);
/* Appends active rows first.. of batch until the memory manager refuses the next chunk;
 * *appended = rows taken (all of them unless the limit was reached). A refusal is not an
 * error: the caller spills (sort_runs.c) and appends the rest. The first chunk and its
 * strings are always taken (the floor: every store may hold SL_BATCH_CAPACITY rows). */
sl_status sl_row_store_append_some(sl_row_store *store, const sl_batch *batch, uint32_t first, uint32_t *appended,
                                   sl_error *err);

/* Physical location of row r. */
static inline const sl_vector *sl_row_store_column(const sl_row_store *store, uint32_t row, uint32_t column,
                                                   uint32_t *slot)
{
    *slot = row % SL_BATCH_CAPACITY;
    return store->chunks[row / SL_BATCH_CAPACITY]->columns[column];
}

/* dst[dst_offset + i] = column `column` of row rows[i], for i < count, with validity; dst
 * must be exclusively owned with room for dst_offset + count slots. String bytes are
 * shared (dst references the chunks' heaps). Reads the store only: several threads may
 * gather from one store at once. */
sl_status sl_row_store_gather(sl_row_store *store, const uint32_t *rows, uint32_t count, uint32_t column,
                              sl_vector *dst, uint32_t dst_offset, sl_error *err);

/* A new dense batch of `count` rows (rows[i] in order) with the store's first
 * `column_count` columns. */
sl_status sl_row_store_gather_batch(sl_row_store *store, const uint32_t *rows, uint32_t count,
                                    uint32_t column_count, sl_batch **out, sl_error *err);

#endif
