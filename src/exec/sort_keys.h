/*
 * sort_keys.h — the comparator machinery shared by SORT, TOP_N and WINDOW.
 *
 * Keys are ORDER BY / PARTITION BY expressions. sl_key_input evaluates the ones that are
 * not plain column references and appends them as extra columns to the input batch, so
 * the operators materialize [input columns ++ computed keys] in an sl_row_store.
 * sl_sort_keys then normalizes every key column of the store into one typed array per key
 * (int64 for integers, dates, timestamps, booleans and small decimals; int128 for large
 * decimals and intervals; double for REAL/DOUBLE; string views for VARCHAR) plus a NULL
 * flag, so comparing two rows is a short loop of typed comparisons.
 *
 * Ordering rules (PostgreSQL): ASC/DESC per key, NULLS FIRST/LAST per key (independent of
 * direction), NaN sorts above every other double, strings compare by bytes (UTF-8 code
 * point order), intervals compare as months*30 days + days + micros. Sorting is stable.
 */
#ifndef SL_EXEC_SORT_KEYS_H
#define SL_EXEC_SORT_KEYS_H

#include "exec/row_store.h"

/* ------------------------------------------------------------------ key expressions */

typedef struct sl_key_input {
    uint32_t input_columns;      /* columns of the operator's input */
    uint32_t extra_count;        /* computed key columns appended after them */
    sl_expr_state **states;      /* one per computed key */
} sl_key_input;

/* Plans the evaluation of `count` key expressions over an input of `input_columns`
 * columns: out_columns[i] receives the column (of the extended batch) holding key i, and
 * out_types (capacity input_columns + count, may be NULL) the extended batch's extra
 * column types. With eval == NULL only the layout is computed (no evaluation states). */
sl_status sl_key_input_init(sl_key_input *ki, uint32_t input_columns, sl_expr *const *exprs, uint32_t count,
                            const sl_eval_context *eval, uint32_t *out_columns, sl_type *extra_types,
                            sl_error *err);
void sl_key_input_free(sl_key_input *ki);
/* *out = a batch sharing in's columns and selection, with the computed keys appended.
 * When there is nothing to compute, *out = NULL and the caller uses `in` itself. */
sl_status sl_key_input_extend(sl_key_input *ki, const sl_batch *in, sl_batch **out, sl_error *err);

/* ------------------------------------------------------------------ normalized keys */

typedef enum sl_key_class { SL_KEY_I64, SL_KEY_I128, SL_KEY_F64, SL_KEY_STRING, SL_KEY_NULL } sl_key_class;

typedef struct sl_sort_key_column {
    uint32_t column;             /* store column */
    sl_type type;
    sl_key_class cls;
    bool descending;
    bool nulls_first;
    uint8_t *is_null;            /* per row */
    void *values;                /* per row: int64_t / sl_int128 / double / sl_string */
} sl_sort_key_column;

typedef struct sl_sort_keys {
    uint32_t key_count;
    sl_sort_key_column *keys;
    uint32_t row_count;          /* rows normalized so far */
    size_t capacity;
} sl_sort_keys;

/* Prepares keys over store columns columns[i] with the given directions. */
sl_status sl_sort_keys_init(sl_sort_keys *keys, const sl_row_store *store, const uint32_t *columns,
                            const bool *descending, const bool *nulls_first, uint32_t count, sl_error *err);
void sl_sort_keys_free(sl_sort_keys *keys);
/* Normalizes the rows appended to the store since the last call. */
sl_status sl_sort_keys_update(sl_sort_keys *keys, const sl_row_store *store, sl_error *err);

/* Compares rows a and b on keys [first, first + count): <0, 0, >0 in sort order. */
int sl_sort_keys_compare_range(const sl_sort_keys *keys, uint32_t first, uint32_t count, uint32_t a, uint32_t b);
static inline int sl_sort_keys_compare(const sl_sort_keys *keys, uint32_t a, uint32_t b)
{
    return sl_sort_keys_compare_range(keys, 0, keys->key_count, a, b);
}

/* Compares row a of ka with row b of kb, two normalizations with the same keys (the
 * k-way merge of sorted runs, sort_runs.c). */
int sl_sort_keys_compare_between(const sl_sort_keys *ka, uint32_t a, const sl_sort_keys *kb, uint32_t b);

/* Stable sort of rows[0..count) by all keys (merge sort, O(n log n)). */
sl_status sl_sort_keys_sort(const sl_sort_keys *keys, uint32_t *rows, uint32_t count, sl_error *err);

/* The value of key k at row r as a double (numeric keys; for RANGE frame offsets). */
double sl_sort_keys_numeric(const sl_sort_keys *keys, uint32_t k, uint32_t row);

/* ------------------------------------------------------------------ ORDER BY operators */

/* How plan->orders (SORT, TOP_N) lands in the row store: key i is store column
 * columns[i], compared with descending[i] / nulls_first[i]. */
typedef struct sl_order_layout {
    uint32_t count;
    uint32_t *columns;
    bool *descending;
    bool *nulls_first;
} sl_order_layout;

/* Builds the layout of plan->orders over plan->column_count input columns, the row store
 * `store` ([input columns ++ computed keys], charged to exec->memory as `owner`) and the
 * normalized keys over it. The three outputs must start zeroed; on failure they may be
 * partly built and the caller frees them as usual (sl_order_layout_free,
 * sl_row_store_free, sl_sort_keys_free). */
sl_status sl_order_layout_init(const sl_physical_op *plan, sl_exec_context *exec, const char *owner,
                               sl_order_layout *layout, sl_row_store *store, sl_sort_keys *keys, sl_error *err);
void sl_order_layout_free(sl_order_layout *layout);

/* Per-instance state of an ORDER BY sink: the evaluation states of the computed keys of
 * plan->orders. The two functions have the operator's init_local / free_local signature. */
typedef struct sl_order_local {
    sl_key_input keys;
    uint32_t *key_columns;
} sl_order_local;

sl_status sl_order_local_init(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                              sl_error *err);
void sl_order_local_free(const sl_physical_op *plan, void *local);

/* Source of an ORDER BY operator: emits the store rows rows[0..count) in that order, the
 * first column_count columns, in batches of up to SL_BATCH_CAPACITY rows; returns early
 * when the pipeline above asks to stop, fails when the query is interrupted. */
sl_status sl_order_emit(sl_op_context *ctx, sl_row_store *store, const uint32_t *rows, uint32_t count,
                        uint32_t column_count, sl_error *err);

#endif
