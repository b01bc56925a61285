/*
 * streaming.h — planning a continuous query: turning the physical plan of a query into
 * the form that runs on unbounded input (src/stream/README.md).
 *
 * The batch planner runs first; sl_plan_streaming then walks the physical tree bottom-up,
 * marks every operator streaming, works out which output columns are event-time columns
 * (physical.h, time_columns) and whether the output is append-only, and replaces the
 * operators that would block on an unbounded input:
 *   HASH_AGGREGATE over windows (a group key is window_end) ............ WINDOW_AGGREGATE
 *   HASH_AGGREGATE otherwise, DISTINCT ................................. STREAM_AGGREGATE
 *   HASH_JOIN / NESTED_LOOP_JOIN of two streams ........................ STREAM_JOIN
 *     (a join whose build side is a bounded table stays a HASH_JOIN: a lookup join)
 *   ROW_NUMBER() <= N (FILTER over WINDOW), ORDER BY ... LIMIT N ....... STREAM_TOP_N
 * and rejects, with a message saying why and what to write instead, what cannot run on
 * an unbounded input (ORDER BY without LIMIT, window functions other than a top-N,
 * INTERSECT / EXCEPT, a retracting input to an operator that cannot retract).
 */
#ifndef SL_PLAN_STREAMING_H
#define SL_PLAN_STREAMING_H

#include "plan/physical.h"

struct sl_catalog;

typedef struct sl_streaming_options {
    struct sl_catalog *catalog;  /* resolves late_rows_table names */
    bool bounded;              /* every input ends (a bounded run: ORDER BY at the top is allowed) */
    bool emit_changes;         /* EMIT CHANGES: the caller wants the changelog */
    bool emit_on_window_close; /* EMIT ON WINDOW CLOSE was written: an aggregate must close on windows */
} sl_streaming_options;

/* Whether the plan reads a CREATE SOURCE source; *unbounded: one that never ends. */
bool sl_plan_reads_source(const sl_physical_op *op, bool *unbounded);

/* Rewrites the tree under *root (the RESULT / INSERT / COPY_TO sink included) in place
 * into its streaming form; allocations in ctx->arena. */
sl_status sl_plan_streaming(sl_plan_context *ctx, sl_physical_op **root, const sl_streaming_options *options,
                            sl_error *err);

/* ---- pieces owned by their operators' planners */

/* plan/interval_join.c: fills join->state_bounds / state_bound_count / time_column of a
 * STREAM_JOIN from its key equalities and condition, given the children's time_columns:
 * a conjunct `R.t <= e(L)` (or <, =, BETWEEN ... AND e(L)) with R.t an event-time column of
 * the right side bounds the left rows by e(L) (minus 1 microsecond for <), and the other
 * way round. Leaves the counts 0 when nothing bounds a side (its state is kept). */
sl_status sl_interval_join_bounds(sl_plan_context *ctx, sl_physical_op *join, sl_error *err);

/* plan/stream_top_n.c: if `op` is the top of a top-N pattern (FILTER on a ROW_NUMBER()
 * column <= / < / = N over a WINDOW computing just that ROW_NUMBER, possibly with
 * projections between; or a TOP_N), builds the equivalent STREAM_TOP_N (plus a
 * projection restoring the column order when needed) in *out; *out = NULL when `op`
 * is not such a pattern. */
sl_status sl_stream_plan_top_n(sl_plan_context *ctx, sl_physical_op *op, sl_physical_op **out, sl_error *err);

#endif
