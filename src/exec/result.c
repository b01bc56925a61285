/*
 * result.c — RESULT: the final sink of a query; collects the batches that reach it.
 *
 * Batch queries: every non-empty DATA batch is kept dense: a batch without a selection
 * vector is shared (its column references are taken, nothing copied); a batch with one is
 * compacted into new dense vectors. Each pipeline instance collects into its local state
 * and hands its batches to the global state in combine (in pipeline order), so output
 * order is the order of the single-threaded execution. The executor moves the batches out
 * with sl_result_take (result.h).
 *
 * Continuous queries (plan->streaming) put output straight into the global queue, where
 * the caller takes it while the query runs (sl_result_pop):
 *   - an append-only input: its rows, as they arrive;
 *   - EMIT CHANGES (plan->emit_changes): the changelog, each row behind an `op` column
 *     ('+I', '-U', '+U', '-D' from the change codes);
 *   - otherwise an updating input is consolidated (stream/changelog.h) and the final table
 *     is queued when the inputs end.
 */
#include "exec/result.h"

#include "stream/changelog.h"

typedef struct sl_result_batches {
    sl_batch **items;
    size_t count;
    size_t capacity;
    size_t head;                      /* continuous: first batch not yet popped */
    sl_changelog_table *table;        /* continuous, updating, no EMIT CHANGES */
    bool raw_changes;                 /* continuous: queue the changelog itself (views, sinks) */
} sl_result_batches;

static void batches_clear(sl_result_batches *b)
{
    for (size_t i = b->head; i < b->count; i++)
        sl_batch_free(b->items[i]);
    sl_free(b->items);
    sl_changelog_table_free(b->table);
    memset(b, 0, sizeof *b);
}

static bool consolidates(const sl_physical_op *plan)
{
    return plan->streaming && !plan->emit_changes && !plan->children[0]->append_only;
}

static sl_status result_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **state, sl_error *err)
{
    sl_result_batches *b = sl_calloc(1, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    if (consolidates(plan)) {
        b->table = sl_changelog_table_new(plan->column_count, plan->types);
        if (!b->table) {
            sl_free(b);
            return sl_error_oom(err);
        }
    }
    *state = b;
    return SL_OK;
}

static sl_status result_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                   sl_error *err)
{
    sl_result_batches *b = sl_calloc(1, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    *local = b;
    return SL_OK;
}

static void result_free_state(const sl_physical_op *plan, void *state)
{
    batches_clear(state);
    sl_free(state);
}

/* Appends a dense form of `in` (shared when already dense) to `to`. */
static sl_status keep_batch(sl_result_batches *to, const sl_batch *in, sl_error *err)
{
    SL_TRY(sl_array_reserve((void **)&to->items, &to->capacity, to->count + 1, sizeof *to->items, err));
    sl_batch *kept;
    if (in->sel || in->count != in->length) {
        kept = sl_batch_compact(in, err);
        if (!kept)
            return err && err->code != SL_OK ? err->code : sl_error_oom(err);
    } else {
        kept = sl_batch_share(in);
        if (!kept)
            return sl_error_oom(err);
    }
    to->items[to->count++] = kept;
    return SL_OK;
}

static const char *op_name(int8_t change)
{
    switch (change) {
    case SL_CHANGE_UPDATE_BEFORE: return "-U";
    case SL_CHANGE_UPDATE_AFTER: return "+U";
    case SL_CHANGE_DELETE: return "-D";
    default: return "+I";
    }
}

/* EMIT CHANGES: `op` ++ the input's columns, dense. */
static sl_status keep_changes(const sl_physical_op *plan, sl_result_batches *g, const sl_batch *in, sl_error *err)
{
    sl_batch *dense = sl_batch_compact(in, err);
    if (!dense)
        return err && err->code != SL_OK ? err->code : sl_error_oom(err);
    sl_batch *out = sl_batch_new(plan->column_count);
    sl_type varchar = sl_type_make(SL_TYPE_VARCHAR);
    sl_vector *op = sl_vector_new(varchar, dense->count ? dense->count : 1);
    sl_status st = out && op ? SL_OK : sl_error_oom(err);
    for (uint32_t r = 0; r < dense->count && st == SL_OK; r++) {
        const char *name = op_name(dense->change ? dense->change[r] : SL_CHANGE_INSERT);
        st = sl_vector_set_string(op, r, name, 2, err);
    }
    if (st == SL_OK) {
        sl_batch_set_column(out, 0, op);
        op = NULL;
        for (uint32_t c = 0; c + 1 < plan->column_count; c++)
            sl_batch_set_column(out, c + 1, sl_vector_ref(dense->columns[c]));
        out->length = out->count = dense->count;
        st = sl_array_reserve((void **)&g->items, &g->capacity, g->count + 1, sizeof *g->items, err);
        if (st == SL_OK) {
            g->items[g->count++] = out;
            out = NULL;
        }
    }
    if (op)
        sl_vector_unref(op);
    sl_batch_free(out);
    sl_batch_free(dense);
    return st;
}

static sl_status result_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                             const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    if (!plan->streaming)
        return keep_batch(local, msg->batch, err);
    sl_result_batches *g = global;
    if (plan->emit_changes)
        return keep_changes(plan, g, msg->batch, err);
    if (g->table && !g->raw_changes)
        return sl_changelog_table_apply(g->table, msg->batch, err);
    return keep_batch(g, msg->batch, err);
}

static sl_status result_combine(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                sl_error *err)
{
    sl_result_batches *g = global, *l = local;
    SL_TRY(sl_array_reserve((void **)&g->items, &g->capacity, g->count + l->count, sizeof *g->items, err));
    if (l->count)
        memcpy(g->items + g->count, l->items, l->count * sizeof *l->items);
    g->count += l->count;
    l->count = 0;
    return SL_OK;
}

/* Continuous, consolidating: the final table goes out when every input ended. */
static sl_status result_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    sl_result_batches *g = global;
    if (!g->table || g->raw_changes)
        return SL_OK;
    sl_batch **rows = NULL;
    size_t n = 0;
    SL_TRY(sl_changelog_table_rows(g->table, &rows, &n, err));
    sl_status st = sl_array_reserve((void **)&g->items, &g->capacity, g->count + n, sizeof *g->items, err);
    if (st == SL_OK) {
        if (n)
            memcpy(g->items + g->count, rows, n * sizeof *rows);
        g->count += n;
    } else {
        for (size_t i = 0; i < n; i++)
            sl_batch_free(rows[i]);
    }
    sl_free(rows);
    return st;
}

void sl_result_take(void *global, sl_batch ***batches, size_t *batch_count)
{
    sl_result_batches *g = global;
    if (g->head) {   /* drop the popped prefix */
        memmove(g->items, g->items + g->head, (g->count - g->head) * sizeof *g->items);
        g->count -= g->head;
        g->head = 0;
    }
    *batches = g->items;
    *batch_count = g->count;
    sl_changelog_table_free(g->table);
    memset(g, 0, sizeof *g);
}

sl_status sl_result_snapshot(void *global, sl_batch ***batches, size_t *count, sl_error *err)
{
    sl_result_batches *g = global;
    *batches = NULL;
    *count = 0;
    if (!g->table || g->raw_changes)
        return SL_OK;
    return sl_changelog_table_rows(g->table, batches, count, err);
}

void sl_result_keep_changes(void *global)
{
    ((sl_result_batches *)global)->raw_changes = true;
}

sl_batch *sl_result_pop(void *global)
{
    sl_result_batches *g = global;
    if (g->head >= g->count)
        return NULL;
    sl_batch *b = g->items[g->head++];
    if (g->head == g->count)
        g->head = g->count = 0;
    return b;
}

const sl_operator_type sl_result_operator = {
    .name = "RESULT",
    .init_global = result_init_global,
    .free_global = result_free_state,
    .init_local = result_init_local,
    .free_local = result_free_state,
    .sink = result_sink,
    .combine = result_combine,
    .finalize = result_finalize,
};
