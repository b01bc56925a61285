/*
 * late_rows.h — what happens to a row that reaches a window or interval-join operator
 * behind that operator's watermark (its window already closed, its join partners
 * already pruned).
 *
 * Nothing disappears silently: the row is counted in the operator's metrics
 * (sl_op_metrics.late_rows, visible in sluice_operator_metrics) and, when the source
 * declared `late_rows_table = 'name'`, appended to that table, one row per late row:
 *
 *   operator   VARCHAR     the operator kind and its plan position, e.g. 'WINDOW_AGGREGATE#3'
 *   watermark  TIMESTAMP   the operator's watermark when the row arrived
 *   event_time TIMESTAMP   the row's event time
 *   lateness   INTERVAL    watermark - event_time
 *   row        VARCHAR     the row as a JSON object (column names from the plan)
 *
 * The table is created by CREATE SOURCE when absent (sl_late_rows_create).
 */
#ifndef SL_STREAM_LATE_ROWS_H
#define SL_STREAM_LATE_ROWS_H

#include "exec/operator.h"

struct sl_catalog;

/* Reports `count` late rows of `batch` (physical positions rows[0..count), with their
 * event times) at the operator at ctx's stage, whose input schema is `input` (names and
 * types; plan->children[side] for a join). Counts them; appends them to
 * plan->late_rows_table when set. */
sl_status sl_late_rows_report(sl_op_context *ctx, const sl_physical_op *plan, const sl_physical_op *input,
                              const sl_batch *batch, const uint32_t *rows, const int64_t *event_times,
                              uint32_t count, int64_t watermark, sl_error *err);

/* Creates the late-rows table `name` with the schema above unless it exists; an existing
 * table must have that schema (else an error naming the difference). */
sl_status sl_late_rows_create(struct sl_catalog *catalog, const char *name, sl_error *err);

#endif
