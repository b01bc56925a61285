/*
 * catalog.h — tables, views and sources of one database, and the in-memory columnar table store.
 *
 * A table is a schema plus an append-only list of immutable batches ("chunks"), each
 * dense (no selection) with up to SL_BATCH_CAPACITY rows. Scans hand out chunks (shared
 * references, zero-copy); INSERT and COPY append new chunks. A view stores its SQL text
 * and is re-bound at each use.
 *
 * Names are case-insensitive (folded to lower case unless quoted, like PostgreSQL).
 * Concurrency: the catalog has one mutex; table chunk lists are guarded by it.
 */
#ifndef SL_CATALOG_CATALOG_H
#define SL_CATALOG_CATALOG_H

#include <pthread.h>

#include "vector/batch.h"

typedef struct sl_column_def {
    char *name;
    sl_type type;
    bool not_null;
} sl_column_def;

/* Per-column statistics, maintained by sl_table_append (so guarded by the catalog lock
 * like the chunk list) and read by the optimizer's cardinality estimates. */
#define SL_HLL_BITS 10
#define SL_HLL_REGISTERS (1u << SL_HLL_BITS)
typedef struct sl_column_stats {
    int64_t null_count;
    bool has_range;             /* numeric / DATE / TIMESTAMP column with a non-NULL value */
    double min, max;            /* numbers by value; DATE and TIMESTAMP in days since 1970 */
    uint8_t hll[SL_HLL_REGISTERS]; /* HyperLogLog registers over sl_hash_vector hashes */
} sl_column_stats;

/* Numeric value of a column slot on the scale of sl_column_stats.min/max; false for types
 * without an order-preserving numeric image (VARCHAR, BOOLEAN, INTERVAL). */
bool sl_stats_numeric(sl_type type, const void *slot, double *out);
/* Estimated number of distinct non-NULL values (HyperLogLog with linear counting for small
 * cardinalities), 0 for an empty column. */
double sl_column_stats_distinct(const sl_column_stats *stats);

typedef struct sl_table {
    char *name;
    uint32_t column_count;
    sl_column_def *columns;
    /* storage */
    sl_batch **chunks;          /* dense batches, each with column_count columns */
    size_t chunk_count;
    size_t chunk_capacity;
    int64_t row_count;
    sl_column_stats *stats;     /* column_count entries (NULL if unavailable) */
    /* Persistent databases (src/storage): the number of the table's data file, assigned by
     * the storage layer when it first persists the table; 0 = not (yet) persisted. The
     * catalog only zero-initialises it, so a re-created table of the same name never
     * inherits the old table's file. */
    uint64_t storage_id;
} sl_table;

typedef struct sl_view {
    char *name;
    char *sql;                  /* the SELECT text */
    uint32_t column_alias_count;
    char **column_aliases;      /* CREATE VIEW v(a, b) AS ... */
} sl_view;

/* A source (CREATE SOURCE): a connector with its options and a schema; rows are produced
 * by the connector (src/connect) each time a query reads it, nothing is stored. Sources
 * live in memory only: a persistent database does not save them (yet). */
typedef struct sl_source_option {
    char *name;                 /* lower case, '-' written as '_' */
    char *value;                /* text as written */
} sl_source_option;

typedef struct sl_source {
    char *name;
    uint32_t column_count;
    sl_column_def *columns;     /* the resolved schema (declared, or the connector's) */
    char *connector;            /* lower case: "nexmark", "datagen" */
    uint32_t option_count;
    sl_source_option *options;  /* every WITH option but `connector`, in the order written */
    int32_t watermark_column;   /* index into columns; -1 = no watermark */
    char *watermark_sql;        /* the watermark expression's SQL text; NULL = none */
    bool bounded;               /* the options bound it (max_events, number_of_rows, ...) */
    bool changelog;             /* its rows carry changes (format 'debezium-json'): not append-only */
} sl_source;

typedef struct sl_catalog sl_catalog;

sl_catalog *sl_catalog_new(void);
void sl_catalog_free(sl_catalog *catalog);

void sl_catalog_lock(sl_catalog *catalog);
void sl_catalog_unlock(sl_catalog *catalog);

/* Lookups (case-insensitive). NULL if absent. */
sl_table *sl_catalog_find_table(sl_catalog *catalog, const char *name);
sl_view *sl_catalog_find_view(sl_catalog *catalog, const char *name);
/* Closest existing table/view name to `name` (edit distance), for "did you mean". NULL if none close. */
const char *sl_catalog_suggest(sl_catalog *catalog, const char *name);

/* Creates a table (columns copied). SL_ERR_CATALOG if a table or view of that name exists
 * (unless if_not_exists: then SL_OK and nothing happens). */
sl_status sl_catalog_create_table(sl_catalog *catalog, const char *name, const sl_column_def *columns,
                                  uint32_t column_count, bool if_not_exists, sl_table **out, sl_error *err);
sl_status sl_catalog_create_view(sl_catalog *catalog, const char *name, const char *sql,
                                 char **column_aliases, uint32_t column_alias_count, bool or_replace,
                                 sl_error *err);
/* DROP TABLE / VIEW; SL_ERR_CATALOG if absent unless if_exists. */
sl_status sl_catalog_drop_table(sl_catalog *catalog, const char *name, bool if_exists, sl_error *err);
sl_status sl_catalog_drop_view(sl_catalog *catalog, const char *name, bool if_exists, sl_error *err);

/* Sources: create deep-copies `def` (SL_ERR_CATALOG if a table, view or source of that name
 * exists, unless if_not_exists for an existing source); find is case-insensitive (NULL if
 * absent); drop fails with SL_ERR_CATALOG if absent unless if_exists. */
sl_status sl_catalog_create_source(sl_catalog *catalog, const sl_source *def, bool if_not_exists, sl_error *err);
sl_source *sl_catalog_find_source(sl_catalog *catalog, const char *name);
sl_status sl_catalog_drop_source(sl_catalog *catalog, const char *name, bool if_exists, sl_error *err);
sl_status sl_catalog_list_sources(sl_catalog *catalog, const char ***names, size_t *count, sl_error *err);

/* Materialized views and sinks (CREATE MATERIALIZED VIEW / CREATE SINK): the names of the
 * background jobs of api/background.c, which own what runs. Like sources they live in
 * memory only: a persistent database does not save them. The entry borrows `job` and
 * `store`; whoever drops the entry stops and frees the job first (statement lock held). */
typedef enum sl_stream_object_kind {
    SL_STREAM_OBJECT_MATERIALIZED_VIEW,
    SL_STREAM_OBJECT_SINK
} sl_stream_object_kind;

typedef struct sl_stream_object {
    char *name;
    sl_stream_object_kind kind;
    char *definition;           /* the query text, or the name after FROM */
    uint32_t column_count;      /* the output columns (a view's schema) */
    sl_column_def *columns;
    struct sl_view_store *store;/* materialized view: its rows (stream/view_scan.h); borrowed */
    void *job;                  /* the background job (api/background.c); borrowed */
} sl_stream_object;

/* Create deep-copies name, definition and columns (SL_ERR_CATALOG if a table, view,
 * source, materialized view or sink of that name exists); find is case-insensitive (NULL
 * if absent); remove frees the entry (not its job); list returns the names of one kind,
 * sorted, as sl_catalog_list_tables does. */
sl_status sl_catalog_create_stream_object(sl_catalog *catalog, const sl_stream_object *def, sl_error *err);
sl_stream_object *sl_catalog_find_stream_object(sl_catalog *catalog, const char *name);
void sl_catalog_remove_stream_object(sl_catalog *catalog, const char *name);
sl_status sl_catalog_list_stream_objects(sl_catalog *catalog, sl_stream_object_kind kind, const char ***names,
                                         size_t *count, sl_error *err);

/* Lists names (sorted) into an sl_malloc'd array of borrowed pointers. */
sl_status sl_catalog_list_tables(sl_catalog *catalog, const char ***names, size_t *count, sl_error *err);
sl_status sl_catalog_list_views(sl_catalog *catalog, const char ***names, size_t *count, sl_error *err);

/* Appends the active rows of `batch` (column types must match the table's, in order) to
 * the table, copying into dense chunks (or sharing the batch when it is already dense
 * and full). NOT NULL constraints are checked. */
sl_status sl_table_append(sl_table *table, const sl_batch *batch, sl_error *err);

#endif
