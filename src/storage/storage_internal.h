/*
 * storage_internal.h — what the files of src/storage share: a growable byte buffer, the
 * stable on-disk type codes, the table data file (table_file.c) and the manifest
 * (manifest.c). storage.c ties them together behind storage.h.
 */
#ifndef SL_STORAGE_INTERNAL_H
#define SL_STORAGE_INTERNAL_H

#include <stdint.h>

#include "catalog/catalog.h"
#include "common/status.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Sluice storage format writes value slots as raw little-endian memory"
#endif

/* ----------------------------------------------------------------- byte buffer */

typedef struct sl_bytes {
    uint8_t *data;
    size_t size;
    size_t capacity;
} sl_bytes;

/* Appends n bytes (sl_malloc'd growth). SL_ERR_OOM leaves the buffer as it was. */
sl_status sl_bytes_append(sl_bytes *b, const void *data, size_t n, sl_error *err);
/* Appends n zero bytes and returns a pointer to them through *out. */
sl_status sl_bytes_grow(sl_bytes *b, size_t n, uint8_t **out, sl_error *err);
void sl_bytes_free(sl_bytes *b);

/* ----------------------------------------------------------------- type codes */

/* The stable number of a type on disk (independent of the sl_type_id enum order);
 * 0 for a type that cannot be stored. */
uint8_t sl_storage_type_code(sl_type type);
/* The manifest spelling of a type code ("INTEGER", "DECIMAL", ...); NULL if unknown. */
const char *sl_storage_type_code_name(uint8_t code);
/* Type code of a manifest spelling; 0 if unknown. */
uint8_t sl_storage_type_code_parse(const char *name, size_t length);
/* Rebuilds the type from its code, precision and scale; false if they are invalid. */
bool sl_storage_type_from_code(uint8_t code, uint8_t precision, uint8_t scale, sl_type *out);

/* Writes all of data at offset (retrying short writes). -1 with errno on failure. */
int sl_storage_pwrite_all(int fd, const void *data, size_t size, uint64_t offset);
/* Reads exactly size bytes at offset: 1 = done, 0 = end of file first, -1 = error. */
int sl_storage_pread_all(int fd, void *data, size_t size, uint64_t offset);

/* ----------------------------------------------------------------- table data file */

typedef struct sl_table_file {
    uint64_t number;            /* the file is <dir>/t_<number>.data */
    char *path;                 /* sl_malloc'd */
    int fd;
    uint64_t committed_size;    /* bytes up to the end of the last COMMIT (or the header) */
    size_t persisted_chunks;    /* chunks of the table covered by the last COMMIT */
} sl_table_file;

/* Creates a new, empty data file for `table` (header only, fsync'd). */
sl_status sl_table_file_create(const char *dir, uint64_t number, const sl_table *table, sl_table_file *out,
                               sl_error *err);
/* Opens an existing data file, checks its header against the table's columns and appends
 * every committed chunk to `table`. An uncommitted or torn tail is cut off (truncated);
 * a damaged record before the last COMMIT is SL_ERR_IO naming the file and offset. */
sl_status sl_table_file_load(const char *dir, uint64_t number, sl_table *table, sl_table_file *out, sl_error *err);
/* Appends chunks [file->persisted_chunks, table->chunk_count) and a COMMIT, then
 * fdatasync. The caller holds the catalog lock. On failure the file is cut back to the
 * last COMMIT and nothing counts as persisted. */
sl_status sl_table_file_append(sl_table_file *file, const sl_table *table, sl_error *err);
void sl_table_file_close(sl_table_file *file);

/* ----------------------------------------------------------------- manifest */

typedef struct sl_manifest_table {
    uint64_t file_number;
    char *name;
    uint32_t column_count;
    sl_column_def *columns;
} sl_manifest_table;

typedef struct sl_manifest_view {
    char *name;
    char *sql;
    uint32_t alias_count;
    char **aliases;
} sl_manifest_view;

typedef struct sl_manifest {
    sl_manifest_table *tables;
    size_t table_count;
    sl_manifest_view *views;
    size_t view_count;
} sl_manifest;

/* Serialises the catalog (every table must have a storage_id) into *out (appended).
 * The caller holds the catalog lock. Deterministic: equal catalogs give equal bytes. */
sl_status sl_manifest_build(sl_catalog *catalog, sl_bytes *out, sl_error *err);
/* Parses manifest bytes read from `path` (named in errors, with the byte offset). */
sl_status sl_manifest_parse(const char *path, const uint8_t *data, size_t size, sl_manifest *out, sl_error *err);
void sl_manifest_free(sl_manifest *manifest);

#endif
