/*
 * connector.h — source connectors behind CREATE SOURCE ... WITH (connector = '...').
 *
 * Data flow: CREATE SOURCE stores the connector name, its options (text) and the columns
 * in the catalog (sl_source). Binding the source — when it is created, to validate, and
 * each time a query reads it — calls the connector's bind with those options: it checks
 * every option (an unknown or malformed one is an error naming it), decides the schema
 * (the declared columns, or the connector's own for nexmark) and returns bind data for
 * the scan. The scan is an sl_table_function (init / next / free only: bind is this
 * interface's), run by the TABLE_FUNCTION operator like read_csv.
 *
 * Lifetime: everything bind returns is allocated in the caller's arena.
 */
#ifndef SL_CONNECT_CONNECTOR_H
#define SL_CONNECT_CONNECTOR_H

#include "catalog/catalog.h"
#include "plan/table_function.h"

typedef struct sl_connector_option {
    const char *name;          /* lower case, '-' written as '_' ("rows_per_second") */
    const char *value;         /* as written, text */
    int position;              /* SQL offset for errors; -1 when unknown */
} sl_connector_option;

/* What the connector is asked to bind. */
typedef struct sl_connector_spec {
    const char *source_name;
    const sl_connector_option *options;     /* without "connector" itself */
    uint32_t option_count;
    const sl_column_def *columns;           /* declared columns; column_count 0 = none declared */
    uint32_t column_count;
    int position;                           /* of the statement / reference, for errors */
    sl_catalog *catalog;                    /* the database's catalog (the `table` connector reads it) */
    const char *event_time_column;          /* the WATERMARK FOR column when a query binds the source; NULL at
                                             * CREATE SOURCE or without a watermark (decoders reject NULL event times) */
} sl_connector_spec;

typedef struct sl_connector_bound {
    uint32_t column_count;
    sl_type *types;
    const char **names;
    void *bind_data;                        /* for scan->init */
    bool bounded;                           /* ends by itself (max_events, number_of_rows, ...) */
    bool changelog;                         /* batches carry a change column (debezium-json): not append-only */
    /* Watermark used when the DDL declares none (NULL column: no default). */
    const char *default_watermark_column;
    const char *default_watermark_sql;
} sl_connector_bound;

typedef struct sl_connector {
    const char *name;
    /* Validates spec->options and decides the schema. Errors name the option (and carry
     * its position). */
    sl_status (*bind)(sl_arena *arena, const sl_connector_spec *spec, sl_connector_bound *out, sl_error *err);
    const sl_table_function *scan;
} sl_connector;

/* By lower-case name; NULL if unknown. */
const sl_connector *sl_connector_find(const char *name);
/* "nexmark, datagen, table": the known connector names, for error messages. */
const char *sl_connector_names(void);

extern const sl_connector sl_nexmark_connector;
extern const sl_connector sl_datagen_connector;
extern const sl_connector sl_table_connector;
extern const sl_connector sl_file_connector;
extern const sl_connector sl_nats_connector;
extern const sl_connector sl_kafka_connector;

/* ---- option helpers for connectors */

/* The option's value, or NULL when absent. */
const sl_connector_option *sl_connector_option_find(const sl_connector_spec *spec, const char *name);
/* Fails on the first option whose name is not in `known` (NULL-terminated) and is not
 * accepted by `accept` (may be NULL): "unknown option 'x' for connector 'c' (valid: ...)". */
sl_status sl_connector_check_options(const sl_connector_spec *spec, const char *connector,
                                     const char *const *known, bool (*accept)(const char *name), sl_error *err);
/* Is `name` an option every source accepts, whatever its connector? These are read by the
 * continuous-query driver, not by the connector:
 *   idle_timeout     a duration (sl_connector_option_duration): a split without rows for
 *                    that long stops holding the source's watermark back
 *   late_rows_table  a table name: where rows behind the watermark go (stream/late_rows.h)
 * Every connector passes it as (part of) the `accept` callback of sl_connector_check_options. */
bool sl_connector_common_option(const char *name);
/* A text option copied into arena; *out keeps its value when the option is absent; an
 * empty value is an error naming the option. */
sl_status sl_connector_option_text(sl_arena *arena, const sl_connector_spec *spec, const char *connector,
                                   const char *name, const char **out, sl_error *err);
/* Parses an integer option in [min, max]; *out keeps its value when the option is absent. */
sl_status sl_connector_option_int(const sl_connector_spec *spec, const char *connector, const char *name,
                                  int64_t min, int64_t max, int64_t *out, sl_error *err);
/* Parses a boolean option (true/false/1/0/on/off/yes/no). */
sl_status sl_connector_option_bool(const sl_connector_spec *spec, const char *connector, const char *name,
                                   bool *out, sl_error *err);
/* Parses a duration option into microseconds (>= 0): interval text as a cast to INTERVAL
 * reads it, e.g. '5s', '100 ms', '2 minutes', '1.5 hours', '00:00:05', '1 day 02:00:00'
 * (a bare number is seconds); months and years are refused (not a fixed length). *micros
 * keeps its value when the option is absent. */
sl_status sl_connector_option_duration(const sl_connector_spec *spec, const char *connector, const char *name,
                                       int64_t *micros, sl_error *err);
/* Error helper: "connector 'c': option 'name' ...", at the option's position. */
sl_status sl_connector_option_error(sl_error *err, const sl_connector_option *option, const char *connector,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Real-time pacing shared by the scans: sleeps (in slices, watching for interruption)
 * until `target_micros` of wall time have passed since `start_micros`. */
int64_t sl_connector_now_micros(void);
sl_status sl_connector_pace(sl_exec_context *exec, int64_t start_micros, int64_t target_micros, sl_error *err);

#endif
