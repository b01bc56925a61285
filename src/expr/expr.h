/*
 * expr.h — bound (typed, resolved) expressions and their vectorized evaluation.
 *
 * The binder turns AST expressions into sl_expr trees. Column references start as
 * *bindings* (table_index, column_index) that name a column produced by some logical
 * operator (see plan/logical.h); the physical planner resolves each binding to a
 * position in the operator's input batch (`index`). The evaluator only uses `index`.
 *
 * Operators, comparisons and functions are all SL_EXPR_CALL nodes that point at a
 * resolved function overload (expr/function.h) whose kernel works a batch at a time.
 * Logic with special NULL or short-circuit rules has its own node kinds.
 *
 * Ownership: an expression tree is allocated from the arena of the plan that owns it and
 * is immutable after planning. Evaluation state (scratch vectors) lives in
 * sl_expr_state, one per operator instance / thread.
 */
#ifndef SL_EXPR_EXPR_H
#define SL_EXPR_EXPR_H

#include "common/alloc.h"
#include "vector/batch.h"
#include "vector/value.h"

typedef struct sl_scalar_function sl_scalar_function;
typedef struct sl_aggregate_function sl_aggregate_function;

typedef enum sl_expr_kind {
    SL_EXPR_COLUMN,        /* binding / index */
    SL_EXPR_CONSTANT,      /* value */
    SL_EXPR_PARAMETER,     /* prepared-statement parameter $n (param_index, 1-based) */
    SL_EXPR_CALL,          /* function(args) — arithmetic, comparisons, functions */
    SL_EXPR_CAST,          /* args[0] cast to type; try_cast: NULL on failure */
    SL_EXPR_AND,           /* n-ary, three-valued */
    SL_EXPR_OR,            /* n-ary, three-valued */
    SL_EXPR_NOT,
    SL_EXPR_IS_NULL,
    SL_EXPR_IS_NOT_NULL,
    SL_EXPR_CASE,          /* args: when0, then0, when1, then1, ..., [else] (has_else) */
    SL_EXPR_COALESCE,      /* first non-NULL of args */
    SL_EXPR_IN_LIST,       /* args[0] IN (args[1..]) with SQL NULL semantics; negated flag */
    SL_EXPR_IS_DISTINCT,   /* args[0] IS [NOT] DISTINCT FROM args[1]; negated = IS NOT DISTINCT */
    /* Placeholders that exist only between binder and optimizer; the optimizer replaces
     * them (decorrelation) before physical planning. */
    SL_EXPR_SUBQUERY,      /* scalar / EXISTS / IN / ANY / ALL subquery, see subquery fields */
    SL_EXPR_AGGREGATE,     /* aggregate call inside a SELECT list before aggregation is planned */
    SL_EXPR_WINDOW         /* window function call before the window operator is planned */
} sl_expr_kind;

typedef struct sl_column_binding {
    uint32_t table_index;   /* operator that produces the column */
    uint32_t column_index;  /* position within that operator's output */
} sl_column_binding;

typedef enum sl_subquery_kind {
    SL_SUBQUERY_SCALAR,
    SL_SUBQUERY_EXISTS,
    SL_SUBQUERY_IN,          /* args[0] IN (subquery) */
    SL_SUBQUERY_ANY,         /* args[0] op ANY (subquery), op in subquery_op */
    SL_SUBQUERY_ALL
} sl_subquery_kind;

struct sl_logical_op;  /* plan/logical.h */

typedef struct sl_expr {
    sl_expr_kind kind;
    sl_type type;                    /* result type */
    int position;                    /* byte offset in SQL text for errors, -1 if none */
    const char *alias;               /* output name suggestion (may be NULL) */

    /* SL_EXPR_COLUMN */
    sl_column_binding binding;
    uint32_t index;                  /* resolved input position (physical) */
    uint32_t depth;                  /* >0: correlated reference to an outer query level */

    /* SL_EXPR_CONSTANT */
    sl_value value;

    /* SL_EXPR_PARAMETER */
    uint32_t param_index;

    /* SL_EXPR_CALL / aggregate / window */
    const sl_scalar_function *function;
    void *bind_data;                 /* per-call data built at bind time (e.g. compiled regex) */

    /* children */
    uint32_t arg_count;
    struct sl_expr **args;

    bool negated;                    /* IN_LIST, IS_DISTINCT, subquery IN (NOT IN) */
    bool has_else;                   /* CASE */
    bool try_cast;                   /* CAST */

    /* SL_EXPR_SUBQUERY */
    sl_subquery_kind subquery_kind;
    const char *subquery_op;         /* "=", "<", ... for ANY/ALL */
    struct sl_logical_op *subquery;  /* bound subquery plan */

    /* SL_EXPR_AGGREGATE */
    const sl_aggregate_function *aggregate;
    bool distinct;
    struct sl_expr *filter;          /* FILTER (WHERE ...) or NULL */
    uint32_t order_count;            /* string_agg(x, ',' ORDER BY ...) */
    struct sl_expr **order_by;
    bool *order_desc;
    bool *order_nulls_first;

    /* SL_EXPR_WINDOW: see plan/logical.h sl_window_spec */
    struct sl_window_spec *window;
    const char *window_function;     /* "row_number", "rank", ..., or NULL if aggregate */
} sl_expr;

/* ---------------------------------------------------------------- construction */

sl_expr *sl_expr_new(sl_arena *arena, sl_expr_kind kind, sl_type type);
sl_expr *sl_expr_column(sl_arena *arena, sl_type type, uint32_t table_index, uint32_t column_index);
sl_expr *sl_expr_constant(sl_arena *arena, const sl_value *value);   /* value copied into arena */
/* Deep copy into arena (subquery plans are shared, not copied). */
sl_expr *sl_expr_copy(sl_arena *arena, const sl_expr *e);
/* Structural equality (used to match GROUP BY expressions in SELECT, CSE). */
bool sl_expr_equal(const sl_expr *a, const sl_expr *b);
/* Human-readable rendering for EXPLAIN and error messages. */
size_t sl_expr_to_string(const sl_expr *e, char *buf, size_t cap);

/* ---------------------------------------------------------------- evaluation */

typedef struct sl_eval_context {
    const sl_value *params;          /* prepared-statement parameters, 1-based index - 1 */
    uint32_t param_count;
    int64_t now_micros;              /* statement start time (now(), current_date) */
    /* CURRENT_WATERMARK(): the watermark of the evaluating operator's input, or NULL
     * (no watermark yet / not a continuous query). Operators of continuous queries point
     * it at the watermark they track. */
    const int64_t *watermark;
} sl_eval_context;

typedef struct sl_expr_state sl_expr_state;

/* Prepares evaluation of `expr` (scratch vectors, constant vectors). One state per
 * operator instance; not thread-safe. NULL on OOM. */
sl_expr_state *sl_expr_state_new(const sl_expr *expr, const sl_eval_context *ctx);
void sl_expr_state_free(sl_expr_state *state);

/* Evaluates expr over the active rows of `input`. On success *out is a vector of
 * input->length slots whose values are defined at the active rows (sl_batch_row), and the
 * caller receives one reference (sl_vector_unref when done). Column references return
 * the input column itself (shared). */
sl_status sl_expr_evaluate(sl_expr_state *state, const sl_batch *input, sl_vector **out, sl_error *err);

/* Evaluates a BOOLEAN predicate and narrows the selection: writes to out_sel the physical
 * positions of active rows where it is TRUE (not NULL, not FALSE), sets *out_count. out_sel
 * must hold input->count entries. */
sl_status sl_expr_select(sl_expr_state *state, const sl_batch *input, uint32_t *out_sel,
                         uint32_t *out_count, sl_error *err);

/* Evaluates an expression with no column references (constant folding, VALUES, LIMIT).
 * out receives an owned value. */
sl_status sl_expr_evaluate_constant(const sl_expr *expr, const sl_eval_context *ctx, sl_value *out,
                                    sl_error *err);
/* True if the expression has no column, parameter, subquery, aggregate or window
 * references and no volatile function (random()). */
bool sl_expr_is_foldable(const sl_expr *expr);

#endif
