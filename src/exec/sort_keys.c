/*
 * sort_keys.c — key evaluation, key normalization, row comparison and stable sorting
 * (see sort_keys.h).
 */
#include "exec/sort_keys.h"

#include <math.h>

/* ------------------------------------------------------------------ key expressions */

sl_status sl_key_input_init(sl_key_input *ki, uint32_t input_columns, sl_expr *const *exprs, uint32_t count,
                            const sl_eval_context *eval, uint32_t *out_columns, sl_type *extra_types,
                            sl_error *err)
{
    memset(ki, 0, sizeof *ki);
    ki->input_columns = input_columns;
    ki->states = sl_calloc(count ? count : 1, sizeof *ki->states);
    if (!ki->states)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        const sl_expr *e = exprs[i];
        if (e->kind == SL_EXPR_COLUMN && e->index < input_columns) {
            out_columns[i] = e->index;
            continue;
        }
        if (eval) {
            ki->states[ki->extra_count] = sl_expr_state_new(e, eval);
            if (!ki->states[ki->extra_count])
                return sl_error_oom(err);
        }
        if (extra_types)
            extra_types[ki->extra_count] = e->type;
        out_columns[i] = input_columns + ki->extra_count++;
    }
    return SL_OK;
}

void sl_key_input_free(sl_key_input *ki)
{
    if (ki->states)
        for (uint32_t i = 0; i < ki->extra_count; i++)
            sl_expr_state_free(ki->states[i]);
    sl_free(ki->states);
    memset(ki, 0, sizeof *ki);
}

sl_status sl_key_input_extend(sl_key_input *ki, const sl_batch *in, sl_batch **out, sl_error *err)
{
    *out = NULL;
    if (ki->extra_count == 0)
        return SL_OK;
    sl_batch *b = sl_batch_new(ki->input_columns + ki->extra_count);
    if (!b)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < ki->input_columns; c++)
        sl_batch_set_column(b, c, sl_vector_ref(in->columns[c]));
    b->length = in->length;
    b->count = in->count;
    sl_status st = SL_OK;
    if (in->sel)
        st = sl_batch_set_selection(b, in->sel, in->count, err);
    for (uint32_t i = 0; i < ki->extra_count && st == SL_OK; i++) {
        sl_vector *v = NULL;
        st = sl_expr_evaluate(ki->states[i], in, &v, err);
        if (st == SL_OK)
            sl_batch_set_column(b, ki->input_columns + i, v);
    }
    if (st != SL_OK) {
        sl_batch_free(b);
        return st;
    }
    *out = b;
    return SL_OK;
}

/* ------------------------------------------------------------------ normalization */

static sl_key_class key_class(sl_type t)
{
    switch ((sl_type_id)t.id) {
    case SL_TYPE_BOOLEAN:
    case SL_TYPE_TINYINT:
    case SL_TYPE_SMALLINT:
    case SL_TYPE_INTEGER:
    case SL_TYPE_BIGINT:
    case SL_TYPE_DATE:
    case SL_TYPE_TIMESTAMP:
        return SL_KEY_I64;
    case SL_TYPE_DECIMAL:
        return sl_decimal_is_small(t) ? SL_KEY_I64 : SL_KEY_I128;
    case SL_TYPE_INTERVAL:
        return SL_KEY_I128;
    case SL_TYPE_REAL:
    case SL_TYPE_DOUBLE:
        return SL_KEY_F64;
    case SL_TYPE_VARCHAR:
        return SL_KEY_STRING;
    default:
        return SL_KEY_NULL;
    }
}

static size_t class_width(sl_key_class cls)
{
    switch (cls) {
    case SL_KEY_I64: return sizeof(int64_t);
    case SL_KEY_I128: return sizeof(sl_int128);
    case SL_KEY_F64: return sizeof(double);
    case SL_KEY_STRING: return sizeof(sl_string);
    default: return 1;
    }
}

sl_status sl_sort_keys_init(sl_sort_keys *keys, const sl_row_store *store, const uint32_t *columns,
                            const bool *descending, const bool *nulls_first, uint32_t count, sl_error *err)
{
    memset(keys, 0, sizeof *keys);
    keys->keys = sl_calloc(count ? count : 1, sizeof *keys->keys);
    if (!keys->keys)
        return sl_error_oom(err);
    keys->key_count = count;
    for (uint32_t i = 0; i < count; i++) {
        sl_sort_key_column *k = &keys->keys[i];
        k->column = columns[i];
        k->type = store->types[columns[i]];
        k->cls = key_class(k->type);
        k->descending = descending ? descending[i] : false;
        k->nulls_first = nulls_first ? nulls_first[i] : false;
    }
    return SL_OK;
}

void sl_sort_keys_free(sl_sort_keys *keys)
{
    for (uint32_t i = 0; i < keys->key_count; i++) {
        sl_free(keys->keys[i].is_null);
        sl_free(keys->keys[i].values);
    }
    sl_free(keys->keys);
    memset(keys, 0, sizeof *keys);
}

static void normalize_slot(sl_sort_key_column *k, const sl_vector *v, uint32_t slot, uint32_t row)
{
    const void *d = v->data;
    switch (k->cls) {
    case SL_KEY_I64: {
        int64_t x = 0;
        switch ((sl_type_id)k->type.id) {
        case SL_TYPE_BOOLEAN: x = ((const uint8_t *)d)[slot] != 0; break;
        case SL_TYPE_TINYINT: x = ((const int8_t *)d)[slot]; break;
        case SL_TYPE_SMALLINT: x = ((const int16_t *)d)[slot]; break;
        case SL_TYPE_INTEGER:
        case SL_TYPE_DATE: x = ((const int32_t *)d)[slot]; break;
        default: x = ((const int64_t *)d)[slot]; break;
        }
        ((int64_t *)k->values)[row] = x;
        break;
    }
    case SL_KEY_I128:
        if (k->type.id == SL_TYPE_INTERVAL) {
            sl_interval iv = ((const sl_interval *)d)[slot];
            ((sl_int128 *)k->values)[row] =
                ((sl_int128)iv.months * 30 + iv.days) * (sl_int128)86400000000LL + iv.micros;
        } else {
            ((sl_int128 *)k->values)[row] = ((const sl_int128 *)d)[slot];
        }
        break;
    case SL_KEY_F64:
        ((double *)k->values)[row] =
            k->type.id == SL_TYPE_REAL ? (double)((const float *)d)[slot] : ((const double *)d)[slot];
        break;
    case SL_KEY_STRING:
        ((sl_string *)k->values)[row] = ((const sl_string *)d)[slot];
        break;
    default:
        break;
    }
}

sl_status sl_sort_keys_update(sl_sort_keys *keys, const sl_row_store *store, sl_error *err)
{
    uint32_t from = keys->row_count, to = store->row_count;
    if (to <= from)
        return SL_OK;
    if (to > keys->capacity) {
        size_t cap = keys->capacity ? keys->capacity : 1024;
        while (cap < to)
            cap *= 2;
        for (uint32_t i = 0; i < keys->key_count; i++) {
            sl_sort_key_column *k = &keys->keys[i];
            uint8_t *nulls = sl_realloc(k->is_null, cap);
            if (!nulls)
                return sl_error_oom(err);
            k->is_null = nulls;
            void *values = sl_realloc(k->values, cap * class_width(k->cls));
            if (!values)
                return sl_error_oom(err);
            k->values = values;
        }
        keys->capacity = cap;
    }
    for (uint32_t i = 0; i < keys->key_count; i++) {
        sl_sort_key_column *k = &keys->keys[i];
        for (uint32_t r = from; r < to; r++) {
            uint32_t slot;
            const sl_vector *v = sl_row_store_column(store, r, k->column, &slot);
            bool valid = k->cls != SL_KEY_NULL && sl_vector_is_valid(v, slot);
            k->is_null[r] = !valid;
            if (valid)
                normalize_slot(k, v, slot, r);
        }
    }
    keys->row_count = to;
    return SL_OK;
}

/* ------------------------------------------------------------------ comparison */

static inline int compare_double(double a, double b)
{
    bool na = isnan(a), nb = isnan(b);
    if (na || nb)
        return na == nb ? 0 : na ? 1 : -1;   /* NaN above everything (PostgreSQL) */
    return a < b ? -1 : a > b;
}

/* Compares row a of keys `ka` with row b of keys `kb` (the same key layout) on keys
 * [first, first + count). */
static inline int compare_between(const sl_sort_keys *ka, const sl_sort_keys *kb, uint32_t first, uint32_t count,
                                  uint32_t a, uint32_t b)
{
    for (uint32_t i = first; i < first + count; i++) {
        const sl_sort_key_column *k = &ka->keys[i], *kob = &kb->keys[i];
        bool an = k->is_null[a], bn = kob->is_null[b];
        if (an || bn) {
            if (an && bn)
                continue;
            /* NULL placement does not flip with DESC */
            return an ? (k->nulls_first ? -1 : 1) : (k->nulls_first ? 1 : -1);
        }
        int c = 0;
        switch (k->cls) {
        case SL_KEY_I64: {
            int64_t x = ((const int64_t *)k->values)[a], y = ((const int64_t *)kob->values)[b];
            c = x < y ? -1 : x > y;
            break;
        }
        case SL_KEY_I128: {
            sl_int128 x = ((const sl_int128 *)k->values)[a], y = ((const sl_int128 *)kob->values)[b];
            c = x < y ? -1 : x > y;
            break;
        }
        case SL_KEY_F64:
            c = compare_double(((const double *)k->values)[a], ((const double *)kob->values)[b]);
            break;
        case SL_KEY_STRING: {
            const sl_string *x = &((const sl_string *)k->values)[a], *y = &((const sl_string *)kob->values)[b];
            uint32_t lx = x->length, ly = y->length, m = lx < ly ? lx : ly;
            int q = m ? memcmp(sl_string_data(x), sl_string_data(y), m) : 0;
            c = q != 0 ? (q < 0 ? -1 : 1) : (lx < ly ? -1 : lx > ly);
            break;
        }
        default:
            break;
        }
        if (c != 0)
            return k->descending ? -c : c;
    }
    return 0;
}

int sl_sort_keys_compare_range(const sl_sort_keys *keys, uint32_t first, uint32_t count, uint32_t a, uint32_t b)
{
    return compare_between(keys, keys, first, count, a, b);
}

int sl_sort_keys_compare_between(const sl_sort_keys *ka, uint32_t a, const sl_sort_keys *kb, uint32_t b)
{
    return compare_between(ka, kb, 0, ka->key_count, a, b);
}

double sl_sort_keys_numeric(const sl_sort_keys *keys, uint32_t k, uint32_t row)
{
    const sl_sort_key_column *key = &keys->keys[k];
    switch (key->cls) {
    case SL_KEY_I64: return (double)((const int64_t *)key->values)[row];
    case SL_KEY_I128: return (double)((const sl_int128 *)key->values)[row];
    case SL_KEY_F64: return ((const double *)key->values)[row];
    default: return 0;
    }
}

/* ------------------------------------------------------------------ stable merge sort */

static void merge_sort(const sl_sort_keys *keys, uint32_t *rows, uint32_t *tmp, uint32_t count)
{
    /* insertion sort on small runs, then bottom-up merges */
    const uint32_t run = 16;
    for (uint32_t lo = 0; lo < count; lo += run) {
        uint32_t hi = lo + run < count ? lo + run : count;
        for (uint32_t i = lo + 1; i < hi; i++) {
            uint32_t x = rows[i], j = i;
            while (j > lo && sl_sort_keys_compare(keys, rows[j - 1], x) > 0) {
                rows[j] = rows[j - 1];
                j--;
            }
            rows[j] = x;
        }
    }
    uint32_t *src = rows, *dst = tmp;
    for (uint64_t width = run; width < count; width *= 2) {
        for (uint64_t lo = 0; lo < count; lo += 2 * width) {
            uint64_t mid = lo + width < count ? lo + width : count;
            uint64_t hi = lo + 2 * width < count ? lo + 2 * width : count;
            uint64_t i = lo, j = mid, o = lo;
            if (mid == hi || sl_sort_keys_compare(keys, src[mid - 1], src[mid]) <= 0) {
                memcpy(dst + lo, src + lo, (hi - lo) * sizeof *src);   /* already in order */
                continue;
            }
            while (i < mid && j < hi)
                dst[o++] = sl_sort_keys_compare(keys, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        uint32_t *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != rows)
        memcpy(rows, src, count * sizeof *rows);
}

sl_status sl_sort_keys_sort(const sl_sort_keys *keys, uint32_t *rows, uint32_t count, sl_error *err)
{
    if (count < 2 || keys->key_count == 0)
        return SL_OK;
    uint32_t *tmp = sl_malloc(sizeof *tmp * count);
    if (!tmp)
        return sl_error_oom(err);
    merge_sort(keys, rows, tmp, count);
    sl_free(tmp);
    return SL_OK;
}

/* ------------------------------------------------------------------ ORDER BY operators */

/* A new array (sl_free) of the ORDER BY expressions of plan; NULL when out of memory. */
static sl_expr **order_exprs(const sl_physical_op *plan)
{
    sl_expr **exprs = sl_calloc(plan->order_count + 1, sizeof *exprs);
    if (exprs)
        for (uint32_t i = 0; i < plan->order_count; i++)
            exprs[i] = plan->orders[i].expr;
    return exprs;
}

sl_status sl_order_layout_init(const sl_physical_op *plan, sl_exec_context *exec, const char *owner,
                               sl_order_layout *layout, sl_row_store *store, sl_sort_keys *keys, sl_error *err)
{
    uint32_t n = plan->order_count, cols = plan->column_count;
    layout->count = n;
    sl_expr **exprs = order_exprs(plan);
    sl_type *types = sl_calloc(cols + n + 1, sizeof *types);
    layout->columns = sl_calloc(n + 1, sizeof *layout->columns);
    layout->descending = sl_calloc(n + 1, sizeof *layout->descending);
    layout->nulls_first = sl_calloc(n + 1, sizeof *layout->nulls_first);
    sl_status st = exprs && types && layout->columns && layout->descending && layout->nulls_first
                       ? SL_OK : sl_error_oom(err);
    sl_key_input input;
    memset(&input, 0, sizeof input);
    if (st == SL_OK) {
        for (uint32_t i = 0; i < n; i++) {
            layout->descending[i] = plan->orders[i].descending;
            layout->nulls_first[i] = plan->orders[i].nulls_first;
        }
        memcpy(types, plan->types, sizeof *types * cols);
        st = sl_key_input_init(&input, cols, exprs, n, NULL, layout->columns, types + cols, err);
    }
    if (st == SL_OK)
        st = sl_row_store_init(store, types, cols + input.extra_count, exec ? exec->memory : NULL, owner, err);
    if (st == SL_OK)
        st = sl_sort_keys_init(keys, store, layout->columns, layout->descending, layout->nulls_first, n, err);
    sl_key_input_free(&input);
    sl_free(exprs);
    sl_free(types);
    return st;
}

void sl_order_layout_free(sl_order_layout *layout)
{
    sl_free(layout->columns);
    sl_free(layout->descending);
    sl_free(layout->nulls_first);
    memset(layout, 0, sizeof *layout);
}

void sl_order_local_free(const sl_physical_op *plan, void *local)
{
    sl_order_local *l = local;
    sl_key_input_free(&l->keys);
    sl_free(l->key_columns);
    sl_free(l);
}

sl_status sl_order_local_init(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                              sl_error *err)
{
    sl_order_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    sl_expr **exprs = order_exprs(plan);
    l->key_columns = sl_calloc(plan->order_count + 1, sizeof *l->key_columns);
    sl_status st = exprs && l->key_columns ? SL_OK : sl_error_oom(err);
    if (st == SL_OK)
        st = sl_key_input_init(&l->keys, plan->column_count, exprs, plan->order_count, &exec->eval, l->key_columns,
                               NULL, err);
    sl_free(exprs);
    if (st != SL_OK) {
        sl_order_local_free(plan, l);
        return st;
    }
    *local = l;
    return SL_OK;
}

sl_status sl_order_emit(sl_op_context *ctx, sl_row_store *store, const uint32_t *rows, uint32_t count,
                        uint32_t column_count, sl_error *err)
{
    for (uint32_t at = 0; at < count; at += SL_BATCH_CAPACITY) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        uint32_t n = count - at < SL_BATCH_CAPACITY ? count - at : SL_BATCH_CAPACITY;
        sl_batch *b = NULL;
        SL_TRY(sl_row_store_gather_batch(store, rows + at, n, column_count, &b, err));
        sl_status st = sl_emit_batch(ctx, b, err);
        sl_batch_free(b);
        SL_TRY(st);
    }
    return SL_OK;
}
