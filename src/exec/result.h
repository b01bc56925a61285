/*
 * result.h — the RESULT sink's hand-over to the executor (internal to exec/).
 *
 * The RESULT operator (exec/result.c) collects the batches that reach the top of the plan
 * in its global state; after the query ran, the executor moves them out with
 * sl_result_take before the global state is freed.
 */
#ifndef SL_EXEC_RESULT_H
#define SL_EXEC_RESULT_H

#include "exec/operator.h"

/* Moves the collected batches (dense, non-empty, in arrival order) out of a RESULT global
 * state: the caller owns *batches (sl_free) and each batch (sl_batch_free). The global
 * state is left empty. */
void sl_result_take(void *global, sl_batch ***batches, size_t *batch_count);

/* Continuous queries: the oldest queued output batch (caller frees), or NULL when none is
 * waiting. */
sl_batch *sl_result_pop(void *global);
/* Continuous queries: queue the changelog as it comes (batches keep their change column)
 * instead of consolidating an updating result. */
void sl_result_keep_changes(void *global);
/* Continuous, consolidating: the table so far (caller frees); none otherwise. */
sl_status sl_result_snapshot(void *global, sl_batch ***batches, size_t *count, sl_error *err);

#endif
