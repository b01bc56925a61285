/*
 * table_function.c — the registry of table functions usable in FROM (see table_function.h).
 *
 * Aliases map to the same implementation: read_csv_auto is read_csv (which always sniffs
 * unless told not to), read_json_auto / read_ndjson are read_json.
 */
#include <string.h>

#include "plan/table_function.h"

typedef struct sl_table_function_entry {
    const char *name;
    const sl_table_function *function;
} sl_table_function_entry;

static const sl_table_function_entry sl_table_functions[] = {
    { "read_csv", &sl_read_csv_function },
    { "read_csv_auto", &sl_read_csv_function },
    { "read_json", &sl_read_json_function },
    { "read_json_auto", &sl_read_json_function },
    { "read_ndjson", &sl_read_json_function },
    { "read_ndjson_auto", &sl_read_json_function },
    { "read_parquet", &sl_read_parquet_function },
    { "parquet_scan", &sl_read_parquet_function },
    { "read_arrow", &sl_read_arrow_function },
    { "generate_series", &sl_generate_series_function },
    { "range", &sl_range_function },
    { "sluice_operator_metrics", &sl_operator_metrics_function },
    { "sluice_watermarks", &sl_watermarks_function },
    { "sluice_sources", &sl_sources_function },
};

const sl_table_function *sl_table_function_find(const char *name)
{
    for (size_t i = 0; i < sizeof sl_table_functions / sizeof sl_table_functions[0]; i++)
        if (strcmp(sl_table_functions[i].name, name) == 0)
            return sl_table_functions[i].function;
    return NULL;
}
