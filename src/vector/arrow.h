/*
 * arrow.h — the Arrow C Data Interface and C Stream Interface: structs, export of batches
 * and import of foreign Arrow arrays.
 *
 * Export (results leaving the engine): a batch's active rows become a struct array whose
 * children are the columns. Fixed-width columns (integers, REAL, DOUBLE, DATE, TIMESTAMP,
 * DECIMAL with precision > 18) are exported zero-copy: the child keeps a reference to the
 * vector and its release callback drops it. BOOLEAN is bit-packed, DECIMAL(p<=18) widened
 * to decimal128, VARCHAR copied into utf8 offsets + data, INTERVAL converted to
 * month_day_nano. Type mapping:
 *   BOOLEAN b  TINYINT c  SMALLINT s  INTEGER i  BIGINT l  REAL f  DOUBLE g
 *   DECIMAL(p,s) d:p,s  VARCHAR u  DATE tdD  TIMESTAMP tsu:  INTERVAL tin  NULL n
 *
 * Import (foreign data entering the engine): sl_arrow_import_array moves the ArrowArray
 * into a shared holder; fixed-width buffers of matching layout are wrapped zero-copy
 * (each wrapped sl_buffer holds a holder reference; the array's own release runs when the
 * last buffer goes), strings become sl_string views into the Arrow data buffers, other
 * layouts are converted (unsigned widths widen: uint8->SMALLINT, uint16->INTEGER,
 * uint32->BIGINT, uint64->DECIMAL(20,0); date64 and s/ms/ns timestamps convert; booleans
 * unpack; dictionary-encoded strings decode; utf8, large_utf8 and utf8_view accepted).
 * Imported vectors may point at foreign memory: treat them as read-only even when their
 * refcount is 1 (their data buffer has a non-NULL release callback).
 */
#ifndef SL_VECTOR_ARROW_H
#define SL_VECTOR_ARROW_H

#include <stdint.h>

#include "vector/batch.h"

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    /* Array type description */
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;

    /* Release callback */
    void (*release)(struct ArrowSchema *);
    /* Opaque producer-specific data */
    void *private_data;
};

struct ArrowArray {
    /* Array data description */
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;

    /* Release callback */
    void (*release)(struct ArrowArray *);
    /* Opaque producer-specific data */
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
    /* Callbacks providing stream functionality */
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);

    /* Release callback */
    void (*release)(struct ArrowArrayStream *);

    /* Opaque producer-specific data */
    void *private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

/* ------------------------------------------------------------------ export */

/* Fills *out with a struct schema ("+s") of `count` nullable columns. Names are copied.
 * On failure *out is untouched. */
sl_status sl_arrow_export_schema(const sl_type *types, const char *const *names, uint32_t count,
                                 struct ArrowSchema *out, sl_error *err);

/* Fills *out with a struct array of the batch's active rows (see the file comment for
 * what is zero-copy). The batch may be freed afterwards: the array holds its own
 * references. On failure *out is untouched. */
sl_status sl_arrow_export_batch(const sl_batch *batch, struct ArrowArray *out, sl_error *err);

/* A pull callback for streams: sets *out to the next batch (ownership passes to the
 * caller) or to NULL at the end. */
typedef sl_status (*sl_arrow_next_fn)(void *state, sl_batch **out, sl_error *err);
typedef void (*sl_arrow_state_free_fn)(void *state);

/* Fills *out with an ArrowArrayStream whose get_next pulls batches from next(state).
 * The stream owns `state` and calls free_state(state) (if non-NULL) on release, also
 * when this function fails. Types and names are copied. */
sl_status sl_arrow_stream_new(const sl_type *types, const char *const *names, uint32_t count,
                              sl_arrow_next_fn next, sl_arrow_state_free_fn free_state, void *state,
                              struct ArrowArrayStream *out, sl_error *err);

/* A stream over a fixed list of batches. Takes ownership of the batches and of the
 * `batches` array (sl_malloc'd), also on failure. */
sl_status sl_arrow_stream_from_batches(const sl_type *types, const char *const *names, uint32_t count,
                                       sl_batch **batches, size_t batch_count,
                                       struct ArrowArrayStream *out, sl_error *err);

/* ------------------------------------------------------------------ import */

/* Reads a struct schema: *types (sl_malloc'd array) and *names (sl_malloc'd array of
 * sl_malloc'd strings) of its *count children; free with sl_arrow_free_columns. Does not
 * release the schema. SL_ERR_TYPE naming the column and format for unsupported types. */
sl_status sl_arrow_import_schema(const struct ArrowSchema *schema, sl_type **types, char ***names,
                                 uint32_t *count, sl_error *err);
void sl_arrow_free_columns(sl_type *types, char **names, uint32_t count);

/* Imports a struct array described by `schema` as one dense batch of array->length rows.
 * Always consumes the array (moves it: array->release is NULL afterwards; on failure it
 * has been released). The schema is only read. */
sl_status sl_arrow_import_array(struct ArrowArray *array, const struct ArrowSchema *schema, sl_batch **out,
                                sl_error *err);

/* As sl_arrow_import_array, but cut into batches of at most max_rows rows (zero-copy
 * slices where the layout allows), for operators that expect SL_BATCH_CAPACITY-sized
 * batches. *batches is an sl_malloc'd array of *batch_count batches. */
sl_status sl_arrow_import_array_chunked(struct ArrowArray *array, const struct ArrowSchema *schema,
                                        uint32_t max_rows, sl_batch ***batches, size_t *batch_count,
                                        sl_error *err);

#endif
