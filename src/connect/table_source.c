/*
 * table_source.c — the `table` connector: replays the rows of a catalog table as a
 * stream, for exact streaming tests and demos.
 *
 *   CREATE SOURCE s (ts TIMESTAMP, k INTEGER, v INTEGER,
 *                    WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
 *   WITH (connector = 'table', table = 't', rows_per_batch = 1, partition_column = 'p');
 *
 * Options:
 *   table             the table to replay (required)
 *   rows_per_batch    rows per batch, 1..2048 (default 1024): 1 lets a continuous query's
 *                     watermark advance after every row
 *   partition_column  a column of the table (declared or not): each distinct value of it
 *                     (NULL included) is a split, numbered in order of first appearance
 *   rows_per_second   replay no faster than this many rows per second of wall time
 *                     (default 0: as fast as the query takes them); with idle_timeout it
 *                     lets a test keep a split silent for a known time
 * plus the options common to every source (connector.h).
 *
 * Columns: the declared ones, each a column of the table (by name, case-insensitive) of
 * the same type; none declared = all the table's columns. The source is bounded: it ends
 * after the table's last row.
 *
 * Order. Rows come in table order (insertion order), as the table is when the scan starts:
 * init takes, under the catalog lock, a reference to every chunk the table has then
 * (chunks are immutable, so later INSERTs and even a DROP TABLE leave the scan alone).
 * A batch holds consecutive rows of the table, at most rows_per_batch of them, and with a
 * partition_column only rows of one split: a batch ends where the split changes, so the
 * rows of all batches together are still exactly the table's rows in table order. A split
 * has ended (split_ended) once the batch holding its last row has been returned. A table
 * without rows still reports one split, ended from the start.
 *
 * The source binds at CREATE SOURCE (validation) and at every query, each time against
 * the table as it is then; the bind data keeps the table's name, not the table.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "connect/connector.h"
#include "exec/hash_table.h"

#define ME "table"

typedef struct table_bind {
    sl_catalog *catalog;
    const char *source_name;
    const char *table_name;         /* as the option gives it */
    uint32_t column_count;
    uint32_t *columns;              /* table column of each source column */
    sl_type *types;                 /* of each source column */
    int64_t rows_per_batch;
    int64_t rows_per_second;        /* pacing; 0 = none */
    int32_t partition_column;       /* table column; -1 = no partitions */
    sl_type partition_type;
} table_bind;

typedef struct table_scan {
    const table_bind *bind;
    uint32_t column_count;          /* columns produced */
    uint32_t *columns;              /* table column of each produced column (owned) */
    sl_type *types;                 /* type of each produced column (owned) */
    sl_batch **chunks;              /* references to the table's chunks at scan start (owned) */
    size_t chunk_count;
    size_t chunk;                   /* position of the next row: chunk, active row in it */
    uint32_t row;
    uint64_t position;              /* global row number of the next row */
    uint32_t *row_split;            /* split of every row by global row number; NULL: one split */
    uint32_t split_count;
    uint64_t *split_end;            /* per split: global row number after its last row */
    uint32_t batch_split;           /* split of the batch next() returned last */
    uint32_t *sel;                  /* SL_BATCH_CAPACITY physical rows (scratch) */
    int64_t start_micros;           /* wall clock at the first batch (rows_per_second) */
    uint64_t *split_rows;           /* per split: rows delivered (sluice_sources) */
    uint64_t *split_total;          /* per split: rows in the table */
} table_scan;

static const char *const table_options[] = { "table", "rows_per_batch", "partition_column", "rows_per_second",
                                              NULL };

/* "a, b, c": the table's column names, for error messages. */
static void column_list(const sl_table *t, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t k = 0; k < t->column_count && len < cap; k++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", k ? ", " : "", t->columns[k].name);
}

static int32_t find_column(const sl_table *t, const char *name)
{
    for (uint32_t c = 0; c < t->column_count; c++)
        if (strcasecmp(t->columns[c].name, name) == 0)
            return (int32_t)c;
    return -1;
}

/* Resolves the options and columns against the table; runs under the catalog lock (the
 * table cannot change meanwhile). Names and types are copied into the arena. */
static sl_status bind_locked(sl_arena *arena, const sl_connector_spec *spec, const sl_connector_option *table_option,
                             table_bind *b, sl_connector_bound *out, sl_error *err)
{
    sl_table *t = sl_catalog_find_table(b->catalog, table_option->value);
    if (!t) {
        if (sl_catalog_find_view(b->catalog, table_option->value))
            return sl_connector_option_error(err, table_option, ME, "names a view (\"%s\"); it must name a table",
                                             table_option->value);
        if (sl_catalog_find_source(b->catalog, table_option->value))
            return sl_connector_option_error(err, table_option, ME, "names a source (\"%s\"); it must name a table",
                                             table_option->value);
        const char *close = sl_catalog_suggest(b->catalog, table_option->value);
        if (close)
            return sl_connector_option_error(err, table_option, ME, "names table \"%s\", which does not exist (did you mean \"%s\"?)",
                                             table_option->value, close);
        return sl_connector_option_error(err, table_option, ME, "names table \"%s\", which does not exist",
                                         table_option->value);
    }
    char list[512];
    b->partition_column = -1;
    const sl_connector_option *partition = sl_connector_option_find(spec, "partition_column");
    if (partition) {
        b->partition_column = find_column(t, partition->value);
        if (b->partition_column < 0) {
            column_list(t, list, sizeof list);
            return sl_connector_option_error(err, partition, ME, "names no column of table \"%s\": \"%s\" (its columns: %s)",
                                             t->name, partition->value, list);
        }
        b->partition_type = t->columns[b->partition_column].type;
    }

    uint32_t count = spec->column_count ? spec->column_count : t->column_count;
    b->columns = sl_arena_alloc(arena, sizeof(uint32_t) * (count ? count : 1));
    b->types = sl_arena_alloc(arena, sizeof(sl_type) * (count ? count : 1));
    const char **names = sl_arena_alloc(arena, sizeof(char *) * (count ? count : 1));
    if (!b->columns || !b->types || !names)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        int32_t c = (int32_t)i;
        const char *name = NULL;
        if (spec->column_count) {
            const sl_column_def *def = &spec->columns[i];
            c = find_column(t, def->name);
            if (c < 0) {
                column_list(t, list, sizeof list);
                return sl_error_set_at(err, SL_ERR_CATALOG, spec->position,
                                       "connector 'table': table \"%s\" has no column \"%s\" (its columns: %s)",
                                       t->name, def->name, list);
            }
            if (!sl_type_equal(t->columns[c].type, def->type)) {
                char want[32], got[32];
                return sl_error_set_at(err, SL_ERR_TYPE, spec->position,
                                       "connector 'table': column \"%s\" of table \"%s\" has type %s, not %s",
                                       def->name, t->name, sl_type_name(t->columns[c].type, want, sizeof want),
                                       sl_type_name(def->type, got, sizeof got));
            }
            name = def->name;
        } else {
            name = sl_arena_strdup(arena, t->columns[c].name);
            if (!name)
                return sl_error_oom(err);
        }
        b->columns[i] = (uint32_t)c;
        b->types[i] = t->columns[c].type;
        names[i] = name;
    }
    b->column_count = count;
    out->column_count = count;
    out->types = b->types;
    out->names = names;
    return SL_OK;
}

static sl_status table_bind_spec(sl_arena *arena, const sl_connector_spec *spec, sl_connector_bound *out,
                                 sl_error *err)
{
    SL_TRY(sl_connector_check_options(spec, ME, table_options, NULL, err));
    const sl_connector_option *table_option = sl_connector_option_find(spec, "table");
    if (!table_option)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'table' needs the option table = '<name of the table to replay>'");
    if (!spec->catalog)
        return sl_error_set_at(err, SL_ERR_INTERNAL, spec->position, "connector 'table': bound without a catalog");
    table_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    b->catalog = spec->catalog;
    b->source_name = spec->source_name ? sl_arena_strdup(arena, spec->source_name) : "?";
    b->table_name = sl_arena_strdup(arena, table_option->value);
    if (!b->source_name || !b->table_name)
        return sl_error_oom(err);
    b->rows_per_batch = 1024;
    SL_TRY(sl_connector_option_int(spec, ME, "rows_per_batch", 1, SL_BATCH_CAPACITY, &b->rows_per_batch, err));
    SL_TRY(sl_connector_option_int(spec, ME, "rows_per_second", 0, 1000000000, &b->rows_per_second, err));

    sl_catalog_lock(b->catalog);
    sl_status st = bind_locked(arena, spec, table_option, b, out, err);
    sl_catalog_unlock(b->catalog);
    SL_TRY(st);
    out->bind_data = b;
    out->bounded = true;
    out->default_watermark_column = NULL;
    out->default_watermark_sql = NULL;
    return SL_OK;
}

/* ------------------------------------------------------------------ scan */

static void table_free(void *state)
{
    table_scan *s = state;
    if (!s)
        return;
    for (size_t i = 0; i < s->chunk_count; i++)
        sl_batch_free(s->chunks[i]);
    sl_free(s->chunks);
    sl_free(s->columns);
    sl_free(s->types);
    sl_free(s->row_split);
    sl_free(s->split_end);
    sl_free(s->split_rows);
    sl_free(s->split_total);
    sl_free(s->sel);
    sl_free(s);
}

/* Takes a reference to every chunk of the table as it is now, checking that the table
 * still has the columns bind found (it may have been dropped and re-created since). */
static sl_status take_chunks(table_scan *s, sl_error *err)
{
    const table_bind *b = s->bind;
    sl_catalog_lock(b->catalog);
    sl_status st = SL_OK;
    sl_table *t = sl_catalog_find_table(b->catalog, b->table_name);
    if (!t) {
        st = sl_error_set(err, SL_ERR_CATALOG, "source \"%s\": table \"%s\" (option 'table') no longer exists",
                          b->source_name, b->table_name);
        goto done;
    }
    for (uint32_t i = 0; i < s->column_count; i++) {
        uint32_t c = s->columns[i];
        if (c >= t->column_count || !sl_type_equal(t->columns[c].type, s->types[i])) {
            st = sl_error_set(err, SL_ERR_CATALOG, "source \"%s\": table \"%s\" changed its columns since the query was planned",
                              b->source_name, b->table_name);
            goto done;
        }
    }
    if (b->partition_column >= 0 && ((uint32_t)b->partition_column >= t->column_count ||
                                     !sl_type_equal(t->columns[b->partition_column].type, b->partition_type))) {
        st = sl_error_set(err, SL_ERR_CATALOG, "source \"%s\": table \"%s\" changed its columns since the query was planned",
                          b->source_name, b->table_name);
        goto done;
    }
    s->chunks = sl_calloc(t->chunk_count ? t->chunk_count : 1, sizeof *s->chunks);
    if (!s->chunks) {
        st = sl_error_oom(err);
        goto done;
    }
    for (size_t i = 0; i < t->chunk_count; i++) {
        s->chunks[i] = sl_batch_share(t->chunks[i]);
        if (!s->chunks[i]) {
            st = sl_error_oom(err);
            goto done;
        }
        s->chunk_count++;
    }
done:
    sl_catalog_unlock(b->catalog);
    return st;
}

/* Numbers the splits: every row gets the split of its partition_column value, splits
 * numbered in order of first appearance; split_end[k] is the global row number after the
 * last row of split k. */
static sl_status assign_splits(table_scan *s, sl_exec_context *exec, sl_error *err)
{
    const table_bind *b = s->bind;
    uint64_t rows = 0;
    for (size_t i = 0; i < s->chunk_count; i++)
        rows += s->chunks[i]->count;
    s->split_count = 1;
    s->split_end = sl_calloc(1, sizeof *s->split_end);
    if (!s->split_end)
        return sl_error_oom(err);
    s->split_end[0] = rows;
    if (b->partition_column < 0 || rows == 0)
        return SL_OK;

    s->row_split = sl_malloc(sizeof(uint32_t) * rows);
    uint64_t *hashes = sl_malloc(sizeof(uint64_t) * SL_BATCH_CAPACITY);
    uint8_t **payloads = sl_malloc(sizeof(uint8_t *) * SL_BATCH_CAPACITY);
    sl_hash_scratch *scratch = sl_malloc(sizeof *scratch);
    sl_hash_table ht;
    bool ht_ready = false;
    sl_status st = SL_OK;
    size_t split_capacity = 1;
    if (!s->row_split || !hashes || !payloads || !scratch) {
        st = sl_error_oom(err);
        goto done;
    }
    st = sl_hash_table_init(&ht, &b->partition_type, 1, sizeof(uint32_t), 0, exec ? exec->memory : NULL,
                            "table source partitions", err);
    if (st != SL_OK)
        goto done;
    ht_ready = true;
    s->split_count = 0;
    uint64_t position = 0;
    for (size_t i = 0; i < s->chunk_count && st == SL_OK; i++) {
        const sl_batch *chunk = s->chunks[i];
        if (chunk->count > SL_BATCH_CAPACITY) {
            st = sl_error_set(err, SL_ERR_INTERNAL, "connector 'table': a chunk of %u rows", chunk->count);
            break;
        }
        sl_vector *key = chunk->columns[b->partition_column];
        sl_hash_table_hash(&key, 1, chunk->sel, chunk->count, hashes);
        st = sl_hash_table_find_or_insert(&ht, scratch, &key, chunk->sel, chunk->count, hashes, NULL, payloads, NULL,
                                          NULL, err);
        /* payload: split number + 1 (0 = new value); numbering in row order */
        for (uint32_t r = 0; r < chunk->count && st == SL_OK; r++, position++) {
            uint32_t *split = (uint32_t *)payloads[r];
            if (*split == 0) {
                if (s->split_count == split_capacity) {
                    st = sl_array_reserve((void **)&s->split_end, &split_capacity, (size_t)s->split_count + 1,
                                          sizeof *s->split_end, err);
                    if (st != SL_OK)
                        break;
                }
                *split = ++s->split_count;
            }
            s->row_split[position] = *split - 1;
            s->split_end[*split - 1] = position + 1;
        }
    }
done:
    if (ht_ready)
        sl_hash_table_free(&ht);
    sl_free(hashes);
    sl_free(payloads);
    sl_free(scratch);
    return st;
}

/* Starts a scan producing the source columns columns[0..column_count) (NULL: all). */
static sl_status table_start(const table_bind *b, sl_exec_context *exec, const uint32_t *columns,
                             uint32_t column_count, void **state, sl_error *err)
{
    table_scan *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->bind = b;
    s->column_count = columns ? column_count : b->column_count;
    s->columns = sl_malloc(sizeof(uint32_t) * (s->column_count + 1));
    s->types = sl_malloc(sizeof(sl_type) * (s->column_count + 1));
    s->sel = sl_malloc(sizeof(uint32_t) * SL_BATCH_CAPACITY);
    sl_status st = SL_OK;
    if (!s->columns || !s->types || !s->sel)
        st = sl_error_oom(err);
    for (uint32_t i = 0; i < s->column_count && st == SL_OK; i++) {
        uint32_t c = columns ? columns[i] : i;
        if (c >= b->column_count) {
            st = sl_error_set(err, SL_ERR_INTERNAL, "connector 'table': column %u out of range", c);
            break;
        }
        s->columns[i] = b->columns[c];
        s->types[i] = b->types[c];
    }
    if (st == SL_OK)
        st = take_chunks(s, err);
    if (st == SL_OK)
        st = assign_splits(s, exec, err);
    if (st != SL_OK) {
        table_free(s);
        return st;
    }
    *state = s;
    return SL_OK;
}

static sl_status table_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    return table_start(bind_data, exec, NULL, 0, state, err);
}

static sl_status table_init_projected(const void *bind_data, sl_exec_context *exec, const uint32_t *columns,
                                      uint32_t column_count, void **state, sl_error *err)
{
    if (!columns)
        return sl_error_set(err, SL_ERR_INTERNAL, "connector 'table': projected scan without a column list");
    return table_start(bind_data, exec, columns, column_count, state, err);
}

/* Skips chunks with no row left. */
static void skip_exhausted(table_scan *s)
{
    while (s->chunk < s->chunk_count && s->row >= s->chunks[s->chunk]->count) {
        s->chunk++;
        s->row = 0;
    }
}

/* The batch: the next run of at most rows_per_batch rows of one split. A run inside one
 * chunk shares its columns (with a selection unless it is the whole chunk); a run across
 * chunks (a table filled by many small INSERTs) is copied. */
static sl_status table_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    table_scan *s = state;
    *out = NULL;
    skip_exhausted(s);
    if (s->chunk >= s->chunk_count)
        return SL_OK;
    if (s->bind->rows_per_second > 0) {   /* row `position` is due at position / rate seconds */
        if (s->position == 0)
            s->start_micros = sl_connector_now_micros();
        SL_TRY(sl_connector_pace(exec, s->start_micros,
                                 (int64_t)(s->position * 1000000 / (uint64_t)s->bind->rows_per_second), err));
    }
    uint32_t limit = (uint32_t)s->bind->rows_per_batch;
    uint32_t split = s->row_split ? s->row_split[s->position] : 0;

    /* measure the run */
    uint32_t n = 0;
    size_t chunk = s->chunk;
    uint32_t row = s->row;
    bool one_chunk = true;
    while (n < limit && chunk < s->chunk_count) {
        if (row >= s->chunks[chunk]->count) {
            chunk++;
            row = 0;
            continue;
        }
        if (s->row_split && s->row_split[s->position + n] != split)
            break;
        if (chunk != s->chunk)
            one_chunk = false;
        n++;
        row++;
    }

    sl_batch *batch;
    if (one_chunk) {
        const sl_batch *c = s->chunks[s->chunk];
        batch = sl_batch_new(s->column_count);
        if (!batch)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < s->column_count; i++)
            sl_batch_set_column(batch, i, sl_vector_ref(c->columns[s->columns[i]]));
        batch->length = c->length;
        batch->count = c->count;
        if (!c->sel && s->row == 0 && n == c->count) {
            /* the whole dense chunk */
        } else {
            for (uint32_t r = 0; r < n; r++)
                s->sel[r] = sl_batch_row(c, s->row + r);
            sl_status st = sl_batch_set_selection(batch, s->sel, n, err);
            if (st != SL_OK) {
                sl_batch_free(batch);
                return st;
            }
        }
        s->row += n;
    } else {
        batch = sl_batch_new_typed(s->types, s->column_count, limit);
        if (!batch)
            return sl_error_oom(err);
        uint32_t done = 0;
        while (done < n) {
            skip_exhausted(s);
            const sl_batch *c = s->chunks[s->chunk];
            uint32_t k = c->count - s->row < n - done ? c->count - s->row : n - done;
            for (uint32_t r = 0; r < k; r++)
                s->sel[r] = sl_batch_row(c, s->row + r);
            for (uint32_t i = 0; i < s->column_count; i++) {
                sl_status st = sl_vector_gather(batch->columns[i], done, c->columns[s->columns[i]], s->sel, k, err);
                if (st != SL_OK) {
                    sl_batch_free(batch);
                    return st;
                }
            }
            done += k;
            s->row += k;
        }
        batch->length = batch->count = n;
    }
    if (!s->split_rows) {   /* per-split counters, for split_stats */
        s->split_rows = sl_calloc(s->split_count, sizeof *s->split_rows);
        s->split_total = sl_calloc(s->split_count, sizeof *s->split_total);
        if (!s->split_rows || !s->split_total) {
            sl_batch_free(batch);
            return sl_error_oom(err);
        }
        uint64_t total = 0;
        for (size_t c = 0; c < s->chunk_count; c++)
            total += s->chunks[c]->count;
        for (uint64_t r = 0; r < total; r++)
            s->split_total[s->row_split ? s->row_split[r] : 0]++;
    }
    s->split_rows[split] += n;
    s->position += n;
    s->batch_split = split;
    *out = batch;
    return SL_OK;
}

static void table_split_stats(void *state, uint32_t split, sl_split_stats *out)
{
    table_scan *s = state;
    out->partition = s->row_split ? (int32_t)split : -1;
    out->name = NULL;
    out->offset = (int64_t)s->position;
    out->rows = s->split_rows && split < s->split_count ? (int64_t)s->split_rows[split] : 0;
    out->lag = s->split_total && split < s->split_count ? (int64_t)(s->split_total[split] - s->split_rows[split]) : -1;
    out->rejected = 0;
}

static uint32_t table_split_count(void *state)
{
    return ((table_scan *)state)->split_count;
}

static uint32_t table_batch_split(void *state)
{
    return ((table_scan *)state)->batch_split;
}

static bool table_split_ended(void *state, uint32_t split)
{
    table_scan *s = state;
    return split >= s->split_count || s->position >= s->split_end[split];
}

static const sl_table_function table_scan_function = {
    .name = "table",
    .bind = NULL,
    .init = table_init,
    .init_projected = table_init_projected,
    .next = table_next,
    .free = table_free,
    .split_count = table_split_count,
    .batch_split = table_batch_split,
    .split_ended = table_split_ended,
    .split_stats = table_split_stats,
};

const sl_connector sl_table_connector = {
    .name = "table",
    .bind = table_bind_spec,
    .scan = &table_scan_function,
};
