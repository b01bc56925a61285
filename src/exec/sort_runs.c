/*
 * sort_runs.c — external merge sort: writing sorted runs and merging them (see
 * sort_runs.h).
 */
#include "exec/sort_runs.h"

#define SL_MERGE_MAX_FAN_IN 256

void sl_sort_runs_init(sl_sort_runs *runs, sl_exec_context *exec)
{
    memset(runs, 0, sizeof *runs);
    runs->exec = exec;
}

void sl_sort_runs_free(sl_sort_runs *runs)
{
    for (size_t i = 0; i < runs->run_count; i++)
        sl_spill_file_free(runs->runs[i]);
    sl_free(runs->runs);
    runs->runs = NULL;
    runs->run_count = runs->run_capacity = 0;
}

/* Empties store (a fresh store of the same columns) and keys. */
static sl_status reset_store(sl_row_store *store, sl_sort_keys *keys, sl_error *err)
{
    sl_row_store fresh;
    SL_TRY(sl_row_store_init(&fresh, store->types, store->column_count, store->memory, store->owner, err));
    sl_row_store_free(store);
    *store = fresh;
    keys->row_count = 0;          /* keep the arrays; they are refilled from row 0 */
    return SL_OK;
}

/* Replaces *b with a batch of the same columns plus BIGINT base + rows[i]. */
static sl_status add_row_id_column(sl_batch **b, const uint32_t *rows, uint32_t count, int64_t base, sl_error *err)
{
    sl_batch *in = *b;
    sl_batch *out = sl_batch_new(in->column_count + 1);
    sl_vector *ids = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), count ? count : 1);
    if (!out || !ids) {
        sl_batch_free(out);
        if (ids)
            sl_vector_unref(ids);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < count; i++)
        SL_VECTOR_DATA(ids, int64_t)[i] = base + rows[i];
    for (uint32_t c = 0; c < in->column_count; c++)
        sl_batch_set_column(out, c, sl_vector_ref(in->columns[c]));
    sl_batch_set_column(out, in->column_count, ids);
    out->length = out->count = count;
    sl_batch_free(in);
    *b = out;
    return SL_OK;
}

sl_status sl_sort_runs_spill(sl_sort_runs *runs, sl_row_store *store, sl_sort_keys *keys, sl_error *err)
{
    uint32_t n = store->row_count;
    if (n == 0)
        return SL_OK;
    SL_TRY(sl_array_reserve((void **)&runs->runs, &runs->run_capacity, runs->run_count + 1, sizeof *runs->runs,
                            err));
    SL_TRY(sl_sort_keys_update(keys, store, err));
    uint32_t *order = sl_malloc(sizeof *order * n);
    if (!order)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    sl_spill_file *file = NULL;
    sl_status st = sl_sort_keys_sort(keys, order, n, err);
    if (runs->run_limit > 0 && n > runs->run_limit)
        n = (uint32_t)runs->run_limit;
    uint32_t columns = store->column_count + (runs->add_row_ids ? 1 : 0);
    sl_type *types = sl_malloc(sizeof *types * (columns + 1));
    if (!types)
        st = sl_error_oom(err);
    if (st == SL_OK) {
        memcpy(types, store->types, sizeof *types * store->column_count);
        if (runs->add_row_ids)
            types[store->column_count] = sl_type_make(SL_TYPE_BIGINT);
        st = sl_spill_file_new(runs->exec, types, columns, &file, err);
    }
    sl_free(types);
    for (uint32_t at = 0; at < n && st == SL_OK; at += SL_BATCH_CAPACITY) {
        if (sl_exec_interrupted(runs->exec)) {
            st = sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
            break;
        }
        uint32_t count = n - at < SL_BATCH_CAPACITY ? n - at : SL_BATCH_CAPACITY;
        sl_batch *b = NULL;
        st = sl_row_store_gather_batch(store, order + at, count, store->column_count, &b, err);
        if (st == SL_OK && runs->add_row_ids)
            st = add_row_id_column(&b, order + at, count, runs->next_row_id, err);
        if (st == SL_OK)
            st = sl_spill_file_write(file, b, err);
        sl_batch_free(b);
    }
    sl_free(order);
    if (st == SL_OK)
        st = sl_spill_file_finish(file, err);
    if (st != SL_OK) {
        sl_spill_file_free(file);
        return st;
    }
    runs->runs[runs->run_count++] = file;
    runs->next_row_id += store->row_count;
    return reset_store(store, keys, err);
}

sl_status sl_sort_runs_append(sl_sort_runs *runs, sl_row_store *store, sl_sort_keys *keys, const sl_batch *batch,
                              sl_error *err)
{
    return sl_sort_runs_append_from(runs, store, keys, batch, 0, err);
}

sl_status sl_sort_runs_append_from(sl_sort_runs *runs, sl_row_store *store, sl_sort_keys *keys,
                                   const sl_batch *batch, uint32_t first, sl_error *err)
{
    uint32_t done = first;
    for (;;) {
        uint32_t appended = 0;
        SL_TRY(sl_row_store_append_some(store, batch, done, &appended, err));
        done += appended;
        if (done >= batch->count)
            return SL_OK;
        SL_TRY(sl_sort_runs_spill(runs, store, keys, err));
    }
}

/* ------------------------------------------------------------------ merge */

typedef struct merge_cursor {
    sl_spill_file *file;
    sl_row_store store;          /* one chunk: the run's current batch */
    sl_sort_keys keys;           /* normalized over store */
    uint32_t pos;                /* next row of the current batch */
    uint32_t index;              /* run position: breaks ties (stability) */
} merge_cursor;

struct sl_sort_merge {
    sl_exec_context *exec;
    uint32_t column_count;       /* of the runs */
    sl_type *types;
    uint32_t key_count;
    uint32_t *key_columns;
    bool *descending;
    bool *nulls_first;
    merge_cursor *cursors;       /* cursor_count, over the runs of the current merge */
    uint32_t cursor_count;
    uint32_t *heap;              /* cursor ids, a binary min-heap */
    uint32_t heap_size;
    uint32_t iota[SL_BATCH_CAPACITY];
};

static void cursor_drop_batch(merge_cursor *c)
{
    for (size_t i = 0; i < c->store.chunk_count; i++)
        sl_batch_free(c->store.chunks[i]);
    c->store.chunk_count = 0;
    c->store.row_count = 0;
    c->keys.row_count = 0;
    c->pos = 0;
}

/* Loads the run's next non-empty batch; *more = false at the end of the run. */
static sl_status cursor_load(merge_cursor *c, bool *more, sl_error *err)
{
    cursor_drop_batch(c);
    for (;;) {
        sl_batch *b = NULL;
        SL_TRY(sl_spill_file_read(c->file, &b, err));
        if (!b) {
            *more = false;
            return SL_OK;
        }
        if (b->count == 0) {
            sl_batch_free(b);
            continue;
        }
        sl_status st = sl_array_reserve((void **)&c->store.chunks, &c->store.chunk_capacity, 1,
                                        sizeof *c->store.chunks, err);
        if (st != SL_OK) {
            sl_batch_free(b);
            return st;
        }
        c->store.chunks[0] = b;
        c->store.chunk_count = 1;
        c->store.row_count = b->count;
        *more = true;
        return sl_sort_keys_update(&c->keys, &c->store, err);
    }
}

static inline bool cursor_less(const sl_sort_merge *m, uint32_t a, uint32_t b)
{
    const merge_cursor *ca = &m->cursors[a], *cb = &m->cursors[b];
    int c = sl_sort_keys_compare_between(&ca->keys, ca->pos, &cb->keys, cb->pos);
    return c != 0 ? c < 0 : ca->index < cb->index;
}

static void heap_sift_down(sl_sort_merge *m, uint32_t at)
{
    uint32_t *h = m->heap, n = m->heap_size;
    for (;;) {
        uint32_t l = 2 * at + 1, r = l + 1, best = at;
        if (l < n && cursor_less(m, h[l], h[best]))
            best = l;
        if (r < n && cursor_less(m, h[r], h[best]))
            best = r;
        if (best == at)
            return;
        uint32_t t = h[at];
        h[at] = h[best];
        h[best] = t;
        at = best;
    }
}

/* Frees the cursors (and their run files). */
static void merge_close(sl_sort_merge *m)
{
    for (uint32_t i = 0; i < m->cursor_count; i++) {
        merge_cursor *c = &m->cursors[i];
        cursor_drop_batch(c);
        sl_row_store_free(&c->store);
        sl_sort_keys_free(&c->keys);
        sl_spill_file_free(c->file);
    }
    sl_free(m->cursors);
    sl_free(m->heap);
    m->cursors = NULL;
    m->heap = NULL;
    m->cursor_count = m->heap_size = 0;
}

/* Opens a merge of files[0..count) (ownership moves in, also on failure). */
static sl_status merge_open(sl_sort_merge *m, sl_spill_file **files, uint32_t count, sl_error *err)
{
    m->cursors = sl_calloc(count ? count : 1, sizeof *m->cursors);
    m->heap = sl_calloc(count ? count : 1, sizeof *m->heap);
    if (!m->cursors || !m->heap) {
        for (uint32_t i = 0; i < count; i++)
            sl_spill_file_free(files[i]);
        return sl_error_oom(err);
    }
    m->cursor_count = count;
    for (uint32_t i = 0; i < count; i++)
        m->cursors[i].file = files[i];
    for (uint32_t i = 0; i < count; i++) {
        merge_cursor *c = &m->cursors[i];
        c->index = i;
        SL_TRY(sl_row_store_init(&c->store, m->types, m->column_count, NULL, "ORDER BY", err));
        SL_TRY(sl_sort_keys_init(&c->keys, &c->store, m->key_columns, m->descending, m->nulls_first, m->key_count,
                                 err));
        SL_TRY(sl_spill_file_rewind(c->file, err));
        bool more = false;
        SL_TRY(cursor_load(c, &more, err));
        if (more)
            m->heap[m->heap_size++] = i;
    }
    for (uint32_t i = m->heap_size / 2; i-- > 0;)
        heap_sift_down(m, i);
    return SL_OK;
}

/* Copies rows [from, to) of cursor c's batch to out at dst (the first columns of out). */
static sl_status copy_segment(sl_sort_merge *m, merge_cursor *c, uint32_t from, uint32_t to, sl_batch *out,
                              uint32_t dst, sl_error *err)
{
    const sl_batch *src = c->store.chunks[0];
    for (uint32_t col = 0; col < out->column_count; col++)
        SL_TRY(sl_vector_gather(out->columns[col], dst, src->columns[col], m->iota + from, to - from, err));
    return SL_OK;
}

sl_status sl_sort_merge_next(sl_sort_merge *m, uint32_t column_count, sl_batch **out, sl_error *err)
{
    *out = NULL;
    if (m->heap_size == 0)
        return SL_OK;
    if (sl_exec_interrupted(m->exec))
        return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
    sl_batch *b = column_count ? sl_batch_new_typed(m->types, column_count, SL_BATCH_CAPACITY) : sl_batch_new(0);
    if (!b)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    uint32_t n = 0;
    merge_cursor *seg = NULL;    /* pending segment: rows [seg_from, seg->pos) of seg, at seg_dst */
    uint32_t seg_from = 0, seg_dst = 0;
    while (n < SL_BATCH_CAPACITY && m->heap_size > 0 && st == SL_OK) {
        merge_cursor *c = &m->cursors[m->heap[0]];
        if (c != seg) {
            if (seg)
                st = copy_segment(m, seg, seg_from, seg->pos, b, seg_dst, err);
            seg = c;
            seg_from = c->pos;
            seg_dst = n;
        }
        c->pos++;
        n++;
        if (c->pos < c->store.row_count) {
            heap_sift_down(m, 0);
            continue;
        }
        /* the batch is used up: copy what it contributed before it goes */
        if (st == SL_OK)
            st = copy_segment(m, c, seg_from, c->pos, b, seg_dst, err);
        seg = NULL;
        bool more = false;
        if (st == SL_OK)
            st = cursor_load(c, &more, err);
        if (st != SL_OK)
            break;
        if (!more)
            m->heap[0] = m->heap[--m->heap_size];
        if (m->heap_size > 0)
            heap_sift_down(m, 0);
    }
    if (st == SL_OK && seg)
        st = copy_segment(m, seg, seg_from, seg->pos, b, seg_dst, err);
    if (st != SL_OK) {
        sl_batch_free(b);
        return st;
    }
    b->length = b->count = n;
    *out = b;
    return SL_OK;
}

/* How many runs one merge reads at once: what half the memory left holds, 2 at least. */
static uint32_t fan_in(const sl_sort_merge *m)
{
    sl_memory *mem = m->exec->memory;
    if (!mem)
        return SL_MERGE_MAX_FAN_IN;
    int64_t row = 0;
    for (uint32_t c = 0; c < m->column_count; c++)
        row += (int64_t)sl_type_width(m->types[c]) + 8;
    row += (int64_t)m->key_count * 17;
    /* the decoded batch, the decompression buffer and the read buffer of each run */
    int64_t per_run = row * SL_BATCH_CAPACITY * 2 + (64 << 10);   /* spill.c reads 64 KiB blocks */
    int64_t left = mem->limit - mem->reserved;
    int64_t k = left / 2 / per_run;     /* half: what consumes the merge (WINDOW) needs memory too */
    return k < 2 ? 2 : k > SL_MERGE_MAX_FAN_IN ? SL_MERGE_MAX_FAN_IN : (uint32_t)k;
}

void sl_sort_merge_free(sl_sort_merge *m)
{
    if (!m)
        return;
    merge_close(m);
    sl_free(m->types);
    sl_free(m->key_columns);
    sl_free(m->descending);
    sl_free(m->nulls_first);
    sl_free(m);
}

sl_status sl_sort_merge_new(sl_sort_runs *runs, const sl_type *types, uint32_t column_count, const sl_sort_keys *keys,
                            sl_sort_merge **out, sl_error *err)
{
    *out = NULL;
    sl_sort_merge *m = sl_calloc(1, sizeof *m);
    if (!m)
        return sl_error_oom(err);
    m->exec = runs->exec;
    m->column_count = column_count;
    m->key_count = keys->key_count;
    m->types = sl_malloc(sizeof *m->types * (column_count + 1));
    m->key_columns = sl_calloc(keys->key_count + 1, sizeof *m->key_columns);
    m->descending = sl_calloc(keys->key_count + 1, sizeof *m->descending);
    m->nulls_first = sl_calloc(keys->key_count + 1, sizeof *m->nulls_first);
    if (!m->types || !m->key_columns || !m->descending || !m->nulls_first) {
        sl_sort_merge_free(m);
        return sl_error_oom(err);
    }
    memcpy(m->types, types, sizeof *m->types * column_count);
    for (uint32_t i = 0; i < keys->key_count; i++) {
        m->key_columns[i] = keys->keys[i].column;
        m->descending[i] = keys->keys[i].descending;
        m->nulls_first[i] = keys->keys[i].nulls_first;
    }
    for (uint32_t i = 0; i < SL_BATCH_CAPACITY; i++)
        m->iota[i] = i;
    sl_status st = SL_OK;
    /* too many runs: merge groups of consecutive runs into one (input order is kept) */
    while (st == SL_OK && runs->run_count > fan_in(m)) {
        uint32_t group = fan_in(m);
        size_t kept = 0;
        for (size_t at = 0; at < runs->run_count && st == SL_OK; at += group) {
            uint32_t count = runs->run_count - at < group ? (uint32_t)(runs->run_count - at) : group;
            if (count == 1) {
                sl_spill_file *only = runs->runs[at];
                runs->runs[at] = NULL;
                runs->runs[kept++] = only;
                continue;
            }
            sl_spill_file *merged = NULL;
            st = sl_spill_file_new(m->exec, m->types, m->column_count, &merged, err);
            sl_spill_file **group_files = runs->runs + at;
            if (st == SL_OK) {
                st = merge_open(m, group_files, count, err);
            } else {
                for (uint32_t i = 0; i < count; i++)
                    sl_spill_file_free(group_files[i]);
            }
            for (uint32_t i = 0; i < count; i++)
                group_files[i] = NULL;
            while (st == SL_OK) {
                sl_batch *b = NULL;
                st = sl_sort_merge_next(m, m->column_count, &b, err);
                if (st != SL_OK || !b)
                    break;
                st = sl_spill_file_write(merged, b, err);
                sl_batch_free(b);
            }
            merge_close(m);
            if (st == SL_OK)
                st = sl_spill_file_finish(merged, err);
            if (st != SL_OK) {
                sl_spill_file_free(merged);
                break;
            }
            runs->runs[kept++] = merged;
        }
        if (st != SL_OK) {
            /* files not yet moved stay in runs (the rest are NULL); free what is left */
            for (size_t i = 0; i < runs->run_count; i++)
                if (runs->runs[i] && i >= kept)
                    sl_spill_file_free(runs->runs[i]);
            runs->run_count = kept;
            break;
        }
        runs->run_count = kept;
    }
    if (st == SL_OK) {
        st = merge_open(m, runs->runs, (uint32_t)runs->run_count, err);
        runs->run_count = 0;
    }
    if (st != SL_OK) {
        sl_sort_merge_free(m);
        return st;
    }
    *out = m;
    return SL_OK;
}
