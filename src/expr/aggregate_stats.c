/*
 * aggregate_stats.c — variance and standard deviation aggregates: var_samp (variance),
 * var_pop, stddev_samp (stddev), stddev_pop over DOUBLE (the binder casts other numeric
 * arguments), returning DOUBLE.
 *
 * Accumulation uses Welford's online update (numerically stable for large means) and
 * partial states merge with Chan et al.'s parallel formula. Sample variants return NULL
 * for fewer than two values, population variants NULL for none (0 for one), like DuckDB.
 */
#include <math.h>

#include "expr/aggregate_internal.h"

typedef struct moments_state {
    int64_t count;
    double mean;
    double m2;       /* sum of squared deviations from the mean */
} moments_state;

static void moments_init(const sl_expr *agg, void *state) { memset(state, 0, sizeof(moments_state)); }

static sl_status moments_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                                uint32_t count, sl_error *err)
{
    const sl_vector *v = args[0];
    if (v->type.id != SL_TYPE_DOUBLE)
        return sl_error_set_at(err, SL_ERR_INTERNAL, agg->position, "variance: expected a DOUBLE argument");
    const double *data = SL_VECTOR_DATA(v, double);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (!sl_vector_is_valid(v, row))
            continue;
        moments_state *s = (moments_state *)states[i];
        double x = data[row];
        s->count++;
        double delta = x - s->mean;
        s->mean += delta / (double)s->count;
        s->m2 += delta * (x - s->mean);
    }
    return SL_OK;
}

static sl_status moments_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        const moments_state *a = (const moments_state *)sources[i];
        moments_state *b = (moments_state *)targets[i];
        if (a->count == 0)
            continue;
        if (b->count == 0) {
            *b = *a;
            continue;
        }
        double n = (double)(a->count + b->count);
        double delta = a->mean - b->mean;
        b->m2 = b->m2 + a->m2 + delta * delta * (double)a->count * (double)b->count / n;
        b->mean = b->mean + delta * (double)a->count / n;
        b->count += a->count;
    }
    return SL_OK;
}

static sl_status moments_finalize(void **states, uint32_t count, sl_vector *out, uint32_t out_offset, bool sample,
                                  bool root, sl_error *err)
{
    double *res = SL_VECTOR_DATA(out, double);
    for (uint32_t i = 0; i < count; i++) {
        const moments_state *s = (const moments_state *)states[i];
        int64_t min_count = sample ? 2 : 1;
        if (s->count < min_count) {
            SL_TRY(sl_vector_set_null(out, out_offset + i, err));
            continue;
        }
        double var = s->m2 / (double)(sample ? s->count - 1 : s->count);
        if (var < 0)
            var = 0;   /* rounding */
        res[out_offset + i] = root ? sqrt(var) : var;
    }
    return SL_OK;
}

static sl_status var_samp_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out,
                                   uint32_t out_offset, sl_error *err)
{
    return moments_finalize(states, count, out, out_offset, true, false, err);
}

static sl_status var_pop_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out,
                                  uint32_t out_offset, sl_error *err)
{
    return moments_finalize(states, count, out, out_offset, false, false, err);
}

static sl_status stddev_samp_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out,
                                      uint32_t out_offset, sl_error *err)
{
    return moments_finalize(states, count, out, out_offset, true, true, err);
}

static sl_status stddev_pop_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out,
                                     uint32_t out_offset, sl_error *err)
{
    return moments_finalize(states, count, out, out_offset, false, true, err);
}

const sl_aggregate_function sl_agg_var_samp = { "var_samp", sizeof(moments_state), moments_init, moments_update,
                                                moments_combine, var_samp_finalize, NULL };
const sl_aggregate_function sl_agg_var_pop = { "var_pop", sizeof(moments_state), moments_init, moments_update,
                                               moments_combine, var_pop_finalize, NULL };
const sl_aggregate_function sl_agg_stddev_samp = { "stddev_samp", sizeof(moments_state), moments_init,
                                                   moments_update, moments_combine, stddev_samp_finalize, NULL };
const sl_aggregate_function sl_agg_stddev_pop = { "stddev_pop", sizeof(moments_state), moments_init, moments_update,
                                                  moments_combine, stddev_pop_finalize, NULL };
