/*
 * stream_join.c — STREAM_JOIN: the symmetric hash join of two unbounded inputs
 * (INNER / LEFT / RIGHT / FULL; output left ++ right as HASH_JOIN), with changelog input
 * and output and watermark-driven state pruning (interval and window joins).
 *
 * Data flow. The operator is a push stage reached by two pipelines: ctx->input_index says
 * whether a message comes from the left (children[0], keys plan->probe_keys) or the right
 * (children[1], keys plan->build_keys). Each side keeps the rows it has received in its
 * own state; a row arriving on side s is matched against the stored rows of the other
 * side (hash lookup on the join keys, then plan->condition over [left ++ right]) and, if
 * it is an insertion, stored on side s. Nothing is pending: every result is emitted when
 * the row that completes it arrives.
 *
 * Changelog. An input row with change < 0 (retraction or update-before) removes one stored
 * row of its side whose columns all equal it, and emits the retraction of every joined
 * row it had produced (re-derived by matching it against the other side again). Each
 * stored row counts its live joined output rows (`matches`), so outer joins keep their
 * null-padded rows exact:
 *   - an unmatched row of an outer side is emitted with NULLs for the other side;
 *   - when its first match arrives, the null-padded row is retracted, then the joined row
 *     is emitted; when its last match is retracted, the null-padded row comes back.
 * Output batches are homogeneous: insertions carry change == NULL, retractions a change
 * column of SL_CHANGE_DELETE (update codes in the input are treated as their direction).
 * A retraction that finds no equal stored row (never inserted, or already pruned) has
 * nothing left to retract and is skipped.
 *
 * State and pruning. Per side: a row store of the side's columns, a hash table of the
 * distinct join keys whose payload heads a doubly linked chain of the rows with that key
 * (rows whose `=` key is NULL never match; an outer side keeps them on a separate chain
 * so their null-padded row can be retracted), and per stored row its chain links, its
 * match count and its bound. With plan->state_bounds[s], a row's bound is the minimum of
 * those expressions evaluated when it is stored (NULL: it can never match, bound -inf); a
 * min-heap of bounds drops the row once the *other* side's watermark passes it (an outer
 * row dropped unmatched was already emitted null-padded, so the output does not change;
 * its joined rows stay, and a later retraction of a pruned row retracts nothing).
 * Removed rows are tombstones until a side holds more dead rows than live ones (and at
 * least SL_BATCH_CAPACITY): the side is then rebuilt from its live rows (strings copied,
 * so the input batches' string heaps are released too), keeping memory flat on an
 * endless run. sl_op_metrics_of(ctx)->state_rows / state_bytes report the live rows and
 * the bytes reserved.
 *
 * Late rows. When side s has an event-time column (plan->time_column[s]) and the other
 * side prunes its state, a row of side s whose time is below side s's watermark may have
 * lost partners already pruned: it is reported as late (stream/late_rows.h) and dropped.
 * Without pruning on the other side nothing is late.
 *
 * Watermarks and END. Each input's watermark is kept (END counts as SL_WATERMARK_END);
 * a watermark prunes the other side and the minimum of both inputs is forwarded when it
 * rises. BARRIER and END are forwarded as they come, once per input (like UNION_ALL: the
 * stages above see one END per pipeline and tell the last with sl_op_end_is_last).
 *
 * Lifetimes: all state lives in the global state (one driver thread runs a continuous
 * query), reserved against exec->memory; a refused reservation fails with SL_ERR_OOM.
 */
#include "exec/hash_table.h"
#include "exec/join_pairs.h"
#include "stream/late_rows.h"

#define STREAM_JOIN_NAME "STREAM_JOIN"
#define NO_ROW UINT32_MAX
#define NULL_KEY_ENTRY UINT32_MAX          /* stored row whose `=` key is NULL (outer sides) */
#define DEAD_ENTRY (UINT32_MAX - 1)        /* removed row waiting for the next rebuild */
#define COMPACT_MIN SL_BATCH_CAPACITY      /* dead rows / empty keys tolerated before a rebuild */

/* Hash table payload: the chain of stored rows with one key. */
typedef struct sl_join_chain {
    uint32_t first;                        /* valid when count > 0 */
    uint32_t count;
} sl_join_chain;

/* Per stored row. */
typedef struct sl_join_row {
    uint32_t next, prev;                   /* chain links (NO_ROW at the ends) */
    uint32_t entry;                        /* key entry, NULL_KEY_ENTRY or DEAD_ENTRY */
    uint32_t matches;                      /* live joined output rows holding this row */
    int64_t bound;                         /* prune once the other side's watermark > bound */
} sl_join_row;

typedef struct sl_join_bound {
    int64_t bound;
    uint32_t row;
} sl_join_bound;

/* The stored rows of one side. */
typedef struct sl_join_store {
    sl_row_store rows;
    sl_hash_table table;                   /* payload sl_join_chain; radix 0: ids are entries */
    sl_join_chain null_chain;
    sl_join_row *meta;
    size_t meta_capacity;
    sl_join_bound *heap;                   /* min-heap of bounds (bounded sides only) */
    size_t heap_count, heap_capacity;
    uint32_t live, dead;
    uint64_t nonempty_keys;                /* entries whose chain is not empty */
    int64_t reserved;                      /* bytes of meta + heap reserved in memory */
} sl_join_store;

typedef struct sl_join_side {
    uint32_t index;                        /* 0 left, 1 right */
    const sl_physical_op *input;           /* plan->children[index] */
    bool outer;                            /* unmatched rows are emitted null-padded */
    bool bounded;                          /* plan->state_bounds[index] prunes this side */
    bool late_check;                       /* rows behind this side's watermark are late */
    sl_join_store store;
    sl_expr_state **key_states;
    sl_vector **key_vectors;               /* evaluated over the batch being processed */
    sl_expr_state **bound_states;
    uint32_t bound_count;
    int64_t watermark;
} sl_join_side;

typedef struct sl_stream_join_global {
    const sl_physical_op *plan;
    sl_join_side sides[2];
    uint32_t key_count;
    sl_type *key_types;
    sl_expr_state *condition;              /* NULL when the join has no residual condition */
    sl_memory *memory;
    int64_t forwarded;                     /* last watermark forwarded */
    sl_hash_scratch *scratch;
    /* per-batch scratch, sized to the input batch's length */
    size_t capacity;
    uint32_t *work;                        /* active, on-time rows in order */
    uint32_t *keyed, *null_keyed;          /* rows of the run being processed */
    uint32_t *stored;                      /* rows to store / rows found */
    uint32_t *counts;                      /* per physical row: passing pairs (or removed row's matches) */
    int64_t *bounds;                       /* per physical row */
    int64_t *times;                        /* late rows' event times */
    uint64_t *ids;                         /* per list index: key entry */
    uint64_t *key_ids;                     /* per keyed-list index: key entry */
    uint32_t *matches;                     /* per list index, for store_rows */
    int64_t *list_bounds;                  /* per list index, for store_rows */
    /* the pair block being collected: (input row, stored row of the other side) */
    uint32_t pair_count;
    uint32_t pair_input[SL_BATCH_CAPACITY];
    uint32_t pair_stored[SL_BATCH_CAPACITY];
    uint32_t pass[SL_BATCH_CAPACITY];
    uint32_t pad[SL_BATCH_CAPACITY];
    uint64_t hashes[SL_BATCH_CAPACITY];
    uint32_t block_rows[SL_BATCH_CAPACITY];
} sl_stream_join_global;

/* ------------------------------------------------------------------ helpers */

static sl_status join_oom(const sl_stream_join_global *g, sl_error *err)
{
    return sl_error_set(err, SL_ERR_OOM,
                        "STREAM_JOIN: out of memory: the join state does not fit in memory_limit (%lld bytes); "
                        "bound the join in event time (an interval or window join) so the watermark can prune it, "
                        "or raise memory_limit",
                        (long long)(g->memory ? g->memory->limit : 0));
}

static bool side_is_outer(sl_join_type type, uint32_t side)
{
    return side == 0 ? type == SL_JOIN_LEFT || type == SL_JOIN_FULL : type == SL_JOIN_RIGHT || type == SL_JOIN_FULL;
}

static int64_t store_bytes(const sl_join_store *st)
{
    int64_t bytes = st->rows.reserved + st->table.reserved + st->reserved;
    for (uint32_t p = 0; p < st->table.partition_count; p++)
        bytes += st->table.partitions[p].keys.reserved;
    return bytes;
}

static void update_metrics(sl_op_context *ctx, const sl_stream_join_global *g)
{
    sl_op_metrics *m = sl_op_metrics_of(ctx);
    if (!m)
        return;
    atomic_store(&m->state_rows, (long long)g->sides[0].store.live + g->sides[1].store.live);
    atomic_store(&m->state_bytes, (long long)(store_bytes(&g->sides[0].store) + store_bytes(&g->sides[1].store)));
}

static sl_status store_init(sl_stream_join_global *g, sl_join_side *side, sl_join_store *st, sl_error *err)
{
    memset(st, 0, sizeof *st);
    SL_TRY(sl_row_store_init(&st->rows, side->input->types, side->input->column_count, g->memory, STREAM_JOIN_NAME,
                             err));
    return sl_hash_table_init(&st->table, g->key_types, g->key_count, sizeof(sl_join_chain), 0, g->memory,
                              STREAM_JOIN_NAME, err);
}

static void store_free(sl_stream_join_global *g, sl_join_store *st)
{
    sl_row_store_free(&st->rows);
    sl_hash_table_free(&st->table);
    sl_free(st->meta);
    sl_free(st->heap);
    if (g->memory && st->reserved)
        sl_memory_release(g->memory, st->reserved);
    memset(st, 0, sizeof *st);
}

/* Grows an array of the store (meta or heap) to hold `needed` items, reserving the bytes. */
static sl_status store_grow(sl_stream_join_global *g, sl_join_store *st, void **items, size_t *capacity,
                            size_t needed, size_t size, sl_error *err)
{
    if (needed <= *capacity)
        return SL_OK;
    size_t cap = *capacity ? *capacity * 2 : 256;
    while (cap < needed)
        cap *= 2;
    int64_t bytes = (int64_t)((cap - *capacity) * size);
    if (g->memory && !sl_memory_try_reserve(g->memory, bytes))
        return join_oom(g, err);
    void *p = sl_realloc(*items, cap * size);
    if (!p) {
        if (g->memory)
            sl_memory_release(g->memory, bytes);
        return sl_error_oom(err);
    }
    st->reserved += bytes;
    *items = p;
    *capacity = cap;
    return SL_OK;
}

static inline sl_join_chain *chain_of(sl_join_store *st, uint32_t entry)
{
    return entry == NULL_KEY_ENTRY ? &st->null_chain : (sl_join_chain *)sl_hash_table_payload(&st->table, 0, entry);
}

static void heap_push(sl_join_store *st, int64_t bound, uint32_t row)
{
    size_t i = st->heap_count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (st->heap[parent].bound <= bound)
            break;
        st->heap[i] = st->heap[parent];
        i = parent;
    }
    st->heap[i].bound = bound;
    st->heap[i].row = row;
}

static void heap_pop(sl_join_store *st)
{
    sl_join_bound last = st->heap[--st->heap_count];
    size_t n = st->heap_count, i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && st->heap[child + 1].bound < st->heap[child].bound)
            child++;
        if (st->heap[child].bound >= last.bound)
            break;
        st->heap[i] = st->heap[child];
        i = child;
    }
    if (n)
        st->heap[i] = last;
}

/* Unlinks stored row r from its chain and makes it a tombstone. */
static void store_remove(sl_join_store *st, uint32_t r)
{
    sl_join_row *m = &st->meta[r];
    sl_join_chain *chain = chain_of(st, m->entry);
    if (m->prev == NO_ROW)
        chain->first = m->next;
    else
        st->meta[m->prev].next = m->next;
    if (m->next != NO_ROW)
        st->meta[m->next].prev = m->prev;
    if (--chain->count == 0 && m->entry != NULL_KEY_ENTRY)
        st->nonempty_keys--;
    m->entry = DEAD_ENTRY;
    st->live--;
    st->dead++;
}

/* Does slot ra of a equal slot rb of b (same type; NULL equals NULL)? Bitwise for
 * fixed-width values: a retraction repeats the row it retracts. */
static bool slot_equal(const sl_vector *a, uint32_t ra, const sl_vector *b, uint32_t rb)
{
    bool va = sl_vector_is_valid(a, ra), vb = sl_vector_is_valid(b, rb);
    if (!va || !vb)
        return va == vb;
    if (a->type.id == SL_TYPE_VARCHAR)
        return sl_string_equal(&SL_VECTOR_DATA(a, sl_string)[ra], &SL_VECTOR_DATA(b, sl_string)[rb]);
    size_t w = sl_type_width(a->type);
    return w == 0 || memcmp((const uint8_t *)a->data + (size_t)ra * w, (const uint8_t *)b->data + (size_t)rb * w, w) == 0;
}

static bool row_equal(const sl_row_store *rows, uint32_t r, const sl_batch *batch, uint32_t row)
{
    const sl_batch *chunk = rows->chunks[r / SL_BATCH_CAPACITY];
    uint32_t slot = r % SL_BATCH_CAPACITY;
    for (uint32_t c = 0; c < rows->column_count; c++)
        if (!slot_equal(batch->columns[c], row, chunk->columns[c], slot))
            return false;
    return true;
}

/* Key entries of rows[0..n) of the batch whose key vectors are `keys`: found in `table`
 * (ids[i] = SL_HASH_TABLE_NO_ENTRY when absent), or created when `insert`. */
static sl_status key_entries(sl_stream_join_global *g, sl_hash_table *table, sl_vector **keys, const uint32_t *rows,
                             uint32_t n, bool insert, uint64_t *ids, sl_error *err)
{
    for (uint32_t begin = 0; begin < n; begin += SL_BATCH_CAPACITY) {
        uint32_t m = n - begin < SL_BATCH_CAPACITY ? n - begin : SL_BATCH_CAPACITY;
        sl_hash_table_hash(keys, g->key_count, rows + begin, m, g->hashes);
        if (insert)
            SL_TRY(sl_hash_table_find_or_insert(table, g->scratch, keys, rows + begin, m, g->hashes, ids + begin,
                                                NULL, NULL, NULL, err));
        else
            sl_hash_table_find(table, g->scratch, keys, rows + begin, m, g->hashes, ids + begin, NULL);
    }
    return SL_OK;
}

/* Stores rows[0..n) (increasing physical rows) of batch in side's store: ids[i] is the
 * row's key entry in the store's table (NULL_KEY_ENTRY for a NULL `=` key), matches[i]
 * and bounds[i] its match count and bound. */
static sl_status store_rows(sl_stream_join_global *g, sl_join_side *side, sl_join_store *st, const sl_batch *batch,
                            const uint32_t *rows, uint32_t n, const uint64_t *ids, const uint32_t *matches,
                            const int64_t *bounds, sl_error *err)
{
    if (n == 0)
        return SL_OK;
    uint32_t base = st->rows.row_count;
    SL_TRY(store_grow(g, st, (void **)&st->meta, &st->meta_capacity, (size_t)base + n, sizeof *st->meta, err));
    if (side->bounded)
        SL_TRY(store_grow(g, st, (void **)&st->heap, &st->heap_capacity, st->heap_count + n, sizeof *st->heap, err));
    sl_batch view = *batch;
    view.sel = (uint32_t *)rows;
    view.count = n;
    view.change = NULL;
    SL_TRY(sl_row_store_append(&st->rows, &view, err));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = base + i;
        uint32_t entry = ids[i] == NULL_KEY_ENTRY ? NULL_KEY_ENTRY : (uint32_t)ids[i];
        sl_join_chain *chain = chain_of(st, entry);
        sl_join_row *m = &st->meta[r];
        m->entry = entry;
        m->matches = matches[i];
        m->bound = bounds[i];
        m->prev = NO_ROW;
        m->next = chain->count ? chain->first : NO_ROW;
        if (chain->count)
            st->meta[chain->first].prev = r;
        else if (entry != NULL_KEY_ENTRY)
            st->nonempty_keys++;
        chain->first = r;
        chain->count++;
        st->live++;
        if (side->bounded)
            heap_push(st, bounds[i], r);
    }
    return SL_OK;
}

static sl_status evaluate_keys(sl_stream_join_global *g, sl_join_side *side, const sl_batch *batch, sl_error *err)
{
    for (uint32_t i = 0; i < g->key_count; i++)
        SL_TRY(sl_expr_evaluate(side->key_states[i], batch, &side->key_vectors[i], err));
    return SL_OK;
}

static void release_keys(sl_stream_join_global *g, sl_join_side *side)
{
    for (uint32_t i = 0; i < g->key_count; i++) {
        if (side->key_vectors[i])
            sl_vector_unref(side->key_vectors[i]);
        side->key_vectors[i] = NULL;
    }
}

/* Does physical row `row` have a NULL in a key compared with `=`? */
static bool key_is_null(const sl_stream_join_global *g, const sl_join_side *side, uint32_t row)
{
    for (uint32_t i = 0; i < g->key_count; i++)
        if (!g->plan->key_null_equal[i] && !sl_vector_is_valid(side->key_vectors[i], row))
            return true;
    return false;
}

/* A dense copy of stored rows[0..n) whose strings live in the copy's own heaps. */
static sl_status copy_rows(sl_join_store *st, const uint32_t *rows, uint32_t n, sl_batch **out, sl_error *err)
{
    SL_TRY(sl_row_store_gather_batch(&st->rows, rows, n, st->rows.column_count, out, err));
    sl_batch *b = *out;
    for (uint32_t c = 0; c < b->column_count; c++) {
        if (st->rows.types[c].id != SL_TYPE_VARCHAR)
            continue;
        /* the gathered column shares every source heap: rebuild it with copied bytes */
        sl_vector *v = sl_vector_new(st->rows.types[c], n ? n : 1);
        if (!v)
            return sl_error_oom(err);
        sl_batch_set_column(b, c, v);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t slot;
            const sl_vector *src = sl_row_store_column(&st->rows, rows[i], c, &slot);
            if (!sl_vector_is_valid(src, slot)) {
                SL_TRY(sl_vector_set_null(v, i, err));
                continue;
            }
            const sl_string *s = &SL_VECTOR_DATA(src, sl_string)[slot];
            SL_TRY(sl_vector_set_string(v, i, sl_string_data(s), s->length, err));
        }
    }
    return SL_OK;
}

/* Rebuilds side's store from its live rows when tombstones or empty keys dominate. */
static sl_status maybe_compact(sl_stream_join_global *g, sl_join_side *side, sl_error *err)
{
    sl_join_store *old = &side->store;
    uint64_t empty_keys = old->table.entry_count - old->nonempty_keys;
    bool rows_waste = old->dead >= COMPACT_MIN && old->dead >= old->live;
    bool keys_waste = empty_keys >= COMPACT_MIN && empty_keys >= old->nonempty_keys;
    if (!rows_waste && !keys_waste)
        return SL_OK;
    sl_join_store fresh;
    sl_status st = store_init(g, side, &fresh, err);
    uint32_t total = old->rows.row_count;
    uint32_t next = 0;
    while (st == SL_OK && next < total) {
        uint32_t n = 0;
        for (; next < total && n < SL_BATCH_CAPACITY; next++)
            if (old->meta[next].entry != DEAD_ENTRY)
                g->block_rows[n++] = next;
        if (n == 0)
            break;
        sl_batch *b = NULL;
        st = copy_rows(old, g->block_rows, n, &b, err);
        if (st == SL_OK) {
            uint32_t keyed = 0;
            for (uint32_t i = 0; i < n; i++) {
                const sl_join_row *m = &old->meta[g->block_rows[i]];
                g->matches[i] = m->matches;
                g->list_bounds[i] = m->bound;
                g->stored[i] = i;
                if (m->entry != NULL_KEY_ENTRY)
                    g->keyed[keyed++] = i;
            }
            st = evaluate_keys(g, side, b, err);
            if (st == SL_OK && keyed)
                st = key_entries(g, &fresh.table, side->key_vectors, g->keyed, keyed, true, g->key_ids, err);
            if (st == SL_OK) {
                for (uint32_t i = 0, k = 0; i < n; i++)
                    g->ids[i] = old->meta[g->block_rows[i]].entry == NULL_KEY_ENTRY ? NULL_KEY_ENTRY : g->key_ids[k++];
                st = store_rows(g, side, &fresh, b, g->stored, n, g->ids, g->matches, g->list_bounds, err);
            }
            release_keys(g, side);
        }
        if (b)
            sl_batch_free(b);
    }
    if (st != SL_OK) {
        store_free(g, &fresh);
        return st;
    }
    store_free(g, old);
    side->store = fresh;
    return SL_OK;
}

/* Makes the per-batch scratch hold `length` rows (at least SL_BATCH_CAPACITY, which the
 * rebuild uses). */
static sl_status reserve_scratch(sl_stream_join_global *g, size_t length, sl_error *err)
{
    if (length < SL_BATCH_CAPACITY)
        length = SL_BATCH_CAPACITY;
    if (length <= g->capacity)
        return SL_OK;
    void **arrays[] = { (void **)&g->work, (void **)&g->keyed, (void **)&g->null_keyed, (void **)&g->stored,
                        (void **)&g->counts, (void **)&g->bounds, (void **)&g->times, (void **)&g->ids,
                        (void **)&g->matches, (void **)&g->list_bounds, (void **)&g->key_ids };
    size_t sizes[] = { sizeof(uint32_t), sizeof(uint32_t), sizeof(uint32_t), sizeof(uint32_t), sizeof(uint32_t),
                       sizeof(int64_t), sizeof(int64_t), sizeof(uint64_t), sizeof(uint32_t), sizeof(int64_t),
                       sizeof(uint64_t) };
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        void *p = sl_realloc(*arrays[i], length * sizes[i]);
        if (!p)
            return sl_error_oom(err);
        *arrays[i] = p;
    }
    g->capacity = length;
    return SL_OK;
}

/* ------------------------------------------------------------------ output */

/* Fills columns [offset, offset + side's column count) of b with rows[0..n): physical
 * rows of `batch`, or (batch NULL) stored rows of `store`. */
static sl_status gather_side(sl_batch *b, uint32_t offset, const sl_physical_op *input, const sl_batch *batch,
                             sl_row_store *store, const uint32_t *rows, uint32_t n, sl_error *err)
{
    for (uint32_t c = 0; c < input->column_count; c++) {
        sl_vector *v = sl_vector_new(input->types[c], n ? n : 1);
        if (!v)
            return sl_error_oom(err);
        sl_batch_set_column(b, offset + c, v);
        if (batch)
            SL_TRY(sl_vector_gather(v, 0, batch->columns[c], rows, n, err));
        else
            SL_TRY(sl_row_store_gather(store, rows, n, c, v, 0, err));
    }
    return SL_OK;
}

/* Gives b a change column of `change` for every physical row (retractions only:
 * insertions travel with change == NULL). */
static sl_status set_change(sl_batch *b, int8_t change, sl_error *err)
{
    if (change > 0)
        return SL_OK;
    return sl_batch_set_change(b, NULL, change, b->length, err);
}

/* Emits rows[0..n) of side `side` with NULLs for the other side's columns, as `change`:
 * physical rows of `batch`, or (batch NULL) rows of the side's store. */
static sl_status emit_padded(sl_op_context *ctx, sl_stream_join_global *g, sl_join_side *side,
                             const sl_batch *batch, const uint32_t *rows, uint32_t n, int8_t change, sl_error *err)
{
    const sl_physical_op *plan = g->plan;
    uint32_t left_count = plan->children[0]->column_count;
    const sl_physical_op *other = plan->children[1 - side->index];
    for (uint32_t begin = 0; begin < n; begin += SL_BATCH_CAPACITY) {
        uint32_t m = n - begin < SL_BATCH_CAPACITY ? n - begin : SL_BATCH_CAPACITY;
        sl_batch *b = sl_batch_new(plan->column_count);
        if (!b)
            return sl_error_oom(err);
        uint32_t own_offset = side->index == 0 ? 0 : left_count;
        uint32_t other_offset = side->index == 0 ? left_count : 0;
        sl_status st = gather_side(b, own_offset, side->input, batch, &side->store.rows, rows + begin, m, err);
        for (uint32_t c = 0; c < other->column_count && st == SL_OK; c++) {
            sl_vector *v = sl_join_null_vector(other->types[c], m);
            if (!v)
                st = sl_error_oom(err);
            else
                sl_batch_set_column(b, other_offset + c, v);
        }
        b->length = b->count = m;
        if (st == SL_OK)
            st = set_change(b, change, err);
        if (st == SL_OK)
            st = sl_emit_batch(ctx, b, err);
        sl_batch_free(b);
        SL_TRY(st);
    }
    return SL_OK;
}

/* Processes the collected pairs of input rows (of `side`, from `batch`) with stored rows
 * of the other side: the residual condition selects the joined rows; they are emitted as
 * insertions (sign > 0) or retractions, with the other side's null-padded rows that
 * start or stop being needed, and every passing pair is counted in g->counts[input row]. */
static sl_status flush_pairs(sl_op_context *ctx, sl_stream_join_global *g, sl_join_side *side, const sl_batch *batch,
                             int sign, sl_error *err)
{
    uint32_t n = g->pair_count;
    if (n == 0)
        return SL_OK;
    g->pair_count = 0;
    const sl_physical_op *plan = g->plan;
    sl_join_side *other = &g->sides[1 - side->index];
    uint32_t left_count = plan->children[0]->column_count;
    sl_batch *b = sl_batch_new(plan->column_count);
    if (!b)
        return sl_error_oom(err);
    uint32_t own_offset = side->index == 0 ? 0 : left_count;
    uint32_t other_offset = side->index == 0 ? left_count : 0;
    sl_status st = gather_side(b, own_offset, side->input, batch, NULL, g->pair_input, n, err);
    if (st == SL_OK)
        st = gather_side(b, other_offset, other->input, NULL, &other->store.rows, g->pair_stored, n, err);
    b->length = b->count = n;
    uint32_t passing = n;
    const uint32_t *pass = NULL;
    if (st == SL_OK && g->condition) {
        st = sl_expr_select(g->condition, b, g->pass, &passing, err);
        pass = g->pass;
    }
    uint32_t pads = 0;
    for (uint32_t j = 0; st == SL_OK && j < passing; j++) {
        uint32_t k = pass ? pass[j] : j;
        g->counts[g->pair_input[k]]++;
        sl_join_row *m = &other->store.meta[g->pair_stored[k]];
        if (sign > 0) {
            if (other->outer && m->matches == 0)
                g->pad[pads++] = g->pair_stored[k];
            m->matches++;
        } else if (m->matches > 0 && --m->matches == 0 && other->outer) {
            g->pad[pads++] = g->pair_stored[k];
        }
    }
    /* a null-padded row leaves before its first joined row arrives and comes back after
     * its last joined row left */
    if (st == SL_OK && sign > 0 && pads)
        st = emit_padded(ctx, g, other, NULL, g->pad, pads, SL_CHANGE_DELETE, err);
    if (st == SL_OK && passing > 0) {
        if (pass && passing < n)
            st = sl_batch_set_selection(b, pass, passing, err);
        if (st == SL_OK)
            st = set_change(b, sign > 0 ? SL_CHANGE_INSERT : SL_CHANGE_DELETE, err);
        if (st == SL_OK)
            st = sl_emit_batch(ctx, b, err);
    }
    if (st == SL_OK && sign < 0 && pads)
        st = emit_padded(ctx, g, other, NULL, g->pad, pads, SL_CHANGE_INSERT, err);
    sl_batch_free(b);
    return st;
}

/* Pairs rows[0..n) of batch (side's keys evaluated, no NULL `=` key) with the stored
 * rows of the other side that have an equal key, and processes them (flush_pairs). */
static sl_status probe_rows(sl_op_context *ctx, sl_stream_join_global *g, sl_join_side *side, const sl_batch *batch,
                            const uint32_t *rows, uint32_t n, int sign, sl_error *err)
{
    sl_join_store *other = &g->sides[1 - side->index].store;
    if (n == 0 || other->live == 0)
        return SL_OK;
    SL_TRY(key_entries(g, &other->table, side->key_vectors, rows, n, false, g->key_ids, err));
    for (uint32_t i = 0; i < n; i++) {
        if (g->key_ids[i] == SL_HASH_TABLE_NO_ENTRY)
            continue;
        const sl_join_chain *chain = chain_of(other, (uint32_t)g->key_ids[i]);
        uint32_t r = chain->count ? chain->first : NO_ROW;
        for (; r != NO_ROW; r = other->meta[r].next) {
            g->pair_input[g->pair_count] = rows[i];
            g->pair_stored[g->pair_count] = r;
            if (++g->pair_count == SL_BATCH_CAPACITY)
                SL_TRY(flush_pairs(ctx, g, side, batch, sign, err));
        }
    }
    return flush_pairs(ctx, g, side, batch, sign, err);
}

/* ------------------------------------------------------------------ input */

/* Splits rows[0..n) into g->keyed / g->null_keyed by whether a `=` key is NULL. */
static void split_null_keys(sl_stream_join_global *g, sl_join_side *side, const uint32_t *rows, uint32_t n,
                            uint32_t *keyed, uint32_t *null_keyed)
{
    *keyed = *null_keyed = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (key_is_null(g, side, rows[i]))
            g->null_keyed[(*null_keyed)++] = rows[i];
        else
            g->keyed[(*keyed)++] = rows[i];
    }
}

/* Insertions rows[0..n) (increasing physical rows) of batch arriving on side. */
static sl_status insert_rows(sl_op_context *ctx, sl_stream_join_global *g, sl_join_side *side, const sl_batch *batch,
                             const uint32_t *rows, uint32_t n, sl_error *err)
{
    uint32_t keyed, null_keyed;
    split_null_keys(g, side, rows, n, &keyed, &null_keyed);
    for (uint32_t i = 0; i < n; i++)
        g->counts[rows[i]] = 0;
    SL_TRY(probe_rows(ctx, g, side, batch, g->keyed, keyed, 1, err));
    if (side->outer) {
        uint32_t unmatched = 0;
        for (uint32_t i = 0; i < n; i++)
            if (g->counts[rows[i]] == 0)
                g->stored[unmatched++] = rows[i];
        SL_TRY(emit_padded(ctx, g, side, batch, g->stored, unmatched, SL_CHANGE_INSERT, err));
    }
    /* store: every row on an outer side (its null-padded row may be retracted later), else
     * the rows that can ever match */
    SL_TRY(key_entries(g, &side->store.table, side->key_vectors, g->keyed, keyed, true, g->key_ids, err));
    const uint32_t *list = side->outer ? rows : g->keyed;
    uint32_t count = side->outer ? n : keyed;
    for (uint32_t i = 0, k = 0; i < count; i++) {
        uint32_t row = list[i];
        bool has_key = k < keyed && g->keyed[k] == row;
        g->ids[i] = has_key ? g->key_ids[k++] : NULL_KEY_ENTRY;
        g->matches[i] = g->counts[row];
        g->list_bounds[i] = side->bounded ? g->bounds[row] : INT64_MAX;
    }
    return store_rows(g, side, &side->store, batch, list, count, g->ids, g->matches, g->list_bounds, err);
}

/* Retractions rows[0..n) of batch arriving on side. */
static sl_status retract_rows(sl_op_context *ctx, sl_stream_join_global *g, sl_join_side *side, const sl_batch *batch,
                              const uint32_t *rows, uint32_t n, sl_error *err)
{
    sl_join_store *st = &side->store;
    uint32_t keyed, null_keyed;
    split_null_keys(g, side, rows, n, &keyed, &null_keyed);
    SL_TRY(key_entries(g, &st->table, side->key_vectors, g->keyed, keyed, false, g->key_ids, err));
    /* remove one equal stored row per retraction; g->matches[i] = the match count of the
     * row removed for g->stored[i] */
    uint32_t found = 0, found_keyed = 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t row = rows[i];
        const sl_join_chain *chain = NULL;
        bool has_key = k < keyed && g->keyed[k] == row;
        if (has_key) {
            uint64_t id = g->key_ids[k++];
            if (id != SL_HASH_TABLE_NO_ENTRY)
                chain = chain_of(st, (uint32_t)id);
        } else if (side->outer) {
            chain = &st->null_chain;
        }
        uint32_t r = chain && chain->count ? chain->first : NO_ROW;
        while (r != NO_ROW && !row_equal(&st->rows, r, batch, row))
            r = st->meta[r].next;
        if (r == NO_ROW)
            continue;    /* nothing of it is stored (never inserted, or pruned) */
        g->matches[found] = st->meta[r].matches;
        g->counts[row] = 0;
        store_remove(st, r);
        g->stored[found++] = row;
        if (has_key)
            g->keyed[found_keyed++] = row;   /* compacts in place: found_keyed <= k */
    }
    /* retract the joined rows (re-derived against the other side's current rows) */
    SL_TRY(probe_rows(ctx, g, side, batch, g->keyed, found_keyed, -1, err));
    if (side->outer) {
        uint32_t unmatched = 0;
        for (uint32_t i = 0; i < found; i++)
            if (g->matches[i] == 0)
                g->null_keyed[unmatched++] = g->stored[i];
        SL_TRY(emit_padded(ctx, g, side, batch, g->null_keyed, unmatched, SL_CHANGE_DELETE, err));
    }
    return SL_OK;
}

/* g->bounds[row] = min over side's bound expressions (INT64_MIN when one is NULL: such a
 * row can never match), for the active rows of batch. */
static sl_status evaluate_bounds(sl_stream_join_global *g, sl_join_side *side, const sl_batch *batch, sl_error *err)
{
    for (uint32_t i = 0; i < batch->count; i++)
        g->bounds[sl_batch_row(batch, i)] = INT64_MAX;
    for (uint32_t e = 0; e < side->bound_count; e++) {
        sl_vector *v = NULL;
        SL_TRY(sl_expr_evaluate(side->bound_states[e], batch, &v, err));
        const int64_t *values = SL_VECTOR_DATA(v, int64_t);
        for (uint32_t i = 0; i < batch->count; i++) {
            uint32_t row = sl_batch_row(batch, i);
            int64_t bound = sl_vector_is_valid(v, row) ? values[row] : INT64_MIN;
            if (bound < g->bounds[row])
                g->bounds[row] = bound;
        }
        sl_vector_unref(v);
    }
    return SL_OK;
}

/* Fills g->work with the active rows of batch that are not late; reports the late ones. */
static sl_status filter_late(sl_op_context *ctx, sl_stream_join_global *g, sl_join_side *side, const sl_batch *batch,
                             uint32_t *count, sl_error *err)
{
    uint32_t n = 0, late = 0;
    if (!side->late_check || side->watermark == SL_WATERMARK_NONE) {
        for (uint32_t i = 0; i < batch->count; i++)
            g->work[n++] = sl_batch_row(batch, i);
        *count = n;
        return SL_OK;
    }
    const sl_vector *time = batch->columns[g->plan->time_column[side->index]];
    const int64_t *t = SL_VECTOR_DATA(time, int64_t);
    for (uint32_t i = 0; i < batch->count; i++) {
        uint32_t row = sl_batch_row(batch, i);
        if (sl_vector_is_valid(time, row) && t[row] < side->watermark) {
            g->stored[late] = row;
            g->times[late++] = t[row];
        } else {
            g->work[n++] = row;
        }
    }
    *count = n;
    if (late == 0)
        return SL_OK;
    return sl_late_rows_report(ctx, g->plan, side->input, batch, g->stored, g->times, late, side->watermark, err);
}

/* Drops the rows of side whose bound is below the other side's watermark. */
static sl_status prune(sl_stream_join_global *g, sl_join_side *side, int64_t other_watermark, sl_error *err)
{
    sl_join_store *st = &side->store;
    while (side->bounded && st->heap_count && st->heap[0].bound < other_watermark) {
        uint32_t r = st->heap[0].row;
        heap_pop(st);
        if (st->meta[r].entry != DEAD_ENTRY)
            store_remove(st, r);
    }
    return maybe_compact(g, side, err);
}

static sl_status join_batch(sl_op_context *ctx, sl_stream_join_global *g, sl_join_side *side, const sl_batch *batch,
                            sl_error *err)
{
    SL_TRY(reserve_scratch(g, batch->length, err));
    uint32_t n = 0;
    SL_TRY(filter_late(ctx, g, side, batch, &n, err));
    if (n == 0)
        return SL_OK;
    if (side->bounded)
        SL_TRY(evaluate_bounds(g, side, batch, err));
    sl_status st = evaluate_keys(g, side, batch, err);
    /* runs of equal direction, in input order */
    for (uint32_t begin = 0; begin < n && st == SL_OK;) {
        bool insert = !batch->change || batch->change[g->work[begin]] > 0;
        uint32_t end = begin + 1;
        while (end < n && (!batch->change || batch->change[g->work[end]] > 0) == insert)
            end++;
        if (insert)
            st = insert_rows(ctx, g, side, batch, g->work + begin, end - begin, err);
        else
            st = retract_rows(ctx, g, side, batch, g->work + begin, end - begin, err);
        begin = end;
    }
    release_keys(g, side);
    /* rows stored behind the other side's watermark already (their partners have all
     * arrived) leave now rather than at the next watermark, which may never come */
    if (st == SL_OK)
        st = prune(g, side, g->sides[1 - side->index].watermark, err);
    return st;
}

/* Records input `side`'s watermark, prunes the other side and forwards the minimum of
 * both inputs when it rises. */
static sl_status advance_watermark(sl_op_context *ctx, sl_stream_join_global *g, sl_join_side *side,
                                   int64_t watermark, sl_error *err)
{
    if (watermark <= side->watermark)
        return SL_OK;
    side->watermark = watermark;
    SL_TRY(prune(g, &g->sides[1 - side->index], watermark, err));
    int64_t min = g->sides[0].watermark < g->sides[1].watermark ? g->sides[0].watermark : g->sides[1].watermark;
    if (min <= g->forwarded)
        return SL_OK;
    g->forwarded = min;
    sl_op_metrics *m = sl_op_metrics_of(ctx);
    if (m)
        atomic_store(&m->watermark, (long long)min);
    sl_msg wm;
    memset(&wm, 0, sizeof wm);
    wm.kind = SL_MSG_WATERMARK;
    wm.watermark = min;
    return sl_emit(ctx, &wm, err);
}

static sl_status stream_join_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                  const sl_msg *msg, sl_error *err)
{
    (void)local;
    sl_stream_join_global *g = global;
    if (ctx->input_index > 1)
        return sl_error_set(err, SL_ERR_INTERNAL, "STREAM_JOIN: message from input %u (expected 0 or 1)",
                            ctx->input_index);
    sl_join_side *side = &g->sides[ctx->input_index];
    sl_status st = SL_OK;
    switch (msg->kind) {
    case SL_MSG_DATA:
        if (msg->batch->count == 0)
            return SL_OK;
        st = join_batch(ctx, g, side, msg->batch, err);
        break;
    case SL_MSG_WATERMARK:
        st = advance_watermark(ctx, g, side, msg->watermark, err);
        break;
    case SL_MSG_BARRIER:
        return sl_emit(ctx, msg, err);
    case SL_MSG_END:
        /* an ended input sends no more rows: its watermark is final */
        st = advance_watermark(ctx, g, side, SL_WATERMARK_END, err);
        if (st == SL_OK)
            st = sl_emit(ctx, msg, err);
        break;
    }
    update_metrics(ctx, g);
    return st;
}

/* ------------------------------------------------------------------ lifetime */

static void side_free(sl_stream_join_global *g, sl_join_side *side)
{
    store_free(g, &side->store);
    for (uint32_t i = 0; side->key_states && i < g->key_count; i++)
        if (side->key_states[i])
            sl_expr_state_free(side->key_states[i]);
    for (uint32_t i = 0; side->key_vectors && i < g->key_count; i++)
        if (side->key_vectors[i])
            sl_vector_unref(side->key_vectors[i]);
    for (uint32_t i = 0; side->bound_states && i < side->bound_count; i++)
        if (side->bound_states[i])
            sl_expr_state_free(side->bound_states[i]);
    sl_free(side->key_states);
    sl_free(side->key_vectors);
    sl_free(side->bound_states);
}

static void stream_join_free_global(const sl_physical_op *plan, void *global)
{
    sl_stream_join_global *g = global;
    if (!g)
        return;
    side_free(g, &g->sides[0]);
    side_free(g, &g->sides[1]);
    if (g->condition)
        sl_expr_state_free(g->condition);
    sl_free(g->key_types);
    sl_free(g->scratch);
    sl_free(g->work);
    sl_free(g->keyed);
    sl_free(g->null_keyed);
    sl_free(g->stored);
    sl_free(g->counts);
    sl_free(g->bounds);
    sl_free(g->times);
    sl_free(g->ids);
    sl_free(g->key_ids);
    sl_free(g->matches);
    sl_free(g->list_bounds);
    sl_free(g);
}

static sl_status side_init(sl_stream_join_global *g, const sl_physical_op *plan, uint32_t index,
                           sl_exec_context *exec, sl_error *err)
{
    sl_join_side *side = &g->sides[index];
    side->index = index;
    side->input = plan->children[index];
    side->outer = side_is_outer(plan->join_type, index);
    side->bounded = plan->state_bound_count[index] > 0;
    side->watermark = SL_WATERMARK_NONE;
    int32_t time_column = plan->time_column[index];
    side->late_check = time_column >= 0 && plan->state_bound_count[1 - index] > 0;
    if (time_column >= (int32_t)side->input->column_count ||
        (time_column >= 0 && side->input->types[time_column].id != SL_TYPE_TIMESTAMP))
        return sl_error_set(err, SL_ERR_INTERNAL, "STREAM_JOIN: time column %d of input %u is not a TIMESTAMP column",
                            time_column, index);
    sl_expr **keys = index == 0 ? plan->probe_keys : plan->build_keys;
    size_t n = g->key_count ? g->key_count : 1;
    side->key_states = sl_calloc(n, sizeof *side->key_states);
    side->key_vectors = sl_calloc(n, sizeof *side->key_vectors);
    if (!side->key_states || !side->key_vectors)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < g->key_count; i++)
        if (!(side->key_states[i] = sl_expr_state_new(keys[i], &exec->eval)))
            return sl_error_oom(err);
    if (side->bounded) {
        side->bound_states = sl_calloc(plan->state_bound_count[index], sizeof *side->bound_states);
        if (!side->bound_states)
            return sl_error_oom(err);
        side->bound_count = plan->state_bound_count[index];
        for (uint32_t i = 0; i < side->bound_count; i++) {
            const sl_expr *bound = plan->state_bounds[index][i];
            if (bound->type.id != SL_TYPE_TIMESTAMP)
                return sl_error_set(err, SL_ERR_INTERNAL, "STREAM_JOIN: state bound %u of input %u is not a TIMESTAMP",
                                    i, index);
            if (!(side->bound_states[i] = sl_expr_state_new(bound, &exec->eval)))
                return sl_error_oom(err);
        }
    }
    return store_init(g, side, &side->store, err);
}

static sl_status stream_join_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global,
                                         sl_error *err)
{
    if (plan->child_count != 2)
        return sl_error_set(err, SL_ERR_INTERNAL, "STREAM_JOIN needs 2 children, has %u", plan->child_count);
    sl_join_type type = plan->join_type;
    if (type != SL_JOIN_INNER && type != SL_JOIN_LEFT && type != SL_JOIN_RIGHT && type != SL_JOIN_FULL)
        return sl_error_set(err, SL_ERR_INVALID_INPUT,
                            "a %s join of two streams is not supported; only INNER, LEFT, RIGHT and FULL joins are",
                            sl_join_type_name(type));
    if (plan->column_count != plan->children[0]->column_count + plan->children[1]->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "STREAM_JOIN: output has %u columns, inputs %u + %u",
                            plan->column_count, plan->children[0]->column_count, plan->children[1]->column_count);
    sl_stream_join_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    g->plan = plan;
    g->memory = exec->memory;
    g->forwarded = SL_WATERMARK_NONE;
    g->key_count = plan->key_count;
    sl_status st = SL_OK;
    g->key_types = sl_malloc(sizeof *g->key_types * (g->key_count ? g->key_count : 1));
    g->scratch = sl_malloc(sizeof *g->scratch);
    if (!g->key_types || !g->scratch)
        st = sl_error_oom(err);
    for (uint32_t i = 0; st == SL_OK && i < g->key_count; i++) {
        g->key_types[i] = plan->build_keys[i]->type;
        if (!sl_type_equal(g->key_types[i], plan->probe_keys[i]->type))
            st = sl_error_set(err, SL_ERR_INTERNAL, "STREAM_JOIN: left and right key %u have different types", i);
    }
    if (st == SL_OK && plan->condition && !(g->condition = sl_expr_state_new(plan->condition, &exec->eval)))
        st = sl_error_oom(err);
    for (uint32_t s = 0; s < 2 && st == SL_OK; s++)
        st = side_init(g, plan, s, exec, err);
    if (st == SL_OK)
        st = reserve_scratch(g, SL_BATCH_CAPACITY, err);
    if (st != SL_OK) {
        stream_join_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

const sl_operator_type sl_stream_join_operator = {
    .name = STREAM_JOIN_NAME,
    .init_global = stream_join_init_global,
    .free_global = stream_join_free_global,
    .push = stream_join_push,
};
