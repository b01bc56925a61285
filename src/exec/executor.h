/*
 * executor.h — runs a physical plan: cuts it into pipelines (exec/pipeline.h), creates the
 * operator states, drives the pipelines to completion and hands back the result.
 *
 * This is the only entry point the API layer needs from exec/. The plan is borrowed and
 * never modified; all execution state is created and freed inside each call.
 */
#ifndef SL_EXEC_EXECUTOR_H
#define SL_EXEC_EXECUTOR_H

#include "exec/operator.h"

/* Runs the physical plan to completion. root is a RESULT, INSERT or COPY_TO operator.
 * For RESULT, the collected batches are returned in *batches: every batch is dense (no
 * selection vector; count == length) and non-empty, in output order. For INSERT and
 * COPY_TO, *batches holds one batch with one BIGINT row: the number of rows written (also
 * left in exec->rows_affected). The caller frees each batch with sl_batch_free and the
 * array with sl_free. On failure nothing is returned (*batches = NULL, *batch_count = 0)
 * and err says what failed; every state is freed. Returns SL_ERR_CANCELLED when
 * exec->interrupt was set. */
sl_status sl_executor_run(sl_exec_context *exec, const sl_physical_op *root, sl_batch ***batches,
                          size_t *batch_count, sl_error *err);

/* A continuous query (plan->streaming) whose RESULT output is taken while it runs. */
typedef struct sl_continuous sl_continuous;

/* Builds and starts a streaming plan rooted at RESULT: creates the states and runs what
 * must finish before the streams start. `exec` must outlive the query (borrowed). */
sl_status sl_continuous_start(sl_exec_context *exec, const sl_physical_op *root, sl_continuous **out, sl_error *err);
/* Takes the next output batch if one is waiting, else drives one round of the sources
 * and takes one if it produced any: *out = a dense output batch (the caller frees it) or
 * NULL; *finished once the query has ended (every input ended) and no output is left;
 * *idle when the round found every source idle (wait a little before polling again).
 * Returns SL_ERR_CANCELLED when exec->interrupt was set. After a failure the query is
 * over. */
sl_status sl_continuous_poll(sl_continuous *query, sl_batch **out, bool *finished, bool *idle, sl_error *err);
/* The output of a continuous query with the change column kept (for materialized views
 * and sinks): RESULT queues the changelog instead of consolidating it. Call before the
 * first poll. */
void sl_continuous_keep_changes(sl_continuous *query);
/* The current table of an updating result (consolidated so far): dense batches the
 * caller frees; *count 0 when the result is not a consolidating one. */
sl_status sl_continuous_snapshot(sl_continuous *query, sl_batch ***batches, size_t *count, sl_error *err);
/* Does RESULT consolidate an updating result (final table at the end)? */
bool sl_continuous_is_updating(const sl_continuous *query);

/* Waits the short while an idle continuous query waits between polls. */
void sl_continuous_idle_wait(void);
/* Live counters of every operator (for status lines and system tables). */
uint32_t sl_continuous_operator_count(const sl_continuous *query);
const sl_physical_op *sl_continuous_operator(const sl_continuous *query, uint32_t i, const sl_op_metrics **metrics);
/* The operator's global execution state (e.g. a source's scan, for sluice_sources). */
void *sl_continuous_operator_state(const sl_continuous *query, uint32_t i);
void sl_continuous_free(sl_continuous *query);

/* EXPLAIN text: the physical operator tree (kind, key expressions via sl_expr_to_string,
 * estimated rows) followed by the pipelines (source -> operators -> sink) in execution
 * order. *out_text is sl_malloc'd (caller sl_free's it). */
sl_status sl_executor_explain(const sl_physical_op *root, char **out_text, sl_error *err);

#endif
