/*
 * join_pairs.c — candidate-pair processing shared by the hash join and the nested loop
 * join (see join_pairs.h for the contract and the per-join-type semantics).
 */
#include "exec/join_pairs.h"

sl_vector *sl_join_null_vector(sl_type type, uint32_t count)
{
    sl_vector *v = sl_vector_new(type, count ? count : 1);
    if (!v)
        return NULL;
    if (sl_vector_ensure_validity(v, NULL) != SL_OK) {
        sl_vector_unref(v);
        return NULL;
    }
    memset(v->validity, 0, ((size_t)v->capacity + 7) / 8);
    if (v->data && v->data_buffer && v->data_buffer->capacity)
        memset(v->data, 0, (size_t)v->capacity * sl_type_width(type));
    return v;
}

sl_status sl_join_probe_new(const sl_physical_op *plan, sl_exec_context *exec, sl_join_probe **out, sl_error *err)
{
    *out = NULL;
    if (plan->child_count != 2)
        return sl_error_set(err, SL_ERR_INTERNAL, "%s expects 2 children, has %u", sl_physical_kind_name(plan->kind),
                            plan->child_count);
    sl_join_probe *jp = sl_calloc(1, sizeof *jp);
    if (!jp)
        return sl_error_oom(err);
    jp->plan = plan;
    jp->type = plan->join_type;
    jp->left_count = plan->children[0]->column_count;
    jp->right_count = plan->children[1]->column_count;
    if (plan->condition) {
        jp->condition = sl_expr_state_new(plan->condition, &exec->eval);
        if (!jp->condition) {
            sl_free(jp);
            return sl_error_oom(err);
        }
    }
    *out = jp;
    return SL_OK;
}

void sl_join_probe_free(sl_join_probe *jp)
{
    if (!jp)
        return;
    if (jp->condition)
        sl_expr_state_free(jp->condition);
    if (jp->null_columns) {
        for (uint32_t c = 0; c < jp->right_count; c++)
            if (jp->null_columns[c])
                sl_vector_unref(jp->null_columns[c]);
        sl_free(jp->null_columns);
    }
    sl_free(jp->matches);
    sl_free(jp->mark);
    sl_free(jp);
}

sl_status sl_join_probe_begin(sl_join_probe *jp, const sl_batch *input, sl_row_store *build, uint8_t *build_matched,
                              sl_error *err)
{
    if (input->length > jp->row_capacity) {
        size_t cap = input->length;
        uint32_t *matches = sl_realloc(jp->matches, cap * sizeof *matches);
        if (!matches)
            return sl_error_oom(err);
        jp->matches = matches;
        uint8_t *mark = sl_realloc(jp->mark, cap);
        if (!mark)
            return sl_error_oom(err);
        jp->mark = mark;
        jp->row_capacity = cap;
    }
    memset(jp->matches, 0, sizeof *jp->matches * input->length);
    memset(jp->mark, SL_MARK_FALSE, input->length);
    jp->input = input;
    jp->build = build;
    jp->build_matched = build_matched;
    jp->pair_count = 0;
    return SL_OK;
}

sl_status sl_join_probe_add_range(sl_join_probe *jp, sl_op_context *ctx, uint32_t left_row, uint32_t first_right,
                                  uint32_t count, bool key_unknown, sl_error *err)
{
    while (count > 0) {
        uint32_t room = SL_BATCH_CAPACITY - jp->pair_count;
        uint32_t n = count < room ? count : room;
        uint32_t at = jp->pair_count;
        for (uint32_t j = 0; j < n; j++) {
            jp->pair_left[at + j] = left_row;
            jp->pair_right[at + j] = first_right + j;
            jp->pair_key_unknown[at + j] = key_unknown;
        }
        jp->pair_count += n;
        first_right += n;
        count -= n;
        if (jp->pair_count == SL_BATCH_CAPACITY)
            SL_TRY(sl_join_probe_flush(jp, ctx, err));
    }
    return SL_OK;
}

sl_status sl_join_probe_add_all(sl_join_probe *jp, sl_op_context *ctx, uint32_t row, bool key_unknown,
                                sl_error *err)
{
    uint32_t build_rows = jp->build->row_count;
    for (uint32_t b = 0; b < build_rows; b += SL_BATCH_CAPACITY) {
        if (key_unknown ? jp->mark[row] != SL_MARK_FALSE : sl_join_probe_row_settled(jp, row))
            break;
        uint32_t m = build_rows - b < SL_BATCH_CAPACITY ? build_rows - b : SL_BATCH_CAPACITY;
        SL_TRY(sl_join_probe_add_range(jp, ctx, row, b, m, key_unknown, err));
    }
    return SL_OK;
}

/* Does the join type emit the pairs themselves? */
static bool emits_pairs(sl_join_type type)
{
    return type == SL_JOIN_INNER || type == SL_JOIN_LEFT || type == SL_JOIN_RIGHT || type == SL_JOIN_FULL ||
           type == SL_JOIN_SINGLE;
}

/* Puts the shared all-NULL vector of unstored build column c (SL_BATCH_CAPACITY rows,
 * made on first use) into pair batch b. */
static sl_status unstored_column(sl_join_probe *jp, uint32_t c, sl_batch *b, sl_error *err)
{
    if (!jp->null_columns) {
        jp->null_columns = sl_calloc(jp->right_count, sizeof *jp->null_columns);
        if (!jp->null_columns)
            return sl_error_oom(err);
    }
    if (!jp->null_columns[c]) {
        jp->null_columns[c] = sl_join_null_vector(jp->plan->children[1]->types[c], SL_BATCH_CAPACITY);
        if (!jp->null_columns[c])
            return sl_error_oom(err);
    }
    sl_batch_set_column(b, jp->left_count + c, sl_vector_ref(jp->null_columns[c]));
    return SL_OK;
}

/* dst[i] = build column `column` of row rows[i] for i < n. Fixed-width columns are copied
 * with typed loops (sl_row_store_gather's generic per-value memcpy is the slow path);
 * VARCHAR goes through sl_row_store_gather, which also shares the string heaps. */
#define SL_BUILD_GATHER_LOOP(ctype)                                                        \
    do {                                                                                   \
        ctype *out = (ctype *)dst->data;                                                   \
        for (uint32_t i = 0; i < n; i++) {                                                 \
            const sl_vector *src = store->chunks[rows[i] / SL_BATCH_CAPACITY]->columns[column]; \
            out[i] = ((const ctype *)src->data)[rows[i] % SL_BATCH_CAPACITY];              \
        }                                                                                  \
    } while (0)

typedef struct { uint64_t lo, hi; } sl_join_slot16;

static sl_status gather_build_column(sl_row_store *store, const uint32_t *rows, uint32_t n, uint32_t column,
                                     sl_vector *dst, sl_error *err)
{
    sl_type type = store->types[column];
    if (type.id == SL_TYPE_VARCHAR)
        return sl_row_store_gather(store, rows, n, column, dst, 0, err);
    switch (sl_type_width(type)) {
    case 1: SL_BUILD_GATHER_LOOP(uint8_t); break;
    case 2: SL_BUILD_GATHER_LOOP(uint16_t); break;
    case 4: SL_BUILD_GATHER_LOOP(uint32_t); break;
    case 8: SL_BUILD_GATHER_LOOP(uint64_t); break;
    case 16: SL_BUILD_GATHER_LOOP(sl_join_slot16); break;
    default: return sl_row_store_gather(store, rows, n, column, dst, 0, err);
    }
    for (uint32_t i = 0; i < n; i++) {
        const sl_vector *src = store->chunks[rows[i] / SL_BATCH_CAPACITY]->columns[column];
        if (src->validity && !sl_vector_is_valid(src, rows[i] % SL_BATCH_CAPACITY))
            SL_TRY(sl_vector_set_null(dst, i, err));
    }
    return SL_OK;
}

/* Output of the probe: to capture() when set (see join_pairs.h), else to the next stage. */
static sl_status emit_out(sl_join_probe *jp, sl_op_context *ctx, const sl_batch *b, const uint32_t *probe_rows,
                          int phase, sl_error *err)
{
    if (jp->capture)
        return jp->capture(jp->capture_arg, b, probe_rows, phase, err);
    return sl_emit_batch(ctx, b, err);
}

/* The batch [probe columns ++ build columns] of the collected pairs (dense, fresh vectors;
 * unstored build columns share one all-NULL vector). */
static sl_status pair_batch(sl_join_probe *jp, sl_batch **out, sl_error *err)
{
    uint32_t n = jp->pair_count;
    sl_batch *b = sl_batch_new(jp->left_count + jp->right_count);
    if (!b)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    for (uint32_t c = 0; c < jp->left_count && st == SL_OK; c++) {
        const sl_vector *src = jp->input->columns[c];
        sl_vector *v = sl_vector_new(src->type, n);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(b, c, v);
        st = sl_vector_gather(v, 0, src, jp->pair_left, n, err);
    }
    for (uint32_t c = 0; c < jp->right_count && st == SL_OK; c++) {
        int32_t stored = jp->build_map ? jp->build_map[c] : (int32_t)c;
        if (stored < 0) {
            st = unstored_column(jp, c, b, err);
            continue;
        }
        sl_vector *v = sl_vector_new(jp->build->types[stored], n);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(b, jp->left_count + c, v);
        st = gather_build_column(jp->build, jp->pair_right, n, (uint32_t)stored, v, err);
    }
    if (st != SL_OK) {
        sl_batch_free(b);
        return st;
    }
    b->length = b->count = n;
    *out = b;
    return SL_OK;
}

sl_status sl_join_probe_flush(sl_join_probe *jp, sl_op_context *ctx, sl_error *err)
{
    uint32_t n = jp->pair_count;
    if (n == 0)
        return SL_OK;
    jp->pair_count = 0;
    bool pairs_out = emits_pairs(jp->type);

    if (jp->type == SL_JOIN_MARK) {
        if (!jp->condition) {
            for (uint32_t k = 0; k < n; k++) {
                uint8_t v = jp->pair_key_unknown[k] ? SL_MARK_NULL : SL_MARK_TRUE;
                if (v > jp->mark[jp->pair_left[k]])
                    jp->mark[jp->pair_left[k]] = v;
            }
            return SL_OK;
        }
        jp->pair_count = n;
        sl_batch *b = NULL;
        SL_TRY(pair_batch(jp, &b, err));
        jp->pair_count = 0;
        sl_vector *cond = NULL;
        sl_status st = sl_expr_evaluate(jp->condition, b, &cond, err);
        if (st == SL_OK) {
            const uint8_t *val = SL_VECTOR_DATA(cond, uint8_t);
            for (uint32_t k = 0; k < n; k++) {
                uint8_t v;
                if (!sl_vector_is_valid(cond, k))
                    v = SL_MARK_NULL;
                else if (val[k])
                    v = jp->pair_key_unknown[k] ? SL_MARK_NULL : SL_MARK_TRUE;
                else
                    v = SL_MARK_FALSE;
                if (v > jp->mark[jp->pair_left[k]])
                    jp->mark[jp->pair_left[k]] = v;
            }
            sl_vector_unref(cond);
        }
        sl_batch_free(b);
        return st;
    }

    sl_batch *b = NULL;
    uint32_t passing = n;
    const uint32_t *pass_sel = NULL;       /* NULL: every pair passes */
    if (jp->condition || pairs_out) {
        jp->pair_count = n;
        sl_status st = pair_batch(jp, &b, err);
        jp->pair_count = 0;
        SL_TRY(st);
    }
    if (jp->condition) {
        sl_status st = sl_expr_select(jp->condition, b, jp->scratch, &passing, err);
        if (st != SL_OK) {
            sl_batch_free(b);
            return st;
        }
        pass_sel = jp->scratch;
    }
    for (uint32_t j = 0; j < passing; j++) {
        uint32_t k = pass_sel ? pass_sel[j] : j;
        uint32_t left = jp->pair_left[k];
        jp->matches[left]++;
        if (jp->build_matched)
            jp->build_matched[jp->pair_right[k]] = 1;
        if (jp->type == SL_JOIN_SINGLE && jp->matches[left] > 1) {
            sl_batch_free(b);
            return sl_error_set(err, SL_ERR_RUNTIME, "more than one row returned by a subquery used as an expression");
        }
    }
    sl_status st = SL_OK;
    if (pairs_out && passing > 0) {
        if (pass_sel && passing < n)
            st = sl_batch_set_selection(b, pass_sel, passing, err);
        uint32_t *probe_rows = NULL;
        if (st == SL_OK && jp->capture) {
            probe_rows = sl_malloc(sizeof *probe_rows * passing);
            if (!probe_rows)
                st = sl_error_oom(err);
            for (uint32_t j = 0; st == SL_OK && j < passing; j++)
                probe_rows[j] = jp->pair_left[pass_sel ? pass_sel[j] : j];
        }
        if (st == SL_OK)
            st = emit_out(jp, ctx, b, probe_rows, 0, err);
        sl_free(probe_rows);
    }
    sl_batch_free(b);
    return st;
}

/* Emits the active probe rows listed in rows[0..count) (physical positions, count <=
 * SL_BATCH_CAPACITY) with NULL build columns. */
static sl_status emit_left_unmatched(sl_join_probe *jp, sl_op_context *ctx, const uint32_t *rows, uint32_t count,
                                     sl_error *err)
{
    sl_batch *b = sl_batch_new(jp->left_count + jp->right_count);
    if (!b)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    for (uint32_t c = 0; c < jp->left_count && st == SL_OK; c++) {
        const sl_vector *src = jp->input->columns[c];
        sl_vector *v = sl_vector_new(src->type, count);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(b, c, v);
        st = sl_vector_gather(v, 0, src, rows, count, err);
    }
    for (uint32_t c = 0; c < jp->right_count && st == SL_OK; c++) {
        sl_vector *v = sl_join_null_vector(jp->plan->children[1]->types[c], count);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(b, jp->left_count + c, v);
    }
    if (st == SL_OK) {
        b->length = b->count = count;
        st = emit_out(jp, ctx, b, rows, 1, err);
    }
    sl_batch_free(b);
    return st;
}

/* MARK output: the probe batch's columns (shared) ++ the mark column. */
static sl_status emit_mark(sl_join_probe *jp, sl_op_context *ctx, sl_error *err)
{
    const sl_batch *in = jp->input;
    sl_batch *b = sl_batch_new(jp->left_count + 1);
    if (!b)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < jp->left_count; c++)
        sl_batch_set_column(b, c, sl_vector_ref(in->columns[c]));
    sl_status st = SL_OK;
    sl_vector *mark = sl_vector_new(sl_type_make(SL_TYPE_BOOLEAN), in->length ? in->length : 1);
    if (!mark)
        st = sl_error_oom(err);
    else {
        sl_batch_set_column(b, jp->left_count, mark);
        uint8_t *out = SL_VECTOR_DATA(mark, uint8_t);
        memset(out, 0, in->length);
        for (uint32_t i = 0; i < in->count && st == SL_OK; i++) {
            uint32_t row = sl_batch_row(in, i);
            if (jp->mark[row] == SL_MARK_NULL)
                st = sl_vector_set_null(mark, row, err);
            else
                out[row] = jp->mark[row] == SL_MARK_TRUE;
        }
    }
    b->length = in->length;
    b->count = in->count;
    if (st == SL_OK && in->sel)
        st = sl_batch_set_selection(b, in->sel, in->count, err);
    if (st == SL_OK && in->change) {
        b->change = in->change;
        b->change_buffer = in->change_buffer ? sl_buffer_ref(in->change_buffer) : NULL;
    }
    uint32_t *probe_rows = NULL;
    if (st == SL_OK && jp->capture) {
        probe_rows = sl_malloc(sizeof *probe_rows * (in->count ? in->count : 1));
        if (!probe_rows)
            st = sl_error_oom(err);
        for (uint32_t i = 0; st == SL_OK && i < in->count; i++)
            probe_rows[i] = sl_batch_row(in, i);
    }
    if (st == SL_OK)
        st = emit_out(jp, ctx, b, probe_rows, 1, err);
    sl_free(probe_rows);
    sl_batch_free(b);
    return st;
}

sl_status sl_join_probe_finish(sl_join_probe *jp, sl_op_context *ctx, sl_error *err)
{
    SL_TRY(sl_join_probe_flush(jp, ctx, err));
    const sl_batch *in = jp->input;
    switch (jp->type) {
    case SL_JOIN_LEFT:
    case SL_JOIN_FULL:
    case SL_JOIN_SINGLE: {
        uint32_t n = 0;
        for (uint32_t i = 0; i < in->count; i++) {
            uint32_t row = sl_batch_row(in, i);
            if (jp->matches[row] == 0) {
                jp->scratch[n++] = row;
                if (n == SL_BATCH_CAPACITY) {
                    SL_TRY(emit_left_unmatched(jp, ctx, jp->scratch, n, err));
                    n = 0;
                }
            }
        }
        if (n)
            SL_TRY(emit_left_unmatched(jp, ctx, jp->scratch, n, err));
        return SL_OK;
    }
    case SL_JOIN_SEMI:
    case SL_JOIN_ANTI: {
        bool want = jp->type == SL_JOIN_SEMI;
        uint32_t *sel = in->count <= SL_BATCH_CAPACITY ? jp->scratch : sl_malloc(sizeof *sel * in->count);
        if (!sel)
            return sl_error_oom(err);
        uint32_t n = 0;
        for (uint32_t i = 0; i < in->count; i++) {
            uint32_t row = sl_batch_row(in, i);
            if ((jp->matches[row] > 0) == want)
                sel[n++] = row;
        }
        sl_status st = SL_OK;
        if (n == in->count) {
            st = emit_out(jp, ctx, in, sel, 1, err);
        } else if (n > 0) {
            sl_batch *b = sl_batch_share(in);
            if (!b)
                st = sl_error_oom(err);
            else {
                st = sl_batch_set_selection(b, sel, n, err);
                if (st == SL_OK)
                    st = emit_out(jp, ctx, b, sel, 1, err);
                sl_batch_free(b);
            }
        }
        if (sel != jp->scratch)
            sl_free(sel);
        return st;
    }
    case SL_JOIN_MARK:
        return emit_mark(jp, ctx, err);
    default:
        return SL_OK;
    }
}

/* Builds the batches of unmatched build rows and hands each to emit (the next stage or
 * a capture). */
static sl_status unmatched_build(sl_op_context *ctx, const sl_physical_op *plan, sl_row_store *build,
                                 const uint8_t *matched,
                                 sl_status (*capture)(void *, const sl_batch *, const uint32_t *, int, sl_error *),
                                 void *arg, sl_error *err)
{
    uint32_t left_count = plan->children[0]->column_count;
    uint32_t right_count = plan->children[1]->column_count;
    uint32_t rows[SL_BATCH_CAPACITY];
    uint32_t total = build->row_count;
    uint32_t next = 0;
    while (next < total) {
        uint32_t n = 0;
        for (; next < total && n < SL_BATCH_CAPACITY; next++)
            if (!matched || !matched[next])
                rows[n++] = next;
        if (n == 0)
            break;
        sl_batch *b = sl_batch_new(left_count + right_count);
        if (!b)
            return sl_error_oom(err);
        sl_status st = SL_OK;
        for (uint32_t c = 0; c < left_count && st == SL_OK; c++) {
            sl_vector *v = sl_join_null_vector(plan->children[0]->types[c], n);
            if (!v)
                st = sl_error_oom(err);
            else
                sl_batch_set_column(b, c, v);
        }
        for (uint32_t c = 0; c < right_count && st == SL_OK; c++) {
            sl_vector *v = sl_vector_new(build->types[c], n);
            if (!v) {
                st = sl_error_oom(err);
                break;
            }
            sl_batch_set_column(b, left_count + c, v);
            st = sl_row_store_gather(build, rows, n, c, v, 0, err);
        }
        if (st == SL_OK) {
            b->length = b->count = n;
            st = capture ? capture(arg, b, rows, 2, err) : sl_emit_batch(ctx, b, err);
        }
        sl_batch_free(b);
        SL_TRY(st);
    }
    return SL_OK;
}

sl_status sl_join_emit_unmatched_build(sl_op_context *ctx, const sl_physical_op *plan, sl_row_store *build,
                                       const uint8_t *matched, sl_error *err)
{
    return unmatched_build(ctx, plan, build, matched, NULL, NULL, err);
}

sl_status sl_join_capture_unmatched_build(const sl_physical_op *plan, sl_row_store *build, const uint8_t *matched,
                                          sl_status (*capture)(void *, const sl_batch *, const uint32_t *, int,
                                                               sl_error *),
                                          void *arg, sl_error *err)
{
    return unmatched_build(NULL, plan, build, matched, capture, arg, err);
}

sl_status sl_join_forward(sl_op_context *ctx, const sl_physical_op *plan, void *global, sl_row_store *build,
                          const uint8_t *matched, const sl_msg *msg, sl_error *err)
{
    if (msg->kind == SL_MSG_END && sl_join_needs_build_flags(plan->join_type) && sl_op_end_is_last(ctx, global))
        SL_TRY(sl_join_emit_unmatched_build(ctx, plan, build, matched, err));
    return sl_emit(ctx, msg, err);
}
