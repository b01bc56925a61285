/*
 * hash_join.c — HASH_JOIN: equi-join of children[0] (probe, streaming) with children[1]
 * (build, materialized), every join type of physical.h.
 *
 * Build (sink role, pipeline of children[1]): each batch is appended to a row store (the
 * build columns), its keys (plan->build_keys) are hashed once and looked up in a
 * sl_hash_table of *distinct* keys; each build row records its key's entry id. When the
 * build ends (finalize), a counting sort groups the build rows by entry: the rows of
 * entry e are sorted_rows[entry_start[e] .. entry_start[e + 1]), in build order. A probe
 * then reads one contiguous run per key instead of chasing a linked chain (one dependent
 * cache miss per row). A build row with NULL in a key compared with `=`
 * (key_null_equal[i] false) can never match: it goes to null_rows, used only by MARK
 * joins with a residual condition (where it makes a mark NULL) and by RIGHT/FULL joins
 * (emitted as unmatched).
 *
 * Probe (streaming role, pipeline of children[0]): per batch, the probe keys are
 * evaluated and hashed once, every row finds its key's entry in one vectorized lookup,
 * and the entry's run of build rows become candidate pairs for join_pairs.c (residual condition over
 * [probe ++ build], per-type output in batches of <= SL_BATCH_CAPACITY rows). SEMI, ANTI
 * and MARK joins without a residual condition never build pairs: the lookup settles them,
 * so their build keeps only the distinct keys (`keys_only`: no row store, no row runs); with a
 * condition, their row store keeps only the build columns the condition reads.
 * MARK follows the three-valued IN semantics agreed with the planner (plan/README.md):
 * TRUE if some build row matches; else NULL if the probe key is NULL and the build side
 * is non-empty, or some build key is NULL; else FALSE. With a residual condition, pairs
 * whose keys compare as NULL are evaluated too and can only make the mark NULL. (For
 * multi-column keys, a NULL in any probe key column is treated as "unknown against every
 * build row"; the planner only emits MARK joins with one key.)
 * RIGHT/FULL: matched build rows are flagged; the last probe END emits the others with
 * NULL probe columns before END is forwarded.
 *
 * Memory: the row store, the hash table and the chain/flag arrays reserve against
 * exec->memory; a refused reservation turns the join into a Grace hash join (see
 * "spilling" below), except a MARK join with a residual condition (SL_ERR_OOM).
 */
#include <pthread.h>

#include "exec/hash_table.h"
#include "exec/join_pairs.h"
#include "exec/spill_merge.h"

#define HASH_JOIN_NAME "HASH_JOIN"
#define NULL_ENTRY UINT32_MAX          /* row_entry of a build row with a NULL `=` key */
#define JOIN_SPILL_BITS 4
#define JOIN_SPILL_FANOUT (1u << JOIN_SPILL_BITS)

/* The spill files of a join whose build side did not fit (see "spilling" below). */
typedef struct sl_join_spill {
    sl_spill_file *build[JOIN_SPILL_FANOUT];   /* stored build columns ++ keys ++ build seq */
    sl_spill_file *probe[JOIN_SPILL_FANOUT];   /* probe columns ++ keys ++ batch ++ row ++ instance */
    sl_type *build_types;
    uint32_t build_columns;
    sl_type *probe_types;
    uint32_t probe_columns;
    sl_type *result_types;                     /* output columns ++ order key 1 ++ order key 2 */
    uint32_t result_columns;
    uint64_t build_seq;                        /* build rows written so far */
    uint64_t probe_batches;                    /* serial probe batches so far */
    atomic_uint instances;                     /* probe instances that spilled (their ids) */
} sl_join_spill;

typedef struct sl_hash_join_global {
    pthread_mutex_t lock;              /* serializes build sinks */
    sl_row_store rows;                 /* build rows: the stored columns of children[1] */
    int32_t *build_map;                /* per build column: its store column, -1 = not stored */
    uint32_t *stored;                  /* the build columns stored, in store order */
    uint32_t stored_count;
    sl_hash_table table;               /* distinct build keys (no payload; entry id = key id) */
    uint32_t *row_entry;               /* per build row: its key's entry, NULL_ENTRY for a NULL key */
    uint8_t *matched;                  /* per build row (RIGHT/FULL only) */
    size_t row_capacity;               /* of row_entry / matched */
    uint32_t *entry_start;             /* after finalize: entry_count + 1 offsets into sorted_rows */
    uint32_t *sorted_rows;             /* after finalize: build rows grouped by entry */
    uint32_t *null_rows;               /* after finalize: build rows with a NULL `=` key */
    uint32_t null_count;
    bool finalized;
    bool has_null_key;
    bool keys_only;                    /* SEMI/ANTI/MARK without condition: build rows unused */
    uint64_t build_row_count;          /* build rows seen (also when keys_only) */
    sl_memory *memory;
    int64_t reserved;                  /* row_entry / matched / finalize arrays bytes */
    sl_exec_context *exec;
    bool can_spill;                    /* every type but MARK with a residual condition */
    sl_join_spill *spill;              /* non-NULL once the build side spilled */
} sl_hash_join_global;

/* Key evaluation state, used by both roles. */
typedef struct sl_join_keys {
    uint32_t count;
    sl_expr_state **states;
    sl_vector **vectors;
    uint32_t *active;                  /* active physical rows with no NULL `=` key */
    uint32_t *null_rows;               /* active physical rows with a NULL `=` key */
    uint32_t *index;                   /* active-row index of each `active` entry */
    uint64_t *hashes;
    uint64_t *ids;                     /* per active row: hash table entry id */
    size_t capacity;
    sl_hash_scratch *scratch;
    int32_t column_offset;             /* >= 0: the keys are batch columns offset.. (spill files), not evaluated */
} sl_join_keys;

typedef struct sl_hash_join_local {
    sl_join_keys keys;
    sl_join_probe *probe;              /* probe role only */
    int64_t instance;                  /* spilled probe: this instance's id (-1 before its first batch) */
    int64_t last_morsel;
    uint64_t batch_in_morsel;
} sl_hash_join_local;

static void join_spill_free(sl_join_spill *sp)
{
    if (!sp)
        return;
    for (uint32_t p = 0; p < JOIN_SPILL_FANOUT; p++) {
        sl_spill_file_free(sp->build[p]);
        sl_spill_file_free(sp->probe[p]);
    }
    sl_free(sp->build_types);
    sl_free(sp->probe_types);
    sl_free(sp->result_types);
    sl_free(sp);
}

static void hash_join_free_global(const sl_physical_op *plan, void *global)
{
    sl_hash_join_global *g = global;
    if (!g)
        return;
    join_spill_free(g->spill);
    sl_row_store_free(&g->rows);
    sl_free(g->build_map);
    sl_free(g->stored);
    sl_hash_table_free(&g->table);
    sl_free(g->row_entry);
    sl_free(g->entry_start);
    sl_free(g->sorted_rows);
    sl_free(g->null_rows);
    sl_free(g->matched);
    if (g->memory && g->reserved)
        sl_memory_release(g->memory, g->reserved);
    pthread_mutex_destroy(&g->lock);
    sl_free(g);
}

/* Marks in used[] the build columns (condition positions >= left_count) that e reads. */
static void mark_build_columns(const sl_expr *e, uint32_t left_count, uint32_t right_count, bool *used)
{
    if (!e)
        return;
    if (e->kind == SL_EXPR_COLUMN && e->depth == 0 && e->index >= left_count && e->index - left_count < right_count)
        used[e->index - left_count] = true;
    for (uint32_t i = 0; i < e->arg_count; i++)
        mark_build_columns(e->args[i], left_count, right_count, used);
    mark_build_columns(e->filter, left_count, right_count, used);
}

/* Decides which build columns the row store keeps: all of them when the join outputs
 * build columns, else (SEMI/ANTI/MARK) only those the residual condition reads — an
 * EXISTS subquery over a wide table then stores one or two columns, not all of them. */
static sl_status choose_stored_columns(sl_hash_join_global *g, const sl_physical_op *plan, sl_error *err)
{
    uint32_t left_count = plan->children[0]->column_count;
    uint32_t right_count = plan->children[1]->column_count;
    size_t n = right_count ? right_count : 1;
    g->build_map = sl_malloc(sizeof *g->build_map * n);
    g->stored = sl_malloc(sizeof *g->stored * n);
    bool *used = sl_calloc(n, sizeof *used);
    if (!g->build_map || !g->stored || !used) {
        sl_free(used);
        return sl_error_oom(err);
    }
    sl_join_type type = plan->join_type;
    bool all = !(type == SL_JOIN_SEMI || type == SL_JOIN_ANTI || type == SL_JOIN_MARK);
    if (!all)
        mark_build_columns(plan->condition, left_count, right_count, used);
    g->stored_count = 0;
    for (uint32_t c = 0; c < right_count; c++) {
        if (all || used[c]) {
            g->build_map[c] = (int32_t)g->stored_count;
            g->stored[g->stored_count++] = c;
        } else {
            g->build_map[c] = -1;
        }
    }
    sl_free(used);
    return SL_OK;
}

static sl_status hash_join_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global,
                                       sl_error *err)
{
    if (plan->child_count != 2 || plan->key_count == 0 || !plan->probe_keys || !plan->build_keys)
        return sl_error_set(err, SL_ERR_INTERNAL, "HASH_JOIN needs 2 children and at least one key pair");
    sl_type key_types[256];
    if (plan->key_count > 256)
        return sl_error_set(err, SL_ERR_INTERNAL, "HASH_JOIN: too many keys (%u)", plan->key_count);
    for (uint32_t i = 0; i < plan->key_count; i++) {
        key_types[i] = plan->build_keys[i]->type;
        if (!sl_type_equal(key_types[i], plan->probe_keys[i]->type))
            return sl_error_set(err, SL_ERR_INTERNAL, "HASH_JOIN: probe and build key %u have different types", i);
    }
    sl_hash_join_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    g->memory = exec->memory;
    g->exec = exec;
    g->can_spill = !(plan->join_type == SL_JOIN_MARK && plan->condition);
    g->keys_only = !plan->condition && (plan->join_type == SL_JOIN_SEMI || plan->join_type == SL_JOIN_ANTI ||
                                        plan->join_type == SL_JOIN_MARK);
    const sl_physical_op *build = plan->children[1];
    sl_status st = choose_stored_columns(g, plan, err);
    sl_type *stored_types = NULL;
    if (st == SL_OK) {
        stored_types = sl_malloc(sizeof *stored_types * (g->stored_count ? g->stored_count : 1));
        if (!stored_types)
            st = sl_error_oom(err);
        for (uint32_t i = 0; st == SL_OK && i < g->stored_count; i++)
            stored_types[i] = build->types[g->stored[i]];
    }
    if (st == SL_OK)
        st = sl_row_store_init(&g->rows, stored_types, g->stored_count, exec->memory, HASH_JOIN_NAME, err);
    sl_free(stored_types);
    if (st == SL_OK)
        st = sl_hash_table_init(&g->table, key_types, plan->key_count, 0, 0, exec->memory, HASH_JOIN_NAME, err);
    if (st != SL_OK) {
        hash_join_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static void join_keys_free(sl_join_keys *k)
{
    for (uint32_t i = 0; i < k->count && k->states; i++)
        if (k->states[i])
            sl_expr_state_free(k->states[i]);
    sl_free(k->states);
    sl_free(k->vectors);
    sl_free(k->active);
    sl_free(k->null_rows);
    sl_free(k->index);
    sl_free(k->hashes);
    sl_free(k->ids);
    sl_free(k->scratch);
}

static sl_status join_keys_init(sl_join_keys *k, sl_expr **exprs, uint32_t count, sl_exec_context *exec,
                                sl_error *err)
{
    memset(k, 0, sizeof *k);
    k->states = sl_calloc(count, sizeof *k->states);
    k->vectors = sl_calloc(count, sizeof *k->vectors);
    k->scratch = sl_malloc(sizeof *k->scratch);
    if (!k->states || !k->vectors || !k->scratch)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        k->states[i] = sl_expr_state_new(exprs[i], &exec->eval);
        if (!k->states[i])
            return sl_error_oom(err);
        k->count = i + 1;
    }
    return SL_OK;
}

/* Keys read from batch columns offset, offset + 1, ... (the key columns of spill files). */
static sl_status join_keys_init_columns(sl_join_keys *k, uint32_t count, uint32_t offset, sl_error *err)
{
    memset(k, 0, sizeof *k);
    k->vectors = sl_calloc(count, sizeof *k->vectors);
    k->scratch = sl_malloc(sizeof *k->scratch);
    if (!k->vectors || !k->scratch)
        return sl_error_oom(err);
    k->count = count;
    k->column_offset = (int32_t)offset;
    return SL_OK;
}

static void join_keys_release(sl_join_keys *k)
{
    for (uint32_t i = 0; i < k->count; i++) {
        if (k->vectors[i])
            sl_vector_unref(k->vectors[i]);
        k->vectors[i] = NULL;
    }
}

/* Evaluates the keys over batch and splits its active rows into those whose `=` keys
 * are all non-NULL (*active_count, hashed) and the others (*null_count). */
static sl_status join_keys_evaluate(sl_join_keys *k, const sl_physical_op *plan, const sl_batch *batch,
                                    uint32_t *active_count, uint32_t *null_count, sl_error *err)
{
    if (batch->count > k->capacity) {
        size_t cap = batch->count;
        uint32_t *a = sl_realloc(k->active, cap * sizeof *a);
        if (a)
            k->active = a;
        uint32_t *nr = sl_realloc(k->null_rows, cap * sizeof *nr);
        if (nr)
            k->null_rows = nr;
        uint32_t *ix = sl_realloc(k->index, cap * sizeof *ix);
        if (ix)
            k->index = ix;
        uint64_t *h = sl_realloc(k->hashes, cap * sizeof *h);
        if (h)
            k->hashes = h;
        uint64_t *p = sl_realloc(k->ids, cap * sizeof *p);
        if (p)
            k->ids = p;
        if (!a || !nr || !ix || !h || !p)
            return sl_error_oom(err);
        k->capacity = cap;
    }
    for (uint32_t i = 0; i < k->count; i++) {
        if (k->states)
            SL_TRY(sl_expr_evaluate(k->states[i], batch, &k->vectors[i], err));
        else
            k->vectors[i] = sl_vector_ref(batch->columns[k->column_offset + (int32_t)i]);
    }
    uint32_t n = 0, nulls = 0;
    bool any_nullable = false;
    for (uint32_t i = 0; i < k->count; i++)
        if (!plan->key_null_equal[i] && sl_vector_has_nulls(k->vectors[i], batch->sel, batch->count))
            any_nullable = true;
    for (uint32_t r = 0; r < batch->count; r++) {
        uint32_t row = sl_batch_row(batch, r);
        bool has_null = false;
        if (any_nullable)
            for (uint32_t i = 0; i < k->count && !has_null; i++)
                has_null = !plan->key_null_equal[i] && !sl_vector_is_valid(k->vectors[i], row);
        if (has_null) {
            k->null_rows[nulls++] = row;
        } else {
            k->index[n] = r;
            k->active[n++] = row;
        }
    }
    sl_hash_table_hash(k->vectors, k->count, k->active, n, k->hashes);
    *active_count = n;
    *null_count = nulls;
    return SL_OK;
}

static sl_status hash_join_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                      sl_error *err)
{
    sl_hash_join_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    l->instance = -1;
    l->last_morsel = -2;
    *local = l;
    /* the same operator is a sink (build) in one pipeline and a stage (probe) in another;
     * both key sets are prepared, the probe machinery lazily */
    return SL_OK;
}

static void hash_join_free_local(const sl_physical_op *plan, void *local)
{
    sl_hash_join_local *l = local;
    join_keys_release(&l->keys);
    join_keys_free(&l->keys);
    sl_join_probe_free(l->probe);
    sl_free(l);
}

/* ------------------------------------------------------------------ build */

/* Grows row_entry / matched to hold `rows` build rows. A refused reservation sets
 * *refused when the join can spill, else it is an SL_ERR_OOM error. */
static sl_status reserve_rows(sl_hash_join_global *g, const sl_physical_op *plan, size_t rows, bool *refused,
                              sl_error *err)
{
    if (rows <= g->row_capacity)
        return SL_OK;
    size_t cap = g->row_capacity ? g->row_capacity * 2 : 4096;
    while (cap < rows)
        cap *= 2;
    bool flags = sl_join_needs_build_flags(plan->join_type);
    int64_t bytes = (int64_t)((cap - g->row_capacity) * (sizeof(uint32_t) + (flags ? 1 : 0)));
    if (g->memory && !sl_memory_try_reserve(g->memory, bytes)) {
        if (g->can_spill) {
            *refused = true;
            return SL_OK;
        }
        return sl_error_set(err, SL_ERR_OOM,
                            "HASH_JOIN: out of memory: the build side does not fit in memory_limit (%lld bytes) "
                            "and a MARK join with a residual condition cannot spill; raise memory_limit",
                            (long long)g->memory->limit);
    }
    g->reserved += bytes;
    uint32_t *row_entry = sl_realloc(g->row_entry, cap * sizeof *row_entry);
    if (!row_entry)
        return sl_error_oom(err);
    g->row_entry = row_entry;
    if (flags) {
        uint8_t *matched = sl_realloc(g->matched, cap);
        if (!matched)
            return sl_error_oom(err);
        memset(matched + g->row_capacity, 0, cap - g->row_capacity);
        g->matched = matched;
    }
    g->row_capacity = cap;
    return SL_OK;
}

/* ------------------------------------------------------------------ spilling
 *
 * Grace hash join. When a reservation of the build side is refused (hash table, row
 * store, row arrays), the join switches to partitioned mode for good: the build rows held
 * so far and every later build row go to JOIN_SPILL_FANOUT build files by the top bits of
 * their key hash (the stored build columns, the key values and the row's build sequence
 * number), and the in-memory build is freed. Every probe row then goes to the probe file
 * of its partition with its order tags: its probe batch (a serial counter, or morsel and
 * batch within the morsel should the probe run in parallel; today a spilled join's probe
 * runs single-instance, see sl_hash_join_parallel_probe), its row within the batch and
 * its probe instance. Rows with a NULL `=` key go to partition 0 (they match nothing; their fate
 * depends only on the join type and the build's global flags, which partition 0 carries).
 *
 * When the last probe instance ends, each partition is joined on its own: an in-memory
 * join is built from the build file (it is counted against the limit but never refused;
 * a partition is 1/16 of the build) and probed with the probe file, one original probe
 * batch at a time, through the same join_pairs machinery, whose output is captured with
 * the tags (order key 1 = batch * 2 + phase: pair rows, then the rows a batch emits at
 * its end; order key 2 = the row in the batch) into result files, one per probe instance
 * and partition, each sorted by the keys. RIGHT/FULL joins add each partition's
 * unmatched build rows (order key 1 = INT64_MAX, key 2 = build sequence number). Merging
 * all result files by the two keys reproduces the output order of the in-memory join
 * exactly. MARK joins with a residual condition pair NULL keys with every build row
 * across partitions, so they do not spill (a refusal stays an SL_ERR_OOM error). */

static inline uint32_t join_partition(uint64_t hash)
{
    return (uint32_t)(hash >> (64 - JOIN_SPILL_BITS));
}

static sl_status join_spill_init(sl_hash_join_global *g, const sl_physical_op *plan, sl_error *err)
{
    sl_join_spill *sp = sl_calloc(1, sizeof *sp);
    if (!sp)
        return sl_error_oom(err);
    g->spill = sp;
    atomic_init(&sp->instances, 0);
    uint32_t keys = plan->key_count;
    uint32_t left = plan->children[0]->column_count;
    sp->build_columns = g->stored_count + keys + 1;
    sp->probe_columns = left + keys + 3;
    sp->result_columns = plan->column_count + 2;
    sp->build_types = sl_malloc(sizeof *sp->build_types * sp->build_columns);
    sp->probe_types = sl_malloc(sizeof *sp->probe_types * sp->probe_columns);
    sp->result_types = sl_malloc(sizeof *sp->result_types * sp->result_columns);
    if (!sp->build_types || !sp->probe_types || !sp->result_types)
        return sl_error_oom(err);
    sl_type bigint = sl_type_make(SL_TYPE_BIGINT);
    for (uint32_t c = 0; c < g->stored_count; c++)
        sp->build_types[c] = plan->children[1]->types[g->stored[c]];
    for (uint32_t k = 0; k < keys; k++) {
        sp->build_types[g->stored_count + k] = plan->build_keys[k]->type;
        sp->probe_types[left + k] = plan->probe_keys[k]->type;
    }
    sp->build_types[g->stored_count + keys] = bigint;
    for (uint32_t c = 0; c < left; c++)
        sp->probe_types[c] = plan->children[0]->types[c];
    for (uint32_t t = 0; t < 3; t++)
        sp->probe_types[left + keys + t] = bigint;
    for (uint32_t c = 0; c < plan->column_count; c++)
        sp->result_types[c] = plan->types[c];
    sp->result_types[plan->column_count] = bigint;
    sp->result_types[plan->column_count + 1] = bigint;
    return SL_OK;
}

/* Writes the rows rows[0..count) of `view` (physical rows; columns = the file layout)
 * to files[partition of hashes[i]] (created as needed with `types`). */
static sl_status write_partitioned(sl_exec_context *exec, sl_spill_file **files, const sl_type *types,
                                   uint32_t column_count, const sl_batch *view, const uint32_t *rows,
                                   const uint64_t *hashes, uint32_t count, sl_error *err)
{
    if (count == 0)
        return SL_OK;
    uint32_t *part_rows = sl_malloc(sizeof *part_rows * count);
    if (!part_rows)
        return sl_error_oom(err);
    /* counting sort of the rows by partition (stable: input order within a partition) */
    uint32_t start[JOIN_SPILL_FANOUT + 1] = { 0 };
    for (uint32_t i = 0; i < count; i++)
        start[join_partition(hashes[i]) + 1]++;
    for (uint32_t p = 0; p < JOIN_SPILL_FANOUT; p++)
        start[p + 1] += start[p];
    uint32_t cursor[JOIN_SPILL_FANOUT];
    memcpy(cursor, start, sizeof cursor);
    for (uint32_t i = 0; i < count; i++)
        part_rows[cursor[join_partition(hashes[i])]++] = rows[i];
    sl_status st = SL_OK;
    for (uint32_t p = 0; p < JOIN_SPILL_FANOUT && st == SL_OK; p++) {
        uint32_t m = start[p + 1] - start[p];
        if (m == 0)
            continue;
        if (!files[p])
            st = sl_spill_file_new(exec, types, column_count, &files[p], err);
        if (st != SL_OK)
            break;
        sl_batch b = *view;
        b.column_count = column_count;
        b.sel = part_rows + start[p];
        b.sel_buffer = NULL;
        b.count = m;
        b.change = NULL;
        b.change_buffer = NULL;
        st = sl_spill_file_write(files[p], &b, err);
    }
    sl_free(part_rows);
    return st;
}

/* Writes the in-memory build rows [0, rows) (or, keys_only, the distinct keys) to the
 * build files and frees the in-memory build. */
static sl_status dump_build(sl_hash_join_global *g, const sl_physical_op *plan, uint32_t rows, sl_error *err)
{
    sl_join_spill *sp = g->spill;
    uint32_t keys = plan->key_count;
    sl_vector **columns = sl_calloc(sp->build_columns, sizeof *columns);
    uint32_t *sel = sl_malloc(sizeof *sel * SL_BATCH_CAPACITY);
    uint32_t *entries = sl_malloc(sizeof *entries * SL_BATCH_CAPACITY);
    uint64_t *hashes = sl_malloc(sizeof *hashes * SL_BATCH_CAPACITY);
    sl_status st = (!columns || !sel || !entries || !hashes) ? sl_error_oom(err) : SL_OK;
    sl_hash_partition *part = &g->table.partitions[0];
    if (g->keys_only) {
        /* the distinct keys, chunk by chunk (key chunks are dense batches) */
        for (size_t c = 0; c < part->keys.chunk_count && st == SL_OK; c++) {
            sl_batch *chunk = part->keys.chunks[c];
            uint32_t n = chunk->length;
            sl_vector *seq = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), n ? n : 1);
            if (!seq) {
                st = sl_error_oom(err);
                break;
            }
            memset(SL_VECTOR_DATA(seq, int64_t), 0, sizeof(int64_t) * n);
            for (uint32_t k = 0; k < keys; k++)
                columns[k] = chunk->columns[k];
            columns[keys] = seq;
            for (uint32_t i = 0; i < n; i++) {
                sel[i] = i;
                hashes[i] = part->hashes[c * SL_BATCH_CAPACITY + i];
            }
            sl_batch view = *chunk;
            view.columns = columns;
            st = write_partitioned(g->exec, sp->build, sp->build_types, sp->build_columns, &view, sel, hashes, n,
                                   err);
            sl_vector_unref(seq);
        }
    } else {
        for (uint32_t first = 0; first < rows && st == SL_OK; first += SL_BATCH_CAPACITY) {
            sl_batch *chunk = g->rows.chunks[first / SL_BATCH_CAPACITY];
            uint32_t n = rows - first < SL_BATCH_CAPACITY ? rows - first : SL_BATCH_CAPACITY;
            for (uint32_t c = 0; c < g->stored_count; c++)
                columns[c] = chunk->columns[c];
            /* key values from the table's entries; rows with a NULL key get NULL keys */
            for (uint32_t i = 0; i < n; i++) {
                uint32_t e = g->row_entry[first + i];
                entries[i] = e == NULL_ENTRY ? 0 : e;
                hashes[i] = e == NULL_ENTRY ? 0 : part->hashes[e];
                sel[i] = i;
            }
            for (uint32_t k = 0; k < keys && st == SL_OK; k++) {
                columns[g->stored_count + k] = sl_vector_new(sp->build_types[g->stored_count + k], n);
                if (!columns[g->stored_count + k]) {
                    st = sl_error_oom(err);
                    break;
                }
                if (g->table.entry_count > 0)
                    st = sl_row_store_gather(&part->keys, entries, n, k, columns[g->stored_count + k], 0, err);
                for (uint32_t i = 0; i < n && st == SL_OK; i++)
                    if (g->row_entry[first + i] == NULL_ENTRY)
                        st = sl_vector_set_null(columns[g->stored_count + k], i, err);
            }
            sl_vector *seq = st == SL_OK ? sl_vector_new(sl_type_make(SL_TYPE_BIGINT), n) : NULL;
            if (st == SL_OK && !seq)
                st = sl_error_oom(err);
            if (st == SL_OK) {
                for (uint32_t i = 0; i < n; i++)
                    SL_VECTOR_DATA(seq, int64_t)[i] = (int64_t)(first + i);
                columns[g->stored_count + keys] = seq;
                sl_batch view;
                memset(&view, 0, sizeof view);
                view.columns = columns;
                view.length = view.count = n;
                st = write_partitioned(g->exec, sp->build, sp->build_types, sp->build_columns, &view, sel, hashes,
                                       n, err);
            }
            for (uint32_t k = 0; k <= keys; k++) {
                if (columns[g->stored_count + k])
                    sl_vector_unref(columns[g->stored_count + k]);
                columns[g->stored_count + k] = NULL;
            }
        }
        sp->build_seq = rows;
    }
    sl_free(columns);
    sl_free(sel);
    sl_free(entries);
    sl_free(hashes);
    if (st != SL_OK)
        return st;
    /* free the in-memory build (empty stores stay valid for sl_join_forward) */
    sl_type *stored_types = sl_malloc(sizeof *stored_types * (g->stored_count ? g->stored_count : 1));
    if (!stored_types)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < g->stored_count; c++)
        stored_types[c] = plan->children[1]->types[g->stored[c]];
    sl_row_store_free(&g->rows);
    st = sl_row_store_init(&g->rows, stored_types, g->stored_count, g->memory, HASH_JOIN_NAME, err);
    sl_free(stored_types);
    sl_hash_table_free(&g->table);
    sl_free(g->row_entry);
    sl_free(g->matched);
    g->row_entry = NULL;
    g->matched = NULL;
    g->row_capacity = 0;
    if (g->memory && g->reserved)
        sl_memory_release(g->memory, g->reserved);
    g->reserved = 0;
    return st;
}

/* Switches to partitioned mode, keeping the first `rows` in-memory build rows. */
static sl_status start_spilling(sl_hash_join_global *g, const sl_physical_op *plan, uint32_t rows, sl_error *err)
{
    SL_TRY(join_spill_init(g, plan, err));
    return dump_build(g, plan, rows, err);
}

/* A build batch in partitioned mode (keys evaluated in l->keys). */
static sl_status spill_build_batch(sl_hash_join_global *g, sl_hash_join_local *l, const sl_physical_op *plan,
                                   const sl_batch *batch, uint32_t n, uint32_t nulls, sl_error *err)
{
    sl_join_spill *sp = g->spill;
    sl_join_keys *k = &l->keys;
    if (nulls)
        g->has_null_key = true;
    if (g->keys_only) {
        /* only the keys matter; seq unused */
        sl_vector *columns[257];
        if (plan->key_count > 256)
            return sl_error_set(err, SL_ERR_INTERNAL, "HASH_JOIN: too many keys");
        sl_vector *seq = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), batch->length ? batch->length : 1);
        if (!seq)
            return sl_error_oom(err);
        memset(SL_VECTOR_DATA(seq, int64_t), 0, sizeof(int64_t) * batch->length);
        for (uint32_t i = 0; i < plan->key_count; i++)
            columns[i] = k->vectors[i];
        columns[plan->key_count] = seq;
        sl_batch view = *batch;
        view.columns = columns;
        sl_status st = write_partitioned(g->exec, sp->build, sp->build_types, sp->build_columns, &view, k->active,
                                         k->hashes, n, err);
        sl_vector_unref(seq);
        return st;
    }
    sl_vector **columns = sl_malloc(sizeof *columns * sp->build_columns);
    uint64_t *hashes = sl_malloc(sizeof *hashes * (batch->count ? batch->count : 1));
    uint32_t *rows = sl_malloc(sizeof *rows * (batch->count ? batch->count : 1));
    sl_vector *seq = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), batch->length ? batch->length : 1);
    sl_status st = (!columns || !hashes || !rows || !seq) ? sl_error_oom(err) : SL_OK;
    if (st == SL_OK) {
        for (uint32_t c = 0; c < g->stored_count; c++)
            columns[c] = batch->columns[g->stored[c]];
        for (uint32_t i = 0; i < plan->key_count; i++)
            columns[g->stored_count + i] = k->vectors[i];
        columns[g->stored_count + plan->key_count] = seq;
        /* build order: active row r of the batch is build row build_seq + r */
        int64_t *sq = SL_VECTOR_DATA(seq, int64_t);
        for (uint32_t r = 0; r < batch->count; r++)
            sq[sl_batch_row(batch, r)] = (int64_t)(sp->build_seq + r);
        /* rows in batch order: key rows by hash, NULL-key rows to partition 0 */
        uint32_t a = 0, z = 0;
        for (uint32_t r = 0; r < batch->count; r++) {
            uint32_t row = sl_batch_row(batch, r);
            rows[r] = row;
            if (a < n && k->active[a] == row) {
                hashes[r] = k->hashes[a++];
            } else {
                hashes[r] = 0;
                z++;
            }
        }
        (void)z;
        sl_batch view = *batch;
        view.columns = columns;
        st = write_partitioned(g->exec, sp->build, sp->build_types, sp->build_columns, &view, rows, hashes,
                               batch->count, err);
        sp->build_seq += batch->count;
    }
    sl_free(columns);
    sl_free(hashes);
    sl_free(rows);
    if (seq)
        sl_vector_unref(seq);
    return st;
}

/* Adds a batch to the in-memory build (keys already in l->keys: n rows with keys, nulls
 * without). *refused: a reservation was refused (only when g->can_spill); nothing of the
 * batch is kept then. */
static sl_status build_rows(sl_hash_join_global *g, sl_hash_join_local *l, const sl_physical_op *plan,
                            const sl_batch *batch, bool stored_layout, uint32_t n, uint32_t nulls, bool *refused,
                            sl_error *err)
{
    if (g->can_spill && g->memory) {
        SL_TRY(sl_hash_table_reserve(&g->table, l->keys.hashes, n, refused, err));
        if (*refused)
            return SL_OK;
    }
    if (g->keys_only) {
        /* the probe only asks whether a key exists: keep the distinct keys, not the rows */
        if (nulls)
            g->has_null_key = true;
        return sl_hash_table_find_or_insert(&g->table, l->keys.scratch, l->keys.vectors, l->keys.active, n,
                                            l->keys.hashes, NULL, NULL, NULL, NULL, err);
    }
    uint32_t base = g->rows.row_count;
    SL_TRY(reserve_rows(g, plan, (size_t)base + batch->count, refused, err));
    if (*refused)
        return SL_OK;
    sl_vector *columns[256];
    sl_vector **cols = g->stored_count <= 256 ? columns : sl_malloc(sizeof *cols * (g->stored_count + 1));
    if (!cols)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < g->stored_count; i++)
        cols[i] = batch->columns[stored_layout ? i : g->stored[i]];
    sl_batch view = *batch;
    view.column_count = g->stored_count;
    view.columns = cols;
    uint32_t appended = 0;
    sl_status st = sl_row_store_append_some(&g->rows, &view, 0, &appended, err);
    if (cols != columns)
        sl_free(cols);
    SL_TRY(st);
    if (appended < batch->count) {
        if (!g->can_spill || !g->memory)
            return sl_error_set(err, SL_ERR_OOM,
                                "HASH_JOIN: out of memory: the build side does not fit in memory_limit (%lld bytes) "
                                "and a MARK join with a residual condition cannot spill; raise memory_limit",
                                g->memory ? (long long)g->memory->limit : -1LL);
        *refused = true;   /* the partly appended rows are dropped with the store */
        return SL_OK;
    }
    /* active row r of batch is build row base + r */
    SL_TRY(sl_hash_table_find_or_insert(&g->table, l->keys.scratch, l->keys.vectors, l->keys.active, n,
                                        l->keys.hashes, l->keys.ids, NULL, NULL, NULL, err));
    if (nulls) {
        g->has_null_key = true;
        for (uint32_t r = 0; r < batch->count; r++)
            g->row_entry[base + r] = NULL_ENTRY;
    }
    for (uint32_t i = 0; i < n; i++)
        g->row_entry[base + l->keys.index[i]] = (uint32_t)l->keys.ids[i];
    return SL_OK;
}

static sl_status build_batch(sl_hash_join_global *g, sl_hash_join_local *l, const sl_physical_op *plan,
                             const sl_batch *batch, sl_error *err)
{
    uint32_t n = 0, nulls = 0;
    SL_TRY(join_keys_evaluate(&l->keys, plan, batch, &n, &nulls, err));
    g->build_row_count += batch->count;
    if (g->spill)
        return spill_build_batch(g, l, plan, batch, n, nulls, err);
    uint32_t base = g->rows.row_count;
    bool refused = false;
    SL_TRY(build_rows(g, l, plan, batch, false, n, nulls, &refused, err));
    if (!refused)
        return SL_OK;
    SL_TRY(start_spilling(g, plan, base, err));
    return spill_build_batch(g, l, plan, batch, n, nulls, err);
}

static sl_status hash_join_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_hash_join_global *g = global;
    sl_hash_join_local *l = local;
    if (!l->keys.states)
        SL_TRY(join_keys_init(&l->keys, plan->build_keys, plan->key_count, ctx->exec, err));
    pthread_mutex_lock(&g->lock);
    sl_status st = build_batch(g, l, plan, msg->batch, err);
    pthread_mutex_unlock(&g->lock);
    join_keys_release(&l->keys);
    return st;
}

/* Groups the build rows by key entry (counting sort over row_entry), once, after the
 * last build batch: fills entry_start, sorted_rows and null_rows (see the file comment).
 * A refused reservation spills the build when the join can (g->spill set on return). */
static sl_status finish_build(const sl_physical_op *plan, sl_hash_join_global *g, sl_error *err)
{
    if (g->finalized)
        return SL_OK;
    if (g->keys_only || g->spill) {
        g->finalized = true;
        return SL_OK;
    }
    uint32_t rows = g->rows.row_count;
    uint32_t entries = (uint32_t)g->table.entry_count;
    uint32_t nulls = 0;
    for (uint32_t r = 0; r < rows; r++)
        nulls += g->row_entry[r] == NULL_ENTRY;
    int64_t bytes = (int64_t)(((size_t)entries + 1 + rows) * sizeof(uint32_t));
    if (g->memory && !sl_memory_try_reserve(g->memory, bytes)) {
        if (g->can_spill) {
            SL_TRY(start_spilling(g, plan, rows, err));
            g->finalized = true;
            return SL_OK;
        }
        return sl_error_set(err, SL_ERR_OOM,
                            "HASH_JOIN: out of memory: the build side does not fit in memory_limit (%lld bytes) "
                            "and a MARK join with a residual condition cannot spill; raise memory_limit",
                            (long long)g->memory->limit);
    }
    g->reserved += bytes;
    g->entry_start = sl_calloc((size_t)entries + 1, sizeof *g->entry_start);
    g->sorted_rows = sl_malloc(sizeof *g->sorted_rows * (rows - nulls ? rows - nulls : 1));
    g->null_rows = sl_malloc(sizeof *g->null_rows * (nulls ? nulls : 1));
    if (!g->entry_start || !g->sorted_rows || !g->null_rows)
        return sl_error_oom(err);
    uint32_t *start = g->entry_start;
    for (uint32_t r = 0; r < rows; r++)
        if (g->row_entry[r] != NULL_ENTRY)
            start[g->row_entry[r] + 1]++;
    for (uint32_t e = 0; e < entries; e++)
        start[e + 1] += start[e];
    /* scatter with start[e] as entry e's cursor, then shift the cursors (now the ends)
     * back into starts */
    uint32_t null_count = 0;
    for (uint32_t r = 0; r < rows; r++) {
        uint32_t e = g->row_entry[r];
        if (e == NULL_ENTRY)
            g->null_rows[null_count++] = r;
        else
            g->sorted_rows[start[e]++] = r;
    }
    memmove(start + 1, start, sizeof *start * entries);
    start[0] = 0;
    g->null_count = null_count;
    g->finalized = true;
    return SL_OK;
}

static sl_status hash_join_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    return finish_build(plan, global, err);
}

/* ------------------------------------------------------------------ probe */

static sl_status probe_batch(sl_op_context *ctx, const sl_physical_op *plan, sl_hash_join_global *g,
                             sl_hash_join_local *l, const sl_batch *in, sl_error *err)
{
    sl_join_probe *jp = l->probe;
    sl_join_keys *k = &l->keys;
    uint32_t n = 0, nulls = 0;
    SL_TRY(join_keys_evaluate(k, plan, in, &n, &nulls, err));
    SL_TRY(sl_join_probe_begin(jp, in, &g->rows, g->matched, err));
    sl_join_probe_set_build_map(jp, g->build_map);
    sl_hash_table_find(&g->table, k->scratch, k->vectors, k->active, n, k->hashes, k->ids, NULL);
    sl_join_type type = plan->join_type;
    if (g->keys_only) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t row = k->active[i];
            bool found = k->ids[i] != SL_HASH_TABLE_NO_ENTRY;
            jp->matches[row] = found;
            jp->mark[row] = found ? SL_MARK_TRUE : g->has_null_key ? SL_MARK_NULL : SL_MARK_FALSE;
        }
        for (uint32_t i = 0; i < nulls; i++)
            jp->mark[k->null_rows[i]] = g->build_row_count ? SL_MARK_NULL : SL_MARK_FALSE;
        return sl_join_probe_finish(jp, ctx, err);
    }
    const uint32_t *start = g->entry_start, *sorted = g->sorted_rows;
    for (uint32_t i = 0; i < n; i++) {
        if (k->ids[i] == SL_HASH_TABLE_NO_ENTRY)
            continue;
        uint32_t row = k->active[i];
        uint32_t e = (uint32_t)k->ids[i];
        for (uint32_t j = start[e]; j < start[e + 1]; j++) {
            if (sl_join_probe_row_settled(jp, row))
                break;
            SL_TRY(sl_join_probe_add(jp, ctx, row, sorted[j], false, err));
        }
    }
    if (type == SL_JOIN_MARK) {
        /* pairs whose key equality is NULL: they can make the mark NULL, never TRUE */
        if (g->null_count) {
            for (uint32_t i = 0; i < n; i++) {
                uint32_t row = k->active[i];
                for (uint32_t j = 0; j < g->null_count && jp->mark[row] == SL_MARK_FALSE; j++)
                    SL_TRY(sl_join_probe_add(jp, ctx, row, g->null_rows[j], true, err));
            }
        }
        for (uint32_t i = 0; i < nulls; i++)
            SL_TRY(sl_join_probe_add_all(jp, ctx, k->null_rows[i], true, err));
    }
    return sl_join_probe_finish(jp, ctx, err);
}

/* ------------------------------------------------------------------ spilled probe */

/* A probe batch in partitioned mode: every active row goes to its partition's probe
 * file with its order tags (see "spilling"). */
static sl_status spill_probe_batch(sl_op_context *ctx, const sl_physical_op *plan, sl_hash_join_global *g,
                                   sl_hash_join_local *l, const sl_batch *in, sl_error *err)
{
    sl_join_spill *sp = g->spill;
    sl_join_keys *k = &l->keys;
    uint32_t n = 0, nulls = 0;
    SL_TRY(join_keys_evaluate(k, plan, in, &n, &nulls, err));
    if (l->instance < 0)
        l->instance = (int64_t)atomic_fetch_add(&sp->instances, 1);
    int64_t morsel = sl_pipeline_morsel(ctx);
    int64_t batch_no;
    if (morsel >= 0) {
        if (morsel != l->last_morsel) {
            l->last_morsel = morsel;
            l->batch_in_morsel = 0;
        }
        batch_no = morsel << 20 | (int64_t)l->batch_in_morsel++;
    } else {
        pthread_mutex_lock(&g->lock);
        batch_no = (int64_t)sp->probe_batches++;
        pthread_mutex_unlock(&g->lock);
    }
    uint32_t left = plan->children[0]->column_count;
    uint32_t keys = plan->key_count;
    uint32_t length = in->length ? in->length : 1;
    sl_vector *tags[3];
    for (uint32_t t = 0; t < 3; t++)
        tags[t] = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), length);
    sl_vector **columns = sl_malloc(sizeof *columns * sp->probe_columns);
    uint64_t *hashes = sl_malloc(sizeof *hashes * (in->count ? in->count : 1));
    uint32_t *rows = sl_malloc(sizeof *rows * (in->count ? in->count : 1));
    sl_status st = (!tags[0] || !tags[1] || !tags[2] || !columns || !hashes || !rows) ? sl_error_oom(err) : SL_OK;
    if (st == SL_OK) {
        int64_t *batch_tag = SL_VECTOR_DATA(tags[0], int64_t);
        int64_t *row_tag = SL_VECTOR_DATA(tags[1], int64_t);
        int64_t *instance_tag = SL_VECTOR_DATA(tags[2], int64_t);
        uint32_t a = 0;
        for (uint32_t r = 0; r < in->count; r++) {
            uint32_t row = sl_batch_row(in, r);
            batch_tag[row] = batch_no;
            row_tag[row] = r;
            instance_tag[row] = l->instance;
            rows[r] = row;
            hashes[r] = a < n && k->active[a] == row ? k->hashes[a++] : 0;
        }
        for (uint32_t c = 0; c < left; c++)
            columns[c] = in->columns[c];
        for (uint32_t i = 0; i < keys; i++)
            columns[left + i] = k->vectors[i];
        for (uint32_t t = 0; t < 3; t++)
            columns[left + keys + t] = tags[t];
        sl_batch view = *in;
        view.columns = columns;
        pthread_mutex_lock(&g->lock);
        st = write_partitioned(ctx->exec, sp->probe, sp->probe_types, sp->probe_columns, &view, rows, hashes,
                               in->count, err);
        pthread_mutex_unlock(&g->lock);
    }
    for (uint32_t t = 0; t < 3; t++)
        if (tags[t])
            sl_vector_unref(tags[t]);
    sl_free(columns);
    sl_free(hashes);
    sl_free(rows);
    return st;
}

/* Where one partition's captured output goes: a result file per probe instance plus
 * one for unmatched build rows, each sorted by the order keys. */
typedef struct sl_join_capture {
    sl_hash_join_global *g;
    const sl_physical_op *plan;
    const sl_batch *input;             /* the probe batch being joined (its tag columns) */
    const int64_t *build_seq;          /* per build row of the partition's store */
    sl_spill_file **files;             /* [instance]; [instances] = unmatched build rows */
    uint32_t file_count;
} sl_join_capture;

static sl_status capture_output(void *arg, const sl_batch *out, const uint32_t *probe_rows, int phase,
                                sl_error *err)
{
    sl_join_capture *cap = arg;
    sl_join_spill *sp = cap->g->spill;
    uint32_t out_columns = cap->plan->column_count;
    uint32_t left = cap->plan->children[0]->column_count;
    uint32_t keys = cap->plan->key_count;
    uint32_t file = cap->file_count - 1;
    if (phase != 2) {
        const int64_t *instance = SL_VECTOR_DATA(cap->input->columns[left + keys + 2], int64_t);
        file = out->count ? (uint32_t)instance[probe_rows[0]] : 0;   /* one input batch: one instance */
    }
    if (file >= cap->file_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "HASH_JOIN: probe instance %u out of range", file);
    if (!cap->files[file])
        SL_TRY(sl_spill_file_new(cap->g->exec, sp->result_types, sp->result_columns, &cap->files[file], err));
    uint32_t length = out->length ? out->length : 1;
    sl_vector *key1 = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), length);
    sl_vector *key2 = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), length);
    sl_vector **columns = sl_malloc(sizeof *columns * sp->result_columns);
    sl_status st = (!key1 || !key2 || !columns) ? sl_error_oom(err) : SL_OK;
    if (st == SL_OK) {
        int64_t *k1 = SL_VECTOR_DATA(key1, int64_t), *k2 = SL_VECTOR_DATA(key2, int64_t);
        const int64_t *batch_tag = NULL, *row_tag = NULL;
        if (phase != 2) {
            batch_tag = SL_VECTOR_DATA(cap->input->columns[left + keys], int64_t);
            row_tag = SL_VECTOR_DATA(cap->input->columns[left + keys + 1], int64_t);
        }
        for (uint32_t i = 0; i < out->count; i++) {
            uint32_t row = sl_batch_row(out, i), p = probe_rows[i];
            if (phase == 2) {
                k1[row] = INT64_MAX;
                k2[row] = cap->build_seq[p];
            } else {
                k1[row] = batch_tag[p] * 2 + phase;
                k2[row] = row_tag[p];
            }
        }
        for (uint32_t c = 0; c < out_columns; c++)
            columns[c] = out->columns[c];
        columns[out_columns] = key1;
        columns[out_columns + 1] = key2;
        sl_batch view = *out;
        view.columns = columns;
        view.column_count = sp->result_columns;
        view.change = NULL;
        view.change_buffer = NULL;
        st = sl_spill_file_write(cap->files[file], &view, err);
    }
    if (key1)
        sl_vector_unref(key1);
    if (key2)
        sl_vector_unref(key2);
    sl_free(columns);
    return st;
}

/* Builds the in-memory join of one partition from its build file (counted against the
 * limit, never refused). *build_seq: per stored row, its build sequence number. */
static sl_status build_partition(sl_exec_context *exec, const sl_physical_op *plan, sl_hash_join_global *g,
                                 sl_spill_file *file, sl_hash_join_global **out, int64_t **build_seq, sl_error *err)
{
    *out = NULL;
    *build_seq = NULL;
    void *global = NULL;
    SL_TRY(hash_join_init_global(plan, exec, &global, err));
    sl_hash_join_global *sub = global;
    *out = sub;
    sub->can_spill = false;
    sub->table.never_refuse = true;
    /* a partition's rows are not refused: the store and row arrays are charged once built */
    sub->rows.memory = NULL;
    sub->memory = NULL;
    sl_hash_join_local local;
    memset(&local, 0, sizeof local);
    sl_status st = join_keys_init_columns(&local.keys, plan->key_count, g->stored_count, err);
    size_t seq_capacity = 0;
    if (st == SL_OK && file)
        st = sl_spill_file_finish(file, err);
    if (st == SL_OK && file)
        st = sl_spill_file_rewind(file, err);
    while (st == SL_OK && file) {
        sl_batch *batch = NULL;
        st = sl_spill_file_read(file, &batch, err);
        if (st != SL_OK || !batch)
            break;
        uint32_t n = 0, nulls = 0;
        uint32_t base = sub->rows.row_count;
        st = join_keys_evaluate(&local.keys, plan, batch, &n, &nulls, err);
        bool refused = false;
        if (st == SL_OK)
            st = build_rows(sub, &local, plan, batch, true, n, nulls, &refused, err);
        if (st == SL_OK && refused)
            st = sl_error_set(err, SL_ERR_INTERNAL, "HASH_JOIN: a partition's build was refused");
        if (st == SL_OK && !sub->keys_only) {
            st = sl_array_reserve((void **)build_seq, &seq_capacity, (size_t)base + batch->count, sizeof **build_seq,
                                  err);
            const int64_t *seq = SL_VECTOR_DATA(batch->columns[g->stored_count + plan->key_count], int64_t);
            for (uint32_t r = 0; st == SL_OK && r < batch->count; r++)
                (*build_seq)[base + r] = seq[sl_batch_row(batch, r)];
        }
        join_keys_release(&local.keys);
        sl_batch_free(batch);
    }
    join_keys_free(&local.keys);
    /* the flags of the whole build side */
    sub->has_null_key = g->has_null_key;
    sub->build_row_count = g->build_row_count;
    if (st == SL_OK)
        st = finish_build(plan, sub, err);
    if (st == SL_OK && exec->memory) {
        /* charge what was built unaccounted (store chunks as the row store counts them,
         * row arrays): counted against the limit, never refused; released by free */
        int64_t chunk = 64;
        for (uint32_t c = 0; c < sub->rows.column_count; c++)
            chunk += (int64_t)sl_type_width(sub->rows.types[c]) * SL_BATCH_CAPACITY + SL_BATCH_CAPACITY / 8;
        int64_t store_bytes = chunk * (int64_t)sub->rows.chunk_count;
        bool flags = sl_join_needs_build_flags(plan->join_type);
        int64_t array_bytes = (int64_t)(sub->row_capacity * (sizeof(uint32_t) + (flags ? 1 : 0)));
        if (sub->finalized && !sub->keys_only)
            array_bytes += (int64_t)(((size_t)sub->table.entry_count + 1 + sub->rows.row_count) * sizeof(uint32_t));
        sl_memory_release(exec->memory, -(store_bytes + array_bytes));
        sub->rows.memory = exec->memory;
        sub->rows.reserved = store_bytes;
        sub->memory = exec->memory;
        sub->reserved = array_bytes;
    }
    return st;
}

static sl_status emit_merged(void *arg, const sl_batch *batch, sl_error *err)
{
    return sl_emit_batch(arg, batch, err);
}

/* Joins the partitions one by one into result files, then emits their merge. */
static sl_status join_partitions(sl_op_context *ctx, const sl_physical_op *plan, sl_hash_join_global *g,
                                 sl_error *err)
{
    sl_join_spill *sp = g->spill;
    uint32_t instances = atomic_load(&sp->instances);
    uint32_t per_partition = instances + 1;
    uint32_t file_count = JOIN_SPILL_FANOUT * per_partition;
    sl_spill_file **results = sl_calloc(file_count, sizeof *results);
    if (!results)
        return sl_error_oom(err);
    uint32_t left = plan->children[0]->column_count;
    sl_status st = SL_OK;
    for (uint32_t p = 0; p < JOIN_SPILL_FANOUT && st == SL_OK; p++) {
        if (!sp->probe[p] && !(sp->build[p] && sl_join_needs_build_flags(plan->join_type)))
            continue;   /* nothing can come out of this partition */
        sl_hash_join_global *sub = NULL;
        int64_t *build_seq = NULL;
        st = build_partition(ctx->exec, plan, g, sp->build[p], &sub, &build_seq, err);
        sl_join_capture cap = { g, plan, NULL, build_seq, results + p * per_partition, per_partition };
        sl_hash_join_local local;
        memset(&local, 0, sizeof local);
        if (st == SL_OK)
            st = join_keys_init_columns(&local.keys, plan->key_count, left, err);
        if (st == SL_OK)
            st = sl_join_probe_new(plan, ctx->exec, &local.probe, err);
        if (st == SL_OK) {
            local.probe->capture = capture_output;
            local.probe->capture_arg = &cap;
        }
        if (st == SL_OK && sp->probe[p]) {
            st = sl_spill_file_finish(sp->probe[p], err);
            if (st == SL_OK)
                st = sl_spill_file_rewind(sp->probe[p], err);
            while (st == SL_OK) {
                sl_batch *batch = NULL;
                st = sl_spill_file_read(sp->probe[p], &batch, err);
                if (st != SL_OK || !batch)
                    break;
                if (sl_exec_interrupted(ctx->exec))
                    st = sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
                cap.input = batch;   /* one written batch: one probe batch of one instance */
                if (st == SL_OK)
                    st = probe_batch(ctx, plan, sub, &local, batch, err);
                join_keys_release(&local.keys);
                sl_batch_free(batch);
            }
        }
        if (st == SL_OK && sl_join_needs_build_flags(plan->join_type))
            st = sl_join_capture_unmatched_build(plan, &sub->rows, sub->matched, capture_output, &cap, err);
        join_keys_free(&local.keys);
        sl_join_probe_free(local.probe);
        hash_join_free_global(plan, sub);
        sl_free(build_seq);
        sl_spill_file_free(sp->probe[p]);
        sp->probe[p] = NULL;
        sl_spill_file_free(sp->build[p]);
        sp->build[p] = NULL;
    }
    /* merge what exists */
    uint32_t used = 0;
    for (uint32_t f = 0; f < file_count; f++)
        if (results[f])
            results[used++] = results[f];
    for (uint32_t f = 0; f < used && st == SL_OK; f++)
        st = sl_spill_file_finish(results[f], err);
    if (st == SL_OK)
        st = sl_spill_merge(results, used, sp->result_types, sp->result_columns, 2, plan->column_count, ctx,
                            emit_merged, ctx, err);
    for (uint32_t f = 0; f < used; f++)
        sl_spill_file_free(results[f]);
    sl_free(results);
    return st;
}

static sl_status hash_join_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                const sl_msg *msg, sl_error *err)
{
    sl_hash_join_global *g = global;
    sl_hash_join_local *l = local;
    if (msg->kind == SL_MSG_END && g->spill) {
        /* the last probe instance joins the partitions (unmatched build rows included) */
        if (sl_op_end_is_last(ctx, global))
            SL_TRY(join_partitions(ctx, plan, g, err));
        return sl_emit(ctx, msg, err);
    }
    if (msg->kind != SL_MSG_DATA)
        return sl_join_forward(ctx, plan, global, &g->rows, g->matched, msg, err);
    if (msg->batch->count == 0)
        return SL_OK;
    if (!l->probe) {
        if (!g->finalized) {   /* the driver finalizes the build first; stay safe if it did not */
            pthread_mutex_lock(&g->lock);
            sl_status st = finish_build(plan, g, err);
            pthread_mutex_unlock(&g->lock);
            SL_TRY(st);
        }
        SL_TRY(join_keys_init(&l->keys, plan->probe_keys, plan->key_count, ctx->exec, err));
        SL_TRY(sl_join_probe_new(plan, ctx->exec, &l->probe, err));
    }
    sl_status st = g->spill ? spill_probe_batch(ctx, plan, g, l, msg->batch, err)
                            : probe_batch(ctx, plan, g, l, msg->batch, err);
    join_keys_release(&l->keys);
    return st;
}

bool sl_hash_join_parallel_probe(const sl_physical_op *plan, const void *global)
{
    const sl_hash_join_global *g = global;
    if (plan->join_type == SL_JOIN_RIGHT || plan->join_type == SL_JOIN_FULL)
        return false;
    return !(g && g->spill);
}

const sl_operator_type sl_hash_join_operator = {
    .name = HASH_JOIN_NAME,
    .init_global = hash_join_init_global,
    .free_global = hash_join_free_global,
    .init_local = hash_join_init_local,
    .free_local = hash_join_free_local,
    .push = hash_join_push,
    .sink = hash_join_sink,
    .finalize = hash_join_finalize,
};
