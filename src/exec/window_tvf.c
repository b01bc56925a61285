/*
 * window_tvf.c — WINDOW_TVF: the window table functions TUMBLE, HOP and CUMULATE.
 *
 * A stateless push stage, the same in batch and streaming plans: every active input row
 * becomes one output row per window its time column (plan->window_column, a TIMESTAMP in
 * microseconds) belongs to; the output is the input columns ++ window_start, window_end,
 * window_time (= window_end - 1 µs, the rowtime of the window's result, as in Flink).
 * Rows whose time is NULL belong to no window and are dropped (Flink does the same).
 * The change flag of a row is carried to each of its copies.
 *
 * Windows are aligned to the epoch plus plan->window_offset, with floor semantics for
 * times before it (Flink's TimeWindow.getWindowStartWithOffset):
 *   start_of(ts, width) = ts - floor_mod(ts - offset, width)
 *   TUMBLE(size)         [start_of(ts, size), + size)                     one window
 *   HOP(slide, size)     [s, s + size) for s = start_of(ts, slide), s - slide, ...
 *                        while s > ts - size                              ~size/slide windows
 *   CUMULATE(step, max)  [w, e) with w = start_of(ts, max) and
 *                        e = the first step boundary after ts, + step, ... up to w + max
 * HOP and CUMULATE emit a row's windows in increasing window_start / window_end order.
 *
 * Kernels. TUMBLE keeps the input's columns as they are (shared, no copies): the three
 * window columns are written at the input's physical positions and the selection vector
 * drops the NULL-time rows. HOP and CUMULATE compute, per output row, the physical input
 * row it copies (the fan-out index) and its window, then gather every input column with
 * one sl_vector_gather per column, SL_BATCH_CAPACITY output rows at a time.
 * WATERMARK, BARRIER and END pass through unchanged (window_end and window_time of a row
 * are above its time, so a watermark on the time column holds for them too).
 */
#include "exec/operator.h"

#include <string.h>

#define TVF_NAME "WINDOW_TVF"

/* floor(a mod m) for m > 0: in [0, m) also for negative a. */
static inline int64_t floor_mod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* Start of the window of width `width` (aligned to `offset`) holding ts. */
static inline int64_t window_start_of(int64_t ts, int64_t offset, int64_t width)
{
    return ts - floor_mod(ts - offset, width);
}

static sl_status tvf_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    (void)exec;
    *global = NULL;
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, TVF_NAME " expects 1 child, has %u", plan->child_count);
    const sl_physical_op *child = plan->children[0];
    if (plan->window_column >= child->column_count || plan->column_count != child->column_count + 3)
        return sl_error_set(err, SL_ERR_INTERNAL, TVF_NAME ": malformed plan (time column %u of %u, %u outputs)",
                            plan->window_column, child->column_count, plan->column_count);
    if (child->types[plan->window_column].id != SL_TYPE_TIMESTAMP)
        return sl_error_set(err, SL_ERR_INTERNAL, TVF_NAME ": the time column must be a TIMESTAMP");
    if (plan->window_size <= 0)
        return sl_error_set(err, SL_ERR_RUNTIME, "window size must be a positive interval");
    switch (plan->window_kind) {
    case SL_WINDOW_TUMBLE:
        break;
    case SL_WINDOW_HOP:
        if (plan->window_slide <= 0)
            return sl_error_set(err, SL_ERR_RUNTIME, "HOP slide must be a positive interval");
        break;
    case SL_WINDOW_CUMULATE:
        if (plan->window_slide <= 0)
            return sl_error_set(err, SL_ERR_RUNTIME, "CUMULATE step must be a positive interval");
        if (plan->window_size % plan->window_slide != 0)
            return sl_error_set(err, SL_ERR_RUNTIME,
                                "CUMULATE max size must be an integral multiple of the step");
        break;
    default:
        return sl_error_set(err, SL_ERR_INTERNAL, TVF_NAME ": window kind %d is not TUMBLE, HOP or CUMULATE",
                            (int)plan->window_kind);
    }
    return SL_OK;
}

static void tvf_free_global(const sl_physical_op *plan, void *global)
{
    (void)plan;
    (void)global;
}

/* Three new TIMESTAMP vectors of `capacity` slots (window_start, window_end, window_time). */
static sl_status new_window_vectors(uint32_t capacity, sl_vector **v, sl_error *err)
{
    sl_type ts = sl_type_make(SL_TYPE_TIMESTAMP);
    for (int i = 0; i < 3; i++) {
        v[i] = sl_vector_new(ts, capacity ? capacity : 1);
        if (!v[i]) {
            for (int j = 0; j < i; j++)
                sl_vector_unref(v[j]);
            return sl_error_oom(err);
        }
    }
    return SL_OK;
}

/* TUMBLE: the input's columns shared, the window columns written at the active physical
 * rows, NULL-time rows dropped through the selection vector. */
static sl_status tumble_batch(sl_op_context *ctx, const sl_physical_op *plan, const sl_batch *in, sl_error *err)
{
    const sl_vector *time = in->columns[plan->window_column];
    const int64_t *t = SL_VECTOR_DATA(time, int64_t);
    int64_t size = plan->window_size, offset = plan->window_offset;
    sl_vector *w[3];
    SL_TRY(new_window_vectors(in->length, w, err));
    int64_t *start = SL_VECTOR_DATA(w[0], int64_t), *end = SL_VECTOR_DATA(w[1], int64_t),
            *wtime = SL_VECTOR_DATA(w[2], int64_t);
    uint32_t *sel = NULL;
    uint32_t kept = in->count;
    sl_status st = SL_OK;
    if (time->validity) {
        sel = sl_malloc(sizeof *sel * (in->count ? in->count : 1));
        if (!sel)
            st = sl_error_oom(err);
        kept = 0;
        for (uint32_t i = 0; i < in->count && st == SL_OK; i++) {
            uint32_t r = sl_batch_row(in, i);
            if (!sl_vector_is_valid(time, r))
                continue;
            sel[kept++] = r;
            int64_t s = window_start_of(t[r], offset, size);
            start[r] = s;
            end[r] = s + size;
            wtime[r] = s + size - 1;
        }
    } else if (in->sel) {
        for (uint32_t i = 0; i < in->count; i++) {
            uint32_t r = in->sel[i];
            int64_t s = window_start_of(t[r], offset, size);
            start[r] = s;
            end[r] = s + size;
            wtime[r] = s + size - 1;
        }
    } else {
        for (uint32_t r = 0; r < in->count; r++) {
            int64_t s = t[r] - floor_mod(t[r] - offset, size);
            start[r] = s;
            end[r] = s + size;
            wtime[r] = s + size - 1;
        }
    }
    sl_batch *out = st == SL_OK ? sl_batch_new(plan->column_count) : NULL;
    if (st == SL_OK && !out)
        st = sl_error_oom(err);
    if (st != SL_OK) {
        for (int i = 0; i < 3; i++)
            sl_vector_unref(w[i]);
        sl_free(sel);
        return st;
    }
    uint32_t n = in->column_count;
    for (uint32_t c = 0; c < n; c++)
        out->columns[c] = sl_vector_ref(in->columns[c]);
    for (int i = 0; i < 3; i++)
        out->columns[n + i] = w[i];
    out->length = in->length;
    out->count = in->count;
    out->change = in->change;
    out->change_buffer = in->change_buffer ? sl_buffer_ref(in->change_buffer) : NULL;
    if (sel) {
        st = sl_batch_set_selection(out, sel, kept, err);
    } else if (in->sel) {
        out->sel = in->sel;
        out->sel_buffer = in->sel_buffer ? sl_buffer_ref(in->sel_buffer) : NULL;
    }
    sl_free(sel);
    if (st == SL_OK && out->count > 0)
        st = sl_emit_batch(ctx, out, err);
    sl_batch_free(out);
    return st;
}

/* Scratch of the fan-out path: one entry per output row of the chunk being built. */
typedef struct sl_fanout {
    uint32_t rows[SL_BATCH_CAPACITY];    /* physical input row copied */
    int64_t start[SL_BATCH_CAPACITY];
    int64_t end[SL_BATCH_CAPACITY];
    uint32_t count;
} sl_fanout;

/* Emits the chunk: every input column gathered by f->rows, the window columns, the
 * change flags of the copied rows. */
static sl_status fanout_flush(sl_op_context *ctx, const sl_physical_op *plan, const sl_batch *in, sl_fanout *f,
                              sl_error *err)
{
    uint32_t n = f->count;
    if (n == 0)
        return SL_OK;
    f->count = 0;
    sl_batch *out = sl_batch_new(plan->column_count);
    if (!out)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    for (uint32_t c = 0; c < in->column_count && st == SL_OK; c++) {
        sl_vector *v = sl_vector_new(in->columns[c]->type, n);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        out->columns[c] = v;
        st = sl_vector_gather(v, 0, in->columns[c], f->rows, n, err);
    }
    sl_vector *w[3];
    if (st == SL_OK)
        st = new_window_vectors(n, w, err);
    if (st == SL_OK) {
        for (int i = 0; i < 3; i++)
            out->columns[in->column_count + i] = w[i];
        memcpy(w[0]->data, f->start, sizeof(int64_t) * n);
        memcpy(w[1]->data, f->end, sizeof(int64_t) * n);
        int64_t *wtime = SL_VECTOR_DATA(w[2], int64_t);
        for (uint32_t i = 0; i < n; i++)
            wtime[i] = f->end[i] - 1;
    }
    if (st == SL_OK && in->change) {
        st = sl_batch_set_change(out, NULL, 0, n, err);
        for (uint32_t i = 0; i < n && st == SL_OK; i++)
            out->change[i] = in->change[f->rows[i]];
    }
    if (st == SL_OK) {
        out->length = out->count = n;
        st = sl_emit_batch(ctx, out, err);
    }
    sl_batch_free(out);
    return st;
}

/* HOP / CUMULATE: one output row per (row, window), in chunks of SL_BATCH_CAPACITY. */
static sl_status fanout_batch(sl_op_context *ctx, const sl_physical_op *plan, const sl_batch *in, sl_error *err)
{
    const sl_vector *time = in->columns[plan->window_column];
    const int64_t *t = SL_VECTOR_DATA(time, int64_t);
    int64_t size = plan->window_size, slide = plan->window_slide, offset = plan->window_offset;
    sl_fanout *f = sl_malloc(sizeof *f);
    if (!f)
        return sl_error_oom(err);
    f->count = 0;
    sl_status st = SL_OK;
    for (uint32_t i = 0; i < in->count && st == SL_OK; i++) {
        uint32_t r = sl_batch_row(in, i);
        if (!sl_vector_is_valid(time, r))
            continue;
        int64_t ts = t[r];
        if (plan->window_kind == SL_WINDOW_HOP) {
            /* starts s = last, last - slide, ... with s > ts - size; emitted oldest first */
            int64_t last = window_start_of(ts, offset, slide);
            int64_t span = last - (ts - size);   /* k * slide < span */
            int64_t windows = span <= 0 ? 0 : (span - 1) / slide + 1;
            for (int64_t k = windows - 1; k >= 0 && st == SL_OK; k--) {
                if (f->count == SL_BATCH_CAPACITY)
                    st = fanout_flush(ctx, plan, in, f, err);
                int64_t s = last - k * slide;
                f->rows[f->count] = r;
                f->start[f->count] = s;
                f->end[f->count] = s + size;
                f->count++;
            }
        } else {
            int64_t s = window_start_of(ts, offset, size);
            int64_t first_end = window_start_of(ts, s, slide) + slide;
            for (int64_t e = first_end; e <= s + size && st == SL_OK; e += slide) {
                if (f->count == SL_BATCH_CAPACITY)
                    st = fanout_flush(ctx, plan, in, f, err);
                f->rows[f->count] = r;
                f->start[f->count] = s;
                f->end[f->count] = e;
                f->count++;
            }
        }
    }
    if (st == SL_OK)
        st = fanout_flush(ctx, plan, in, f, err);
    sl_free(f);
    return st;
}

static sl_status tvf_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                          const sl_msg *msg, sl_error *err)
{
    (void)global;
    (void)local;
    if (msg->kind != SL_MSG_DATA)
        return sl_emit(ctx, msg, err);
    const sl_batch *in = msg->batch;
    if (in->count == 0)
        return SL_OK;
    if (plan->window_kind == SL_WINDOW_TUMBLE)
        return tumble_batch(ctx, plan, in, err);
    return fanout_batch(ctx, plan, in, err);
}

const sl_operator_type sl_window_tvf_operator = {
    .name = TVF_NAME,
    .init_global = tvf_init_global,
    .free_global = tvf_free_global,
    .push = tvf_push,
};
