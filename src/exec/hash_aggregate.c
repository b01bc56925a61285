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
 * table grows; a refusal makes the operator spill (see "spilling" below).
 */
#include <pthread.h>
#include <stdlib.h>

#include "exec/aggregate_states.h"
#include "exec/spill_merge.h"
#include "expr/function.h"

#define AGG_NAME "HASH_AGGREGATE"

/* Spilling: rows of groups that do not fit go to 2^AGG_SPILL_BITS partition files by
 * AGG_SPILL_BITS bits of the group hash per level (level 0: the top bits). */
#define AGG_SPILL_BITS 4
#define AGG_SPILL_FANOUT (1u << AGG_SPILL_BITS)
#define AGG_SPILL_MAX_LEVEL 8        /* 32 hash bits used: deeper, the table never refuses */
/* The floor: a table always takes its first AGG_SPILL_FLOOR_GROUPS groups (counted, never
 * refused), so that a tight limit cannot make every partition recurse one batch at a time. */
#define AGG_SPILL_FLOOR_GROUPS 16384

/* One level of spill partitions. */
typedef struct sl_agg_spill_set {
    sl_spill_file *files[AGG_SPILL_FANOUT];
} sl_agg_spill_set;

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
    /* Spilling (see "spilling" below): once `frozen`, the table gets no new groups and the
     * rows of absent groups go to `spill` with their input sequence number. */
    bool frozen;
    bool spilled;
    sl_agg_spill_set spill;
    uint64_t seq;                    /* active input rows seen by the serial sink */
    sl_type *spill_types;            /* child's columns ++ BIGINT sequence number */
    uint32_t input_columns;          /* child's column count */
    sl_type *result_types;           /* output columns ++ BIGINT sequence number */
    uint32_t result_columns;         /* output column count */
    int64_t **parked_keys;           /* per parked table: each entry's first-row order key */
    size_t parked_keys_capacity;
    atomic_bool parallel_spilled;    /* a worker's table froze: the parked tables are resolved by partition */
    uint32_t *spill_rows;            /* sink scratch (SL_BATCH_CAPACITY-sized, grown) */
    uint64_t *spill_hashes;
    size_t spill_capacity;
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
    /* Spilling in a worker: the table freezes like the serial one; every entry and every
     * spilled row carries its order key morsel << 32 | row within the morsel. */
    bool frozen;
    int64_t *first_key;              /* per entry of `table` */
    size_t first_capacity;
    int64_t morsel;                  /* current morsel, and rows of it seen */
    uint64_t morsel_rows;
    uint32_t *spill_rows;
    uint64_t *spill_hashes;
    size_t spill_capacity;
} sl_hash_agg_local;

/* ------------------------------------------------------------------ global */

/* Destroys and frees the parked tables (their states were merged, or the query failed:
 * combine leaves sources valid, so destroying them is right either way). */
static void free_parked(const sl_physical_op *plan, sl_hash_agg_global *g)
{
    for (size_t t = 0; t < g->parked_count; t++) {
        sl_agg_table_destroy_states(plan, &g->layout, &g->parked[t]);
        sl_hash_table_free(&g->parked[t]);
        sl_free(g->parked_keys ? g->parked_keys[t] : NULL);
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

static void spill_set_free(sl_agg_spill_set *set)
{
    for (uint32_t p = 0; p < AGG_SPILL_FANOUT; p++) {
        sl_spill_file_free(set->files[p]);
        set->files[p] = NULL;
    }
}

static void hash_agg_free_global(const sl_physical_op *plan, void *global)
{
    sl_hash_agg_global *g = global;
    if (!g)
        return;
    spill_set_free(&g->spill);
    sl_free(g->spill_types);
    sl_free(g->result_types);
    sl_free(g->spill_rows);
    sl_free(g->spill_hashes);
    if (g->layout.offsets)
        destroy_states(plan, g);
    free_parked(plan, g);
    sl_free(g->parked);
    sl_free(g->parked_keys);
    sl_free(g->runs);
    if (g->table_ready)
        sl_hash_table_free(&g->table);
    sl_agg_distinct_free(&g->layout, &g->distinct);
    sl_free(g->single);
    sl_agg_layout_free(&g->layout);
    pthread_mutex_destroy(&g->lock);
    sl_free(g);
}

/* The column types of the spill files (input rows) and result files (finalized groups),
 * each with a trailing BIGINT: the input sequence number of the row / of the group's
 * first row. */
static sl_status spill_types_init(const sl_physical_op *plan, sl_hash_agg_global *g, sl_error *err)
{
    const sl_physical_op *child = plan->children[0];
    g->input_columns = child->column_count;
    g->result_columns = g->layout.group_count + g->layout.agg_count;
    g->spill_types = sl_malloc(sizeof *g->spill_types * (g->input_columns + 1));
    g->result_types = sl_malloc(sizeof *g->result_types * (g->result_columns + 1));
    if (!g->spill_types || !g->result_types)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < g->input_columns; c++)
        g->spill_types[c] = child->types[c];
    g->spill_types[g->input_columns] = sl_type_make(SL_TYPE_BIGINT);
    bool listed = plan->types && plan->column_count == g->result_columns;
    for (uint32_t c = 0; c < g->layout.group_count; c++)
        g->result_types[c] = listed ? plan->types[c] : plan->exprs[c]->type;
    for (uint32_t j = 0; j < g->layout.agg_count; j++)
        g->result_types[g->layout.group_count + j] =
            listed ? plan->types[g->layout.group_count + j] : plan->aggregates[j]->type;
    g->result_types[g->result_columns] = sl_type_make(SL_TYPE_BIGINT);
    return SL_OK;
}

/* DISTINCT sets keep growing for the rows of groups already in a frozen table (those rows
 * cannot be spilled: their group's state is in memory), so they are counted against the
 * limit but never refused; the group table is what refuses and spills. */
static void distinct_never_refuse(const sl_agg_layout *layout, sl_agg_distinct *distinct)
{
    for (uint32_t j = 0; j < layout->agg_count; j++)
        if (distinct->ready[j])
            distinct->sets[j].never_refuse = true;
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
    if (st == SL_OK)
        st = spill_types_init(plan, g, err);
    if (st == SL_OK)
        distinct_never_refuse(&g->layout, &g->distinct);
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
    sl_free(l->first_key);
    sl_free(l->spill_rows);
    sl_free(l->spill_hashes);
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
    l->morsel = -1;
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


/* ------------------------------------------------------------------ spilling
 *
 * The serial sink folds with sl_agg_fold_bounded: while the group table can grow it
 * behaves like sl_agg_fold. When the reservation for growing it is refused (past a floor
 * of AGG_SPILL_FLOOR_GROUPS groups), the table is frozen: it gets no new groups, rows of
 * groups already in it are still folded into it, and the rows of every other group are
 * written, with an order key (the row's input sequence number), to one of
 * AGG_SPILL_FANOUT spill files chosen by bits of the group hash. Raw rows (not partial
 * states, which have no disk format) are spilled, so every aggregate works unchanged
 * (DISTINCT, ORDER BY, string_agg see each group's rows in input order) and a group's
 * rows are either all in memory or all in one partition file.
 *
 * The source emits the in-memory groups (all of them appeared before any spilled row:
 * the table froze before), frees the table, then resolves each partition: its rows are
 * folded into a fresh table the same way (a partition that still does not fit spills into
 * sub-partitions by the next hash bits, recursively); the table's groups, each keyed by
 * the smallest order key of its rows, are written sorted by that key to a result file,
 * which is merged with the sub-partitions' result files. Merging the partitions' result
 * files by key after the in-memory groups reproduces exactly the group order of an
 * in-memory run.
 *
 * Parallel runs (parallel_sink) spill the same way per worker: a worker's table freezes
 * when refused (or once half the limit is in use: the parked tables stay in memory while
 * the partitions are resolved), rows go to the shared partition files under the lock, and
 * every entry and spilled row carries the order key morsel << 32 | row within the morsel.
 * Finalize then does not merge the parked tables: each top-level partition first absorbs
 * the parked entries it hashes to (seed_from_parked: states combined, key = the smallest),
 * then folds its rows as above, so values and group order equal the single-instance run's. */

typedef struct sl_agg_out sl_agg_out;
static sl_status resolve_set(sl_exec_context *exec, const sl_physical_op *plan, sl_hash_agg_global *g,
                             sl_hash_agg_local *l, sl_agg_spill_set *set, uint32_t level, sl_spill_file *extra,
                             sl_agg_out *out, sl_error *err);

/* Partition of a group hash at spill level `level`. */
static inline uint32_t spill_partition(uint64_t hash, uint32_t level)
{
    return (uint32_t)(hash >> (64 - AGG_SPILL_BITS * (level + 1))) & (AGG_SPILL_FANOUT - 1);
}

static sl_status ensure_spill_scratch(sl_hash_agg_global *g, uint32_t rows, sl_error *err)
{
    if (rows <= g->spill_capacity)
        return SL_OK;
    sl_free(g->spill_rows);
    sl_free(g->spill_hashes);
    g->spill_rows = sl_malloc(sizeof *g->spill_rows * rows);
    g->spill_hashes = sl_malloc(sizeof *g->spill_hashes * rows);
    g->spill_capacity = 0;
    if (!g->spill_rows || !g->spill_hashes)
        return sl_error_oom(err);
    g->spill_capacity = rows;
    return SL_OK;
}

/* Writes rows[0..count) of `in` (physical rows; its columns are the spill types: input
 * columns ++ sequence number) to the partition files of `set` by hashes[i] at `level`. */
static sl_status spill_rows_out(sl_exec_context *exec, sl_hash_agg_global *g, sl_agg_spill_set *set,
                                uint32_t level, const sl_batch *in, const uint32_t *rows, const uint64_t *hashes,
                                uint32_t count, sl_error *err)
{
    uint32_t *part_rows = sl_malloc(sizeof *part_rows * (count ? count : 1));
    if (!part_rows)
        return sl_error_oom(err);
    /* counting sort of the rows by partition (stable: input order within a partition) */
    uint32_t start[AGG_SPILL_FANOUT + 1] = { 0 };
    for (uint32_t i = 0; i < count; i++)
        start[spill_partition(hashes[i], level) + 1]++;
    for (uint32_t p = 0; p < AGG_SPILL_FANOUT; p++)
        start[p + 1] += start[p];
    uint32_t cursor[AGG_SPILL_FANOUT];
    memcpy(cursor, start, sizeof cursor);
    for (uint32_t i = 0; i < count; i++)
        part_rows[cursor[spill_partition(hashes[i], level)]++] = rows[i];
    sl_status st = SL_OK;
    for (uint32_t p = 0; p < AGG_SPILL_FANOUT && st == SL_OK; p++) {
        uint32_t m = start[p + 1] - start[p];
        if (m == 0)
            continue;
        if (!set->files[p])
            st = sl_spill_file_new(exec, g->spill_types, g->input_columns + 1, &set->files[p], err);
        if (st != SL_OK)
            break;
        sl_batch view = *in;
        view.column_count = g->input_columns + 1;
        view.sel = part_rows + start[p];
        view.sel_buffer = NULL;
        view.count = m;
        view.change = NULL;
        view.change_buffer = NULL;
        st = sl_spill_file_write(set->files[p], &view, err);
    }
    sl_free(part_rows);
    return st;
}

/* The serial sink's batch: folded into the global table, or partly spilled. */
static sl_status sink_serial(sl_exec_context *exec, const sl_physical_op *plan, sl_hash_agg_global *g,
                             sl_hash_agg_local *l, const sl_batch *in, sl_error *err)
{
    if (g->layout.group_count == 0)
        return sink_batch(g, l, plan, in, NULL, g->single, err);
    SL_TRY(ensure_spill_scratch(g, in->count, err));
    /* the floor (AGG_SPILL_FLOOR_GROUPS): a table never freezes nearly empty */
    g->table.never_refuse = g->table.entry_count < AGG_SPILL_FLOOR_GROUPS;
    uint32_t fresh = 0, spill_count = 0;
    SL_TRY(sl_agg_fold_bounded(plan, &g->layout, &l->fold, in, &g->table, &g->distinct, &g->frozen, &fresh,
                               g->spill_rows, g->spill_hashes, &spill_count, err));
    uint64_t base = g->seq;
    g->seq += in->count;
    if (spill_count == 0)
        return SL_OK;
    g->spilled = true;
    /* the input columns ++ each row's sequence number (base + its active index) */
    sl_vector *seq = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), in->length ? in->length : 1);
    sl_vector **columns = sl_malloc(sizeof *columns * (g->input_columns + 1));
    if (!seq || !columns) {
        if (seq)
            sl_vector_unref(seq);
        sl_free(columns);
        return sl_error_oom(err);
    }
    int64_t *seq_data = SL_VECTOR_DATA(seq, int64_t);
    for (uint32_t i = 0; i < in->count; i++)
        seq_data[sl_batch_row(in, i)] = (int64_t)(base + i);
    for (uint32_t c = 0; c < g->input_columns; c++)
        columns[c] = in->columns[c];
    columns[g->input_columns] = seq;
    sl_batch view = *in;
    view.columns = columns;
    sl_status st = spill_rows_out(exec, g, &g->spill, 0, &view, g->spill_rows, g->spill_hashes, spill_count, err);
    sl_vector_unref(seq);
    sl_free(columns);
    return st;
}

/* Where merged or finalized batches go: the next stage (without the sequence column) or
 * a result file. */
struct sl_agg_out {
    sl_op_context *ctx;              /* emit when set */
    sl_spill_file *file;             /* else: write here */
    uint32_t result_columns;
};

static sl_status out_batch(sl_agg_out *out, const sl_batch *batch, sl_error *err)
{
    if (out->file)
        return sl_spill_file_write(out->file, batch, err);
    sl_batch view = *batch;
    view.column_count = out->result_columns;   /* drop the sequence number */
    return sl_emit_batch(out->ctx, &view, err);
}

static sl_status merged_out(void *arg, const sl_batch *batch, sl_error *err)
{
    return out_batch(arg, batch, err);
}

/* Merges the result files (each sorted by its trailing sequence number) into `out` in
 * sequence order. The files stay owned by the caller. */
static sl_status merge_results(sl_hash_agg_global *g, sl_spill_file **files, uint32_t file_count, sl_agg_out *out,
                               sl_error *err)
{
    return sl_spill_merge(files, file_count, g->result_types, g->result_columns + 1, 1, g->result_columns + 1,
                          out->ctx, merged_out, out, err);
}

/* Writes (or emits) the groups of `table` in creation order; with a file, each gets the
 * sequence number of its first row (first_seq[entry]). */
static sl_status output_table(const sl_physical_op *plan, sl_hash_agg_global *g, sl_hash_table *table,
                              const int64_t *first_seq, sl_agg_out *out, sl_error *err)
{
    uint8_t **payloads = sl_malloc(sizeof *payloads * SL_BATCH_CAPACITY);
    if (!payloads)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    const sl_hash_partition *part = &table->partitions[0];
    for (size_t c = 0; c < part->keys.chunk_count && st == SL_OK; c++) {
        if (out->ctx && sl_pipeline_stop_requested(out->ctx))
            break;
        const sl_batch *chunk = part->keys.chunks[c];
        uint32_t count = chunk->length;
        for (uint32_t i = 0; i < count; i++)
            payloads[i] = g->layout.payload_size
                              ? sl_hash_table_payload(table, 0, (uint32_t)(c * SL_BATCH_CAPACITY + i))
                              : NULL;
        sl_batch *batch = NULL;
        st = sl_agg_finalize_groups(plan, &g->layout, chunk->columns, payloads, count, 1, &batch, err);
        if (st != SL_OK)
            break;
        sl_vector *seq = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), count ? count : 1);
        if (!seq) {
            sl_batch_free(batch);
            st = sl_error_oom(err);
            break;
        }
        if (first_seq)
            memcpy(SL_VECTOR_DATA(seq, int64_t), first_seq + c * SL_BATCH_CAPACITY, sizeof(int64_t) * count);
        sl_batch_set_column(batch, g->result_columns, seq);
        st = out_batch(out, batch, err);
        sl_batch_free(batch);
    }
    sl_free(payloads);
    return st;
}

typedef struct sl_agg_order {
    int64_t key;
    uint32_t entry;
} sl_agg_order;

static int compare_order(const void *a, const void *b)
{
    const sl_agg_order *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Writes the groups of `table` to `out` in ascending first_seq order, each with its
 * first_seq as the trailing sequence number. */
static sl_status output_sorted(const sl_physical_op *plan, sl_hash_agg_global *g, sl_hash_table *table,
                               const int64_t *first_seq, sl_agg_out *out, sl_error *err)
{
    uint32_t n = (uint32_t)table->entry_count;
    if (n == 0)
        return SL_OK;
    sl_agg_order *order = sl_malloc(sizeof *order * n);
    uint32_t *rows = sl_malloc(sizeof *rows * SL_BATCH_CAPACITY);
    uint8_t **payloads = sl_malloc(sizeof *payloads * SL_BATCH_CAPACITY);
    sl_status st = (!order || !rows || !payloads) ? sl_error_oom(err) : SL_OK;
    if (st == SL_OK) {
        for (uint32_t e = 0; e < n; e++)
            order[e] = (sl_agg_order){ first_seq[e], e };
        qsort(order, n, sizeof *order, compare_order);
    }
    sl_hash_partition *part = &table->partitions[0];
    for (uint32_t first = 0; first < n && st == SL_OK; first += SL_BATCH_CAPACITY) {
        uint32_t count = n - first < SL_BATCH_CAPACITY ? n - first : SL_BATCH_CAPACITY;
        for (uint32_t i = 0; i < count; i++) {
            rows[i] = order[first + i].entry;
            payloads[i] = g->layout.payload_size ? sl_hash_table_payload(table, 0, rows[i]) : NULL;
        }
        sl_batch *keys = NULL, *batch = NULL;
        st = sl_row_store_gather_batch(&part->keys, rows, count, g->layout.group_count, &keys, err);
        if (st == SL_OK)
            st = sl_agg_finalize_groups(plan, &g->layout, keys->columns, payloads, count, 1, &batch, err);
        sl_vector *seq = st == SL_OK ? sl_vector_new(sl_type_make(SL_TYPE_BIGINT), count) : NULL;
        if (st == SL_OK && !seq)
            st = sl_error_oom(err);
        if (st == SL_OK) {
            int64_t *sq = SL_VECTOR_DATA(seq, int64_t);
            for (uint32_t i = 0; i < count; i++)
                sq[i] = order[first + i].key;
            sl_batch_set_column(batch, g->result_columns, seq);
            st = out_batch(out, batch, err);
        } else if (seq) {
            sl_vector_unref(seq);
        }
        sl_batch_free(batch);
        sl_batch_free(keys);
    }
    sl_free(order);
    sl_free(rows);
    sl_free(payloads);
    return st;
}

/* Moves the parked tables' entries of top-level partition p into `table` (their states
 * combined; first_seq = the smallest first-row key). The parked tables stay (freed after
 * every partition is resolved). */
static sl_status seed_from_parked(const sl_physical_op *plan, sl_hash_agg_global *g, sl_hash_agg_local *l,
                                  sl_hash_table *table, int64_t **first_seq, size_t *first_capacity, uint32_t p,
                                  sl_error *err)
{
    uint32_t *sel = sl_malloc(sizeof *sel * SL_BATCH_CAPACITY);
    uint64_t *hashes = sl_malloc(sizeof *hashes * SL_BATCH_CAPACITY);
    uint64_t *ids = sl_malloc(sizeof *ids * SL_BATCH_CAPACITY);
    uint32_t *fresh = sl_malloc(sizeof *fresh * SL_BATCH_CAPACITY);
    uint8_t **payloads = sl_malloc(sizeof *payloads * SL_BATCH_CAPACITY);
    void **sources = sl_malloc(sizeof *sources * SL_BATCH_CAPACITY);
    void **targets = sl_malloc(sizeof *targets * SL_BATCH_CAPACITY);
    sl_status st = (!sel || !hashes || !ids || !fresh || !payloads || !sources || !targets) ? sl_error_oom(err)
                                                                                          : SL_OK;
    bool never_refuse = table->never_refuse;
    table->never_refuse = true;   /* partial states cannot be spilled: they are absorbed */
    for (size_t t = 0; t < g->parked_count && st == SL_OK; t++) {
        sl_hash_table *parked = &g->parked[t];
        const sl_hash_partition *part = &parked->partitions[0];
        const int64_t *keys = g->parked_keys[t];
        for (size_t c = 0; c < part->keys.chunk_count && st == SL_OK; c++) {
            const sl_batch *chunk = part->keys.chunks[c];
            uint32_t m = 0;
            for (uint32_t i = 0; i < chunk->length; i++) {
                uint64_t h = part->hashes[c * SL_BATCH_CAPACITY + i];
                if (spill_partition(h, 0) == p) {
                    sel[m] = i;
                    hashes[m++] = h;
                }
            }
            if (m == 0)
                continue;
            uint32_t fresh_count = 0;
            uint32_t before = (uint32_t)table->entry_count;
            st = sl_hash_table_find_or_insert(table, l->fold.scratch, chunk->columns, sel, m, hashes, ids, payloads,
                                              fresh, &fresh_count, err);
            if (st != SL_OK)
                break;
            for (uint32_t f = 0; f < fresh_count; f++)
                sl_agg_payload_init(plan, &g->layout, payloads[fresh[f]]);
            st = sl_array_reserve((void **)first_seq, first_capacity, table->entry_count, sizeof **first_seq, err);
            for (uint32_t e = before; st == SL_OK && e < table->entry_count; e++)
                (*first_seq)[e] = INT64_MAX;
            for (uint32_t i = 0; st == SL_OK && i < m; i++) {
                uint32_t e = (uint32_t)ids[i];
                int64_t key = keys[c * SL_BATCH_CAPACITY + sel[i]];
                if (key < (*first_seq)[e])
                    (*first_seq)[e] = key;
            }
            for (uint32_t j = 0; j < g->layout.agg_count && st == SL_OK; j++) {
                const sl_expr *agg = plan->aggregates[j];
                for (uint32_t i = 0; i < m; i++) {
                    sources[i] = sl_hash_table_payload(parked, 0, (uint32_t)(c * SL_BATCH_CAPACITY + sel[i])) +
                                 g->layout.offsets[j];
                    targets[i] = payloads[i] + g->layout.offsets[j];
                }
                st = agg->aggregate->combine(agg, sources, targets, m, err);
            }
        }
    }
    table->never_refuse = never_refuse;
    sl_free(sel);
    sl_free(hashes);
    sl_free(ids);
    sl_free(fresh);
    sl_free(payloads);
    sl_free(sources);
    sl_free(targets);
    return st;
}

/* Aggregates the rows of spill file `input` (level `level` partition `partition`; NULL:
 * no rows) into a new result file *result: finalized groups ++ first sequence number,
 * sorted by it. At level 0 after a parallel run, the parked tables' entries of the
 * partition come first (seed_from_parked). */
static sl_status resolve_partition(sl_exec_context *exec, const sl_physical_op *plan, sl_hash_agg_global *g,
                                   sl_hash_agg_local *l, sl_spill_file *input, uint32_t level, uint32_t partition,
                                   sl_spill_file **result, sl_error *err)
{
    *result = NULL;
    sl_hash_table table;
    sl_agg_distinct distinct;
    memset(&distinct, 0, sizeof distinct);
    sl_agg_spill_set sub;
    memset(&sub, 0, sizeof sub);
    int64_t *first_seq = NULL;
    size_t first_capacity = 0;
    bool frozen = false, table_ready = false;
    uint32_t *rows = NULL;
    uint64_t *hashes = NULL;
    sl_batch *batch = NULL;
    sl_spill_file *own = NULL;   /* this table's groups, sorted */
    sl_status st = sl_agg_table_init(plan, &g->layout, 0, exec->memory, AGG_NAME, &table, err);
    table_ready = st == SL_OK;
    if (st == SL_OK)
        st = sl_agg_distinct_init(plan, &g->layout, exec->memory, AGG_NAME, &distinct, err);
    if (st == SL_OK) {
        distinct_never_refuse(&g->layout, &distinct);
        rows = sl_malloc(sizeof *rows * SL_BATCH_CAPACITY);
        hashes = sl_malloc(sizeof *hashes * SL_BATCH_CAPACITY);
        if (!rows || !hashes)
            st = sl_error_oom(err);
    }
    if (st == SL_OK && level == 0 && g->parked_count > 0)
        st = seed_from_parked(plan, g, l, &table, &first_seq, &first_capacity, partition, err);
    if (st == SL_OK && input) {
        st = sl_spill_file_finish(input, err);
        if (st == SL_OK)
            st = sl_spill_file_rewind(input, err);
    }
    while (st == SL_OK && input) {
        st = sl_spill_file_read(input, &batch, err);
        if (st != SL_OK || !batch)
            break;
        if (sl_exec_interrupted(exec)) {
            st = sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
            break;
        }
        /* the floor (AGG_SPILL_FLOOR_GROUPS); past the last
         * level hash bits cannot split the rows further, so the table just grows */
        table.never_refuse = table.entry_count < AGG_SPILL_FLOOR_GROUPS || level >= AGG_SPILL_MAX_LEVEL;
        uint32_t before = (uint32_t)table.entry_count, fresh = 0, spill_count = 0;
        if (batch->count > SL_BATCH_CAPACITY) {
            st = sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": spill batch of %u rows", batch->count);
            break;
        }
        st = sl_agg_fold_bounded(plan, &g->layout, &l->fold, batch, &table, &distinct, &frozen, &fresh, rows, hashes,
                                 &spill_count, err);
        if (st == SL_OK && fresh > 0)
            st = sl_array_reserve((void **)&first_seq, &first_capacity, before + fresh, sizeof *first_seq, err);
        if (st == SL_OK) {
            /* a group's key: the smallest sequence number of its rows (rows of a parallel
             * run are not in sequence order in the file) */
            const int64_t *seq = SL_VECTOR_DATA(batch->columns[g->input_columns], int64_t);
            for (uint32_t k = 0; k < fresh; k++)
                first_seq[before + k] = INT64_MAX;
            for (uint32_t i = 0; i < batch->count; i++) {
                uint64_t id = l->fold.ids[i];
                if (id == SL_HASH_TABLE_NO_ENTRY)
                    continue;
                int64_t key = seq[sl_batch_row(batch, i)];
                if (key < first_seq[(uint32_t)id])
                    first_seq[(uint32_t)id] = key;
            }
        }
        if (st == SL_OK && spill_count > 0)
            st = spill_rows_out(exec, g, &sub, level + 1, batch, rows, hashes, spill_count, err);
        sl_batch_free(batch);
        batch = NULL;
    }
    if (st == SL_OK)
        st = sl_spill_file_new(exec, g->result_types, g->result_columns + 1, &own, err);
    if (st == SL_OK) {
        sl_agg_out out = { NULL, own, g->result_columns };
        st = output_sorted(plan, g, &table, first_seq, &out, err);
    }
    if (st == SL_OK)
        st = sl_spill_file_finish(own, err);
    /* the table's memory goes before the sub-partitions are resolved */
    if (table_ready) {
        sl_agg_table_destroy_states(plan, &g->layout, &table);
        sl_hash_table_free(&table);
    }
    sl_agg_distinct_free(&g->layout, &distinct);
    sl_free(first_seq);
    sl_free(rows);
    sl_free(hashes);
    bool has_sub = false;
    for (uint32_t p = 0; p < AGG_SPILL_FANOUT; p++)
        has_sub |= sub.files[p] != NULL;
    if (st == SL_OK && !has_sub) {
        *result = own;   /* no sub-partitions: the table's groups are the result */
        own = NULL;
    } else if (st == SL_OK) {
        st = sl_spill_file_new(exec, g->result_types, g->result_columns + 1, result, err);
        if (st == SL_OK)
            st = resolve_set(exec, plan, g, l, &sub, level + 1, own, &(sl_agg_out){ NULL, *result, g->result_columns },
                             err);
        if (st == SL_OK)
            st = sl_spill_file_finish(*result, err);
    }
    sl_spill_file_free(own);
    spill_set_free(&sub);
    if (st != SL_OK) {
        sl_spill_file_free(*result);
        *result = NULL;
    }
    return st;
}

/* Resolves every partition of `set` (level `level`; at level 0 after a parallel run also
 * the partitions that only the parked tables hold) and merges their results, plus
 * `extra` (a sorted result file, may be NULL), into `out` in sequence order. Each input
 * file is freed once resolved. */
static sl_status resolve_set(sl_exec_context *exec, const sl_physical_op *plan, sl_hash_agg_global *g,
                             sl_hash_agg_local *l, sl_agg_spill_set *set, uint32_t level, sl_spill_file *extra,
                             sl_agg_out *out, sl_error *err)
{
    sl_spill_file *results[AGG_SPILL_FANOUT + 1];
    uint32_t result_count = 0;
    sl_status st = SL_OK;
    bool parked = level == 0 && g->parked_count > 0;
    for (uint32_t p = 0; p < AGG_SPILL_FANOUT && st == SL_OK; p++) {
        if (!set->files[p] && !parked)
            continue;
        sl_spill_file *result = NULL;
        st = resolve_partition(exec, plan, g, l, set->files[p], level, p, &result, err);
        sl_spill_file_free(set->files[p]);
        set->files[p] = NULL;
        if (result)
            results[result_count++] = result;
    }
    if (parked)
        free_parked(plan, g);   /* every partition absorbed its entries */
    if (extra)
        results[result_count++] = extra;
    if (st == SL_OK && result_count > 0)
        st = merge_results(g, results, result_count, out, err);
    for (uint32_t k = 0; k < result_count; k++)
        if (results[k] != extra)
            sl_spill_file_free(results[k]);
    return st;
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
    if (g->frozen)
        return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": parallel pre-aggregation after the table spilled");
    qsort(g->runs, g->run_count, sizeof *g->runs, compare_runs);
    g->table.never_refuse = true;   /* merged partial states cannot be spilled (see ensure_local_target) */
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

/* A worker's batch of morsel `morsel`: into its local table, recording new entries' run
 * and first-row order keys. Once the table cannot grow, the rows of groups it does not
 * hold go to the global spill files (see "spilling"). */
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
    if ((int64_t)morsel != l->morsel) {
        l->morsel = (int64_t)morsel;
        l->morsel_rows = 0;
    }
    int64_t base = (int64_t)(morsel << 32 | l->morsel_rows);
    l->morsel_rows += in->count;
    if (in->count > l->spill_capacity) {
        sl_free(l->spill_rows);
        sl_free(l->spill_hashes);
        l->spill_rows = sl_malloc(sizeof *l->spill_rows * in->count);
        l->spill_hashes = sl_malloc(sizeof *l->spill_hashes * in->count);
        l->spill_capacity = 0;
        if (!l->spill_rows || !l->spill_hashes)
            return sl_error_oom(err);
        l->spill_capacity = in->count;
    }
    uint32_t before = l->table.partitions[0].entry_count;
    l->table.never_refuse = before < AGG_SPILL_FLOOR_GROUPS;   /* the floor */
    /* the parked tables stay in memory while the partitions are resolved (their partial
     * states cannot be spilled), so the workers' tables take at most half the limit and
     * leave the other half to the resolution */
    sl_memory *memory = ctx->exec->memory;
    if (!l->frozen && !l->table.never_refuse && memory &&
        atomic_load((_Atomic int64_t *)&memory->reserved) > memory->limit / 2)
        l->frozen = true;
    uint32_t fresh = 0, spill_count = 0;
    SL_TRY(sl_agg_fold_bounded(plan, &g->layout, &l->fold, in, &l->table, &g->distinct, &l->frozen, &fresh,
                               l->spill_rows, l->spill_hashes, &spill_count, err));
    uint32_t after = l->table.partitions[0].entry_count;
    if (fresh > 0) {
        SL_TRY(sl_array_reserve((void **)&l->first_key, &l->first_capacity, after, sizeof *l->first_key, err));
        for (uint32_t k = 0; k < fresh; k++)
            l->first_key[before + k] = base + l->fold.fresh[k];
    }
    if (spill_count > 0) {
        atomic_store(&g->parallel_spilled, true);
        sl_vector *seq = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), in->length ? in->length : 1);
        sl_vector **columns = sl_malloc(sizeof *columns * (g->input_columns + 1));
        sl_status st = (!seq || !columns) ? sl_error_oom(err) : SL_OK;
        if (st == SL_OK) {
            int64_t *seq_data = SL_VECTOR_DATA(seq, int64_t);
            for (uint32_t i = 0; i < in->count; i++)
                seq_data[sl_batch_row(in, i)] = base + i;
            for (uint32_t c = 0; c < g->input_columns; c++)
                columns[c] = in->columns[c];
            columns[g->input_columns] = seq;
            sl_batch view = *in;
            view.columns = columns;
            pthread_mutex_lock(&g->lock);
            g->spilled = true;
            st = spill_rows_out(ctx->exec, g, &g->spill, 0, &view, l->spill_rows, l->spill_hashes, spill_count, err);
            pthread_mutex_unlock(&g->lock);
        }
        if (seq)
            sl_vector_unref(seq);
        sl_free(columns);
        SL_TRY(st);
    }
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
        st = sink_serial(ctx->exec, plan, g, local, msg->batch, err);
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
        if (st == SL_OK)
            st = sl_array_reserve((void **)&g->parked_keys, &g->parked_keys_capacity, g->parked_count + 1,
                                  sizeof *g->parked_keys, err);
        if (st == SL_OK) {
            uint32_t t = (uint32_t)g->parked_count++;
            g->parked[t] = l->table;          /* moved: the local no longer owns it */
            g->parked_keys[t] = l->first_key;
            l->first_key = NULL;
            l->first_capacity = 0;
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
    if (atomic_load(&g->parallel_spilled))
        return SL_OK;   /* the parked tables are resolved partition by partition (source) */
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
    sl_agg_out out = { ctx, NULL, g->result_columns };
    sl_status st = output_table(plan, g, &g->table, NULL, &out, err);
    if (st != SL_OK || !g->spilled)
        return st;
    /* the in-memory groups are out: free them, then resolve the partitions one by one */
    sl_agg_table_destroy_states(plan, &g->layout, &g->table);
    sl_hash_table_free(&g->table);
    g->table_ready = false;
    sl_agg_distinct_free(&g->layout, &g->distinct);
    return resolve_set(ctx->exec, plan, g, local, &g->spill, 0, NULL, &out, err);
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
