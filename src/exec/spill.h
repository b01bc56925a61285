/*
 * spill.h — spill files: where operators put data that does not fit under the memory
 * limit (DESIGN.md, "Memory").
 *
 * An operator whose reservation (sl_memory_try_reserve) is refused writes part of its
 * state to spill files and frees the memory: the external merge sort writes sorted runs,
 * the hash aggregate and the hash join write hash partitions (then process one partition
 * at a time), window and set operations go through the sort. A spill file is a sequence
 * of batches, each serialized column by column (validity, values, string bytes) and
 * compressed with LZ4 (fast enough to keep up with the disk; zstd when asked), written
 * append-only and read back sequentially, any number of times.
 *
 * Files live in `temp_directory` (SET temp_directory; default '.tmp', created on first
 * use, named sluice-<pid>-<random>.spill) and are unlinked right after they are created, so
 * they disappear when closed, also when the query fails or the process dies. A write that
 * fails (disk full, no permission) is an SL_ERR_IO error naming the directory and the
 * reason. Bytes and rows spilled and files used are counted in exec->spill (operator.h);
 * the statement reports them in the result's message ("spilled 1.2 GiB to disk").
 *
 * Memory: a spill file holds one batch-sized buffer while writing or reading, reserved
 * against the memory manager like any other state (a reservation for the buffer is never
 * refused; it is the floor every operator needs).
 *
 * Threads: a spill file is used by one thread at a time; distinct files are independent.
 */
#ifndef SL_EXEC_SPILL_H
#define SL_EXEC_SPILL_H

#include "exec/operator.h"

typedef struct sl_spill_file sl_spill_file;

/* Creates an (already unlinked) spill file in exec->temp_directory for batches of
 * `column_count` columns of `types` (copied). */
sl_status sl_spill_file_new(sl_exec_context *exec, const sl_type *types, uint32_t column_count, sl_spill_file **out,
                            sl_error *err);
/* Appends the active rows of batch (its change column too, when present). */
sl_status sl_spill_file_write(sl_spill_file *file, const sl_batch *batch, sl_error *err);
/* Finishes writing (flushes); the file can then be read, from the start, any number of
 * times with sl_spill_file_rewind + sl_spill_file_read. */
sl_status sl_spill_file_finish(sl_spill_file *file, sl_error *err);
sl_status sl_spill_file_rewind(sl_spill_file *file, sl_error *err);
/* The next batch (dense; caller frees) or *out = NULL at the end of the file. */
sl_status sl_spill_file_read(sl_spill_file *file, sl_batch **out, sl_error *err);
uint64_t sl_spill_file_rows(const sl_spill_file *file);
/* Closes and frees (the file disappears). NULL is fine. */
void sl_spill_file_free(sl_spill_file *file);

#endif
