/*
 * table_function.h — functions used in FROM that produce a relation: read_csv, read_json,
 * generate_series, range (and later read_parquet, window TVFs over sources).
 *
 * Bind runs at plan time with constant arguments and decides the output schema (for
 * read_csv: sniffing dialect and types). Scanning is pull-based inside the
 * TABLE_FUNCTION source operator: init, then next() until it returns no batch.
 */
#ifndef SL_PLAN_TABLE_FUNCTION_H
#define SL_PLAN_TABLE_FUNCTION_H

#include "exec/operator.h"

typedef struct sl_table_function_args {
    uint32_t positional_count;
    const sl_value *positional;     /* constant-folded positional arguments */
    uint32_t named_count;
    const char **named_names;       /* lower-case option names (e.g. "header", "delim") */
    const sl_value *named_values;
    int position;                   /* SQL offset of the call, for errors */
} sl_table_function_args;

/* A simple filter offered to a table function: `column op value`, where column is a schema
 * column number and value a non-NULL constant of exactly that column's type. Filters are
 * hints: the function may leave out rows for which a filter is not TRUE (e.g. skip a Parquet
 * row group whose min/max statistics rule the filter out) but need not drop every such row,
 * because the FILTER operator above the scan still evaluates the whole predicate. */
typedef enum sl_table_filter_op {
    SL_TABLE_FILTER_EQ,
    SL_TABLE_FILTER_LT,
    SL_TABLE_FILTER_LE,
    SL_TABLE_FILTER_GT,
    SL_TABLE_FILTER_GE
} sl_table_filter_op;

typedef struct sl_table_filter {
    uint32_t column;
    sl_table_filter_op op;
    sl_value value;                 /* lives in the plan for the whole scan */
} sl_table_filter;

/* Progress of one split of a live source (system table sluice_sources). */
typedef struct sl_split_stats {
    int32_t partition;          /* Kafka partition / split number; -1 when not partitioned */
    const char *name;           /* file path, NATS subject, ...; may be NULL (valid until the next call) */
    int64_t offset;             /* next offset (or line, sequence) to read; -1 unknown */
    int64_t lag;                /* records between offset and the end known now; -1 unknown */
    int64_t rows;               /* rows delivered */
    int64_t rejected;           /* records rejected by the on_error policy */
} sl_split_stats;

typedef struct sl_table_function {
    const char *name;
    /* Decides the schema: fills *column_count, *types, *names (arena-allocated) and
     * *bind_data (arena-allocated or owned by the arena's lifetime). */
    sl_status (*bind)(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                      uint32_t *column_count, sl_type **types, const char ***names, sl_error *err);
    /* Starts a scan producing all columns of the schema. */
    sl_status (*init)(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err);
    /* Optional (NULL: the scan runs init and the TABLE_FUNCTION operator drops unused
     * columns itself). Starts a scan producing only the schema columns columns[0..count)
     * (distinct schema column numbers, each < the bound column count), in that order:
     * every batch next() returns has exactly `column_count` columns. The planner always
     * asks for at least one column (a count(*) keeps one). `columns` stays valid for the
     * whole scan (it lives in the plan). */
    sl_status (*init_projected)(const void *bind_data, sl_exec_context *exec, const uint32_t *columns,
                                uint32_t column_count, void **state, sl_error *err);
    /* Optional (NULL: filters are not offered). Like init_projected (columns is the
     * planner's list, or NULL = the whole schema with column_count 0) plus the conjuncts
     * `filters` (all must hold) that the function may use to skip rows; the TABLE_FUNCTION
     * operator calls it instead of init/init_projected when the planner found filters. */
    sl_status (*init_filtered)(const void *bind_data, sl_exec_context *exec, const uint32_t *columns,
                               uint32_t column_count, const sl_table_filter *filters, uint32_t filter_count,
                               void **state, sl_error *err);
    /* Produces the next batch (caller frees it) or *out = NULL at the end. Rows skipped by
     * an ignore_errors policy are added to exec->rows_rejected. */
    sl_status (*next)(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err);
    void (*free)(void *state);
    /* Optional, for sources with splits or partitions (continuous queries keep one
     * watermark per split; the source's watermark is the minimum over the splits that
     * have not ended or gone idle). split_count: how many splits the scan reads (NULL: 1).
     * batch_split: the split of the batch next() returned last (every batch holds rows of
     * one split). split_ended: true once `split` will produce no more rows. */
    uint32_t (*split_count)(void *state);
    uint32_t (*batch_split)(void *state);
    bool (*split_ended)(void *state, uint32_t split);
    /* Optional: an estimate of the rows the scan produces, for join ordering (e.g. Parquet's
     * footer row count); < 0 or NULL = unknown (the planner assumes 1000). */
    double (*estimate_rows)(const void *bind_data);
    /* Optional, live sources: fills *out for `split` (< split_count). */
    void (*split_stats)(void *state, uint32_t split, sl_split_stats *out);
    /* Optional, live sources: a non-blocking next(): *out = NULL and *idle = true when
     * nothing is available now (the source has not ended). Continuous queries call it
     * instead of next(); *out = NULL with *idle = false means the source ended. */
    sl_status (*poll)(void *state, sl_exec_context *exec, sl_batch **out, bool *idle, sl_error *err);
} sl_table_function;

/* For a running TABLE_FUNCTION operator (its global state, exec/table_function_scan.c):
 * the number of splits of its scan (0 before it started), and split `split`'s statistics
 * plus its watermark (the greatest watermark value seen on it; SL_WATERMARK_NONE when
 * none or the source has no watermark). */
uint32_t sl_table_function_scan_splits(const sl_physical_op *plan, void *global);
void sl_table_function_scan_split(const sl_physical_op *plan, void *global, uint32_t split, sl_split_stats *out,
                                  int64_t *watermark);

/* Lookup by lower-case name; NULL if unknown. */
const sl_table_function *sl_table_function_find(const char *name);

extern const sl_table_function sl_read_csv_function;
extern const sl_table_function sl_read_json_function;
extern const sl_table_function sl_read_parquet_function;
extern const sl_table_function sl_read_arrow_function;
extern const sl_table_function sl_generate_series_function;
extern const sl_table_function sl_range_function;
/* System tables (stream/system_tables.c), also found by bare name in FROM. */
extern const sl_table_function sl_operator_metrics_function;
extern const sl_table_function sl_watermarks_function;
extern const sl_table_function sl_sources_function;

#endif
