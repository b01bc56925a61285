/*
 * changelog.h — consolidating a changelog into the table it describes.
 *
 * A continuous query with an updating result (aggregates, joins, top-N over unbounded
 * input) produces inserts and retractions (batch->change, exec/operator.h). Applying them
 * in order gives the result table at that moment; when every input is bounded, the table
 * after the last change is the query's final result, equal to the batch result of the
 * same SQL. Rows are compared by value (all columns), duplicates count.
 *
 * The table keeps inserted rows (shared column vectors of the batches they came in) and a
 * net count per distinct row; retractions only decrement counts. It compacts itself when
 * more than half of what it holds is retracted, so an endless updating query holds about
 * twice its live result.
 */
#ifndef SL_STREAM_CHANGELOG_H
#define SL_STREAM_CHANGELOG_H

#include "exec/operator.h"

typedef struct sl_changelog_table sl_changelog_table;

/* A table of rows with `column_count` columns of `types` (copied). NULL on OOM. */
sl_changelog_table *sl_changelog_table_new(uint32_t column_count, const sl_type *types);
void sl_changelog_table_free(sl_changelog_table *table);
/* Applies the active rows of batch (change NULL: all inserts). A retraction of a row that
 * is not in the table is an error (SL_ERR_INTERNAL: the producer broke the changelog). */
sl_status sl_changelog_table_apply(sl_changelog_table *table, const sl_batch *batch, sl_error *err);
/* The rows in the table now, in order of first insertion, as dense batches (no change
 * column) the caller frees (sl_batch_free each, sl_free the array). The table is kept. */
sl_status sl_changelog_table_rows(sl_changelog_table *table, sl_batch ***batches, size_t *count, sl_error *err);
/* Rows in the table now (sum of net counts). */
int64_t sl_changelog_table_row_count(const sl_changelog_table *table);

#endif
