/*
 * operators.c — the table from physical operator kind to the operator type implementing it.
 *
 * Each operator lives in its own file (exec/<operator>.c) and exports one
 * sl_operator_type; this table is the only place that ties kinds to implementations.
 */
#include "exec/operator.h"

static const sl_operator_type *const sl_operator_types[SL_POP_KIND_COUNT_] = {
    [SL_POP_TABLE_SCAN] = &sl_table_scan_operator,
    [SL_POP_TABLE_FUNCTION] = &sl_table_function_operator,
    [SL_POP_VALUES] = &sl_values_operator,
    [SL_POP_EMPTY] = &sl_empty_operator,
    [SL_POP_FILTER] = &sl_filter_operator,
    [SL_POP_PROJECTION] = &sl_projection_operator,
    [SL_POP_HASH_AGGREGATE] = &sl_hash_aggregate_operator,
    [SL_POP_HASH_JOIN] = &sl_hash_join_operator,
    [SL_POP_NESTED_LOOP_JOIN] = &sl_nested_loop_join_operator,
    [SL_POP_SORT] = &sl_sort_operator,
    [SL_POP_TOP_N] = &sl_top_n_operator,
    [SL_POP_LIMIT] = &sl_limit_operator,
    [SL_POP_UNION_ALL] = &sl_union_all_operator,
    [SL_POP_SET_OPERATION] = &sl_set_operation_operator,
    [SL_POP_WINDOW] = &sl_window_operator,
    [SL_POP_RESULT] = &sl_result_operator,
    [SL_POP_INSERT] = &sl_insert_operator,
    [SL_POP_COPY_TO] = &sl_copy_to_operator,
    [SL_POP_WINDOW_TVF] = &sl_window_tvf_operator,
    [SL_POP_SESSION_WINDOW] = &sl_session_window_operator,
    [SL_POP_WINDOW_AGGREGATE] = &sl_window_aggregate_operator,
    [SL_POP_STREAM_AGGREGATE] = &sl_stream_aggregate_operator,
    [SL_POP_STREAM_TOP_N] = &sl_stream_top_n_operator,
    [SL_POP_STREAM_JOIN] = &sl_stream_join_operator,
};

const sl_operator_type *sl_operator_type_for(sl_physical_kind kind)
{
    if ((unsigned)kind >= SL_POP_KIND_COUNT_)
        return NULL;
    return sl_operator_types[kind];
}
