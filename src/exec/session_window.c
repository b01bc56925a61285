/*
 * session_window.c — SESSION_WINDOW: the SESSION window table function.
 *
 * SESSION(TABLE t PARTITION BY keys, DESCRIPTOR(ts), gap) groups the rows of each
 * partition (plan->exprs, may be none) into sessions: maximal runs of rows whose
 * consecutive times (plan->window_column, TIMESTAMP µs) differ by less than the gap
 * (plan->window_size). Every row is emitted once with its session's window columns:
 * output = input columns ++ window_start (the first time), window_end (the last time +
 * gap, exclusive), window_time (window_end - 1 µs). Rows with a NULL time are dropped.
 *
 * Boundary semantics. A row exactly `gap` after the previous one starts a new session:
 * each row opens the interval [t, t + gap) and a session is a connected union of such
 * half-open intervals, so [s, e) and a row at e do not touch. Flink's TimeWindow merges
 * windows that merely touch (end == start) while both are still open, which makes the
 * result of a row at exactly e depend on whether the watermark has reached e yet; with
 * half-open sessions a session [s, e) is final as soon as the watermark reaches e, in
 * both modes alike, and the batch result equals the streaming one.
 *
 * Batch mode (plan->streaming false), a pipeline breaker like window.c: the sink
 * materializes [input columns ++ computed partition keys] in a row store (sort_keys.h),
 * finalize sorts the row ids by (partition keys, time) and the source walks the sorted
 * rows, cutting sessions where the partition changes or the time jumps by >= gap.
 *
 * Streaming mode (plan->streaming true), a push stage. State, all in the global state:
 *   - `store`: every buffered row ([input columns ++ computed keys]), append-only, with
 *     per row id its time and the next row of its session (a singly linked list);
 *   - `partitions`: an sl_hash_table from partition key to a partition index; each
 *     partition keeps its open sessions sorted by start (they are disjoint, so by end too);
 *   - `sessions`: [start, end), row list, partition, creation sequence; slots are reused.
 * A row with time t opens [t, t + gap) and merges every session of its partition that
 * overlaps it (s < t + gap && t < e: one contiguous run of the sorted array), so a row
 * bridging two sessions merges them. WATERMARK(w) closes every session with end <= w:
 * they are emitted (by end, start, creation), their rows in time order, freed, and then
 * the watermark is forwarded. A row with t + gap <= the last watermark received could
 * only belong to closed sessions: it is late, reported through sl_late_rows_report and
 * dropped. (A row with t < w < t + gap is not late; it opens or extends a session even
 * if a session it would have touched has already been emitted.) END closes everything.
 * The row store cannot free single rows, so when more than half of it (and at least
 * COMPACT_MIN rows) belongs to closed sessions the store and the partition table are
 * rebuilt from the open sessions: memory stays proportional to the open state.
 * The input must be append-only (the planner guarantees it); a retraction is an
 * SL_ERR_INTERNAL error.
 */
#include "exec/hash_table.h"
#include "exec/sort_keys.h"
#include "stream/late_rows.h"

#include <stdlib.h>

#define SESSION_NAME "SESSION_WINDOW"
#define COMPACT_MIN 16384

typedef struct sl_session {
    int64_t start;
    int64_t end;                 /* exclusive: last time + gap */
    uint32_t first;              /* row list (store row ids) */
    uint32_t last;
    uint32_t count;
    uint32_t partition;
    uint64_t seq;                /* creation order: deterministic emission order */
} sl_session;

typedef struct sl_session_partition {
    uint32_t *sessions;          /* session ids sorted by start */
    size_t count;
    size_t capacity;
    uint64_t entry;              /* id of the partition's entry in the partition table */
} sl_session_partition;

typedef struct sl_session_global {
    uint32_t input_columns;
    uint32_t key_count;          /* partition keys */
    uint32_t *key_columns;       /* store column of partition key i */
    sl_type *store_types;        /* input ++ computed keys */
    uint32_t store_columns;
    sl_row_store store;
    /* batch mode */
    sl_sort_keys keys;           /* partition keys ++ time */
    uint32_t *order;
    bool ready;
    /* streaming mode */
    int64_t *times;              /* per store row */
    uint32_t *next;              /* per store row: next row of its session, UINT32_MAX = none */
    size_t row_capacity;
    uint32_t dead_rows;          /* store rows of closed sessions */
    bool table_ready;
    sl_hash_table table;         /* partition keys -> payload: uint32 partition index */
    sl_session_partition *partitions;
    size_t partition_count;
    size_t partition_capacity;
    sl_session *sessions;
    size_t session_count;        /* slots in use or free */
    size_t session_capacity;
    uint32_t *free_sessions;
    size_t free_count;
    size_t free_capacity;
    uint64_t open_sessions;
    uint64_t next_seq;
    int64_t watermark;           /* last received */
    int64_t min_end;             /* <= the smallest end of an open session */
} sl_session_global;

typedef struct sl_session_local {
    sl_key_input keys;
    uint32_t *key_columns;
    sl_hash_scratch *scratch;
} sl_session_local;

/* ------------------------------------------------------------------ setup */

static void session_free_global(const sl_physical_op *plan, void *global)
{
    (void)plan;
    sl_session_global *g = global;
    if (!g)
        return;
    sl_row_store_free(&g->store);
    sl_sort_keys_free(&g->keys);
    sl_free(g->order);
    sl_free(g->times);
    sl_free(g->next);
    if (g->table_ready)
        sl_hash_table_free(&g->table);
    for (size_t p = 0; p < g->partition_count; p++)
        sl_free(g->partitions[p].sessions);
    sl_free(g->partitions);
    sl_free(g->sessions);
    sl_free(g->free_sessions);
    sl_free(g->key_columns);
    sl_free(g->store_types);
    sl_free(g);
}

/* An empty partition table (partition keys -> uint32 partition index) in *table. */
static sl_status init_table(const sl_session_global *g, sl_memory *memory, sl_hash_table *table, sl_error *err)
{
    sl_type *types = sl_malloc(sizeof *types * (g->key_count + 1));
    if (!types)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < g->key_count; i++)
        types[i] = g->store_types[g->key_columns[i]];
    sl_status st = sl_hash_table_init(table, types, g->key_count, sizeof(uint32_t), 0, memory, SESSION_NAME, err);
    sl_free(types);
    return st;
}

static sl_status session_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global,
                                     sl_error *err)
{
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, SESSION_NAME " expects 1 child, has %u", plan->child_count);
    const sl_physical_op *child = plan->children[0];
    if (plan->window_column >= child->column_count || plan->column_count != child->column_count + 3)
        return sl_error_set(err, SL_ERR_INTERNAL, SESSION_NAME ": malformed plan");
    if (child->types[plan->window_column].id != SL_TYPE_TIMESTAMP)
        return sl_error_set(err, SL_ERR_INTERNAL, SESSION_NAME ": the time column must be a TIMESTAMP");
    if (plan->window_size <= 0)
        return sl_error_set(err, SL_ERR_RUNTIME, "SESSION gap must be a positive interval");
    sl_session_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    g->input_columns = child->column_count;
    g->key_count = plan->expr_count;
    g->watermark = SL_WATERMARK_NONE;
    g->min_end = INT64_MAX;
    g->key_columns = sl_calloc(g->key_count + 1, sizeof *g->key_columns);
    g->store_types = sl_calloc(g->input_columns + g->key_count + 1, sizeof *g->store_types);
    sl_key_input layout;
    memset(&layout, 0, sizeof layout);
    sl_status st = g->key_columns && g->store_types ? SL_OK : sl_error_oom(err);
    if (st == SL_OK) {
        memcpy(g->store_types, child->types, sizeof *g->store_types * g->input_columns);
        st = sl_key_input_init(&layout, g->input_columns, plan->exprs, g->key_count, NULL, g->key_columns,
                               g->store_types + g->input_columns, err);
        g->store_columns = g->input_columns + layout.extra_count;
    }
    sl_key_input_free(&layout);
    if (st == SL_OK)
        st = sl_row_store_init(&g->store, g->store_types, g->store_columns, exec ? exec->memory : NULL,
                               "SESSION window", err);
    if (st == SL_OK && plan->streaming) {
        st = init_table(g, exec ? exec->memory : NULL, &g->table, err);
        g->table_ready = st == SL_OK;
    }
    if (st == SL_OK && !plan->streaming) {
        uint32_t n = g->key_count + 1;
        uint32_t *columns = sl_malloc(sizeof *columns * n);
        bool *flags = sl_calloc(n, sizeof *flags);
        if (!columns || !flags) {
            st = sl_error_oom(err);
        } else {
            memcpy(columns, g->key_columns, sizeof *columns * g->key_count);
            columns[g->key_count] = plan->window_column;
            st = sl_sort_keys_init(&g->keys, &g->store, columns, flags, flags, n, err);
        }
        sl_free(columns);
        sl_free(flags);
    }
    if (st != SL_OK) {
        session_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static void session_free_local(const sl_physical_op *plan, void *local)
{
    (void)plan;
    sl_session_local *l = local;
    if (!l)
        return;
    sl_key_input_free(&l->keys);
    sl_free(l->key_columns);
    sl_free(l->scratch);
    sl_free(l);
}

static sl_status session_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                    sl_error *err)
{
    sl_session_global *g = global;
    sl_session_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    l->key_columns = sl_calloc(g->key_count + 1, sizeof *l->key_columns);
    sl_status st = l->key_columns ? SL_OK : sl_error_oom(err);
    if (st == SL_OK)
        st = sl_key_input_init(&l->keys, g->input_columns, plan->exprs, g->key_count, &exec->eval, l->key_columns,
                               NULL, err);
    if (st == SL_OK && plan->streaming && !(l->scratch = sl_malloc(sizeof *l->scratch)))
        st = sl_error_oom(err);
    if (st != SL_OK) {
        session_free_local(plan, l);
        return st;
    }
    *local = l;
    return SL_OK;
}

/* *out = `in` extended with the computed partition keys, restricted to the rows with a
 * non-NULL time (a new batch the caller frees). */
static sl_status extend_valid(const sl_physical_op *plan, sl_session_local *l, const sl_batch *in, sl_batch **out,
                              sl_error *err)
{
    sl_batch *extended = NULL;
    SL_TRY(sl_key_input_extend(&l->keys, in, &extended, err));
    sl_batch *b = extended ? extended : sl_batch_share(in);
    if (!b)
        return sl_error_oom(err);
    const sl_vector *time = in->columns[plan->window_column];
    if (time->validity) {
        uint32_t *sel = sl_malloc(sizeof *sel * (in->count ? in->count : 1));
        if (!sel) {
            sl_batch_free(b);
            return sl_error_oom(err);
        }
        uint32_t kept = 0;
        for (uint32_t i = 0; i < in->count; i++) {
            uint32_t r = sl_batch_row(in, i);
            if (sl_vector_is_valid(time, r))
                sel[kept++] = r;
        }
        sl_status st = sl_batch_set_selection(b, sel, kept, err);
        sl_free(sel);
        if (st != SL_OK) {
            sl_batch_free(b);
            return st;
        }
    }
    *out = b;
    return SL_OK;
}

/* ------------------------------------------------------------------ emission (both modes) */

/* Emits store rows rows[0..count) with window [start[i], end[i]) each, in batches. */
static sl_status emit_rows(sl_op_context *ctx, const sl_physical_op *plan, sl_session_global *g,
                           const uint32_t *rows, const int64_t *start, const int64_t *end, uint32_t count,
                           sl_error *err)
{
    for (uint32_t at = 0; at < count; at += SL_BATCH_CAPACITY) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        uint32_t n = count - at < SL_BATCH_CAPACITY ? count - at : SL_BATCH_CAPACITY;
        sl_batch *b = NULL;
        SL_TRY(sl_row_store_gather_batch(&g->store, rows + at, n, g->input_columns, &b, err));
        sl_batch *out = sl_batch_new(plan->column_count);
        sl_status st = out ? SL_OK : sl_error_oom(err);
        for (uint32_t c = 0; c < g->input_columns && st == SL_OK; c++)
            out->columns[c] = sl_vector_ref(b->columns[c]);
        for (uint32_t k = 0; k < 3 && st == SL_OK; k++) {
            sl_vector *v = sl_vector_new(sl_type_make(SL_TYPE_TIMESTAMP), n);
            if (!v) {
                st = sl_error_oom(err);
                break;
            }
            out->columns[g->input_columns + k] = v;
            int64_t *d = SL_VECTOR_DATA(v, int64_t);
            for (uint32_t i = 0; i < n; i++)
                d[i] = k == 0 ? start[at + i] : k == 1 ? end[at + i] : end[at + i] - 1;
        }
        if (st == SL_OK) {
            out->length = out->count = n;
            st = sl_emit_batch(ctx, out, err);
        }
        sl_batch_free(out);
        sl_batch_free(b);
        SL_TRY(st);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ batch mode */

static sl_status session_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                              const sl_msg *msg, sl_error *err)
{
    (void)ctx;
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_session_global *g = global;
    sl_batch *b = NULL;
    SL_TRY(extend_valid(plan, local, msg->batch, &b, err));
    sl_status st = sl_row_store_append(&g->store, b, err);
    sl_batch_free(b);
    return st;
}

static sl_status session_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    (void)exec;
    (void)plan;
    sl_session_global *g = global;
    SL_TRY(sl_sort_keys_update(&g->keys, &g->store, err));
    uint32_t n = g->store.row_count;
    g->order = sl_malloc(sizeof *g->order * (n ? n : 1));
    if (!g->order)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++)
        g->order[i] = i;
    SL_TRY(sl_sort_keys_sort(&g->keys, g->order, n, err));
    g->ready = true;
    return SL_OK;
}

static sl_status session_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                 sl_error *err)
{
    (void)local;
    sl_session_global *g = global;
    if (!g->ready)
        return sl_error_set(err, SL_ERR_INTERNAL, SESSION_NAME ": source ran before finalize");
    uint32_t n = g->store.row_count;
    const int64_t *t = g->keys.keys[g->key_count].values;   /* TIMESTAMP keys normalize to int64 */
    int64_t *start = sl_malloc(sizeof *start * (n ? n : 1));
    int64_t *end = sl_malloc(sizeof *end * (n ? n : 1));
    sl_status st = start && end ? SL_OK : sl_error_oom(err);
    int64_t gap = plan->window_size;
    for (uint32_t s = 0; s < n && st == SL_OK;) {
        /* session [s, e): same partition, consecutive times closer than gap */
        uint32_t e = s + 1;
        while (e < n && t[g->order[e]] - t[g->order[e - 1]] < gap &&
               sl_sort_keys_compare_range(&g->keys, 0, g->key_count, g->order[s], g->order[e]) == 0)
            e++;
        int64_t ws = t[g->order[s]], we = t[g->order[e - 1]] + gap;
        for (uint32_t i = s; i < e; i++) {
            start[i] = ws;
            end[i] = we;
        }
        s = e;
    }
    if (st == SL_OK)
        st = emit_rows(ctx, plan, g, g->order, start, end, n, err);
    sl_free(start);
    sl_free(end);
    return st;
}

/* ------------------------------------------------------------------ streaming mode */

static void update_state_metrics(sl_op_context *ctx, const sl_session_global *g)
{
    sl_op_metrics *m = sl_op_metrics_of(ctx);
    int64_t rows = (int64_t)g->store.row_count - g->dead_rows;
    int64_t bytes = g->store.reserved + (g->table_ready ? g->table.reserved : 0) +
                    (int64_t)(g->row_capacity * (sizeof *g->times + sizeof *g->next)) +
                    (int64_t)(g->session_capacity * sizeof *g->sessions) +
                    (int64_t)(g->partition_capacity * sizeof *g->partitions);
    atomic_store(&m->state_rows, rows);
    atomic_store(&m->state_bytes, bytes);
}

static sl_status new_session(sl_session_global *g, uint32_t *out, sl_error *err)
{
    if (g->free_count > 0) {
        *out = g->free_sessions[--g->free_count];
        return SL_OK;
    }
    SL_TRY(sl_array_reserve((void **)&g->sessions, &g->session_capacity, g->session_count + 1, sizeof *g->sessions,
                            err));
    *out = (uint32_t)g->session_count++;
    return SL_OK;
}

static sl_status release_session(sl_session_global *g, uint32_t id, sl_error *err)
{
    SL_TRY(sl_array_reserve((void **)&g->free_sessions, &g->free_capacity, g->free_count + 1,
                            sizeof *g->free_sessions, err));
    g->free_sessions[g->free_count++] = id;
    return SL_OK;
}

/* Adds store row `row` (time ts) to partition p: merges the sessions overlapping
 * [ts, ts + gap) into one, or opens a new session. */
static sl_status add_row(sl_session_global *g, uint32_t p, uint32_t row, int64_t ts, int64_t gap, sl_error *err)
{
    sl_session_partition *part = &g->partitions[p];
    int64_t lo = ts, hi = ts + gap;
    /* first session with end > ts (ends increase along the array) */
    size_t a = 0, b = part->count;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (g->sessions[part->sessions[mid]].end > lo)
            b = mid;
        else
            a = mid + 1;
    }
    size_t first = a, last = a;
    while (last < part->count && g->sessions[part->sessions[last]].start < hi)
        last++;
    g->next[row] = UINT32_MAX;
    if (first == last) {
        /* no overlap: a new session at position `first` */
        SL_TRY(sl_array_reserve((void **)&part->sessions, &part->capacity, part->count + 1, sizeof *part->sessions,
                                err));
        uint32_t id;
        SL_TRY(new_session(g, &id, err));
        part = &g->partitions[p];
        g->sessions[id] = (sl_session){ lo, hi, row, row, 1, p, g->next_seq++ };
        memmove(part->sessions + first + 1, part->sessions + first, sizeof *part->sessions * (part->count - first));
        part->sessions[first] = id;
        part->count++;
        g->open_sessions++;
        if (hi < g->min_end)
            g->min_end = hi;
        return SL_OK;
    }
    sl_session *keep = &g->sessions[part->sessions[first]];
    for (size_t k = first + 1; k < last; k++) {
        uint32_t id = part->sessions[k];
        sl_session *other = &g->sessions[id];
        g->next[keep->last] = other->first;
        keep->last = other->last;
        keep->count += other->count;
        if (other->end > keep->end)
            keep->end = other->end;
        SL_TRY(release_session(g, id, err));
        g->open_sessions--;
    }
    if (lo < keep->start)
        keep->start = lo;
    if (hi > keep->end)
        keep->end = hi;
    g->next[keep->last] = row;
    keep->last = row;
    keep->count++;
    memmove(part->sessions + first + 1, part->sessions + last, sizeof *part->sessions * (part->count - last));
    part->count -= last - first - 1;
    return SL_OK;
}

/* Makes room for per-row arrays up to `rows` store rows. */
static sl_status reserve_rows(sl_session_global *g, size_t rows, sl_error *err)
{
    if (rows <= g->row_capacity)
        return SL_OK;
    size_t cap = g->row_capacity ? g->row_capacity : 1024;
    while (cap < rows)
        cap *= 2;
    int64_t *times = sl_realloc(g->times, cap * sizeof *times);
    if (!times)
        return sl_error_oom(err);
    g->times = times;
    uint32_t *next = sl_realloc(g->next, cap * sizeof *next);
    if (!next)
        return sl_error_oom(err);
    g->next = next;
    g->row_capacity = cap;
    return SL_OK;
}

/* Looks up (creating as needed) the partition of every active row of b; part[i] for
 * active row i. */
static sl_status find_partitions(sl_session_global *g, sl_session_local *l, const sl_batch *b, uint32_t *part,
                                 sl_error *err)
{
    uint32_t n = b->count;
    sl_vector **keys = sl_calloc(g->key_count + 1, sizeof *keys);
    uint64_t *hashes = sl_malloc(sizeof *hashes * (n ? n : 1));
    uint64_t *ids = sl_malloc(sizeof *ids * (n ? n : 1));
    uint8_t **payloads = sl_malloc(sizeof *payloads * (n ? n : 1));
    uint32_t *fresh = sl_malloc(sizeof *fresh * (n ? n : 1));
    sl_status st = keys && hashes && ids && payloads && fresh ? SL_OK : sl_error_oom(err);
    uint32_t fresh_count = 0;
    if (st == SL_OK) {
        for (uint32_t i = 0; i < g->key_count; i++)
            keys[i] = b->columns[g->key_columns[i]];
        sl_hash_table_hash(keys, g->key_count, b->sel, n, hashes);
        st = sl_hash_table_find_or_insert(&g->table, l->scratch, keys, b->sel, n, hashes, ids, payloads, fresh,
                                          &fresh_count, err);
    }
    for (uint32_t f = 0; f < fresh_count && st == SL_OK; f++) {
        st = sl_array_reserve((void **)&g->partitions, &g->partition_capacity, g->partition_count + 1,
                              sizeof *g->partitions, err);
        if (st != SL_OK)
            break;
        uint32_t i = fresh[f];
        uint32_t index = (uint32_t)g->partition_count++;
        memset(&g->partitions[index], 0, sizeof g->partitions[index]);
        g->partitions[index].entry = ids[i];
        memcpy(payloads[i], &index, sizeof index);
    }
    for (uint32_t i = 0; i < n && st == SL_OK; i++)
        memcpy(&part[i], payloads[i], sizeof part[i]);
    sl_free(keys);
    sl_free(hashes);
    sl_free(ids);
    sl_free(payloads);
    sl_free(fresh);
    return st;
}

static sl_status compact(sl_session_global *g, sl_exec_context *exec, sl_session_local *l, sl_error *err);

static sl_status stream_data(sl_op_context *ctx, const sl_physical_op *plan, sl_session_global *g,
                             sl_session_local *l, const sl_batch *in, sl_error *err)
{
    if (in->change)
        for (uint32_t i = 0; i < in->count; i++)
            if (in->change[sl_batch_row(in, i)] < 0)
                return sl_error_set(err, SL_ERR_INTERNAL,
                                    SESSION_NAME ": the input carries retractions (it must be append-only)");
    sl_batch *b = NULL;
    SL_TRY(extend_valid(plan, l, in, &b, err));
    int64_t gap = plan->window_size;
    const int64_t *t = SL_VECTOR_DATA(b->columns[plan->window_column], int64_t);
    uint32_t n = b->count;
    uint32_t *keep = sl_malloc(sizeof *keep * (n ? n : 1));
    uint32_t *late = sl_malloc(sizeof *late * (n ? n : 1));
    int64_t *late_times = sl_malloc(sizeof *late_times * (n ? n : 1));
    uint32_t *part = sl_malloc(sizeof *part * (n ? n : 1));
    sl_status st = keep && late && late_times && part ? SL_OK : sl_error_oom(err);
    uint32_t kept = 0, late_count = 0;
    for (uint32_t i = 0; i < n && st == SL_OK; i++) {
        uint32_t r = sl_batch_row(b, i);
        if (g->watermark != SL_WATERMARK_NONE && t[r] + gap <= g->watermark) {
            late[late_count] = r;
            late_times[late_count++] = t[r];
        } else {
            keep[kept++] = r;
        }
    }
    if (st == SL_OK && late_count > 0)
        st = sl_late_rows_report(ctx, plan, plan->children[0], in, late, late_times, late_count, g->watermark, err);
    if (st == SL_OK && kept > 0 && kept < n)
        st = sl_batch_set_selection(b, keep, kept, err);
    uint32_t base = g->store.row_count;
    if (st == SL_OK && kept > 0)
        st = reserve_rows(g, (size_t)base + kept, err);
    if (st == SL_OK && kept > 0)
        st = sl_row_store_append(&g->store, b, err);
    if (st == SL_OK && kept > 0)
        st = find_partitions(g, l, b, part, err);
    for (uint32_t i = 0; i < kept && st == SL_OK; i++) {
        int64_t ts = t[sl_batch_row(b, i)];
        g->times[base + i] = ts;
        st = add_row(g, part[i], base + i, ts, gap, err);
    }
    sl_free(keep);
    sl_free(late);
    sl_free(late_times);
    sl_free(part);
    sl_batch_free(b);
    if (st == SL_OK)
        update_state_metrics(ctx, g);
    return st;
}

typedef struct sl_closing {
    uint32_t session;
    int64_t start, end;
    uint64_t seq;
} sl_closing;

static int compare_closing(const void *x, const void *y)
{
    const sl_closing *a = x, *b = y;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

typedef struct sl_timed_row {
    int64_t time;
    uint32_t row;
} sl_timed_row;

static int compare_timed(const void *x, const void *y)
{
    const sl_timed_row *a = x, *b = y;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Emits and frees every open session with end <= w, in (end, start, creation) order,
 * each session's rows in (time, arrival) order. */
static sl_status close_sessions(sl_op_context *ctx, const sl_physical_op *plan, sl_session_global *g,
                                sl_session_local *l, int64_t w, sl_error *err)
{
    if (g->open_sessions == 0 || w < g->min_end)
        return SL_OK;
    sl_closing *closing = NULL;
    size_t closing_count = 0, closing_capacity = 0;
    uint64_t rows = 0;
    int64_t min_end = INT64_MAX;
    sl_status st = SL_OK;
    for (size_t p = 0; p < g->partition_count && st == SL_OK; p++) {
        sl_session_partition *part = &g->partitions[p];
        size_t k = 0;   /* sessions with end <= w form a prefix (ends increase) */
        while (k < part->count && g->sessions[part->sessions[k]].end <= w)
            k++;
        if (k < part->count && g->sessions[part->sessions[k]].end < min_end)
            min_end = g->sessions[part->sessions[k]].end;
        if (k == 0)
            continue;
        st = sl_array_reserve((void **)&closing, &closing_capacity, closing_count + k, sizeof *closing, err);
        for (size_t i = 0; i < k && st == SL_OK; i++) {
            const sl_session *s = &g->sessions[part->sessions[i]];
            closing[closing_count++] = (sl_closing){ part->sessions[i], s->start, s->end, s->seq };
            rows += s->count;
        }
        if (st == SL_OK) {
            memmove(part->sessions, part->sessions + k, sizeof *part->sessions * (part->count - k));
            part->count -= k;
        }
    }
    if (st != SL_OK) {
        sl_free(closing);
        return st;
    }
    g->min_end = min_end;
    qsort(closing, closing_count, sizeof *closing, compare_closing);
    sl_timed_row *timed = sl_malloc(sizeof *timed * (rows ? rows : 1));
    uint32_t *ids = sl_malloc(sizeof *ids * (rows ? rows : 1));
    int64_t *start = sl_malloc(sizeof *start * (rows ? rows : 1));
    int64_t *end = sl_malloc(sizeof *end * (rows ? rows : 1));
    if (!timed || !ids || !start || !end)
        st = sl_error_oom(err);
    size_t at = 0;
    for (size_t c = 0; c < closing_count && st == SL_OK; c++) {
        const sl_session *s = &g->sessions[closing[c].session];
        size_t from = at;
        for (uint32_t r = s->first; r != UINT32_MAX; r = g->next[r])
            timed[at++] = (sl_timed_row){ g->times[r], r };
        qsort(timed + from, at - from, sizeof *timed, compare_timed);
        for (size_t i = from; i < at; i++) {
            ids[i] = timed[i].row;
            start[i] = s->start;
            end[i] = s->end;
        }
        g->dead_rows += s->count;
        g->open_sessions--;
        st = release_session(g, closing[c].session, err);
    }
    if (st == SL_OK && rows > UINT32_MAX)
        st = sl_error_set(err, SL_ERR_INTERNAL, SESSION_NAME ": too many rows closing at once");
    if (st == SL_OK)
        st = emit_rows(ctx, plan, g, ids, start, end, (uint32_t)rows, err);
    sl_free(closing);
    sl_free(timed);
    sl_free(ids);
    sl_free(start);
    sl_free(end);
    if (st == SL_OK && g->dead_rows >= COMPACT_MIN && (uint64_t)g->dead_rows * 2 > g->store.row_count)
        st = compact(g, ctx->exec, l, err);
    if (st == SL_OK)
        update_state_metrics(ctx, g);
    return st;
}

/* Rebuilds the row store with the rows of the open sessions only (in session order) and
 * the partition table with the partitions that still have open sessions. */
static sl_status compact(sl_session_global *g, sl_exec_context *exec, sl_session_local *l, sl_error *err)
{
    sl_row_store store;
    sl_hash_table table;
    bool store_ready = false, table_ready = false;
    uint32_t *ids = sl_malloc(sizeof *ids * SL_BATCH_CAPACITY);
    int64_t *times = NULL;
    uint32_t *next = NULL;
    uint32_t live = g->store.row_count - g->dead_rows;
    sl_session_partition *partitions = NULL;
    size_t partition_count = 0;
    sl_status st = ids ? SL_OK : sl_error_oom(err);
    if (st == SL_OK) {
        times = sl_malloc(sizeof *times * (live ? live : 1));
        next = sl_malloc(sizeof *next * (live ? live : 1));
        partitions = sl_calloc(g->partition_count + 1, sizeof *partitions);
        if (!times || !next || !partitions)
            st = sl_error_oom(err);
    }
    if (st == SL_OK) {
        st = sl_row_store_init(&store, g->store_types, g->store_columns, exec ? exec->memory : NULL,
                               "SESSION window", err);
        store_ready = st == SL_OK;
    }
    if (st == SL_OK) {
        st = init_table(g, exec ? exec->memory : NULL, &table, err);
        table_ready = st == SL_OK;
    }
    /* rows: walk every open session, gathering its rows into the new store */
    uint32_t pending = 0, next_id = 0;
    for (size_t p = 0; p < g->partition_count && st == SL_OK; p++) {
        sl_session_partition *part = &g->partitions[p];
        for (size_t k = 0; k < part->count && st == SL_OK; k++) {
            sl_session *s = &g->sessions[part->sessions[k]];
            uint32_t r = s->first;
            s->first = next_id;
            for (uint32_t i = 0; i < s->count && st == SL_OK; i++, r = g->next[r]) {
                times[next_id] = g->times[r];
                next[next_id] = i + 1 < s->count ? next_id + 1 : UINT32_MAX;
                ids[pending++] = r;
                next_id++;
                if (pending == SL_BATCH_CAPACITY) {
                    sl_batch *b = NULL;
                    st = sl_row_store_gather_batch(&g->store, ids, pending, g->store_columns, &b, err);
                    if (st == SL_OK)
                        st = sl_row_store_append(&store, b, err);
                    sl_batch_free(b);
                    pending = 0;
                }
            }
            s->last = next_id - 1;
        }
    }
    if (st == SL_OK && pending > 0) {
        sl_batch *b = NULL;
        st = sl_row_store_gather_batch(&g->store, ids, pending, g->store_columns, &b, err);
        if (st == SL_OK)
            st = sl_row_store_append(&store, b, err);
        sl_batch_free(b);
    }
    /* partitions with open sessions: re-insert their keys (from the old table's key rows) */
    for (size_t p = 0; p < g->partition_count && st == SL_OK; p++) {
        sl_session_partition *part = &g->partitions[p];
        if (part->count == 0)
            continue;
        uint32_t entry = (uint32_t)part->entry;   /* radix_bits 0: one hash partition */
        sl_batch *b = NULL;
        sl_vector *no_keys[1] = { NULL };
        if (g->key_count > 0)
            st = sl_row_store_gather_batch(&g->table.partitions[0].keys, &entry, 1, g->key_count, &b, err);
        uint64_t id = 0;
        uint8_t *payload = NULL;
        uint32_t fresh = 0, fresh_count = 0;
        if (st == SL_OK)
            st = sl_hash_table_find_or_insert(&table, l->scratch, b ? b->columns : no_keys, NULL, 1,
                                              &g->table.partitions[0].hashes[entry], &id, &payload, &fresh,
                                              &fresh_count, err);
        sl_batch_free(b);
        if (st != SL_OK)
            break;
        uint32_t index = (uint32_t)partition_count++;
        partitions[index] = *part;
        partitions[index].entry = id;
        memcpy(payload, &index, sizeof index);
        memset(part, 0, sizeof *part);   /* moved */
        for (size_t k = 0; k < partitions[index].count; k++)
            g->sessions[partitions[index].sessions[k]].partition = index;
    }
    sl_free(ids);
    if (st != SL_OK) {
        /* sessions may already point at new row ids: the state is no longer usable */
        if (store_ready)
            sl_row_store_free(&store);
        if (table_ready)
            sl_hash_table_free(&table);
        sl_free(times);
        sl_free(next);
        for (size_t p = 0; p < partition_count; p++)
            sl_free(partitions[p].sessions);
        sl_free(partitions);
        return st;
    }
    sl_row_store_free(&g->store);
    g->store = store;
    sl_hash_table_free(&g->table);
    g->table = table;
    for (size_t p = 0; p < g->partition_count; p++)
        sl_free(g->partitions[p].sessions);
    sl_free(g->partitions);
    g->partitions = partitions;
    g->partition_count = partition_count;
    g->partition_capacity = g->partition_count + 1;
    sl_free(g->times);
    sl_free(g->next);
    g->times = times;
    g->next = next;
    g->row_capacity = live ? live : 1;
    g->dead_rows = 0;
    return SL_OK;
}

static sl_status session_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                              const sl_msg *msg, sl_error *err)
{
    sl_session_global *g = global;
    sl_session_local *l = local;
    if (!plan->streaming || !g->table_ready)
        return sl_error_set(err, SL_ERR_INTERNAL, SESSION_NAME ": push stage of a plan not marked streaming");
    switch (msg->kind) {
    case SL_MSG_DATA:
        if (msg->batch->count == 0)
            return SL_OK;
        return stream_data(ctx, plan, g, l, msg->batch, err);
    case SL_MSG_WATERMARK:
        if (msg->watermark > g->watermark)
            g->watermark = msg->watermark;
        SL_TRY(close_sessions(ctx, plan, g, l, g->watermark, err));
        return sl_emit(ctx, msg, err);
    case SL_MSG_END:
        SL_TRY(close_sessions(ctx, plan, g, l, INT64_MAX, err));
        return sl_emit(ctx, msg, err);
    default:
        return sl_emit(ctx, msg, err);
    }
}

const sl_operator_type sl_session_window_operator = {
    .name = SESSION_NAME,
    .init_global = session_init_global,
    .free_global = session_free_global,
    .init_local = session_init_local,
    .free_local = session_free_local,
    .source = session_source,
    .push = session_push,
    .sink = session_sink,
    .finalize = session_finalize,
};
