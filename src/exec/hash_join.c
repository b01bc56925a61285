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
 * exec->memory; a refused reservation fails with SL_ERR_OOM (spilling comes later: the
 * hash table is already partitioned by hash radix bits).
 */
#include <pthread.h>

#include "exec/hash_table.h"
#include "exec/join_pairs.h"

#define HASH_JOIN_NAME "HASH_JOIN"
#define NULL_ENTRY UINT32_MAX          /* row_entry of a build row with a NULL `=` key */

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
} sl_join_keys;

typedef struct sl_hash_join_local {
    sl_join_keys keys;
    sl_join_probe *probe;              /* probe role only */
} sl_hash_join_local;

static void hash_join_free_global(const sl_physical_op *plan, void *global)
{
    sl_hash_join_global *g = global;
    if (!g)
        return;
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
    for (uint32_t i = 0; i < k->count; i++)
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
    for (uint32_t i = 0; i < k->count; i++)
        SL_TRY(sl_expr_evaluate(k->states[i], batch, &k->vectors[i], err));
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

/* Grows row_entry / matched to hold `rows` build rows. */
static sl_status reserve_rows(sl_hash_join_global *g, const sl_physical_op *plan, size_t rows, sl_error *err)
{
    if (rows <= g->row_capacity)
        return SL_OK;
    size_t cap = g->row_capacity ? g->row_capacity * 2 : 4096;
    while (cap < rows)
        cap *= 2;
    bool flags = sl_join_needs_build_flags(plan->join_type);
    int64_t bytes = (int64_t)((cap - g->row_capacity) * (sizeof(uint32_t) + (flags ? 1 : 0)));
    if (g->memory && !sl_memory_try_reserve(g->memory, bytes))
        return sl_error_set(err, SL_ERR_OOM,
                            "HASH_JOIN: out of memory: the build side does not fit in memory_limit (%lld bytes) "
                            "and spilling to disk is not supported yet; raise memory_limit",
                            (long long)g->memory->limit);
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

static sl_status build_batch(sl_hash_join_global *g, sl_hash_join_local *l, const sl_physical_op *plan,
                             const sl_batch *batch, sl_error *err)
{
    uint32_t n = 0, nulls = 0;
    SL_TRY(join_keys_evaluate(&l->keys, plan, batch, &n, &nulls, err));
    g->build_row_count += batch->count;
    if (g->keys_only) {
        /* the probe only asks whether a key exists: keep the distinct keys, not the rows */
        if (nulls)
            g->has_null_key = true;
        return sl_hash_table_find_or_insert(&g->table, l->keys.scratch, l->keys.vectors, l->keys.active, n,
                                            l->keys.hashes, NULL, NULL, NULL, NULL, err);
    }
    uint32_t base = g->rows.row_count;
    SL_TRY(reserve_rows(g, plan, (size_t)base + batch->count, err));
    if (g->stored_count == batch->column_count) {
        SL_TRY(sl_row_store_append(&g->rows, batch, err));
    } else {
        /* the same rows, only the stored columns */
        sl_vector *columns[256];
        sl_vector **cols = g->stored_count <= 256 ? columns : sl_malloc(sizeof *cols * g->stored_count);
        if (!cols)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < g->stored_count; i++)
            cols[i] = batch->columns[g->stored[i]];
        sl_batch view = *batch;
        view.column_count = g->stored_count;
        view.columns = cols;
        sl_status st = sl_row_store_append(&g->rows, &view, err);
        if (cols != columns)
            sl_free(cols);
        SL_TRY(st);
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
 * last build batch: fills entry_start, sorted_rows and null_rows (see the file comment). */
static sl_status finish_build(sl_hash_join_global *g, sl_error *err)
{
    if (g->finalized)
        return SL_OK;
    if (g->keys_only) {
        g->finalized = true;
        return SL_OK;
    }
    uint32_t rows = g->rows.row_count;
    uint32_t entries = (uint32_t)g->table.entry_count;
    uint32_t nulls = 0;
    for (uint32_t r = 0; r < rows; r++)
        nulls += g->row_entry[r] == NULL_ENTRY;
    int64_t bytes = (int64_t)(((size_t)entries + 1 + rows) * sizeof(uint32_t));
    if (g->memory && !sl_memory_try_reserve(g->memory, bytes))
        return sl_error_set(err, SL_ERR_OOM,
                            "HASH_JOIN: out of memory: the build side does not fit in memory_limit (%lld bytes) "
                            "and spilling to disk is not supported yet; raise memory_limit",
                            (long long)g->memory->limit);
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
    return finish_build(global, err);
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

static sl_status hash_join_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                const sl_msg *msg, sl_error *err)
{
    sl_hash_join_global *g = global;
    sl_hash_join_local *l = local;
    if (msg->kind != SL_MSG_DATA)
        return sl_join_forward(ctx, plan, global, &g->rows, g->matched, msg, err);
    if (msg->batch->count == 0)
        return SL_OK;
    if (!l->probe) {
        if (!g->finalized) {   /* the driver finalizes the build first; stay safe if it did not */
            pthread_mutex_lock(&g->lock);
            sl_status st = finish_build(g, err);
            pthread_mutex_unlock(&g->lock);
            SL_TRY(st);
        }
        SL_TRY(join_keys_init(&l->keys, plan->probe_keys, plan->key_count, ctx->exec, err));
        SL_TRY(sl_join_probe_new(plan, ctx->exec, &l->probe, err));
    }
    sl_status st = probe_batch(ctx, plan, g, l, msg->batch, err);
    join_keys_release(&l->keys);
    return st;
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
