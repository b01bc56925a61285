/*
 * hash_aggregate.c — HASH_AGGREGATE: GROUP BY plan->exprs computing plan->aggregates
 * (SL_EXPR_AGGREGATE nodes). Output columns: groups ++ aggregate results.
 *
 * Sink role (pipeline of children[0]): per batch the group expressions are evaluated and
 * hashed once, and one vectorized sl_hash_table lookup maps every active row to its
 * group's payload, creating groups as needed. A payload holds the states of all
 * aggregates side by side (each at a 16-byte aligned offset); new groups have their
 * states init()ed. Then, per aggregate:
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

#include "exec/hash_table.h"
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
    uint32_t group_count;
    uint32_t agg_count;
    size_t *offsets;                 /* per aggregate: state offset in a payload */
    size_t payload_size;
    bool table_ready;
    sl_hash_table table;             /* group keys -> payload (group_count > 0) */
    uint8_t *single;                 /* the payload when there are no groups */
    sl_hash_table *distinct;         /* per aggregate; initialized for DISTINCT ones */
    bool *distinct_ready;
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

typedef struct sl_agg_eval {
    uint32_t arg_count;              /* declared args + ORDER BY keys */
    sl_expr_state **args;
    sl_vector **vectors;
    sl_expr_state *filter;
} sl_agg_eval;

typedef struct sl_hash_agg_local {
    sl_expr_state **groups;
    sl_vector **group_vectors;
    sl_agg_eval *aggs;
    size_t capacity;                 /* rows the arrays below hold */
    uint64_t *hashes;
    uint64_t *ids;                   /* per active row: group id */
    uint8_t **payloads;              /* per active row: group payload */
    uint8_t **row_payload;           /* per physical row */
    uint32_t *fresh;
    uint32_t *rows;                  /* active physical rows */
    uint32_t *sel;                   /* per aggregate: selected physical rows */
    uint32_t *sel2;
    void **states;
    sl_vector *group_id;             /* BIGINT per physical row (DISTINCT keys) */
    sl_hash_scratch *scratch;
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

static const sl_expr *aggregate_at(const sl_physical_op *plan, uint32_t j)
{
    return plan->aggregates[j];
}

/* ------------------------------------------------------------------ global */

/* Calls destroy on every state of every entry of `table` (a global or local table). */
static void destroy_table_states(const sl_physical_op *plan, const sl_hash_agg_global *g, sl_hash_table *table)
{
    for (uint32_t j = 0; j < g->agg_count; j++) {
        const sl_expr *agg = aggregate_at(plan, j);
        if (!agg->aggregate->destroy)
            continue;
        for (uint32_t p = 0; p < table->partition_count; p++)
            for (uint32_t e = 0; e < table->partitions[p].entry_count; e++)
                agg->aggregate->destroy(agg, sl_hash_table_payload(table, p, e) + g->offsets[j]);
    }
}

/* Calls destroy on the states of one payload. */
static void destroy_payload(const sl_physical_op *plan, const sl_hash_agg_global *g, uint8_t *payload)
{
    for (uint32_t j = 0; j < g->agg_count; j++) {
        const sl_expr *agg = aggregate_at(plan, j);
        if (agg->aggregate->destroy)
            agg->aggregate->destroy(agg, payload + g->offsets[j]);
    }
}

/* Destroys and frees the parked tables (their states were merged, or the query failed:
 * combine leaves sources valid, so destroying them is right either way). */
static void free_parked(const sl_physical_op *plan, sl_hash_agg_global *g)
{
    for (size_t t = 0; t < g->parked_count; t++) {
        destroy_table_states(plan, g, &g->parked[t]);
        sl_hash_table_free(&g->parked[t]);
    }
    g->parked_count = 0;
    g->run_count = 0;
    atomic_store(&g->has_parked, false);
}

/* Calls destroy on every state of every group. */
static void destroy_states(const sl_physical_op *plan, sl_hash_agg_global *g)
{
    for (uint32_t j = 0; j < g->agg_count; j++) {
        const sl_expr *agg = aggregate_at(plan, j);
        if (!agg->aggregate->destroy)
            continue;
        if (g->group_count == 0) {
            if (g->states_ready && g->single)
                agg->aggregate->destroy(agg, g->single + g->offsets[j]);
            continue;
        }
        if (!g->table_ready)
            continue;
        for (uint32_t p = 0; p < g->table.partition_count; p++)
            for (uint32_t e = 0; e < g->table.partitions[p].entry_count; e++)
                agg->aggregate->destroy(agg, sl_hash_table_payload(&g->table, p, e) + g->offsets[j]);
    }
}

static void hash_agg_free_global(const sl_physical_op *plan, void *global)
{
    sl_hash_agg_global *g = global;
    if (!g)
        return;
    destroy_states(plan, g);
    free_parked(plan, g);
    sl_free(g->parked);
    sl_free(g->runs);
    if (g->table_ready)
        sl_hash_table_free(&g->table);
    if (g->distinct && g->distinct_ready)
        for (uint32_t j = 0; j < g->agg_count; j++)
            if (g->distinct_ready[j])
                sl_hash_table_free(&g->distinct[j]);
    sl_free(g->distinct);
    sl_free(g->distinct_ready);
    sl_free(g->single);
    sl_free(g->offsets);
    pthread_mutex_destroy(&g->lock);
    sl_free(g);
}

static sl_status hash_agg_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global,
                                      sl_error *err)
{
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME " expects 1 child, has %u", plan->child_count);
    for (uint32_t j = 0; j < plan->aggregate_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg || agg->kind != SL_EXPR_AGGREGATE || !agg->aggregate)
            return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": aggregate %u is not a bound aggregate call", j);
    }
    sl_hash_agg_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    atomic_init(&g->has_parked, false);
    g->group_count = plan->expr_count;
    g->agg_count = plan->aggregate_count;
    g->offsets = sl_calloc(g->agg_count + 1, sizeof *g->offsets);
    g->distinct = sl_calloc(g->agg_count + 1, sizeof *g->distinct);
    g->distinct_ready = sl_calloc(g->agg_count + 1, sizeof *g->distinct_ready);
    sl_status st = (!g->offsets || !g->distinct || !g->distinct_ready) ? sl_error_oom(err) : SL_OK;
    size_t size = 0;
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
        g->offsets[j] = size;
        size += (plan->aggregates[j]->aggregate->state_size + 15) & ~(size_t)15;
    }
    g->payload_size = size;
    if (st == SL_OK && g->group_count > 0) {
        sl_type *types = sl_malloc(sizeof *types * g->group_count);
        if (!types) {
            st = sl_error_oom(err);
        } else {
            for (uint32_t i = 0; i < g->group_count; i++)
                types[i] = plan->exprs[i]->type;
            st = sl_hash_table_init(&g->table, types, g->group_count, size, 0, exec->memory, AGG_NAME, err);
            g->table_ready = st == SL_OK;
            sl_free(types);
        }
    } else if (st == SL_OK) {
        g->single = sl_calloc(1, size ? size : 16);
        if (!g->single) {
            st = sl_error_oom(err);
        } else {
            for (uint32_t j = 0; j < g->agg_count; j++) {
                const sl_expr *agg = plan->aggregates[j];
                agg->aggregate->init(agg, g->single + g->offsets[j]);
            }
            g->states_ready = true;
        }
    }
    /* DISTINCT aggregates: a set of (group id BIGINT, declared arguments) each */
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg->distinct)
            continue;
        sl_type *types = sl_malloc(sizeof *types * (agg->arg_count + 1));
        if (!types) {
            st = sl_error_oom(err);
            break;
        }
        types[0] = sl_type_make(SL_TYPE_BIGINT);
        for (uint32_t a = 0; a < agg->arg_count; a++)
            types[a + 1] = agg->args[a]->type;
        st = sl_hash_table_init(&g->distinct[j], types, agg->arg_count + 1, 0, 0, exec->memory, AGG_NAME, err);
        g->distinct_ready[j] = st == SL_OK;
        sl_free(types);
    }
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
    if (l->groups)
        for (uint32_t i = 0; i < plan->expr_count; i++)
            if (l->groups[i])
                sl_expr_state_free(l->groups[i]);
    if (l->aggs) {
        for (uint32_t j = 0; j < plan->aggregate_count; j++) {
            sl_agg_eval *a = &l->aggs[j];
            if (a->args)
                for (uint32_t k = 0; k < a->arg_count; k++)
                    if (a->args[k])
                        sl_expr_state_free(a->args[k]);
            if (a->filter)
                sl_expr_state_free(a->filter);
            sl_free(a->args);
            sl_free(a->vectors);
        }
    }
    sl_free(l->groups);
    sl_free(l->group_vectors);
    sl_free(l->aggs);
    sl_free(l->hashes);
    sl_free(l->ids);
    sl_free(l->payloads);
    sl_free(l->row_payload);
    sl_free(l->fresh);
    sl_free(l->rows);
    sl_free(l->sel);
    sl_free(l->sel2);
    sl_free(l->states);
    if (l->group_id)
        sl_vector_unref(l->group_id);
    sl_free(l->scratch);
    if (l->table_ready) {
        destroy_table_states(plan, l->g, &l->table);
        sl_hash_table_free(&l->table);
    }
    if (l->single) {
        destroy_payload(plan, l->g, l->single);
        sl_free(l->single);
    }
    sl_free(l->runs);
    sl_free(l);
}

static sl_status create_sink_local(const sl_physical_op *plan, sl_exec_context *exec, sl_hash_agg_local **out,
                                   sl_error *err)
{
    sl_hash_agg_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    *out = l;
    l->groups = sl_calloc(plan->expr_count + 1, sizeof *l->groups);
    l->group_vectors = sl_calloc(plan->expr_count + 1, sizeof *l->group_vectors);
    l->aggs = sl_calloc(plan->aggregate_count + 1, sizeof *l->aggs);
    l->scratch = sl_malloc(sizeof *l->scratch);
    if (!l->groups || !l->group_vectors || !l->aggs || !l->scratch)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < plan->expr_count; i++)
        if (!(l->groups[i] = sl_expr_state_new(plan->exprs[i], &exec->eval)))
            return sl_error_oom(err);
    for (uint32_t j = 0; j < plan->aggregate_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        sl_agg_eval *a = &l->aggs[j];
        uint32_t n = agg->arg_count + agg->order_count;
        a->args = sl_calloc(n + 1, sizeof *a->args);
        a->vectors = sl_calloc(n + 2, sizeof *a->vectors);   /* +1: room for the group id in DISTINCT keys */
        if (!a->args || !a->vectors)
            return sl_error_oom(err);
        a->arg_count = n;
        for (uint32_t k = 0; k < n; k++) {
            const sl_expr *e = k < agg->arg_count ? agg->args[k] : agg->order_by[k - agg->arg_count];
            if (!(a->args[k] = sl_expr_state_new(e, &exec->eval)))
                return sl_error_oom(err);
        }
        if (agg->filter && !(a->filter = sl_expr_state_new(agg->filter, &exec->eval)))
            return sl_error_oom(err);
    }
    return SL_OK;
}

/* One local per pipeline instance; only the sink role uses it (the source reads the
 * global state), so the source's copy stays idle. */
static sl_status hash_agg_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                     sl_error *err)
{
    sl_hash_agg_local *l = NULL;
    sl_status st = create_sink_local(plan, exec, &l, err);
    if (l)
        l->g = global;
    if (st != SL_OK) {
        hash_agg_free_local(plan, l);
        return st;
    }
    *local = l;
    return SL_OK;
}

static sl_status reserve_local(sl_hash_agg_local *l, uint32_t rows, sl_error *err)
{
    if (rows <= l->capacity)
        return SL_OK;
    size_t cap = rows;
    sl_free(l->hashes);
    sl_free(l->ids);
    sl_free(l->payloads);
    sl_free(l->row_payload);
    sl_free(l->fresh);
    sl_free(l->rows);
    sl_free(l->sel);
    sl_free(l->sel2);
    sl_free(l->states);
    l->hashes = sl_malloc(cap * sizeof *l->hashes);
    l->ids = sl_malloc(cap * sizeof *l->ids);
    l->payloads = sl_malloc(cap * sizeof *l->payloads);
    l->row_payload = sl_malloc(cap * sizeof *l->row_payload);
    l->fresh = sl_malloc(cap * sizeof *l->fresh);
    l->rows = sl_malloc(cap * sizeof *l->rows);
    l->sel = sl_malloc(cap * sizeof *l->sel);
    l->sel2 = sl_malloc(cap * sizeof *l->sel2);
    l->states = sl_malloc(cap * sizeof *l->states);
    l->capacity = 0;
    if (l->group_id)
        sl_vector_unref(l->group_id);
    l->group_id = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), (uint32_t)cap);
    if (!l->hashes || !l->ids || !l->payloads || !l->row_payload || !l->fresh || !l->rows || !l->sel || !l->sel2 ||
        !l->states || !l->group_id)
        return sl_error_oom(err);
    l->capacity = cap;
    return SL_OK;
}

/* ------------------------------------------------------------------ sink */

/* Folds the active rows of `in` into aggregate j's states (FILTER, DISTINCT, update). */
static sl_status update_aggregate(sl_hash_agg_global *g, sl_hash_agg_local *l, const sl_physical_op *plan,
                                  uint32_t j, const sl_batch *in, sl_error *err)
{
    const sl_expr *agg = plan->aggregates[j];
    sl_agg_eval *a = &l->aggs[j];
    uint32_t *sel = l->sel;
    uint32_t count = in->count;
    if (a->filter) {
        SL_TRY(sl_expr_select(a->filter, in, sel, &count, err));
    } else {
        memcpy(sel, l->rows, sizeof *sel * count);
    }
    if (count == 0)
        return SL_OK;
    sl_status st = SL_OK;
    for (uint32_t k = 0; k < a->arg_count && st == SL_OK; k++)
        st = sl_expr_evaluate(a->args[k], in, &a->vectors[k], err);
    if (st == SL_OK && agg->distinct) {
        /* keep the rows whose (group, arguments) is new */
        sl_vector *keys[257];
        uint32_t key_count = agg->arg_count + 1;
        if (key_count > 257) {
            st = sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": too many DISTINCT arguments");
        } else {
            keys[0] = l->group_id;
            for (uint32_t k = 0; k < agg->arg_count; k++)
                keys[k + 1] = a->vectors[k];
            sl_hash_table_hash(keys, key_count, sel, count, l->hashes);
            uint32_t fresh_count = 0;
            st = sl_hash_table_find_or_insert(&g->distinct[j], l->scratch, keys, sel, count, l->hashes, NULL, NULL,
                                              l->fresh, &fresh_count, err);
            if (st == SL_OK) {
                for (uint32_t f = 0; f < fresh_count; f++)
                    l->sel2[f] = sel[l->fresh[f]];
                sel = l->sel2;
                count = fresh_count;
            }
        }
    }
    if (st == SL_OK && count > 0) {
        size_t offset = g->offsets[j];
        for (uint32_t i = 0; i < count; i++)
            l->states[i] = l->row_payload[sel[i]] + offset;
        st = agg->aggregate->update(agg, l->states, a->vectors, sel, count, err);
    }
    for (uint32_t k = 0; k < a->arg_count; k++) {
        if (a->vectors[k])
            sl_vector_unref(a->vectors[k]);
        a->vectors[k] = NULL;
    }
    return st;
}

/* Folds `in` into the groups of `table` (or the payload `single` without groups): the
 * global state's, or a worker's thread-local one. */
static sl_status sink_batch(sl_hash_agg_global *g, sl_hash_agg_local *l, const sl_physical_op *plan,
                            const sl_batch *in, sl_hash_table *table, uint8_t *single, sl_error *err)
{
    uint32_t n = in->count;
    SL_TRY(reserve_local(l, in->length > n ? in->length : n, err));
    for (uint32_t i = 0; i < n; i++)
        l->rows[i] = sl_batch_row(in, i);
    int64_t *group_id = SL_VECTOR_DATA(l->group_id, int64_t);
    if (g->group_count == 0) {
        for (uint32_t i = 0; i < n; i++) {
            l->row_payload[l->rows[i]] = single;
            group_id[l->rows[i]] = 0;
        }
    } else {
        sl_status st = SL_OK;
        for (uint32_t i = 0; i < g->group_count && st == SL_OK; i++)
            st = sl_expr_evaluate(l->groups[i], in, &l->group_vectors[i], err);
        uint32_t fresh_count = 0;
        if (st == SL_OK) {
            sl_hash_table_hash(l->group_vectors, g->group_count, in->sel, n, l->hashes);
            st = sl_hash_table_find_or_insert(table, l->scratch, l->group_vectors, in->sel, n, l->hashes, l->ids,
                                              l->payloads, l->fresh, &fresh_count, err);
        }
        for (uint32_t i = 0; i < g->group_count; i++) {
            if (l->group_vectors[i])
                sl_vector_unref(l->group_vectors[i]);
            l->group_vectors[i] = NULL;
        }
        SL_TRY(st);
        for (uint32_t f = 0; f < fresh_count; f++) {
            uint8_t *payload = l->payloads[l->fresh[f]];
            for (uint32_t j = 0; j < g->agg_count; j++) {
                const sl_expr *agg = plan->aggregates[j];
                agg->aggregate->init(agg, payload + g->offsets[j]);
            }
        }
        for (uint32_t i = 0; i < n; i++) {
            l->row_payload[l->rows[i]] = l->payloads[i];
            group_id[l->rows[i]] = (int64_t)l->ids[i];
        }
    }
    for (uint32_t j = 0; j < g->agg_count; j++)
        SL_TRY(update_aggregate(g, l, plan, j, in, err));
    return SL_OK;
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
                for (uint32_t j = 0; j < g->agg_count; j++) {
                    const sl_expr *agg = plan->aggregates[j];
                    agg->aggregate->init(agg, payloads[fresh[f]] + g->offsets[j]);
                }
            for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
                const sl_expr *agg = plan->aggregates[j];
                for (uint32_t i = 0; i < count; i++) {
                    sources[i] = sl_hash_table_payload(local, 0, e + i) + g->offsets[j];
                    targets[i] = payloads[i] + g->offsets[j];
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
    if (g->group_count == 0) {
        if (l->single)
            return SL_OK;
        l->single = sl_calloc(1, g->payload_size ? g->payload_size : 16);
        if (!l->single)
            return sl_error_oom(err);
        for (uint32_t j = 0; j < g->agg_count; j++) {
            const sl_expr *agg = plan->aggregates[j];
            agg->aggregate->init(agg, l->single + g->offsets[j]);
        }
        return SL_OK;
    }
    if (l->table_ready)
        return SL_OK;
    SL_TRY(sl_hash_table_init(&l->table, g->table.key_types, g->group_count, g->payload_size, 0, exec->memory,
                              AGG_NAME, err));
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
    if (g->group_count == 0)
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
        for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
            const sl_expr *agg = plan->aggregates[j];
            void *source = l->single + g->offsets[j];
            void *target = g->single + g->offsets[j];
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

/* Emits one batch: the key columns `keys` (shared; NULL without groups) and the results
 * of the `count` payloads. */
static sl_status emit_groups(sl_op_context *ctx, const sl_physical_op *plan, sl_hash_agg_global *g,
                             sl_vector *const *keys, uint8_t **payloads, uint32_t count, sl_error *err)
{
    sl_batch *out = sl_batch_new(g->group_count + g->agg_count);
    void **states = sl_malloc(sizeof *states * (count ? count : 1));
    if (!out || !states) {
        sl_batch_free(out);
        sl_free(states);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < g->group_count; i++)
        sl_batch_set_column(out, i, sl_vector_ref(keys[i]));
    sl_status st = SL_OK;
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
        const sl_expr *agg = plan->aggregates[j];
        sl_type type = plan->types && plan->column_count == g->group_count + g->agg_count
                           ? plan->types[g->group_count + j]
                           : agg->type;
        sl_vector *v = sl_vector_new(type, count ? count : 1);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(out, g->group_count + j, v);
        for (uint32_t i = 0; i < count; i++)
            states[i] = payloads[i] + g->offsets[j];
        st = agg->aggregate->finalize(agg, states, count, v, 0, err);
    }
    if (st == SL_OK) {
        out->length = out->count = count;
        st = sl_emit_batch(ctx, out, err);
    }
    sl_batch_free(out);
    sl_free(states);
    return st;
}

static sl_status hash_agg_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                 sl_error *err)
{
    sl_hash_agg_global *g = global;
    if (g->group_count == 0) {
        uint8_t *payload = g->single;
        return emit_groups(ctx, plan, g, NULL, &payload, 1, err);
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
                payloads[i] = g->payload_size
                                  ? sl_hash_table_payload(&g->table, p, (uint32_t)(c * SL_BATCH_CAPACITY + i))
                                  : NULL;
            st = emit_groups(ctx, plan, g, chunk->columns, payloads, count, err);
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
