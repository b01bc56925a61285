/*
 * hash_aggregate.c — HASH_AGGREGATE: GROUP BY plan->exprs computing plan->aggregates
 * (SL_EXPR_AGGREGATE nodes). Output columns: groups ++ aggregate results.
 *
 * Sink role (pipeline of children[0]): every batch is folded into the global table of
 * groups with the machinery shared with WINDOW_AGGREGATE (aggregate_states.h): the group
 * expressions are evaluated and hashed once, and one vectorized sl_hash_table lookup maps
 * every active row to its group's payload, creating groups as needed. A payload holds the
 * states of all aggregates side by side (each at a 16-byte aligned offset); new groups
 * have their states init()ed. Then, per aggregate:
 *   - FILTER (WHERE ...) narrows the rows with sl_expr_select;
 *   - the arguments are evaluated, followed by the ORDER BY keys as extra trailing
 *     arguments (the calling convention of expr/aggregate.c);
 *   - DISTINCT keeps only the rows whose (group id, arguments) were not seen before, using
 *     one hash set per DISTINCT aggregate;
 *   - update() folds the rows into states[i] = payload of row i + offset.
 * Without GROUP BY there is one state set (created up front), so an empty input still
 * yields exactly one row (count -> 0, sum -> NULL).
 *
 * Parallel sink: when every aggregate is order-insensitive (hash_agg_parallel_sink), the
 * sink runs in every instance of a parallel scan pipeline with thread-local tables that
 * combine() parks and merge_parked folds into the global table in morsel order, so the
 * groups and their order are those of a single-instance run (see "parallel runs" below).
 *
 * Source role (the pipeline above): the groups are walked partition by partition, chunk
 * by chunk (SL_BATCH_CAPACITY groups): the group key columns are the hash table's key
 * chunks (shared, not copied) and each aggregate's finalize() fills one result vector.
 *
 * Lifetimes: the states live in the global state's hash table; free_global calls each
 * aggregate's destroy() on every state. Memory is reserved against exec->memory as the
 * table grows; a refusal fails with SL_ERR_OOM naming the operator and memory_limit.
 */
#include <pthread.h>
#include <stdlib.h>

#include "exec/aggregate_states.h"
#include "expr/function.h"

#define AGG_NAME "HASH_AGGREGATE"

/* The entries [start, end) of a thread-local table that were created while its instance
 * processed morsel `morsel` (an instance claims morsels in increasing order, so a local
 * table's entries form consecutive runs of increasing morsels). `table` indexes the
 * global state's parked tables once the local is parked. */
typedef struct sl_agg_run {
    uint64_t morsel;
    uint32_t start;
    uint32_t end;
    uint32_t table;
} sl_agg_run;

typedef struct sl_hash_agg_global {
    pthread_mutex_t lock;            /* serializes sinks (they update the shared table) */
    sl_agg_layout layout;            /* group/aggregate counts, state offsets, payload size */
    bool table_ready;
    sl_hash_table table;             /* group keys -> payload (group_count > 0) */
    uint8_t *single;                 /* the payload when there are no groups */
    sl_agg_distinct distinct;        /* DISTINCT sets of `table` / `single` */
    bool states_ready;               /* single payload init()ed */
    /* Parallel runs (parallel_sink): combine() parks each worker's local table here; they
     * are merged into `table` (merge_parked) before the table is touched again or read. */
    sl_hash_table *parked;
    size_t parked_count;
    size_t parked_capacity;
    sl_agg_run *runs;                /* runs of the parked tables */
    size_t run_count;
    size_t run_capacity;
    atomic_bool has_parked;
} sl_hash_agg_global;

typedef struct sl_hash_agg_local {
    sl_agg_folder fold;              /* expression states and scratch of the sink */
    /* Thread-local pre-aggregation (the sink in a parallel worker): same payload layout
     * as the global state; created at the first batch. */
    bool table_ready;
    sl_hash_table table;             /* group_count > 0; radix_bits 0: entries in creation order */
    uint8_t *single;                 /* group_count == 0: init()ed payload */
    sl_agg_run *runs;                /* runs of `table`, by morsel */
    size_t run_count;
    size_t run_capacity;
    const sl_hash_agg_global *g;     /* for the payload layout when freeing */
} sl_hash_agg_local;

/* ------------------------------------------------------------------ global */

/* Destroys and frees the parked tables (their states were merged, or the query failed:
 * combine leaves sources valid, so destroying them is right either way). */
static void free_parked(const sl_physical_op *plan, sl_hash_agg_global *g)
{
    for (size_t t = 0; t < g->parked_count; t++) {
        sl_agg_table_destroy_states(plan, &g->layout, &g->parked[t]);
        sl_hash_table_free(&g->parked[t]);
    }
    g->parked_count = 0;
    g->run_count = 0;
    atomic_store(&g->has_parked, false);
}

/* Calls destroy on every state of every group. */
static void destroy_states(const sl_physical_op *plan, sl_hash_agg_global *g)
{
    if (g->layout.group_count == 0) {
        if (g->states_ready && g->single)
            sl_agg_payload_destroy(plan, &g->layout, g->single);
    } else if (g->table_ready) {
        sl_agg_table_destroy_states(plan, &g->layout, &g->table);
    }
}

static void hash_agg_free_global(const sl_physical_op *plan, void *global)
{
    sl_hash_agg_global *g = global;
    if (!g)
        return;
    if (g->layout.offsets)
        destroy_states(plan, g);
    free_parked(plan, g);
    sl_free(g->parked);
    sl_free(g->runs);
    if (g->table_ready)
        sl_hash_table_free(&g->table);
    sl_agg_distinct_free(&g->layout, &g->distinct);
    sl_free(g->single);
    sl_agg_layout_free(&g->layout);
    pthread_mutex_destroy(&g->lock);
    sl_free(g);
}

static sl_status hash_agg_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global,
                                      sl_error *err)
{
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME " expects 1 child, has %u", plan->child_count);
    sl_hash_agg_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    atomic_init(&g->has_parked, false);
    sl_status st = sl_agg_layout_init(plan, AGG_NAME, &g->layout, err);
    if (st == SL_OK && g->layout.group_count > 0) {
        st = sl_agg_table_init(plan, &g->layout, 0, exec->memory, AGG_NAME, &g->table, err);
        g->table_ready = st == SL_OK;
    } else if (st == SL_OK) {
        g->single = sl_calloc(1, g->layout.payload_size ? g->layout.payload_size : 16);
        if (!g->single) {
            st = sl_error_oom(err);
        } else {
            sl_agg_payload_init(plan, &g->layout, g->single);
            g->states_ready = true;
        }
    }
    if (st == SL_OK)
        st = sl_agg_distinct_init(plan, &g->layout, exec->memory, AGG_NAME, &g->distinct, err);
    if (st != SL_OK) {
        hash_agg_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

/* ------------------------------------------------------------------ local */

static void hash_agg_free_local(const sl_physical_op *plan, void *local)
{
    sl_hash_agg_local *l = local;
    if (!l)
        return;
    sl_agg_folder_free(&l->fold);
    if (l->table_ready) {
        sl_agg_table_destroy_states(plan, &l->g->layout, &l->table);
        sl_hash_table_free(&l->table);
    }
    if (l->single) {
        sl_agg_payload_destroy(plan, &l->g->layout, l->single);
        sl_free(l->single);
    }
    sl_free(l->runs);
    sl_free(l);
}

/* One local per pipeline instance; only the sink role uses it (the source reads the
 * global state), so the source's copy stays idle. */
static sl_status hash_agg_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                     sl_error *err)
{
    sl_hash_agg_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    l->g = global;
    sl_status st = sl_agg_folder_init(plan, exec, &l->fold, err);
    if (st != SL_OK) {
        hash_agg_free_local(plan, l);
        return st;
    }
    *local = l;
    return SL_OK;
}

/* Folds `in` into the groups of `table` (or the payload `single` without groups): the
 * global state's, or a worker's thread-local one. */
static sl_status sink_batch(sl_hash_agg_global *g, sl_hash_agg_local *l, const sl_physical_op *plan,
                            const sl_batch *in, sl_hash_table *table, uint8_t *single, sl_error *err)
{
    return sl_agg_fold(plan, &g->layout, &l->fold, in, table, single, &g->distinct, err);
}


/* ------------------------------------------------------------------ parallel runs
 *
 * When the pipeline runs as several instances with this sink in each (parallel_sink), a
 * worker aggregates into its own local table (no lock), remembering which morsel created
 * which entries. combine() parks each local table in the global state; merge_parked folds
 * them into the global table, run by run in morsel order, with the aggregates' combine().
 * A single-instance run creates the groups in the order of their first row; merging runs
 * in morsel order creates them in exactly that order too, so groups are emitted in the
 * same order at any thread count. Only aggregates whose result does not depend on the
 * order of their input are allowed (hash_agg_parallel_sink), so the values match as well.
 * The parked tables of one parallel run are merged before anything else touches the
 * global table: at the next batch of a later pipeline feeding this sink, or at finalize. */

static int compare_runs(const void *a, const void *b)
{
    const sl_agg_run *x = a, *y = b;
    return x->morsel < y->morsel ? -1 : x->morsel > y->morsel;
}

/* Merges the parked tables into the global table (caller holds g->lock or runs alone). */
static sl_status merge_parked(const sl_physical_op *plan, sl_hash_agg_global *g, sl_error *err)
{
    if (g->parked_count == 0)
        return SL_OK;
    qsort(g->runs, g->run_count, sizeof *g->runs, compare_runs);
    sl_hash_scratch *scratch = sl_malloc(sizeof *scratch);
    uint32_t *sel = sl_malloc(sizeof *sel * SL_BATCH_CAPACITY);
    uint32_t *fresh = sl_malloc(sizeof *fresh * SL_BATCH_CAPACITY);
    uint8_t **payloads = sl_malloc(sizeof *payloads * SL_BATCH_CAPACITY);
    void **sources = sl_malloc(sizeof *sources * SL_BATCH_CAPACITY);
    void **targets = sl_malloc(sizeof *targets * SL_BATCH_CAPACITY);
    sl_status st = (!scratch || !sel || !fresh || !payloads || !sources || !targets) ? sl_error_oom(err) : SL_OK;
    for (size_t r = 0; r < g->run_count && st == SL_OK; r++) {
        const sl_agg_run *run = &g->runs[r];
        sl_hash_table *local = &g->parked[run->table];
        const sl_hash_partition *part = &local->partitions[0];
        uint32_t e = run->start;
        while (e < run->end && st == SL_OK) {
            uint32_t chunk = e / SL_BATCH_CAPACITY;
            uint32_t first = e % SL_BATCH_CAPACITY;
            uint32_t count = SL_BATCH_CAPACITY - first;
            if (count > run->end - e)
                count = run->end - e;
            for (uint32_t i = 0; i < count; i++)
                sel[i] = first + i;
            uint32_t fresh_count = 0;
            st = sl_hash_table_find_or_insert(&g->table, scratch, part->keys.chunks[chunk]->columns, sel, count,
                                              part->hashes + e, NULL, payloads, fresh, &fresh_count, err);
            if (st != SL_OK)
                break;
            for (uint32_t f = 0; f < fresh_count; f++)
                sl_agg_payload_init(plan, &g->layout, payloads[fresh[f]]);
            for (uint32_t j = 0; j < g->layout.agg_count && st == SL_OK; j++) {
                const sl_expr *agg = plan->aggregates[j];
                for (uint32_t i = 0; i < count; i++) {
                    sources[i] = sl_hash_table_payload(local, 0, e + i) + g->layout.offsets[j];
                    targets[i] = payloads[i] + g->layout.offsets[j];
                }
                st = agg->aggregate->combine(agg, sources, targets, count, err);
            }
            e += count;
        }
    }
    sl_free(scratch);
    sl_free(sel);
    sl_free(fresh);
    sl_free(payloads);
    sl_free(sources);
    sl_free(targets);
    if (st == SL_OK)
        free_parked(plan, g);   /* on failure free_global destroys them */
    return st;
}

/* Creates the worker's local table (or single payload) at its first batch. */
static sl_status ensure_local_target(sl_exec_context *exec, const sl_physical_op *plan, sl_hash_agg_global *g,
                                     sl_hash_agg_local *l, sl_error *err)
{
    if (g->layout.group_count == 0) {
        if (l->single)
            return SL_OK;
        l->single = sl_calloc(1, g->layout.payload_size ? g->layout.payload_size : 16);
        if (!l->single)
            return sl_error_oom(err);
        sl_agg_payload_init(plan, &g->layout, l->single);
        return SL_OK;
    }
    if (l->table_ready)
        return SL_OK;
    SL_TRY(sl_hash_table_init(&l->table, g->table.key_types, g->layout.group_count, g->layout.payload_size, 0,
                              exec->memory, AGG_NAME, err));
    l->table_ready = true;
    return SL_OK;
}

/* A worker's batch of morsel `morsel`: into its local table, recording new entries' run. */
static sl_status sink_local(sl_op_context *ctx, const sl_physical_op *plan, sl_hash_agg_global *g,
                            sl_hash_agg_local *l, const sl_batch *in, uint64_t morsel, sl_error *err)
{
    if (atomic_load(&g->has_parked)) {   /* an earlier parallel run's tables: merge them first */
        pthread_mutex_lock(&g->lock);
        sl_status st = merge_parked(plan, g, err);
        pthread_mutex_unlock(&g->lock);
        SL_TRY(st);
    }
    SL_TRY(ensure_local_target(ctx->exec, plan, g, l, err));
    if (g->layout.group_count == 0)
        return sink_batch(g, l, plan, in, NULL, l->single, err);
    uint32_t before = l->table.partitions[0].entry_count;
    SL_TRY(sink_batch(g, l, plan, in, &l->table, NULL, err));
    uint32_t after = l->table.partitions[0].entry_count;
    if (after == before)
        return SL_OK;
    if (l->run_count > 0 && l->runs[l->run_count - 1].morsel == morsel) {
        l->runs[l->run_count - 1].end = after;
        return SL_OK;
    }
    SL_TRY(sl_array_reserve((void **)&l->runs, &l->run_capacity, l->run_count + 1, sizeof *l->runs, err));
    l->runs[l->run_count++] = (sl_agg_run){ morsel, before, after, 0 };
    return SL_OK;
}

static sl_status hash_agg_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                               const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_hash_agg_global *g = global;
    int64_t morsel = sl_pipeline_morsel(ctx);
    if (morsel >= 0)
        return sink_local(ctx, plan, g, local, msg->batch, (uint64_t)morsel, err);
    pthread_mutex_lock(&g->lock);
    sl_status st = merge_parked(plan, g, err);
    if (st == SL_OK)
        st = sink_batch(g, local, plan, msg->batch, &g->table, g->single, err);
    pthread_mutex_unlock(&g->lock);
    return st;
}

/* Hands a worker's local state to the global one: without groups its states are combined
 * at once (the aggregates allowed here are order-insensitive); a local table is parked
 * for merge_parked. The driver calls this for one instance at a time. */
static sl_status hash_agg_combine(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                  sl_error *err)
{
    sl_hash_agg_global *g = global;
    sl_hash_agg_local *l = local;
    sl_status st = SL_OK;
    pthread_mutex_lock(&g->lock);
    if (l->single) {
        for (uint32_t j = 0; j < g->layout.agg_count && st == SL_OK; j++) {
            const sl_expr *agg = plan->aggregates[j];
            void *source = l->single + g->layout.offsets[j];
            void *target = g->single + g->layout.offsets[j];
            st = agg->aggregate->combine(agg, &source, &target, 1, err);
        }
    } else if (l->table_ready && l->run_count > 0) {
        st = sl_array_reserve((void **)&g->parked, &g->parked_capacity, g->parked_count + 1, sizeof *g->parked, err);
        if (st == SL_OK)
            st = sl_array_reserve((void **)&g->runs, &g->run_capacity, g->run_count + l->run_count, sizeof *g->runs,
                                  err);
        if (st == SL_OK) {
            uint32_t t = (uint32_t)g->parked_count++;
            g->parked[t] = l->table;          /* moved: the local no longer owns it */
            l->table_ready = false;
            for (size_t r = 0; r < l->run_count; r++) {
                g->runs[g->run_count] = l->runs[r];
                g->runs[g->run_count++].table = t;
            }
            l->run_count = 0;
            atomic_store(&g->has_parked, true);
        }
    }
    pthread_mutex_unlock(&g->lock);
    return st;
}

static sl_status hash_agg_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    sl_hash_agg_global *g = global;
    pthread_mutex_lock(&g->lock);
    sl_status st = merge_parked(plan, g, err);
    pthread_mutex_unlock(&g->lock);
    return st;
}

/* Is the result of aggregate `agg` independent of the order of its input rows (and of
 * how the rows are split into partial states)? Exact integer/decimal sums (128-bit, never
 * overflowing for 18-digit inputs), counts, boolean folds and min/max of types whose equal
 * values are identical are; float sums (rounding), first/any_value/arg_min/arg_max (ties),
 * string_agg, DISTINCT and ORDER BY aggregates are not (or are not worth it). */
static bool order_insensitive(const sl_expr *agg)
{
    if (agg->distinct || agg->order_count > 0)
        return false;
    const char *name = agg->aggregate->name;
    if (!strcmp(name, "count") || !strcmp(name, "count_star") || !strcmp(name, "bool_and") ||
        !strcmp(name, "bool_or"))
        return true;
    if (agg->arg_count != 1)
        return false;
    sl_type t = agg->args[0]->type;
    bool integer = t.id == SL_TYPE_TINYINT || t.id == SL_TYPE_SMALLINT || t.id == SL_TYPE_INTEGER ||
                   t.id == SL_TYPE_BIGINT;
    bool small_decimal = t.id == SL_TYPE_DECIMAL && sl_decimal_is_small(t);
    if (!strcmp(name, "sum") || !strcmp(name, "avg"))
        return integer || small_decimal;
    if (!strcmp(name, "min") || !strcmp(name, "max"))
        return integer || t.id == SL_TYPE_DECIMAL || t.id == SL_TYPE_BOOLEAN || t.id == SL_TYPE_VARCHAR ||
               t.id == SL_TYPE_DATE || t.id == SL_TYPE_TIMESTAMP;
    return false;
}

static bool hash_agg_parallel_sink(const sl_physical_op *plan)
{
    if (plan->child_count != 1)
        return false;
    for (uint32_t j = 0; j < plan->aggregate_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg || agg->kind != SL_EXPR_AGGREGATE || !agg->aggregate || !agg->aggregate->combine ||
            !order_insensitive(agg))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------ source */

/* Emits the groups chunk by chunk: the key columns are the table's key chunks (shared)
 * and the results are finalized from the payloads (sl_agg_emit_groups). */
static sl_status hash_agg_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                 sl_error *err)
{
    sl_hash_agg_global *g = global;
    if (g->layout.group_count == 0) {
        uint8_t *payload = g->single;
        return sl_agg_emit_groups(ctx, plan, &g->layout, NULL, &payload, 1, err);
    }
    uint8_t **payloads = sl_malloc(sizeof *payloads * SL_BATCH_CAPACITY);
    if (!payloads)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    for (uint32_t p = 0; p < g->table.partition_count && st == SL_OK; p++) {
        const sl_hash_partition *part = &g->table.partitions[p];
        for (size_t c = 0; c < part->keys.chunk_count && st == SL_OK; c++) {
            if (sl_pipeline_stop_requested(ctx))
                break;
            const sl_batch *chunk = part->keys.chunks[c];
            uint32_t count = chunk->length;
            for (uint32_t i = 0; i < count; i++)
                payloads[i] = g->layout.payload_size
                                  ? sl_hash_table_payload(&g->table, p, (uint32_t)(c * SL_BATCH_CAPACITY + i))
                                  : NULL;
            st = sl_agg_emit_groups(ctx, plan, &g->layout, chunk->columns, payloads, count, err);
        }
    }
    sl_free(payloads);
    return st;
}

const sl_operator_type sl_hash_aggregate_operator = {
    .name = AGG_NAME,
    .init_global = hash_agg_init_global,
    .free_global = hash_agg_free_global,
    .init_local = hash_agg_init_local,
    .free_local = hash_agg_free_local,
    .source = hash_agg_source,
    .sink = hash_agg_sink,
    .combine = hash_agg_combine,
    .finalize = hash_agg_finalize,
    .parallel_sink = hash_agg_parallel_sink,
};
