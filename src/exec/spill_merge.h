/*
 * spill_merge.h — k-way merge of spill files that are each sorted by their trailing BIGINT
 * key columns (the order keys with which the spilling hash aggregate and hash join restore
 * the output order of an in-memory run; see hash_aggregate.c and hash_join.c, "spilling").
 *
 * The files are read from the start, one batch of each at a time; rows are taken in
 * ascending lexicographic order of the keys (ties: the lower file index first, and within
 * a file, file order), in runs, into output batches of up to SL_BATCH_CAPACITY rows that
 * hold the first `out_columns` columns. Memory: one read buffer and one decoded batch per
 * file plus the output batch.
 */
#ifndef SL_EXEC_SPILL_MERGE_H
#define SL_EXEC_SPILL_MERGE_H

#include "exec/spill.h"

/* Receives each merged batch (borrowed for the call). */
typedef sl_status (*sl_spill_merge_fn)(void *arg, const sl_batch *batch, sl_error *err);

/* Merges files[0..file_count) (finished; column types `types`, `column_count` columns, of
 * which the last key_count (1 or 2) are the BIGINT order keys) into out(arg, batch).
 * Stops early, without error, when stop_ctx (may be NULL) asks the pipeline to stop. The
 * files stay owned by the caller. */
sl_status sl_spill_merge(sl_spill_file **files, uint32_t file_count, const sl_type *types, uint32_t column_count,
                         uint32_t key_count, uint32_t out_columns, sl_op_context *stop_ctx, sl_spill_merge_fn out,
                         void *arg, sl_error *err);

#endif
