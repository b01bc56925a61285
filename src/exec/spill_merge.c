/*
 * spill_merge.c — k-way merge of key-sorted spill files (see spill_merge.h).
 *
 * A binary min-heap of the files' current rows, keyed by the cached order keys of each
 * file's current row. The top file gives a run: its rows are taken while they do not pass
 * the smallest key among the other files (the smaller child of the root), gathered with
 * one sl_vector_gather per column, and the heap is then fixed from the root.
 */
#include "exec/spill_merge.h"

typedef struct sl_merge_head {
    sl_spill_file *file;
    sl_batch *batch;
    uint32_t pos;
    uint32_t index;                  /* file index: ties */
    int64_t key[2];                  /* the current row's keys */
} sl_merge_head;

typedef struct sl_merge {
    sl_merge_head *heads;
    uint32_t *heap;                  /* head indexes, min-heap */
    uint32_t live;
    uint32_t key_column;             /* first key column */
    uint32_t key_count;
} sl_merge;

static inline void load_key(sl_merge *m, sl_merge_head *h)
{
    h->key[0] = SL_VECTOR_DATA(h->batch->columns[m->key_column], int64_t)[h->pos];
    h->key[1] = m->key_count > 1 ? SL_VECTOR_DATA(h->batch->columns[m->key_column + 1], int64_t)[h->pos] : 0;
}

static inline bool head_less(const sl_merge_head *a, const sl_merge_head *b)
{
    if (a->key[0] != b->key[0])
        return a->key[0] < b->key[0];
    if (a->key[1] != b->key[1])
        return a->key[1] < b->key[1];
    return a->index < b->index;
}

/* Is row `pos` of h (keys read from the batch) at or below `bound`'s current key? */
static inline bool row_not_after(sl_merge *m, const sl_merge_head *h, uint32_t pos, const sl_merge_head *bound)
{
    int64_t k0 = SL_VECTOR_DATA(h->batch->columns[m->key_column], int64_t)[pos];
    if (k0 != bound->key[0])
        return k0 < bound->key[0];
    int64_t k1 = m->key_count > 1 ? SL_VECTOR_DATA(h->batch->columns[m->key_column + 1], int64_t)[pos] : 0;
    if (k1 != bound->key[1])
        return k1 < bound->key[1];
    return h->index < bound->index;
}

static void sift_down(sl_merge *m, uint32_t at)
{
    for (;;) {
        uint32_t left = 2 * at + 1, right = left + 1, min = at;
        if (left < m->live && head_less(&m->heads[m->heap[left]], &m->heads[m->heap[min]]))
            min = left;
        if (right < m->live && head_less(&m->heads[m->heap[right]], &m->heads[m->heap[min]]))
            min = right;
        if (min == at)
            return;
        uint32_t t = m->heap[at];
        m->heap[at] = m->heap[min];
        m->heap[min] = t;
        at = min;
    }
}

/* The file's next non-empty batch into h->batch (NULL at the end). */
static sl_status next_batch(sl_merge_head *h, sl_error *err)
{
    for (;;) {
        SL_TRY(sl_spill_file_read(h->file, &h->batch, err));
        if (!h->batch || h->batch->length > 0)
            return SL_OK;
        sl_batch_free(h->batch);
        h->batch = NULL;
    }
}

sl_status sl_spill_merge(sl_spill_file **files, uint32_t file_count, const sl_type *types, uint32_t column_count,
                         uint32_t key_count, uint32_t out_columns, sl_op_context *stop_ctx, sl_spill_merge_fn out,
                         void *arg, sl_error *err)
{
    if (key_count < 1 || key_count > 2 || key_count > column_count || out_columns > column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "spill merge: bad key layout");
    sl_merge m = { NULL, NULL, 0, column_count - key_count, key_count };
    m.heads = sl_calloc(file_count ? file_count : 1, sizeof *m.heads);
    m.heap = sl_malloc(sizeof *m.heap * (file_count ? file_count : 1));
    sl_status st = (!m.heads || !m.heap) ? sl_error_oom(err) : SL_OK;
    for (uint32_t f = 0; f < file_count && st == SL_OK; f++) {
        sl_merge_head *h = &m.heads[f];
        h->file = files[f];
        h->index = f;
        st = sl_spill_file_rewind(h->file, err);
        if (st == SL_OK)
            st = next_batch(h, err);
        if (st == SL_OK && h->batch) {
            load_key(&m, h);
            m.heap[m.live++] = f;
        }
    }
    for (uint32_t i = m.live; st == SL_OK && i-- > 0;)
        sift_down(&m, i);
    sl_batch *batch = NULL;
    uint32_t sel[SL_BATCH_CAPACITY];
    while (st == SL_OK && m.live > 0) {
        if (stop_ctx && sl_pipeline_stop_requested(stop_ctx))
            break;
        if (!batch) {
            batch = sl_batch_new_typed(types, out_columns, SL_BATCH_CAPACITY);
            if (!batch) {
                st = sl_error_oom(err);
                break;
            }
        }
        sl_merge_head *h = &m.heads[m.heap[0]];
        const sl_merge_head *bound = NULL;   /* the smallest other head */
        if (m.live > 1)
            bound = &m.heads[m.heap[1]];
        if (m.live > 2 && head_less(&m.heads[m.heap[2]], bound))
            bound = &m.heads[m.heap[2]];
        uint32_t room = SL_BATCH_CAPACITY - batch->length, n = 0;
        sel[n++] = h->pos++;
        while (n < room && h->pos < h->batch->length && (!bound || row_not_after(&m, h, h->pos, bound)))
            sel[n++] = h->pos++;
        for (uint32_t c = 0; c < out_columns && st == SL_OK; c++)
            st = sl_vector_gather(batch->columns[c], batch->length, h->batch->columns[c], sel, n, err);
        batch->length += n;
        batch->count = batch->length;
        if (st == SL_OK && batch->length == SL_BATCH_CAPACITY) {
            st = out(arg, batch, err);
            sl_batch_free(batch);
            batch = NULL;
        }
        if (st != SL_OK)
            break;
        if (h->pos == h->batch->length) {
            sl_batch_free(h->batch);
            h->batch = NULL;
            h->pos = 0;
            st = next_batch(h, err);
            if (st != SL_OK)
                break;
            if (!h->batch) {
                m.heap[0] = m.heap[--m.live];
                sift_down(&m, 0);
                continue;
            }
        }
        load_key(&m, h);
        sift_down(&m, 0);
    }
    if (st == SL_OK && batch && batch->length > 0 && !(stop_ctx && sl_pipeline_stop_requested(stop_ctx)))
        st = out(arg, batch, err);
    sl_batch_free(batch);
    for (uint32_t f = 0; f < file_count && m.heads; f++)
        sl_batch_free(m.heads[f].batch);
    sl_free(m.heads);
    sl_free(m.heap);
    return st;
}
