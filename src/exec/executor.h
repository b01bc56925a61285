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

/* EXPLAIN text: the physical operator tree (kind, key expressions via sl_expr_to_string,
 * estimated rows) followed by the pipelines (source -> operators -> sink) in execution
 * order. *out_text is sl_malloc'd (caller sl_free's it). */
sl_status sl_executor_explain(const sl_physical_op *root, char **out_text, sl_error *err);

#endif
