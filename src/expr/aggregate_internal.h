/*
 * aggregate_internal.h — aggregate function objects shared between aggregate.c (which
 * holds the overload table, sl_aggregate_overloads) and aggregate_stats.c (variance and
 * standard deviation).
 */
#ifndef SL_EXPR_AGGREGATE_INTERNAL_H
#define SL_EXPR_AGGREGATE_INTERNAL_H

#include "expr/registry.h"

/* aggregate_stats.c: DOUBLE -> DOUBLE, Welford accumulation, Chan's combine. */
extern const sl_aggregate_function sl_agg_var_samp;
extern const sl_aggregate_function sl_agg_var_pop;
extern const sl_aggregate_function sl_agg_stddev_samp;
extern const sl_aggregate_function sl_agg_stddev_pop;

#endif
