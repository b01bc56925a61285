/*
 * generic.c — functions defined for arguments of any type: greatest, least, typeof.
 *
 * greatest / least take any number of arguments coerced to their common type and ignore
 * NULLs (the result is NULL only when every argument is NULL), as in PostgreSQL and
 * DuckDB. typeof returns the SQL spelling of its argument's type.
 */
#include <string.h>

#include "expr/registry.h"

#define KERNEL_ARGS \
    const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out, sl_error *err

/* Picks, per row, the non-NULL argument that compares highest (sign = 1) or lowest
 * (sign = -1), copying its slot into out. */
static sl_status extreme(KERNEL_ARGS, int sign)
{
    uint32_t n = call->arg_count;
    SL_TRY(sl_vector_ensure_validity(out, err));
    for (uint32_t i = 0; i < count; i++) {
        uint32_t r = SL_ROW(sel, i);
        int best = -1;
        for (uint32_t a = 0; a < n; a++) {
            if (!sl_vector_is_valid(args[a], r))
                continue;
            if (best < 0 || sign * sl_slot_compare(args[a], r, args[best], r) > 0)
                best = (int)a;
        }
        if (best < 0) {
            sl_validity_set(out->validity, r, false);
            continue;
        }
        sl_validity_set(out->validity, r, true);
        uint32_t one = r;
        SL_TRY(sl_vector_gather(out, r, args[best], &one, 1, err));
    }
    return SL_OK;
}

static sl_status greatest_kernel(KERNEL_ARGS) { return extreme(call, args, sel, count, out, err, 1); }
static sl_status least_kernel(KERNEL_ARGS) { return extreme(call, args, sel, count, out, err, -1); }

static sl_status typeof_kernel(KERNEL_ARGS)
{
    char name[64];
    sl_type_name(call->args[0]->type, name, sizeof name);
    uint32_t length = (uint32_t)strlen(name);
    for (uint32_t i = 0; i < count; i++)
        SL_TRY(sl_vector_set_string(out, SL_ROW(sel, i), name, length, err));
    return SL_OK;
}

/* CURRENT_WATERMARK(ts): the watermark of the operator's input (a TIMESTAMP), NULL before
 * the first watermark and outside continuous queries. The argument names the event-time
 * column, as in Flink; only its type matters. */
static sl_status current_watermark_at(const sl_eval_context *ctx, const sl_expr *call, sl_vector **args,
                                      const uint32_t *sel, uint32_t count, sl_vector *out, sl_error *err)
{
    int64_t watermark = ctx && ctx->watermark ? *ctx->watermark : INT64_MIN;
    bool known = watermark != INT64_MIN && watermark != INT64_MAX;
    SL_TRY(sl_vector_ensure_validity(out, err));
    for (uint32_t i = 0; i < count; i++) {
        uint32_t r = SL_ROW(sel, i);
        sl_validity_set(out->validity, r, known);
        SL_VECTOR_DATA(out, int64_t)[r] = known ? watermark : 0;
    }
    return SL_OK;
}

static sl_status current_watermark_kernel(KERNEL_ARGS)
{
    return current_watermark_at(NULL, call, args, sel, count, out, err);
}

const sl_overload sl_generic_overloads[] = {
    { .name = "current_watermark", .arg_count = 1, .args = { SL_TYPE_TIMESTAMP }, .result = SL_TYPE_TIMESTAMP,
      .function = { "current_watermark", current_watermark_kernel, SL_NULLS_SPECIAL, true, current_watermark_at } },
    { .name = "greatest", .arg_count = 1, .args = { SL_TYPE_INVALID }, .variadic = true, .same_any = true,
      .result = SL_TYPE_INVALID, .function = { "greatest", greatest_kernel, SL_NULLS_SPECIAL, false } },
    { .name = "least", .arg_count = 1, .args = { SL_TYPE_INVALID }, .variadic = true, .same_any = true,
      .result = SL_TYPE_INVALID, .function = { "least", least_kernel, SL_NULLS_SPECIAL, false } },
    { .name = "typeof", .arg_count = 1, .args = { SL_TYPE_INVALID }, .result = SL_TYPE_VARCHAR,
      .function = { "typeof", typeof_kernel, SL_NULLS_SPECIAL, false } },
};
const size_t sl_generic_overload_count = sizeof sl_generic_overloads / sizeof sl_generic_overloads[0];
