/*
 * logical.h — the logical plan: what the binder produces and the optimizer rewrites.
 *
 * Columns are named by bindings (table_index, column_index) rather than positions, so
 * rewrites (pushdown, join reordering, decorrelation) never renumber expressions. Every
 * operator that *creates* columns owns one or more table indexes, allocated from the
 * binder's counter (sl_plan_context.next_table_index):
 *
 *   SCAN / TABLE_FUNCTION / VALUES      table_index            one binding per output column
 *   PROJECT                             table_index            one per expression
 *   AGGREGATE                           group_index (groups), aggregate_index (aggregates)
 *   WINDOW                              window_index           child columns, then windows
 *   SETOP                               table_index            one per column
 *   WINDOW_TVF                          table_index            window_start, window_end, window_time
 *                                                              (after the child's columns, which pass through)
 *   JOIN (MARK)                         mark_index             left columns, right columns
 *                                                              (none for SEMI/ANTI/MARK), mark
 *
 * FILTER, SORT, LIMIT, DISTINCT pass their child's bindings through unchanged.
 * sl_logical_columns() computes an operator's output bindings and types.
 *
 * Lifetime: every node, expression and string is allocated in the statement's arena.
 */
#ifndef SL_PLAN_LOGICAL_H
#define SL_PLAN_LOGICAL_H

#include "expr/expr.h"

struct sl_table;            /* catalog/catalog.h */
struct sl_table_function;   /* plan/table_function.h */
struct sl_source;           /* catalog/catalog.h */

typedef enum sl_logical_kind {
    SL_LOP_SCAN,            /* table scan */
    SL_LOP_TABLE_FUNCTION,  /* read_csv, read_json, generate_series, range, ... */
    SL_LOP_VALUES,          /* rows of expressions */
    SL_LOP_DUMMY,           /* one row, zero columns (SELECT without FROM) */
    SL_LOP_EMPTY,           /* zero rows of the given types (folded WHERE false) */
    SL_LOP_FILTER,
    SL_LOP_PROJECT,
    SL_LOP_AGGREGATE,
    SL_LOP_WINDOW,
    SL_LOP_JOIN,
    SL_LOP_SORT,
    SL_LOP_LIMIT,
    SL_LOP_DISTINCT,
    SL_LOP_SETOP,
    SL_LOP_WINDOW_TVF       /* TUMBLE / HOP / CUMULATE / SESSION over children[0] */
} sl_logical_kind;

/* Window table functions (SL_LOP_WINDOW_TVF, physical WINDOW_TVF / SESSION_WINDOW). */
typedef enum sl_window_kind {
    SL_WINDOW_TUMBLE,
    SL_WINDOW_HOP,
    SL_WINDOW_CUMULATE,
    SL_WINDOW_SESSION
} sl_window_kind;

typedef enum sl_join_type {
    SL_JOIN_INNER,
    SL_JOIN_LEFT,
    SL_JOIN_RIGHT,
    SL_JOIN_FULL,
    SL_JOIN_SEMI,     /* left rows with a match */
    SL_JOIN_ANTI,     /* left rows without a match (NOT EXISTS semantics) */
    SL_JOIN_MARK,     /* left rows + BOOLEAN mark: TRUE match, NULL unknown (IN with NULLs), FALSE */
    SL_JOIN_SINGLE    /* LEFT join that fails if a left row matches >1 right rows (scalar subquery) */
} sl_join_type;

typedef enum sl_setop_kind {
    SL_SETOP_UNION,
    SL_SETOP_INTERSECT,
    SL_SETOP_EXCEPT
} sl_setop_kind;

typedef struct sl_order_spec {
    sl_expr *expr;
    bool descending;
    bool nulls_first;        /* resolved default: NULLS LAST for ASC, NULLS FIRST for DESC (PostgreSQL) */
} sl_order_spec;

typedef enum sl_frame_unit { SL_FRAME_ROWS, SL_FRAME_RANGE } sl_frame_unit;
typedef enum sl_frame_bound_kind {
    SL_BOUND_UNBOUNDED_PRECEDING,
    SL_BOUND_PRECEDING,      /* offset expr */
    SL_BOUND_CURRENT_ROW,
    SL_BOUND_FOLLOWING,      /* offset expr */
    SL_BOUND_UNBOUNDED_FOLLOWING
} sl_frame_bound_kind;

typedef struct sl_window_spec {
    uint32_t partition_count;
    sl_expr **partitions;
    uint32_t order_count;
    sl_order_spec *orders;
    bool has_frame;          /* false: default frame (RANGE UNBOUNDED PRECEDING..CURRENT ROW if ordered, else whole partition) */
    sl_frame_unit frame_unit;
    sl_frame_bound_kind start_kind, end_kind;
    sl_expr *start_offset, *end_offset;
} sl_window_spec;

typedef struct sl_logical_op {
    sl_logical_kind kind;
    uint32_t child_count;
    struct sl_logical_op **children;

    /* output, filled by sl_logical_columns() */
    uint32_t column_count;
    sl_column_binding *columns;
    sl_type *types;
    const char **names;          /* output names where known (for the result header) */

    uint32_t table_index;        /* SCAN, TABLE_FUNCTION, VALUES, PROJECT, SETOP */

    /* SCAN */
    struct sl_table *table;
    /* SCAN and TABLE_FUNCTION: projection pushdown, which columns are read. Table column
     * ids (SCAN) or function schema column numbers (TABLE_FUNCTION), in output order; the
     * bindings stay (table_index, id), so pruning never renumbers expressions. NULL: all
     * columns (a TABLE_FUNCTION until column pruning ran). */
    uint32_t scan_column_count;
    uint32_t *scan_columns;

    /* TABLE_FUNCTION */
    const struct sl_table_function *function;
    void *function_data;         /* bound by the table function (file list, schema, options) */
    uint32_t function_column_count;
    sl_type *function_types;
    const char **function_names;

    /* VALUES: row_count rows of value_width expressions (row-major) */
    uint32_t row_count;
    uint32_t value_width;
    sl_expr **values;

    /* FILTER: conjunction of predicates */
    uint32_t predicate_count;
    sl_expr **predicates;

    /* PROJECT: expressions; AGGREGATE: groups; WINDOW: window exprs */
    uint32_t expr_count;
    sl_expr **exprs;

    /* AGGREGATE */
    uint32_t group_index;
    uint32_t aggregate_index;
    uint32_t aggregate_count;
    sl_expr **aggregates;        /* SL_EXPR_AGGREGATE nodes */

    /* WINDOW */
    uint32_t window_index;

    /* JOIN: children[0] = left, children[1] = right */
    sl_join_type join_type;
    sl_expr *condition;          /* NULL = cross product; may reference both sides */
    uint32_t mark_index;         /* MARK join */

    /* SORT */
    uint32_t order_count;
    sl_order_spec *orders;

    /* LIMIT: constant values after binding; -1 = none */
    int64_t limit;
    int64_t offset;

    /* SETOP */
    sl_setop_kind setop;
    bool setop_all;

    /* TABLE_FUNCTION reading a CREATE SOURCE source: the catalog entry and its watermark
     * expression bound over this op's own columns (table_index, schema column); NULL = no
     * watermark. Column pruning keeps the columns the watermark reads. */
    const struct sl_source *source;
    sl_expr *watermark;

    /* WINDOW_TVF: the window kind, the time column (an expression over the child, a
     * column reference), sizes in microseconds as in physical.h (TUMBLE size [+ offset],
     * HOP slide + size, CUMULATE slide = step + size = max size, SESSION size = gap) and
     * SESSION's PARTITION BY keys in exprs/expr_count. */
    sl_window_kind window_kind;
    sl_expr *window_time;
    int64_t window_size;
    int64_t window_slide;
    int64_t window_offset;

    /* EMPTY: column types given by column_count/types directly */
} sl_logical_op;

/* "TUMBLE", "HOP", "CUMULATE", "SESSION" for EXPLAIN and plan dumps. */
const char *sl_window_kind_name(sl_window_kind kind);
/* "INNER", "LEFT", ... for EXPLAIN and plan dumps. */
const char *sl_join_type_name(sl_join_type type);

/* Counter and arena shared by binder and optimizer for one statement. */
typedef struct sl_plan_context {
    sl_arena *arena;
    uint32_t next_table_index;
} sl_plan_context;

sl_logical_op *sl_logical_new(sl_plan_context *ctx, sl_logical_kind kind, uint32_t child_count);
/* (Re)computes op->columns / types / names from the children and the op's own fields.
 * Call after building or rewriting a node (children first). */
sl_status sl_logical_columns(sl_plan_context *ctx, sl_logical_op *op, sl_error *err);
/* Tree dump for debugging and EXPLAIN (LOGICAL). */
size_t sl_logical_to_string(const sl_logical_op *op, char *buf, size_t cap);

#endif
