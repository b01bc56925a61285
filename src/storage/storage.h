/*
 * storage.h — persistent databases: a directory holding a manifest (the catalog) and one
 * append-only data file per table. See src/storage/README.md for the formats and the
 * crash-safety argument.
 *
 * Data flow: sluice_open(path) calls sl_storage_open, which locks the directory, reads
 * the manifest and loads every committed chunk into the (in-memory) catalog. After every
 * statement (and Arrow registration) the API calls sl_storage_sync, which diffs the
 * catalog against what is on disk: new chunks are appended to their table's data file
 * and committed, DDL changes rewrite the manifest atomically, dropped tables' files are
 * removed. sluice_close calls sl_storage_close.
 *
 * Concurrency: one process per directory (an flock on `<dir>/lock`). Within a process,
 * the caller serialises sl_storage_sync calls (db->statement_lock); sync takes the
 * catalog lock while it reads chunk lists.
 */
#ifndef SL_STORAGE_STORAGE_H
#define SL_STORAGE_STORAGE_H

#include "catalog/catalog.h"
#include "common/status.h"

typedef struct sl_storage sl_storage;

/* Opens (creating if missing) the database directory `path`, takes its lock and loads
 * its tables and views into `catalog` (which should be empty). On success *out owns the
 * open directory (free with sl_storage_close). On failure (SL_ERR_IO naming the file, and
 * the byte offset for corrupt content; SL_ERR_OOM) *out is untouched; the catalog may
 * hold part of the database and should be freed by the caller. */
sl_status sl_storage_open(const char *path, sl_catalog *catalog, sl_storage **out, sl_error *err);

/* Makes the files match the catalog: appends the chunks of each table beyond those
 * already persisted (followed by a COMMIT record and fdatasync), creates data files for
 * new tables, rewrites the manifest when tables or views changed, and removes the files
 * of dropped tables. On failure returns SL_ERR_IO (or SL_ERR_OOM) naming the file; what
 * was not persisted is retried at the next sync. */
sl_status sl_storage_sync(sl_storage *storage, sl_catalog *catalog, sl_error *err);

/* Closes the files and releases the directory lock. NULL is a no-op. */
void sl_storage_close(sl_storage *storage);

#endif
