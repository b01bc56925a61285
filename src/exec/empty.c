/*
 * empty.c — EMPTY: a source that produces no rows (a WHERE folded to false).
 *
 * The driver still pushes END through the pipeline, so sinks above see an empty input.
 */
#include "exec/operator.h"

static sl_status empty_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                              sl_error *err)
{
    return SL_OK;
}

const sl_operator_type sl_empty_operator = {
    .name = "EMPTY",
    .source = empty_source,
};
