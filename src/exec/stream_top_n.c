/*
 * stream_top_n.c — STREAM_TOP_N: the top plan->limit rows (after plan->offset) of every
 * partition (plan->exprs) ordered by plan->orders, over an unbounded input, as a changelog
 * whose consolidation always equals the current top rows (src/stream/README.md). This is
 * ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) <= N, ORDER BY ... LIMIT N, and
 * deduplication (N = 1: keep-first ordered by time ASC, keep-last by time DESC).
 *
 * Ranking. Rows are ranked by the order keys, ties by arrival (a stable sort), so the
 * result equals the batch query's over the same input in the same order. Every input row
 * (inserts and retractions, [input columns ++ computed keys]) is appended to a row store
 * and normalized by sl_sort_keys (sort_keys.h); a partition keeps the row ids of its
 * current rows in an array sorted by (keys, row id). An insert goes after the rows with
 * equal keys; a retraction removes the earliest current row with equal keys whose input
 * columns are all equal (IS NOT DISTINCT), and fails when there is none.
 *
 * Output. After each DATA batch (a mini-batch), for each partition it touched, the new top
 * rows (positions [offset, offset + limit) of its array) are compared with the rows
 * emitted last time:
 *   - without plan->rank_column: rows that left the top -> DELETE, rows that entered ->
 *     INSERT (both lists are sorted by the same total order, so a merge finds them);
 *   - with plan->rank_column (one more BIGINT column, the row number 1..N): position by
 *     position, a different row at position k -> UPDATE_BEFORE(old row, k) +
 *     UPDATE_AFTER(new row, k); a position that became empty -> DELETE; a new position ->
 *     INSERT (rank changes of rows already emitted produce -U/+U pairs, as in Flink).
 * WATERMARK, BARRIER and END pass through (nothing is pending).
 *
 * State. Over a retracting input every current row is kept (a retracted row's successor
 * must be known). Over an append-only input (plan->children[0]->append_only) a row ranked
 * beyond offset + limit can never come back, so partitions keep offset + limit rows. The
 * row store itself is append-only and is not compacted yet: it grows with the input (a
 * known limit; top_n.c shows the compaction to apply). Metrics: state_rows = rows held in
 * partitions, state_bytes = the store and the arrays.
 */
#include <string.h>

#include "exec/hash_table.h"
#include "exec/sort_keys.h"
#include "expr/registry.h"

#define TOPN_NAME "STREAM_TOP_N"

/* One partition: its current rows, sorted, and the rows last emitted (positions offset..). */
typedef struct partition {
    uint32_t *rows;
    uint32_t count;
    uint32_t capacity;
    uint32_t *emitted;
    uint32_t emitted_count;
    uint32_t emitted_capacity;
    uint64_t touched;          /* the batch that last touched it */
} partition;

typedef struct stream_top_n {
    uint32_t input_columns;
    uint32_t partition_keys;   /* plan->expr_count */
    uint32_t *key_columns;     /* partition keys ++ order keys: columns of the extended batch / store */
    bool *descending;
    bool *nulls_first;
    sl_key_input input;
    sl_row_store store;
    bool store_ready;
    sl_sort_keys keys;
    bool keys_ready;
    sl_hash_table table;       /* partition keys -> partition */
    bool table_ready;
    partition single;          /* without PARTITION BY */
    uint64_t limit;            /* plan->limit */
    uint64_t offset;
    uint64_t keep;             /* append-only: rows kept per partition; else UINT64_MAX */
    bool append_only;
    uint64_t batch_seq;
    int64_t held_rows;
    int64_t array_bytes;
    sl_hash_scratch *scratch;
    /* per batch */
    size_t capacity;
    uint64_t *hashes;
    uint8_t **payloads;
    uint32_t *fresh;
    partition **touched;
    uint32_t touched_count;
    /* changelog being built */
    uint32_t *log_rows;
    int64_t *log_ranks;
    int8_t *log_codes;
    uint32_t log_count;
} stream_top_n;

/* ------------------------------------------------------------------ ordering */

/* (order keys, arrival) order of store rows a and b. */
static int total_compare(const stream_top_n *g, uint32_t a, uint32_t b)
{
    int c = sl_sort_keys_compare(&g->keys, a, b);
    if (c != 0)
        return c;
    return a < b ? -1 : a > b;
}

/* Are the input columns of store rows a and b all equal (NULL equals NULL)? */
static bool same_row(stream_top_n *g, uint32_t a, uint32_t b)
{
    for (uint32_t c = 0; c < g->input_columns; c++) {
        uint32_t ra, rb;
        const sl_vector *va = sl_row_store_column(&g->store, a, c, &ra);
        const sl_vector *vb = sl_row_store_column(&g->store, b, c, &rb);
        bool xa = sl_vector_is_valid(va, ra), xb = sl_vector_is_valid(vb, rb);
        if (xa != xb || (xa && sl_slot_compare(va, ra, vb, rb) != 0))
            return false;
    }
    return true;
}

/* First position in p whose row's keys are >= (upper: >) the keys of store row `row`. */
static uint32_t bound(const stream_top_n *g, const partition *p, uint32_t row, bool upper)
{
    uint32_t lo = 0, hi = p->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = sl_sort_keys_compare(&g->keys, p->rows[mid], row);
        if (c < 0 || (upper && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static sl_status partition_insert(stream_top_n *g, partition *p, uint32_t row, sl_error *err)
{
    uint32_t pos = bound(g, p, row, true);
    if (pos >= g->keep)
        return SL_OK;   /* append-only: ranked beyond what can ever be emitted */
    if (p->count == p->capacity) {
        size_t cap = p->capacity, old = cap;
        SL_TRY(sl_array_reserve((void **)&p->rows, &cap, (size_t)p->count + 1, sizeof *p->rows, err));
        g->array_bytes += (int64_t)((cap - old) * sizeof *p->rows);
        p->capacity = (uint32_t)cap;
    }
    memmove(p->rows + pos + 1, p->rows + pos, (p->count - pos) * sizeof *p->rows);
    p->rows[pos] = row;
    p->count++;
    g->held_rows++;
    if (p->count > g->keep) {
        p->count--;
        g->held_rows--;
    }
    return SL_OK;
}

static sl_status partition_retract(stream_top_n *g, partition *p, uint32_t row, sl_error *err)
{
    for (uint32_t pos = bound(g, p, row, false); pos < p->count; pos++) {
        if (sl_sort_keys_compare(&g->keys, p->rows[pos], row) != 0)
            break;
        if (!same_row(g, p->rows[pos], row))
            continue;
        memmove(p->rows + pos, p->rows + pos + 1, (p->count - pos - 1) * sizeof *p->rows);
        p->count--;
        g->held_rows--;
        return SL_OK;
    }
    return sl_error_set(err, SL_ERR_INVALID_INPUT, TOPN_NAME ": the input retracts a row it never inserted");
}

/* ------------------------------------------------------------------ global state */

static void free_partition(partition *p)
{
    sl_free(p->rows);
    sl_free(p->emitted);
    memset(p, 0, sizeof *p);
}

static void free_batch_scratch(stream_top_n *g)
{
    sl_free(g->hashes);
    sl_free(g->payloads);
    sl_free(g->touched);
    sl_free(g->fresh);
    g->fresh = NULL;
    g->hashes = NULL;
    g->payloads = NULL;
    g->touched = NULL;
    g->capacity = 0;
}

static void topn_free_global(const sl_physical_op *plan, void *global)
{
    (void)plan;
    stream_top_n *g = global;
    if (!g)
        return;
    if (g->table_ready) {
        for (uint32_t p = 0; p < g->table.partition_count; p++)
            for (uint32_t e = 0; e < g->table.partitions[p].entry_count; e++)
                free_partition((partition *)sl_hash_table_payload(&g->table, p, e));
        sl_hash_table_free(&g->table);
    }
    free_partition(&g->single);
    if (g->keys_ready)
        sl_sort_keys_free(&g->keys);
    if (g->store_ready)
        sl_row_store_free(&g->store);
    sl_key_input_free(&g->input);
    sl_free(g->key_columns);
    sl_free(g->descending);
    sl_free(g->nulls_first);
    sl_free(g->scratch);
    free_batch_scratch(g);
    sl_free(g->log_rows);
    sl_free(g->log_ranks);
    sl_free(g->log_codes);
    sl_free(g);
}

static sl_status topn_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, TOPN_NAME " expects 1 child, has %u", plan->child_count);
    const sl_physical_op *child = plan->children[0];
    if (plan->column_count != child->column_count + (plan->rank_column ? 1 : 0))
        return sl_error_set(err, SL_ERR_INTERNAL, TOPN_NAME ": %u output columns over %u input columns",
                            plan->column_count, child->column_count);
    if (plan->limit < 0 || plan->offset < 0)
        return sl_error_set(err, SL_ERR_INTERNAL, TOPN_NAME ": needs a limit (has %lld, offset %lld)",
                            (long long)plan->limit, (long long)plan->offset);
    stream_top_n *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    g->input_columns = child->column_count;
    g->partition_keys = plan->expr_count;
    g->limit = (uint64_t)plan->limit;
    g->offset = (uint64_t)plan->offset;
    g->append_only = child->append_only;
    g->keep = g->append_only ? g->limit + g->offset : UINT64_MAX;
    uint32_t nk = plan->expr_count + plan->order_count;
    sl_expr **exprs = sl_calloc(nk + 1, sizeof *exprs);
    sl_type *types = sl_calloc(g->input_columns + nk + 1, sizeof *types);
    g->key_columns = sl_calloc(nk + 1, sizeof *g->key_columns);
    g->descending = sl_calloc(plan->order_count + 1, sizeof *g->descending);
    g->nulls_first = sl_calloc(plan->order_count + 1, sizeof *g->nulls_first);
    g->scratch = sl_malloc(sizeof *g->scratch);
    g->log_rows = sl_malloc(sizeof *g->log_rows * SL_BATCH_CAPACITY);
    g->log_ranks = sl_malloc(sizeof *g->log_ranks * SL_BATCH_CAPACITY);
    g->log_codes = sl_malloc(SL_BATCH_CAPACITY);
    sl_status st = (!exprs || !types || !g->key_columns || !g->descending || !g->nulls_first || !g->scratch ||
                    !g->log_rows || !g->log_ranks || !g->log_codes)
                       ? sl_error_oom(err)
                       : SL_OK;
    if (st == SL_OK) {
        for (uint32_t i = 0; i < plan->expr_count; i++)
            exprs[i] = plan->exprs[i];
        for (uint32_t i = 0; i < plan->order_count; i++) {
            exprs[plan->expr_count + i] = plan->orders[i].expr;
            g->descending[i] = plan->orders[i].descending;
            g->nulls_first[i] = plan->orders[i].nulls_first;
        }
        memcpy(types, child->types, sizeof *types * g->input_columns);
        st = sl_key_input_init(&g->input, g->input_columns, exprs, nk, &exec->eval, g->key_columns,
                               types + g->input_columns, err);
    }
    if (st == SL_OK) {
        st = sl_row_store_init(&g->store, types, g->input_columns + g->input.extra_count, exec->memory, TOPN_NAME,
                               err);
        g->store_ready = st == SL_OK;
    }
    if (st == SL_OK) {
        st = sl_sort_keys_init(&g->keys, &g->store, g->key_columns + plan->expr_count, g->descending,
                               g->nulls_first, plan->order_count, err);
        g->keys_ready = st == SL_OK;
    }
    if (st == SL_OK && plan->expr_count > 0) {
        sl_type *key_types = sl_malloc(sizeof *key_types * plan->expr_count);
        if (!key_types) {
            st = sl_error_oom(err);
        } else {
            for (uint32_t i = 0; i < plan->expr_count; i++)
                key_types[i] = plan->exprs[i]->type;
            st = sl_hash_table_init(&g->table, key_types, plan->expr_count, sizeof(partition), 0, exec->memory,
                                    TOPN_NAME, err);
            g->table_ready = st == SL_OK;
            sl_free(key_types);
        }
    }
    sl_free(exprs);
    sl_free(types);
    if (st != SL_OK) {
        topn_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

/* ------------------------------------------------------------------ changelog */

static sl_status flush_log(sl_op_context *ctx, const sl_physical_op *plan, stream_top_n *g, sl_error *err)
{
    uint32_t n = g->log_count;
    if (n == 0)
        return SL_OK;
    g->log_count = 0;
    sl_batch *out = sl_batch_new(plan->column_count);
    if (!out)
        return sl_error_oom(err);
    sl_status st = sl_batch_set_change(out, g->log_codes, 0, n, err);
    for (uint32_t c = 0; c < plan->column_count && st == SL_OK; c++) {
        sl_vector *v = sl_vector_new(plan->types[c], n);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(out, c, v);
        if (c < g->input_columns)
            st = sl_row_store_gather(&g->store, g->log_rows, n, c, v, 0, err);
        else
            memcpy(SL_VECTOR_DATA(v, int64_t), g->log_ranks, sizeof(int64_t) * n);
    }
    if (st == SL_OK) {
        out->length = out->count = n;
        st = sl_emit_batch(ctx, out, err);
    }
    sl_batch_free(out);
    return st;
}

static sl_status log_row(sl_op_context *ctx, const sl_physical_op *plan, stream_top_n *g, uint32_t row,
                         uint64_t position, int8_t code, sl_error *err)
{
    g->log_rows[g->log_count] = row;
    g->log_ranks[g->log_count] = (int64_t)position + 1;
    g->log_codes[g->log_count] = code;
    if (++g->log_count == SL_BATCH_CAPACITY)
        return flush_log(ctx, plan, g, err);
    return SL_OK;
}

/* Emits what changed in p's top rows since they were last emitted and remembers them. */
static sl_status emit_partition(sl_op_context *ctx, const sl_physical_op *plan, stream_top_n *g, partition *p,
                                sl_error *err)
{
    uint32_t first = p->count < g->offset ? p->count : (uint32_t)g->offset;
    uint64_t end64 = g->offset + g->limit;
    uint32_t end = p->count < end64 ? p->count : (uint32_t)end64;
    const uint32_t *now = p->rows + first;
    uint32_t now_count = end - first;
    const uint32_t *old = p->emitted;
    uint32_t old_count = p->emitted_count;
    if (plan->rank_column) {
        uint32_t n = now_count > old_count ? now_count : old_count;
        for (uint32_t k = 0; k < n; k++) {
            uint64_t position = g->offset + k;
            if (k < now_count && k < old_count) {
                if (now[k] == old[k])
                    continue;
                SL_TRY(log_row(ctx, plan, g, old[k], position, SL_CHANGE_UPDATE_BEFORE, err));
                SL_TRY(log_row(ctx, plan, g, now[k], position, SL_CHANGE_UPDATE_AFTER, err));
            } else if (k < old_count) {
                SL_TRY(log_row(ctx, plan, g, old[k], position, SL_CHANGE_DELETE, err));
            } else {
                SL_TRY(log_row(ctx, plan, g, now[k], position, SL_CHANGE_INSERT, err));
            }
        }
    } else {
        /* both lists follow total_compare: merge them; deletions first, then insertions */
        for (int pass = 0; pass < 2; pass++) {
            uint32_t i = 0, j = 0;
            while (i < old_count || j < now_count) {
                int c = i == old_count ? 1 : j == now_count ? -1 : total_compare(g, old[i], now[j]);
                if (c == 0) {
                    i++;
                    j++;
                } else if (c < 0) {
                    if (pass == 0)
                        SL_TRY(log_row(ctx, plan, g, old[i], 0, SL_CHANGE_DELETE, err));
                    i++;
                } else {
                    if (pass == 1)
                        SL_TRY(log_row(ctx, plan, g, now[j], 0, SL_CHANGE_INSERT, err));
                    j++;
                }
            }
        }
    }
    if (now_count > p->emitted_capacity) {
        size_t cap = p->emitted_capacity, old_cap = cap;
        SL_TRY(sl_array_reserve((void **)&p->emitted, &cap, now_count, sizeof *p->emitted, err));
        g->array_bytes += (int64_t)((cap - old_cap) * sizeof *p->emitted);
        p->emitted_capacity = (uint32_t)cap;
    }
    memmove(p->emitted, now, sizeof *now * now_count);
    p->emitted_count = now_count;
    return SL_OK;
}

/* ------------------------------------------------------------------ push */

static sl_status reserve_batch(stream_top_n *g, uint32_t rows, sl_error *err)
{
    if (rows <= g->capacity)
        return SL_OK;
    free_batch_scratch(g);
    g->hashes = sl_malloc(sizeof *g->hashes * rows);
    g->payloads = sl_malloc(sizeof *g->payloads * rows);
    g->touched = sl_malloc(sizeof *g->touched * rows);
    g->fresh = sl_malloc(sizeof *g->fresh * rows);
    if (!g->hashes || !g->payloads || !g->touched || !g->fresh) {
        free_batch_scratch(g);
        return sl_error_oom(err);
    }
    g->capacity = rows;
    return SL_OK;
}

/* payloads[i] = the partition of active row i of `batch` (the extended batch). */
static sl_status find_partitions(stream_top_n *g, const sl_batch *batch, sl_error *err)
{
    uint32_t n = batch->count;
    if (g->partition_keys == 0) {
        for (uint32_t i = 0; i < n; i++)
            g->payloads[i] = (uint8_t *)&g->single;
        return SL_OK;
    }
    sl_vector *keys[256];
    if (g->partition_keys > 256)
        return sl_error_set(err, SL_ERR_INTERNAL, TOPN_NAME ": too many PARTITION BY keys");
    for (uint32_t i = 0; i < g->partition_keys; i++)
        keys[i] = batch->columns[g->key_columns[i]];
    sl_hash_table_hash(keys, g->partition_keys, batch->sel, n, g->hashes);
    uint32_t fresh_count = 0;   /* new partitions' zeroed payloads need no initialization */
    return sl_hash_table_find_or_insert(&g->table, g->scratch, keys, batch->sel, n, g->hashes, NULL, g->payloads,
                                        g->fresh, &fresh_count, err);
}

static void update_metrics(sl_op_context *ctx, const stream_top_n *g)
{
    int64_t bytes = g->store.reserved + g->array_bytes;
    if (g->table_ready) {
        bytes += g->table.reserved;
        for (uint32_t p = 0; p < g->table.partition_count; p++)
            bytes += g->table.partitions[p].keys.reserved;
    }
    sl_op_metrics *m = sl_op_metrics_of(ctx);
    atomic_store(&m->state_rows, g->held_rows);
    atomic_store(&m->state_bytes, bytes);
}

static sl_status push_batch(sl_op_context *ctx, const sl_physical_op *plan, stream_top_n *g, const sl_batch *in,
                            sl_error *err)
{
    uint32_t n = in->count;
    if (n == 0)
        return SL_OK;
    SL_TRY(reserve_batch(g, n, err));
    sl_batch *extended = NULL;
    SL_TRY(sl_key_input_extend(&g->input, in, &extended, err));
    const sl_batch *batch = extended ? extended : in;
    uint32_t base = g->store.row_count;
    sl_status st = sl_row_store_append(&g->store, batch, err);
    if (st == SL_OK)
        st = sl_sort_keys_update(&g->keys, &g->store, err);
    if (st == SL_OK)
        st = find_partitions(g, batch, err);
    sl_batch_free(extended);
    g->batch_seq++;
    g->touched_count = 0;
    for (uint32_t i = 0; i < n && st == SL_OK; i++) {
        partition *p = (partition *)g->payloads[i];
        if (p->touched != g->batch_seq) {
            p->touched = g->batch_seq;
            g->touched[g->touched_count++] = p;
        }
        uint32_t r = sl_batch_row(in, i);
        if (in->change && in->change[r] < 0) {
            if (g->append_only)
                st = sl_error_set(err, SL_ERR_INTERNAL,
                                  TOPN_NAME ": a retraction arrived from an input planned as append-only");
            else
                st = partition_retract(g, p, base + i, err);
        } else {
            st = partition_insert(g, p, base + i, err);
        }
    }
    for (uint32_t t = 0; t < g->touched_count && st == SL_OK; t++)
        st = emit_partition(ctx, plan, g, g->touched[t], err);
    if (st == SL_OK)
        st = flush_log(ctx, plan, g, err);
    g->log_count = 0;
    if (st == SL_OK)
        update_metrics(ctx, g);
    return st;
}

static sl_status topn_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                           const sl_msg *msg, sl_error *err)
{
    (void)local;
    if (msg->kind == SL_MSG_DATA)
        return push_batch(ctx, plan, global, msg->batch, err);
    return sl_emit(ctx, msg, err);
}

const sl_operator_type sl_stream_top_n_operator = {
    .name = TOPN_NAME,
    .init_global = topn_init_global,
    .free_global = topn_free_global,
    .push = topn_push,
};
