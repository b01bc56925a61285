/*
 * physical.h — the physical plan: operators with resolved column positions.
 *
 * Produced by the physical planner from the optimized logical plan; immutable during
 * execution (execution state lives in exec/, see operator.h). Every expression here
 * refers to its input by position (sl_expr.index):
 *   - single-input operators: positions in children[0]'s output;
 *   - joins: positions in the concatenation [children[0] columns ++ children[1] columns]
 *     for `condition`; probe_keys over children[0], build_keys over children[1].
 *
 * Output columns per kind:
 *   TABLE_SCAN / TABLE_FUNCTION / VALUES   the scanned columns
 *   FILTER / LIMIT / SORT / TOP_N          child's columns
 *   PROJECTION                             exprs
 *   HASH_AGGREGATE                         groups ++ aggregates
 *   HASH_JOIN / NESTED_LOOP_JOIN           INNER/LEFT/RIGHT/FULL/SINGLE: left ++ right;
 *                                          SEMI/ANTI: left; MARK: left ++ mark (BOOLEAN)
 *   UNION_ALL / SET_OPERATION              children[0]'s columns (types equal)
 *   WINDOW                                 child's columns ++ one per window expr
 *   RESULT / INSERT / COPY_TO              (sinks; INSERT and COPY_TO produce one BIGINT row count)
 *   WINDOW_TVF / SESSION_WINDOW            child's columns ++ window_start, window_end, window_time
 *   WINDOW_AGGREGATE / STREAM_AGGREGATE    groups ++ aggregates (as HASH_AGGREGATE)
 *   STREAM_JOIN                            as HASH_JOIN (INNER/LEFT/RIGHT/FULL: left ++ right)
 *   STREAM_TOP_N                           child's columns (++ the row number when rank_column)
 *
 * The build side of a hash join is always children[1].
 */
#ifndef SL_PLAN_PHYSICAL_H
#define SL_PLAN_PHYSICAL_H

#include "plan/logical.h"

struct sl_copy_options;  /* formats/copy.h */
struct sl_table_filter;  /* plan/table_function.h */
struct sl_source;        /* catalog/catalog.h */

typedef enum sl_physical_kind {
    SL_POP_TABLE_SCAN,
    SL_POP_TABLE_FUNCTION,
    SL_POP_VALUES,
    SL_POP_EMPTY,
    SL_POP_FILTER,
    SL_POP_PROJECTION,
    SL_POP_HASH_AGGREGATE,
    SL_POP_HASH_JOIN,
    SL_POP_NESTED_LOOP_JOIN,
    SL_POP_SORT,
    SL_POP_TOP_N,
    SL_POP_LIMIT,
    SL_POP_UNION_ALL,
    SL_POP_SET_OPERATION,
    SL_POP_WINDOW,
    SL_POP_RESULT,
    SL_POP_INSERT,
    SL_POP_COPY_TO,
    /* window table functions (both modes) and streaming-only operators (src/stream/README.md) */
    SL_POP_WINDOW_TVF,          /* TUMBLE / HOP / CUMULATE: assigns windows, stateless */
    SL_POP_SESSION_WINDOW,      /* SESSION: batch = blocking, streaming = closes on watermark */
    SL_POP_WINDOW_AGGREGATE,    /* streaming: group by window, emit each window once on close */
    SL_POP_STREAM_AGGREGATE,    /* streaming: group by, changelog output, retracting input */
    SL_POP_STREAM_JOIN,         /* streaming: symmetric hash join, interval/window state pruning */
    SL_POP_STREAM_TOP_N,        /* streaming: ROW_NUMBER() <= N per partition, changelog output */
    SL_POP_KIND_COUNT_
} sl_physical_kind;

typedef struct sl_physical_op {
    sl_physical_kind kind;
    uint32_t child_count;
    struct sl_physical_op **children;

    uint32_t column_count;
    sl_type *types;
    const char **names;
    double estimated_rows;        /* for EXPLAIN and build-side choice */

    /* TABLE_SCAN: the table columns read, in output order. TABLE_FUNCTION: the function
     * schema columns produced, in output order (its init_projected gets them), or NULL =
     * the whole schema (no pruning happened). */
    struct sl_table *table;
    uint32_t scan_column_count;
    uint32_t *scan_columns;

    /* TABLE_FUNCTION */
    const struct sl_table_function *function;
    void *function_data;
    /* simple `column op constant` conjuncts of the FILTER right above, offered to a
     * function with init_filtered (hints: that FILTER stays); 0 / NULL when none */
    uint32_t scan_filter_count;
    struct sl_table_filter *scan_filters;

    /* VALUES: row_count x column_count constant values, row-major */
    uint32_t row_count;
    sl_value *values;

    /* FILTER */
    sl_expr *predicate;

    /* PROJECTION: exprs; HASH_AGGREGATE: groups; WINDOW: window exprs (SL_EXPR_WINDOW) */
    uint32_t expr_count;
    sl_expr **exprs;

    /* HASH_AGGREGATE: SL_EXPR_AGGREGATE nodes whose args/filter/order refer to child positions */
    uint32_t aggregate_count;
    sl_expr **aggregates;

    /* HASH_JOIN / NESTED_LOOP_JOIN */
    sl_join_type join_type;
    uint32_t key_count;
    sl_expr **probe_keys;          /* over children[0] */
    sl_expr **build_keys;          /* over children[1] */
    bool *key_null_equal;          /* IS NOT DISTINCT FROM keys (NULL = NULL matches) */
    sl_expr *condition;            /* residual predicate over left ++ right, or NULL */

    /* SORT / TOP_N */
    uint32_t order_count;
    sl_order_spec *orders;

    /* LIMIT / TOP_N */
    int64_t limit;                 /* -1 = none */
    int64_t offset;

    /* SET_OPERATION (INTERSECT / EXCEPT [ALL]; UNION DISTINCT is UNION_ALL + aggregate) */
    sl_setop_kind setop;
    bool setop_all;

    /* INSERT */
    struct sl_table *target;
    /* COPY_TO */
    struct sl_copy_options *copy;

    /* ---- continuous execution (plan/streaming.c fills these; src/stream/README.md) */
    bool streaming;                /* part of a continuous query: runs as a push stage */
    bool append_only;              /* the output never carries retractions */
    /* Per output column (column_count entries, NULL = none): an event-time column whose
     * value, on every row emitted after this operator forwarded WATERMARK(w), is >= w
     * (late rows aside). Window operators group on these; joins prune state with them. */
    bool *time_columns;
    /* Where rows that arrive behind the watermark at this operator go (window, session,
     * interval join): NULL = dropped and counted in the operator's metrics. */
    struct sl_table *late_rows_table;

    /* TABLE_FUNCTION reading a source: the source name (metrics, late rows), the watermark
     * expression over the *scanned* columns (NULL = none), idle_timeout in microseconds
     * (0 = a silent split never stops holding the watermark back). */
    const char *source_name;
    const struct sl_source *source;
    sl_expr *watermark;
    int64_t idle_timeout;

    /* WINDOW_TVF / SESSION_WINDOW: window_column is the time column (position in the
     * child); sizes in microseconds. TUMBLE: size (+ offset). HOP: slide, size. CUMULATE:
     * slide = step, size = max size. SESSION: size = gap; exprs/expr_count = PARTITION BY
     * keys over the child. */
    sl_window_kind window_kind;
    uint32_t window_column;
    int64_t window_size;
    int64_t window_slide;
    int64_t window_offset;

    /* WINDOW_AGGREGATE: exprs/aggregates as HASH_AGGREGATE; window_end_group = the group
     * key (index into exprs) holding window_end: a window is final once the watermark
     * reaches it. STREAM_AGGREGATE: exprs/aggregates as HASH_AGGREGATE. */
    uint32_t window_end_group;

    /* STREAM_JOIN: join_type, key_count, probe_keys (left), build_keys (right),
     * key_null_equal and condition as HASH_JOIN. State pruning (plan/interval_join.c):
     * state_bounds[s] (state_bound_count[s] exprs over side s's own columns) — a stored
     * row r of side s can never match a row of the other side whose time column is greater
     * than any bound(r); once the other side's watermark passes min(bound(r)), r is dropped.
     * time_column[s]: side s's event-time column (position in side s), or -1. */
    uint32_t state_bound_count[2];
    sl_expr **state_bounds[2];
    int32_t time_column[2];

    /* RESULT of a continuous query: EMIT CHANGES — the output is the changelog, with a
     * leading VARCHAR column `op` ('+I', '-U', '+U', '-D') before the query's columns. */
    bool emit_changes;

    /* STREAM_TOP_N: exprs/expr_count = PARTITION BY keys, orders/order_count = ORDER BY,
     * limit = N (rows with row number <= N are kept); rank_column: the output has one more
     * BIGINT column, the row number. */
    bool rank_column;
} sl_physical_op;

sl_physical_op *sl_physical_new(sl_arena *arena, sl_physical_kind kind, uint32_t child_count);
const char *sl_physical_kind_name(sl_physical_kind kind);

/* Plans the optimized logical tree into a physical tree (resolving bindings to
 * positions), allocating in arena. */
sl_status sl_physical_plan(sl_plan_context *ctx, const sl_logical_op *logical, sl_physical_op **out,
                           sl_error *err);

#endif
