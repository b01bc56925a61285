/*
 * aggregate_states.c — grouped aggregation states shared by HASH_AGGREGATE and
 * WINDOW_AGGREGATE (see aggregate_states.h).
 */
#include "exec/aggregate_states.h"

#include "expr/function.h"

/* ------------------------------------------------------------------ layout and payloads */

sl_status sl_agg_layout_init(const sl_physical_op *plan, const char *owner, sl_agg_layout *layout, sl_error *err)
{
    memset(layout, 0, sizeof *layout);
    for (uint32_t j = 0; j < plan->aggregate_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg || agg->kind != SL_EXPR_AGGREGATE || !agg->aggregate)
            return sl_error_set(err, SL_ERR_INTERNAL, "%s: aggregate %u is not a bound aggregate call", owner, j);
    }
    layout->group_count = plan->expr_count;
    layout->agg_count = plan->aggregate_count;
    layout->offsets = sl_calloc(layout->agg_count + 1, sizeof *layout->offsets);
    if (!layout->offsets)
        return sl_error_oom(err);
    size_t size = 0;
    for (uint32_t j = 0; j < layout->agg_count; j++) {
        layout->offsets[j] = size;
        size += (plan->aggregates[j]->aggregate->state_size + 15) & ~(size_t)15;
    }
    layout->payload_size = size;
    return SL_OK;
}

void sl_agg_layout_free(sl_agg_layout *layout)
{
    sl_free(layout->offsets);
    memset(layout, 0, sizeof *layout);
}

sl_status sl_agg_table_init(const sl_physical_op *plan, const sl_agg_layout *layout, uint32_t radix_bits,
                            sl_memory *memory, const char *owner, sl_hash_table *table, sl_error *err)
{
    sl_type *types = sl_malloc(sizeof *types * (layout->group_count + 1));
    if (!types)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < layout->group_count; i++)
        types[i] = plan->exprs[i]->type;
    sl_status st = sl_hash_table_init(table, types, layout->group_count, layout->payload_size, radix_bits, memory,
                                      owner, err);
    sl_free(types);
    return st;
}

void sl_agg_payload_init(const sl_physical_op *plan, const sl_agg_layout *layout, uint8_t *payload)
{
    for (uint32_t j = 0; j < layout->agg_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        agg->aggregate->init(agg, payload + layout->offsets[j]);
    }
}

void sl_agg_payload_destroy(const sl_physical_op *plan, const sl_agg_layout *layout, uint8_t *payload)
{
    for (uint32_t j = 0; j < layout->agg_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (agg->aggregate->destroy)
            agg->aggregate->destroy(agg, payload + layout->offsets[j]);
    }
}

void sl_agg_table_destroy_states(const sl_physical_op *plan, const sl_agg_layout *layout, sl_hash_table *table)
{
    for (uint32_t j = 0; j < layout->agg_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg->aggregate->destroy)
            continue;
        for (uint32_t p = 0; p < table->partition_count; p++)
            for (uint32_t e = 0; e < table->partitions[p].entry_count; e++)
                agg->aggregate->destroy(agg, sl_hash_table_payload(table, p, e) + layout->offsets[j]);
    }
}

/* ------------------------------------------------------------------ DISTINCT sets */

sl_status sl_agg_distinct_init(const sl_physical_op *plan, const sl_agg_layout *layout, sl_memory *memory,
                               const char *owner, sl_agg_distinct *distinct, sl_error *err)
{
    distinct->sets = sl_calloc(layout->agg_count + 1, sizeof *distinct->sets);
    distinct->ready = sl_calloc(layout->agg_count + 1, sizeof *distinct->ready);
    if (!distinct->sets || !distinct->ready)
        return sl_error_oom(err);
    for (uint32_t j = 0; j < layout->agg_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg->distinct)
            continue;
        sl_type *types = sl_malloc(sizeof *types * (agg->arg_count + 1));
        if (!types)
            return sl_error_oom(err);
        types[0] = sl_type_make(SL_TYPE_BIGINT);
        for (uint32_t a = 0; a < agg->arg_count; a++)
            types[a + 1] = agg->args[a]->type;
        sl_status st = sl_hash_table_init(&distinct->sets[j], types, agg->arg_count + 1, 0, 0, memory, owner, err);
        sl_free(types);
        SL_TRY(st);
        distinct->ready[j] = true;
    }
    return SL_OK;
}

void sl_agg_distinct_free(const sl_agg_layout *layout, sl_agg_distinct *distinct)
{
    if (distinct->sets && distinct->ready)
        for (uint32_t j = 0; j < layout->agg_count; j++)
            if (distinct->ready[j])
                sl_hash_table_free(&distinct->sets[j]);
    sl_free(distinct->sets);
    sl_free(distinct->ready);
    distinct->sets = NULL;
    distinct->ready = NULL;
}

int64_t sl_agg_distinct_reserved(const sl_agg_layout *layout, const sl_agg_distinct *distinct)
{
    int64_t bytes = 0;
    if (distinct->sets && distinct->ready)
        for (uint32_t j = 0; j < layout->agg_count; j++)
            if (distinct->ready[j]) {
                const sl_hash_table *t = &distinct->sets[j];
                bytes += t->reserved;
                for (uint32_t p = 0; p < t->partition_count; p++)
                    bytes += t->partitions[p].keys.reserved;
            }
    return bytes;
}

/* ------------------------------------------------------------------ folder */

void sl_agg_folder_free(sl_agg_folder *f)
{
    if (f->groups)
        for (uint32_t i = 0; i < f->group_count; i++)
            if (f->groups[i])
                sl_expr_state_free(f->groups[i]);
    if (f->aggs) {
        for (uint32_t j = 0; j < f->agg_count; j++) {
            sl_agg_eval *a = &f->aggs[j];
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
    sl_free(f->groups);
    sl_free(f->group_vectors);
    sl_free(f->aggs);
    sl_free(f->hashes);
    sl_free(f->ids);
    sl_free(f->payloads);
    sl_free(f->row_payload);
    sl_free(f->fresh);
    sl_free(f->rows);
    sl_free(f->sel);
    sl_free(f->sel2);
    sl_free(f->states);
    sl_free(f->kept);
    if (f->group_id)
        sl_vector_unref(f->group_id);
    sl_free(f->scratch);
    memset(f, 0, sizeof *f);
}

sl_status sl_agg_folder_init(const sl_physical_op *plan, sl_exec_context *exec, sl_agg_folder *f, sl_error *err)
{
    memset(f, 0, sizeof *f);
    f->group_count = plan->expr_count;
    f->agg_count = plan->aggregate_count;
    f->groups = sl_calloc(plan->expr_count + 1, sizeof *f->groups);
    f->group_vectors = sl_calloc(plan->expr_count + 1, sizeof *f->group_vectors);
    f->aggs = sl_calloc(plan->aggregate_count + 1, sizeof *f->aggs);
    f->scratch = sl_malloc(sizeof *f->scratch);
    if (!f->groups || !f->group_vectors || !f->aggs || !f->scratch)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < plan->expr_count; i++)
        if (!(f->groups[i] = sl_expr_state_new(plan->exprs[i], &exec->eval)))
            return sl_error_oom(err);
    for (uint32_t j = 0; j < plan->aggregate_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        sl_agg_eval *a = &f->aggs[j];
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

static sl_status reserve_rows(sl_agg_folder *f, uint32_t rows, sl_error *err)
{
    if (rows <= f->capacity)
        return SL_OK;
    size_t cap = rows;
    sl_free(f->hashes);
    sl_free(f->ids);
    sl_free(f->payloads);
    sl_free(f->row_payload);
    sl_free(f->fresh);
    sl_free(f->rows);
    sl_free(f->sel);
    sl_free(f->sel2);
    sl_free(f->states);
    sl_free(f->kept);
    f->kept = sl_malloc(cap * sizeof *f->kept);
    f->hashes = sl_malloc(cap * sizeof *f->hashes);
    f->ids = sl_malloc(cap * sizeof *f->ids);
    f->payloads = sl_malloc(cap * sizeof *f->payloads);
    f->row_payload = sl_malloc(cap * sizeof *f->row_payload);
    f->fresh = sl_malloc(cap * sizeof *f->fresh);
    f->rows = sl_malloc(cap * sizeof *f->rows);
    f->sel = sl_malloc(cap * sizeof *f->sel);
    f->sel2 = sl_malloc(cap * sizeof *f->sel2);
    f->states = sl_malloc(cap * sizeof *f->states);
    f->capacity = 0;
    if (f->group_id)
        sl_vector_unref(f->group_id);
    f->group_id = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), (uint32_t)cap);
    if (!f->hashes || !f->ids || !f->payloads || !f->row_payload || !f->fresh || !f->rows || !f->sel || !f->sel2 ||
        !f->states || !f->kept || !f->group_id)
        return sl_error_oom(err);
    f->capacity = cap;
    return SL_OK;
}

/* Folds the active rows of `in` into aggregate j's states (FILTER, DISTINCT, update). */
static sl_status update_aggregate(const sl_physical_op *plan, const sl_agg_layout *layout, sl_agg_folder *f,
                                  uint32_t j, const sl_batch *in, sl_agg_distinct *distinct, sl_error *err)
{
    const sl_expr *agg = plan->aggregates[j];
    sl_agg_eval *a = &f->aggs[j];
    uint32_t *sel = f->sel;
    uint32_t count = in->count;
    if (a->filter) {
        SL_TRY(sl_expr_select(a->filter, in, sel, &count, err));
    } else {
        memcpy(sel, f->rows, sizeof *sel * count);
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
            st = sl_error_set(err, SL_ERR_INTERNAL, "aggregate: too many DISTINCT arguments");
        } else if (!distinct || !distinct->ready || !distinct->ready[j]) {
            st = sl_error_set(err, SL_ERR_INTERNAL, "aggregate: DISTINCT set missing");
        } else {
            keys[0] = f->group_id;
            for (uint32_t k = 0; k < agg->arg_count; k++)
                keys[k + 1] = a->vectors[k];
            sl_hash_table_hash(keys, key_count, sel, count, f->hashes);
            uint32_t fresh_count = 0;
            st = sl_hash_table_find_or_insert(&distinct->sets[j], f->scratch, keys, sel, count, f->hashes, NULL,
                                              NULL, f->fresh, &fresh_count, err);
            if (st == SL_OK) {
                for (uint32_t k = 0; k < fresh_count; k++)
                    f->sel2[k] = sel[f->fresh[k]];
                sel = f->sel2;
                count = fresh_count;
            }
        }
    }
    if (st == SL_OK && count > 0) {
        size_t offset = layout->offsets[j];
        for (uint32_t i = 0; i < count; i++)
            f->states[i] = f->row_payload[sel[i]] + offset;
        st = agg->aggregate->update(agg, f->states, a->vectors, sel, count, err);
    }
    for (uint32_t k = 0; k < a->arg_count; k++) {
        if (a->vectors[k])
            sl_vector_unref(a->vectors[k]);
        a->vectors[k] = NULL;
    }
    return st;
}

sl_status sl_agg_fold(const sl_physical_op *plan, const sl_agg_layout *layout, sl_agg_folder *f,
                      const sl_batch *in, sl_hash_table *table, uint8_t *single, sl_agg_distinct *distinct,
                      sl_error *err)
{
    uint32_t n = in->count;
    SL_TRY(reserve_rows(f, in->length > n ? in->length : n, err));
    for (uint32_t i = 0; i < n; i++)
        f->rows[i] = sl_batch_row(in, i);
    int64_t *group_id = SL_VECTOR_DATA(f->group_id, int64_t);
    if (layout->group_count == 0) {
        for (uint32_t i = 0; i < n; i++) {
            f->row_payload[f->rows[i]] = single;
            group_id[f->rows[i]] = 0;
        }
    } else {
        sl_status st = SL_OK;
        for (uint32_t i = 0; i < layout->group_count && st == SL_OK; i++)
            st = sl_expr_evaluate(f->groups[i], in, &f->group_vectors[i], err);
        uint32_t fresh_count = 0;
        if (st == SL_OK) {
            sl_hash_table_hash(f->group_vectors, layout->group_count, in->sel, n, f->hashes);
            st = sl_hash_table_find_or_insert(table, f->scratch, f->group_vectors, in->sel, n, f->hashes, f->ids,
                                              f->payloads, f->fresh, &fresh_count, err);
        }
        for (uint32_t i = 0; i < layout->group_count; i++) {
            if (f->group_vectors[i])
                sl_vector_unref(f->group_vectors[i]);
            f->group_vectors[i] = NULL;
        }
        SL_TRY(st);
        for (uint32_t k = 0; k < fresh_count; k++)
            sl_agg_payload_init(plan, layout, f->payloads[f->fresh[k]]);
        for (uint32_t i = 0; i < n; i++) {
            f->row_payload[f->rows[i]] = f->payloads[i];
            group_id[f->rows[i]] = (int64_t)f->ids[i];
        }
    }
    for (uint32_t j = 0; j < layout->agg_count; j++)
        SL_TRY(update_aggregate(plan, layout, f, j, in, distinct, err));
    return SL_OK;
}

sl_status sl_agg_fold_bounded(const sl_physical_op *plan, const sl_agg_layout *layout, sl_agg_folder *f,
                              const sl_batch *in, sl_hash_table *table, sl_agg_distinct *distinct, bool *frozen,
                              uint32_t *fresh_count, uint32_t *spill_rows, uint64_t *spill_hashes,
                              uint32_t *spill_count, sl_error *err)
{
    uint32_t n = in->count;
    *fresh_count = 0;
    *spill_count = 0;
    SL_TRY(reserve_rows(f, in->length > n ? in->length : n, err));
    for (uint32_t i = 0; i < n; i++)
        f->rows[i] = sl_batch_row(in, i);
    sl_status st = SL_OK;
    for (uint32_t i = 0; i < layout->group_count && st == SL_OK; i++)
        st = sl_expr_evaluate(f->groups[i], in, &f->group_vectors[i], err);
    if (st == SL_OK) {
        sl_hash_table_hash(f->group_vectors, layout->group_count, in->sel, n, f->hashes);
        if (!*frozen) {
            bool refused = false;
            st = sl_hash_table_reserve(table, f->hashes, n, &refused, err);
            *frozen = refused;
        }
    }
    if (st == SL_OK && !*frozen) {
        st = sl_hash_table_find_or_insert(table, f->scratch, f->group_vectors, in->sel, n, f->hashes, f->ids,
                                          f->payloads, f->fresh, fresh_count, err);
    } else if (st == SL_OK) {
        sl_hash_table_find(table, f->scratch, f->group_vectors, in->sel, n, f->hashes, f->ids, f->payloads);
    }
    for (uint32_t i = 0; i < layout->group_count; i++) {
        if (f->group_vectors[i])
            sl_vector_unref(f->group_vectors[i]);
        f->group_vectors[i] = NULL;
    }
    SL_TRY(st);
    for (uint32_t k = 0; k < *fresh_count; k++)
        sl_agg_payload_init(plan, layout, f->payloads[f->fresh[k]]);
    /* rows whose group is absent (frozen table) go to the caller; the others stay */
    int64_t *group_id = SL_VECTOR_DATA(f->group_id, int64_t);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t row = f->rows[i];
        if (f->ids[i] == SL_HASH_TABLE_NO_ENTRY) {
            spill_rows[*spill_count] = row;
            spill_hashes[(*spill_count)++] = f->hashes[i];
            continue;
        }
        f->row_payload[row] = f->payloads[i];
        group_id[row] = (int64_t)f->ids[i];
        f->sel2[kept++] = row;
    }
    if (kept == 0)
        return SL_OK;
    /* fold the kept rows: a view of `in` selecting them (update_aggregate reuses sel2) */
    memcpy(f->kept, f->sel2, sizeof *f->kept * kept);
    memcpy(f->rows, f->kept, sizeof *f->rows * kept);
    sl_batch view = *in;
    view.sel = f->kept;
    view.sel_buffer = NULL;
    view.count = kept;
    for (uint32_t j = 0; j < layout->agg_count && st == SL_OK; j++)
        st = update_aggregate(plan, layout, f, j, &view, distinct, err);
    return st;
}

/* ------------------------------------------------------------------ results */

sl_status sl_agg_finalize_groups(const sl_physical_op *plan, const sl_agg_layout *layout, sl_vector *const *keys,
                                 uint8_t **payloads, uint32_t count, uint32_t extra_columns, sl_batch **out_batch,
                                 sl_error *err)
{
    *out_batch = NULL;
    sl_batch *out = sl_batch_new(layout->group_count + layout->agg_count + extra_columns);
    void **states = sl_malloc(sizeof *states * (count ? count : 1));
    if (!out || !states) {
        sl_batch_free(out);
        sl_free(states);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < layout->group_count; i++)
        sl_batch_set_column(out, i, sl_vector_ref(keys[i]));
    sl_status st = SL_OK;
    for (uint32_t j = 0; j < layout->agg_count && st == SL_OK; j++) {
        const sl_expr *agg = plan->aggregates[j];
        sl_type type = plan->types && plan->column_count == layout->group_count + layout->agg_count
                           ? plan->types[layout->group_count + j]
                           : agg->type;
        sl_vector *v = sl_vector_new(type, count ? count : 1);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(out, layout->group_count + j, v);
        for (uint32_t i = 0; i < count; i++)
            states[i] = payloads[i] + layout->offsets[j];
        st = agg->aggregate->finalize(agg, states, count, v, 0, err);
    }
    sl_free(states);
    if (st != SL_OK) {
        sl_batch_free(out);
        return st;
    }
    out->length = out->count = count;
    *out_batch = out;
    return SL_OK;
}

sl_status sl_agg_emit_groups(sl_op_context *ctx, const sl_physical_op *plan, const sl_agg_layout *layout,
                             sl_vector *const *keys, uint8_t **payloads, uint32_t count, sl_error *err)
{
    sl_batch *out;
    SL_TRY(sl_agg_finalize_groups(plan, layout, keys, payloads, count, 0, &out, err));
    sl_status st = sl_emit_batch(ctx, out, err);
    sl_batch_free(out);
    return st;
}
