/*
 * executor.c — sl_executor_run and sl_executor_explain: the front door of exec/.
 *
 * Run = build the pipelines (pipeline.c), execute them, move the RESULT sink's batches
 * out (or build the one-row count for INSERT / COPY_TO), free every state.
 * Explain = render the operator tree and the pipeline list without executing anything.
 */
#include "exec/executor.h"

#include <stdarg.h>
#include <stdio.h>

#include "exec/pipeline.h"
#include "exec/result.h"
#include "plan/table_function.h"
#include "catalog/catalog.h"

/* One BIGINT row holding `count` (INSERT / COPY_TO output). */
static sl_status count_batch(int64_t count, sl_batch **out, sl_error *err)
{
    sl_type bigint = sl_type_make(SL_TYPE_BIGINT);
    sl_batch *b = sl_batch_new_typed(&bigint, 1, 1);
    if (!b)
        return sl_error_oom(err);
    SL_VECTOR_DATA(b->columns[0], int64_t)[0] = count;
    b->length = b->count = 1;
    *out = b;
    return SL_OK;
}

sl_status sl_executor_run(sl_exec_context *exec, const sl_physical_op *root, sl_batch ***batches,
                          size_t *batch_count, sl_error *err)
{
    *batches = NULL;
    *batch_count = 0;
    if (!exec)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "executor: no execution context");
    sl_executor ex;
    memset(&ex, 0, sizeof ex);
    exec->rows_affected = 0;
    sl_status st = sl_executor_build(&ex, exec, root, err);
    if (st == SL_OK)
        st = sl_executor_execute(&ex, err);
    if (st == SL_OK) {
        if (root->kind == SL_POP_RESULT) {
            sl_result_take(ex.nodes[0].global, batches, batch_count);
        } else {
            sl_batch *b = NULL;
            st = count_batch(exec->rows_affected, &b, err);
            if (st == SL_OK) {
                *batches = sl_malloc(sizeof **batches);
                if (!*batches) {
                    sl_batch_free(b);
                    st = sl_error_oom(err);
                } else {
                    (*batches)[0] = b;
                    *batch_count = 1;
                }
            }
        }
    }
    sl_executor_free(&ex);
    return st;
}

/* ------------------------------------------------------------------ continuous queries */

struct sl_continuous {
    sl_executor ex;
    sl_stream_driver *driver;
    bool finished;
    bool failed;
};

sl_status sl_continuous_start(sl_exec_context *exec, const sl_physical_op *root, sl_continuous **out, sl_error *err)
{
    *out = NULL;
    if (!exec || !root || root->kind != SL_POP_RESULT || !root->streaming)
        return sl_error_set(err, SL_ERR_INTERNAL, "continuous query: needs a streaming plan under RESULT");
    sl_continuous *q = sl_calloc(1, sizeof *q);
    if (!q)
        return sl_error_oom(err);
    exec->rows_affected = 0;
    sl_status st = sl_executor_build(&q->ex, exec, root, err);
    if (st == SL_OK)
        st = sl_stream_driver_start(&q->ex, &q->driver, err);
    if (st != SL_OK) {
        sl_continuous_free(q);
        return st;
    }
    *out = q;
    return SL_OK;
}

sl_status sl_continuous_poll(sl_continuous *q, sl_batch **out, bool *finished, bool *idle, sl_error *err)
{
    *out = NULL;
    *finished = *idle = false;
    if (q->failed)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "continuous query: already failed");
    *out = sl_result_pop(q->ex.nodes[0].global);
    if (*out)
        return SL_OK;
    if (!q->finished) {
        sl_status st = sl_stream_driver_step(q->driver, &q->finished, idle, err);
        if (st != SL_OK) {
            q->failed = true;
            return st;
        }
        *out = sl_result_pop(q->ex.nodes[0].global);
    }
    *finished = q->finished && !*out;
    return SL_OK;
}

void sl_continuous_keep_changes(sl_continuous *q)
{
    sl_result_keep_changes(q->ex.nodes[0].global);
}

sl_status sl_continuous_snapshot(sl_continuous *q, sl_batch ***batches, size_t *count, sl_error *err)
{
    return sl_result_snapshot(q->ex.nodes[0].global, batches, count, err);
}

bool sl_continuous_is_updating(const sl_continuous *q)
{
    const sl_physical_op *root = q->ex.root;
    return root->streaming && !root->emit_changes && !root->children[0]->append_only;
}

void sl_continuous_idle_wait(void)
{
    sl_stream_idle_wait();
}

uint32_t sl_continuous_operator_count(const sl_continuous *q) { return q->ex.node_count; }

const sl_physical_op *sl_continuous_operator(const sl_continuous *q, uint32_t i, const sl_op_metrics **metrics)
{
    *metrics = &q->ex.nodes[i].metrics;
    return q->ex.nodes[i].plan;
}

void *sl_continuous_operator_state(const sl_continuous *q, uint32_t i)
{
    return q->ex.nodes[i].global_ready ? q->ex.nodes[i].global : NULL;
}

void sl_continuous_free(sl_continuous *q)
{
    if (!q)
        return;
    sl_stream_driver_free(q->driver);
    sl_executor_free(&q->ex);
    sl_free(q);
}

/* ------------------------------------------------------------------ EXPLAIN */

typedef struct sl_text {
    char *data;
    size_t length;
    size_t capacity;
    bool failed;
} sl_text;

static void text_append(sl_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_append(sl_text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = true;
        return;
    }
    if (sl_array_reserve((void **)&t->data, &t->capacity, t->length + (size_t)n + 1, 1, NULL) != SL_OK) {
        t->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(t->data + t->length, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->length += (size_t)n;
}

static void text_expr(sl_text *t, const sl_expr *e)
{
    char buf[512];
    if (!e) {
        text_append(t, "?");
        return;
    }
    size_t n = sl_expr_to_string(e, buf, sizeof buf);
    text_append(t, "%s%s", buf, n >= sizeof buf ? "..." : "");
}

static void text_expr_list(sl_text *t, sl_expr *const *exprs, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (i)
            text_append(t, ", ");
        text_expr(t, exprs[i]);
    }
}

static void text_orders(sl_text *t, const sl_order_spec *orders, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (i)
            text_append(t, ", ");
        text_expr(t, orders[i].expr);
        text_append(t, "%s%s", orders[i].descending ? " DESC" : " ASC",
                    orders[i].nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
}

/* The detail shown after an operator's kind: its keys and expressions. */
static void text_details(sl_text *t, const sl_physical_op *op)
{
    switch (op->kind) {
    case SL_POP_TABLE_SCAN:
        text_append(t, " %s [", op->table ? op->table->name : "?");
        for (uint32_t i = 0; i < op->scan_column_count; i++) {
            uint32_t c = op->scan_columns[i];
            text_append(t, "%s%s", i ? ", " : "",
                        op->table && c < op->table->column_count ? op->table->columns[c].name : "?");
        }
        text_append(t, "]");
        break;
    case SL_POP_TABLE_FUNCTION:
        text_append(t, " %s", op->function ? op->function->name : "?");
        if (op->scan_columns) {   /* pruned: the columns produced, in output order */
            text_append(t, " [");
            for (uint32_t i = 0; i < op->scan_column_count; i++)
                text_append(t, "%s%s", i ? ", " : "", op->names && op->names[i] ? op->names[i] : "?");
            text_append(t, "]");
        }
        break;
    case SL_POP_VALUES:
        text_append(t, " %u row%s", op->row_count, op->row_count == 1 ? "" : "s");
        break;
    case SL_POP_FILTER:
        text_append(t, " ");
        text_expr(t, op->predicate);
        break;
    case SL_POP_PROJECTION:
    case SL_POP_WINDOW:
        text_append(t, " [");
        text_expr_list(t, op->exprs, op->expr_count);
        text_append(t, "]");
        break;
    case SL_POP_HASH_AGGREGATE:
    case SL_POP_WINDOW_AGGREGATE:
    case SL_POP_STREAM_AGGREGATE:
        text_append(t, " groups [");
        text_expr_list(t, op->exprs, op->expr_count);
        text_append(t, "] aggregates [");
        text_expr_list(t, op->aggregates, op->aggregate_count);
        text_append(t, "]");
        break;
    case SL_POP_HASH_JOIN:
    case SL_POP_NESTED_LOOP_JOIN:
    case SL_POP_STREAM_JOIN:
        text_append(t, " %s", sl_join_type_name(op->join_type));
        for (uint32_t i = 0; i < op->key_count; i++) {
            text_append(t, "%s", i ? " AND " : " ");
            text_expr(t, op->probe_keys[i]);
            text_append(t, op->key_null_equal && op->key_null_equal[i] ? " IS NOT DISTINCT FROM " : " = ");
            text_expr(t, op->build_keys[i]);
        }
        if (op->condition) {
            text_append(t, " condition ");
            text_expr(t, op->condition);
        }
        break;
    case SL_POP_SORT:
        text_append(t, " ");
        text_orders(t, op->orders, op->order_count);
        break;
    case SL_POP_WINDOW_TVF:
    case SL_POP_SESSION_WINDOW: {
        static const char *const kinds[] = { "TUMBLE", "HOP", "CUMULATE", "SESSION" };
        text_append(t, " %s", (unsigned)op->window_kind < 4 ? kinds[op->window_kind] : "?");
        if (op->kind == SL_POP_SESSION_WINDOW && op->expr_count) {
            text_append(t, " partition [");
            text_expr_list(t, op->exprs, op->expr_count);
            text_append(t, "]");
        }
        break;
    }
    case SL_POP_STREAM_TOP_N:
        if (op->expr_count) {
            text_append(t, " partition [");
            text_expr_list(t, op->exprs, op->expr_count);
            text_append(t, "]");
        }
        text_append(t, " ");
        text_orders(t, op->orders, op->order_count);
        text_append(t, " limit %lld", (long long)op->limit);
        break;
    case SL_POP_TOP_N:
        text_append(t, " ");
        text_orders(t, op->orders, op->order_count);
        text_append(t, " limit %lld offset %lld", (long long)op->limit, (long long)op->offset);
        break;
    case SL_POP_LIMIT:
        if (op->limit >= 0)
            text_append(t, " %lld", (long long)op->limit);
        else
            text_append(t, " ALL");
        if (op->offset > 0)
            text_append(t, " offset %lld", (long long)op->offset);
        break;
    case SL_POP_SET_OPERATION:
        text_append(t, " %s%s", op->setop == SL_SETOP_INTERSECT ? "INTERSECT" : op->setop == SL_SETOP_EXCEPT ? "EXCEPT" : "UNION",
                    op->setop_all ? " ALL" : "");
        break;
    case SL_POP_INSERT:
        text_append(t, " %s", op->target ? op->target->name : "?");
        break;
    default:
        break;
    }
}

static void explain_tree(sl_text *t, const sl_physical_op *op, int depth)
{
    for (int i = 0; i < depth; i++)
        text_append(t, "  ");
    text_append(t, "%s", sl_physical_kind_name(op->kind));
    text_details(t, op);
    if (op->kind != SL_POP_RESULT && op->kind != SL_POP_INSERT && op->kind != SL_POP_COPY_TO)
        text_append(t, " (~%.0f rows)", op->estimated_rows);
    text_append(t, "\n");
    for (uint32_t i = 0; i < op->child_count; i++)
        explain_tree(t, op->children[i], depth + 1);
}

static const char *node_name(const sl_executor *ex, uint32_t node)
{
    return sl_physical_kind_name(ex->nodes[node].plan->kind);
}

sl_status sl_executor_explain(const sl_physical_op *root, char **out_text, sl_error *err)
{
    *out_text = NULL;
    sl_executor ex;
    memset(&ex, 0, sizeof ex);
    sl_status st = sl_executor_build(&ex, NULL, root, err);
    if (st != SL_OK) {
        sl_executor_free(&ex);
        return st;
    }
    sl_text t = { 0 };
    text_append(&t, "Physical plan:\n");
    explain_tree(&t, root, 1);
    text_append(&t, "Pipelines (execution order):\n");
    for (uint32_t i = 0; i < ex.pipeline_count; i++) {
        const sl_pipeline *p = &ex.pipelines[i];
        text_append(&t, "  #%u: %s", p->id, node_name(&ex, p->source));
        for (uint32_t k = 0; k < p->op_count; k++)
            text_append(&t, " -> %s", node_name(&ex, p->ops[k]));
        text_append(&t, " -> %s", node_name(&ex, p->sink));
        if (ex.nodes[p->sink].plan->child_count > 1)
            text_append(&t, " (input %u)", p->sink_input);
        if (p->dep_count) {
            text_append(&t, "  after");
            for (uint32_t k = 0; k < p->dep_count; k++)
                text_append(&t, "%s#%u", k ? ", " : " ", p->deps[k]);
        }
        text_append(&t, "\n");
    }
    sl_executor_free(&ex);
    if (t.failed || !t.data) {
        sl_free(t.data);
        return sl_error_oom(err);
    }
    *out_text = t.data;
    return SL_OK;
}
