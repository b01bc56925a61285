/*
 * values.c — VALUES: emits constant rows (plan->values, row-major) in batches of up to
 * SL_BATCH_CAPACITY rows. A VALUES with zero columns and one row is the input of a
 * SELECT without FROM. The values were coerced to the column types by the planner; a
 * NULL of any type is accepted in any column.
 */
#include "exec/operator.h"

static sl_status values_fill(const sl_physical_op *plan, uint32_t first, uint32_t n, sl_batch *b, sl_error *err)
{
    char want[32], got[32];
    for (uint32_t c = 0; c < plan->column_count; c++) {
        sl_vector *v = b->columns[c];
        for (uint32_t r = 0; r < n; r++) {
            const sl_value *val = &plan->values[(size_t)(first + r) * plan->column_count + c];
            if (val->is_null || val->type.id == SL_TYPE_NULL) {
                SL_TRY(sl_vector_set_null(v, r, err));
                if (v->type.id != SL_TYPE_NULL)
                    memset((char *)v->data + (size_t)r * sl_type_width(v->type), 0, sl_type_width(v->type));
                continue;
            }
            if (val->type.id != v->type.id)
                return sl_error_set(err, SL_ERR_INTERNAL, "VALUES row %u column %u: value of type %s in a %s column",
                                    first + r + 1, c + 1, sl_type_name(val->type, got, sizeof got),
                                    sl_type_name(v->type, want, sizeof want));
            SL_TRY(sl_vector_set_value(v, r, val, err));
        }
    }
    return SL_OK;
}

static sl_status values_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                               sl_error *err)
{
    for (uint32_t first = 0; first < plan->row_count; first += SL_BATCH_CAPACITY) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        uint32_t n = plan->row_count - first;
        if (n > SL_BATCH_CAPACITY)
            n = SL_BATCH_CAPACITY;
        sl_batch *b = plan->column_count ? sl_batch_new_typed(plan->types, plan->column_count, n)
                                         : sl_batch_new(0);
        if (!b)
            return sl_error_oom(err);
        b->length = b->count = n;
        sl_status st = values_fill(plan, first, n, b, err);
        if (st == SL_OK)
            st = sl_emit_batch(ctx, b, err);
        sl_batch_free(b);
        SL_TRY(st);
    }
    return SL_OK;
}

const sl_operator_type sl_values_operator = {
    .name = "VALUES",
    .source = values_source,
};
