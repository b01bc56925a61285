/*
 * view_scan.h — the rows of a materialized view and the scan that reads them.
 *
 * A materialized view (CREATE MATERIALIZED VIEW, api/background.c) is kept up to date by a
 * background job that applies its query's changelog to a view store: an
 * sl_changelog_table (stream/changelog.h) guarded by the store's own mutex, so readers
 * never wait for the job's next poll. `SELECT ... FROM v` binds v (sql/bind_stream_ddl.c)
 * as a TABLE_FUNCTION over sl_view_scan_function, whose init takes a snapshot of the
 * current rows; the scan then hands out those batches. A store whose job failed keeps the
 * message, and a scan of it fails with "materialized view v failed: ...".
 *
 * Lifetimes: the job owns the store; the catalog entry (catalog.h, sl_stream_object)
 * borrows it. The scan's bind data holds only the view's name and schema and looks the
 * store up in the catalog at init, which runs under the database's statement lock like
 * DROP MATERIALIZED VIEW, so the store cannot vanish under a starting scan; the snapshot
 * shares column vectors with the table (reference counted), nothing else.
 */
#ifndef SL_STREAM_VIEW_SCAN_H
#define SL_STREAM_VIEW_SCAN_H

#include "plan/table_function.h"

typedef struct sl_view_store sl_view_store;

/* An empty store for rows of `column_count` columns of `types` (copied); name is copied
 * (for messages). NULL on OOM. */
sl_view_store *sl_view_store_new(const char *name, uint32_t column_count, const sl_type *types);
void sl_view_store_free(sl_view_store *store);
/* Applies a changelog batch (batch->change NULL = inserts); thread-safe. */
sl_status sl_view_store_apply(sl_view_store *store, const sl_batch *batch, sl_error *err);
/* Marks the store failed with `message` (copied); later reads fail. Thread-safe. */
void sl_view_store_fail(sl_view_store *store, const char *message);
/* A snapshot of the current rows: dense batches the caller frees (sl_batch_free each,
 * sl_free the array). Fails with "materialized view <name> failed: <message>" after
 * sl_view_store_fail. Thread-safe. */
sl_status sl_view_store_rows(sl_view_store *store, sl_batch ***batches, size_t *count, sl_error *err);
int64_t sl_view_store_row_count(sl_view_store *store);

/* Bind data of a view scan (arena-allocated by the binder). */
typedef struct sl_view_scan_bind {
    const char *name;           /* the materialized view, looked up at init */
    uint32_t column_count;
    const sl_type *types;       /* the schema the plan was bound with */
} sl_view_scan_bind;

/* The TABLE_FUNCTION reading a materialized view (bind data: sl_view_scan_bind; the
 * function's bind callback is unused: the binder fills the op directly). */
extern const sl_table_function sl_view_scan_function;

#endif
