/*
 * sort_runs.h — external merge sort: sorted runs on disk and their k-way merge.
 *
 * An ORDER BY sink appends its rows to a row store through sl_sort_runs_append. When the
 * memory manager refuses the store another chunk, the rows held are sorted (stable,
 * sort_keys.c), written to a spill file as one run ([input columns ++ computed keys], in
 * sorted order), and the store and its keys are emptied; appending continues. At the end
 * the rows still held become the last run, and sl_sort_merge streams the merged output:
 * the head batch of every run is normalized with the same keys, and a binary heap ordered
 * by (key, run index) picks the next row, so rows that compare equal come out in input
 * order (runs hold consecutive stretches of the input): the result equals the in-memory
 * stable sort's. TOP_N (ORDER BY ... LIMIT k whose k rows outgrow memory) keeps only the
 * first k rows of each run (run_limit): together they hold the first k overall. When there are more runs than the memory left can read at once, groups
 * of consecutive runs are first merged into longer runs (several passes).
 */
#ifndef SL_EXEC_SORT_RUNS_H
#define SL_EXEC_SORT_RUNS_H

#include "exec/sort_keys.h"
#include "exec/spill.h"

typedef struct sl_sort_runs {
    sl_exec_context *exec;
    sl_spill_file **runs;        /* in input order */
    size_t run_count;
    size_t run_capacity;
    uint64_t run_limit;          /* > 0: a run keeps only its first run_limit rows (TOP_N) */
    bool add_row_ids;            /* runs get one more column: BIGINT arrival index (WINDOW) */
    int64_t next_row_id;         /* arrival index of the store's row 0 */
} sl_sort_runs;

void sl_sort_runs_init(sl_sort_runs *runs, sl_exec_context *exec);
void sl_sort_runs_free(sl_sort_runs *runs);

/* Appends the active rows of batch to store (keys normalize store), spilling the store as
 * a sorted run whenever the memory limit refuses more. Not thread-safe (callers lock). */
sl_status sl_sort_runs_append(sl_sort_runs *runs, sl_row_store *store, sl_sort_keys *keys, const sl_batch *batch,
                              sl_error *err);
/* As sl_sort_runs_append, from active row `first` of batch on. */
sl_status sl_sort_runs_append_from(sl_sort_runs *runs, sl_row_store *store, sl_sort_keys *keys,
                                   const sl_batch *batch, uint32_t first, sl_error *err);
/* Sorts the rows held in store, writes them (the first run_limit of them, if set) as the
 * next run and empties store and keys. */
sl_status sl_sort_runs_spill(sl_sort_runs *runs, sl_row_store *store, sl_sort_keys *keys, sl_error *err);

typedef struct sl_sort_merge sl_sort_merge;

/* Starts the merge of every run (the caller has spilled the rows still held): the runs'
 * rows have `column_count` columns of `types` (the store's, plus the row id column with
 * add_row_ids); `keys` gives the key columns and directions. Merges groups of runs first
 * when there are too many to read at once. The runs move into the merge (runs is left
 * empty). */
sl_status sl_sort_merge_new(sl_sort_runs *runs, const sl_type *types, uint32_t column_count, const sl_sort_keys *keys,
                            sl_sort_merge **out, sl_error *err);
/* The next output batch (dense, up to SL_BATCH_CAPACITY rows, the first column_count
 * columns; caller frees) or *out = NULL when the merge is done. */
sl_status sl_sort_merge_next(sl_sort_merge *merge, uint32_t column_count, sl_batch **out, sl_error *err);
void sl_sort_merge_free(sl_sort_merge *merge);

#endif
