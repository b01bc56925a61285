/*
 * join_pairs.h — the probe-side machinery shared by the hash join and the nested loop
 * join: candidate (probe row, build row) pairs are collected in blocks of up to
 * SL_BATCH_CAPACITY, materialized as one batch [probe columns ++ build columns], filtered
 * by the residual condition in one vectorized call, and turned into output according to
 * the join type:
 *
 *   INNER/LEFT/RIGHT/FULL/SINGLE  the passing pairs are emitted (left ++ right);
 *                                 LEFT/FULL/SINGLE then emit probe rows without a match
 *                                 with NULL build columns; SINGLE fails on a 2nd match;
 *   SEMI / ANTI                   probe rows with / without a passing pair (probe columns);
 *   MARK                          probe columns ++ BOOLEAN mark: the three-valued OR over
 *                                 the pairs of (keys equal AND condition). A pair added
 *                                 with `key_unknown` stands for "keys compare as NULL", so
 *                                 a TRUE condition only makes the mark NULL.
 *
 * The join operator decides which pairs exist (hash chains, or every build row) and may
 * settle SEMI/ANTI/MARK rows directly through `matches` / `mark` when it needs no
 * condition. Unmatched build rows of RIGHT/FULL joins are emitted at the end by
 * sl_join_emit_unmatched_build. Every output batch holds at most SL_BATCH_CAPACITY rows.
 *
 * Lifetimes: the build row store and its matched flags are borrowed from the join's
 * global state; the probe batch is borrowed between sl_join_probe_begin and
 * sl_join_probe_finish. One sl_join_probe per pipeline instance (local state).
 */
#ifndef SL_EXEC_JOIN_PAIRS_H
#define SL_EXEC_JOIN_PAIRS_H

#include "exec/row_store.h"

/* RIGHT/FULL joins flag the build rows that found a match (emitted unmatched at the end). */
static inline bool sl_join_needs_build_flags(sl_join_type type)
{
    return type == SL_JOIN_RIGHT || type == SL_JOIN_FULL;
}

/* Values of sl_join_probe.mark (ordered so that the OR is a max). */
#define SL_MARK_FALSE 0
#define SL_MARK_NULL 1
#define SL_MARK_TRUE 2

typedef struct sl_join_probe {
    const sl_physical_op *plan;
    sl_join_type type;
    uint32_t left_count;          /* probe columns (children[0]) */
    uint32_t right_count;         /* build columns (children[1]) */
    sl_expr_state *condition;     /* NULL when the join has no residual condition */
    sl_row_store *build;          /* borrowed */
    const int32_t *build_map;     /* borrowed; NULL = build column c is store column c, else the
                                     store column of build column c or -1 (not stored: the
                                     condition does not read it, pairs carry NULLs there) */
    sl_vector **null_columns;     /* per build column: shared all-NULL vector for unstored ones */
    uint8_t *build_matched;       /* borrowed; non-NULL for RIGHT/FULL */
    const sl_batch *input;        /* the probe batch being processed */
    uint32_t *matches;            /* per physical probe row: passing pairs so far */
    uint8_t *mark;                /* per physical probe row: SL_MARK_* */
    size_t row_capacity;
    uint32_t pair_count;
    uint32_t pair_left[SL_BATCH_CAPACITY];
    uint32_t pair_right[SL_BATCH_CAPACITY];
    uint8_t pair_key_unknown[SL_BATCH_CAPACITY];
    uint32_t scratch[SL_BATCH_CAPACITY];
    /* Optional (a spilling hash join): output goes to capture() instead of the next
     * stage, with probe_rows[i] = the physical probe row (of `input`) behind active output
     * row i and `phase` 0 for pair rows, 1 for the rows emitted at finish (unmatched,
     * SEMI/ANTI, MARK). The batch may have more columns than the join's output (SEMI/ANTI
     * pass the probe batch through): its first plan->column_count columns are the output. */
    sl_status (*capture)(void *arg, const sl_batch *out, const uint32_t *probe_rows, int phase, sl_error *err);
    void *capture_arg;
} sl_join_probe;

/* Allocates the probe machinery for a join plan. *out is owned by the caller
 * (sl_join_probe_free). */
sl_status sl_join_probe_new(const sl_physical_op *plan, sl_exec_context *exec, sl_join_probe **out, sl_error *err);
void sl_join_probe_free(sl_join_probe *jp);

/* Declares which build columns the store holds (see build_map; borrowed, may be NULL).
 * Only SEMI/ANTI/MARK joins may leave columns out: their output has no build columns. */
static inline void sl_join_probe_set_build_map(sl_join_probe *jp, const int32_t *build_map)
{
    jp->build_map = build_map;
}

/* Starts a probe batch: per-row match counters and marks are reset. */
sl_status sl_join_probe_begin(sl_join_probe *jp, const sl_batch *input, sl_row_store *build, uint8_t *build_matched,
                              sl_error *err);

/* Processes the collected pairs (condition, accounting, output of pair rows). */
sl_status sl_join_probe_flush(sl_join_probe *jp, sl_op_context *ctx, sl_error *err);

/* Adds one candidate pair; flushes when the block is full. */
static inline sl_status sl_join_probe_add(sl_join_probe *jp, sl_op_context *ctx, uint32_t left_row,
                                          uint32_t right_row, bool key_unknown, sl_error *err)
{
    jp->pair_left[jp->pair_count] = left_row;
    jp->pair_right[jp->pair_count] = right_row;
    jp->pair_key_unknown[jp->pair_count] = key_unknown;
    if (++jp->pair_count == SL_BATCH_CAPACITY)
        return sl_join_probe_flush(jp, ctx, err);
    return SL_OK;
}

/* Adds pairs (left_row, first_right + j) for j < count. */
sl_status sl_join_probe_add_range(sl_join_probe *jp, sl_op_context *ctx, uint32_t left_row, uint32_t first_right,
                                  uint32_t count, bool key_unknown, sl_error *err);

/* Pairs probe row `row` with every build row, one block of SL_BATCH_CAPACITY at a time,
 * and stops early once more pairs cannot change the row's outcome: when it is settled,
 * or, for key_unknown pairs (they only turn a FALSE mark into NULL), once its mark is no
 * longer FALSE. */
sl_status sl_join_probe_add_all(sl_join_probe *jp, sl_op_context *ctx, uint32_t row, bool key_unknown,
                                sl_error *err);

/* True when more pairs cannot change probe row `row`'s outcome (SEMI/ANTI matched, MARK
 * already TRUE); the caller may skip its remaining candidates. */
static inline bool sl_join_probe_row_settled(const sl_join_probe *jp, uint32_t row)
{
    switch (jp->type) {
    case SL_JOIN_SEMI:
    case SL_JOIN_ANTI: return jp->matches[row] > 0;
    case SL_JOIN_MARK: return jp->mark[row] == SL_MARK_TRUE;
    default: return false;
    }
}

/* Flushes the last pairs and emits the per-probe-row results (LEFT/FULL/SINGLE unmatched
 * rows, SEMI/ANTI rows, MARK rows). */
sl_status sl_join_probe_finish(sl_join_probe *jp, sl_op_context *ctx, sl_error *err);

/* RIGHT/FULL: emits the build rows whose matched flag is 0, with NULL probe columns. */
sl_status sl_join_emit_unmatched_build(sl_op_context *ctx, const sl_physical_op *plan, sl_row_store *build,
                                       const uint8_t *matched, sl_error *err);

/* sl_join_emit_unmatched_build with the batches going to capture(arg, batch, build
 * rows, 2, err) (see sl_join_probe.capture) instead of the next stage. */
sl_status sl_join_capture_unmatched_build(const sl_physical_op *plan, sl_row_store *build, const uint8_t *matched,
                                          sl_status (*capture)(void *, const sl_batch *, const uint32_t *, int,
                                                               sl_error *),
                                          void *arg, sl_error *err);

/* The part of a join's push that is not probing: forwards every non-DATA message, and
 * before the END of the last probe instance (sl_op_end_is_last on `global`) emits the
 * unmatched build rows of a RIGHT/FULL join. msg->kind must not be SL_MSG_DATA. */
sl_status sl_join_forward(sl_op_context *ctx, const sl_physical_op *plan, void *global, sl_row_store *build,
                          const uint8_t *matched, const sl_msg *msg, sl_error *err);

/* A new vector of `count` NULLs. NULL on OOM. */
sl_vector *sl_join_null_vector(sl_type type, uint32_t count);

#endif
