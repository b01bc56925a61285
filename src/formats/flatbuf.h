/*
 * flatbuf.h — a minimal FlatBuffers reader and builder, enough for the Arrow IPC metadata
 * tables (Schema, Field, Message, RecordBatch, DictionaryBatch, Footer; see Arrow's
 * Schema.fbs / Message.fbs / File.fbs).
 *
 * Reader: every access is bounds-checked against the buffer, because the buffer comes
 * from a file. Accessors return false when the buffer is malformed (an offset or length
 * points outside it); an absent field is not an error (the caller keeps its default).
 * Only little-endian hosts are supported (as by the rest of the engine).
 *
 * Builder: the standard back-to-front layout. Children (strings, vectors, tables) are
 * built before their parent and referred to by an sl_fb_ref; one table at a time is open
 * (sl_fb_table_start ... sl_fb_table_end). Allocation failure is sticky: every call after
 * it is a no-op and sl_fb_finish reports SL_ERR_OOM.
 */
#ifndef SL_FORMATS_FLATBUF_H
#define SL_FORMATS_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

/* ------------------------------------------------------------------ reader */

typedef struct sl_fb_table {
    const uint8_t *buf;
    size_t len;
    size_t pos;         /* table start */
    size_t vtable;      /* vtable start */
    uint16_t vtable_len;
    uint16_t table_len;
} sl_fb_table;

/* The root table of a finished buffer. */
bool sl_fb_root(const uint8_t *buf, size_t len, sl_fb_table *out);

/* Scalar field `id` of `size` bytes into *out (little-endian copy); leaves *out untouched
 * when the field is absent. */
bool sl_fb_scalar(const sl_fb_table *t, unsigned id, size_t size, void *out);

/* Sub-table field; *present = false when absent. */
bool sl_fb_subtable(const sl_fb_table *t, unsigned id, sl_fb_table *out, bool *present);

/* Vector field of elements of `elem_size` bytes (4 for vectors of tables/strings):
 * *data points at the first element, *count its length (0 when absent). */
bool sl_fb_vector(const sl_fb_table *t, unsigned id, size_t elem_size, const uint8_t **data, uint32_t *count);

/* Element i of a vector of tables returned by sl_fb_vector(..., 4, ...). */
bool sl_fb_vector_table(const sl_fb_table *t, const uint8_t *vector_data, uint32_t i, sl_fb_table *out);

/* String field (not necessarily NUL-terminated in the buffer: use *length); *data = NULL
 * when absent. */
bool sl_fb_string(const sl_fb_table *t, unsigned id, const char **data, uint32_t *length);

/* ------------------------------------------------------------------ builder */

typedef uint32_t sl_fb_ref;   /* an object's distance from the end of the buffer */

#define SL_FB_MAX_FIELDS 16

typedef struct sl_fb_builder {
    uint8_t *buf;         /* data lives in buf[cap - size, cap) */
    size_t cap;
    size_t size;
    size_t minalign;
    bool failed;          /* allocation failed */
    size_t table_start;
    int field_count;      /* highest field id + 1 of the open table */
    uint32_t fields[SL_FB_MAX_FIELDS];   /* position (size) of each field, 0 = absent */
} sl_fb_builder;

void sl_fb_builder_init(sl_fb_builder *b);
void sl_fb_builder_free(sl_fb_builder *b);
/* Empties the builder for reuse, keeping its memory. */
void sl_fb_builder_reset(sl_fb_builder *b);

sl_fb_ref sl_fb_create_string(sl_fb_builder *b, const char *s, size_t length);
/* A vector of `count` plain elements (scalars or structs) of elem_size bytes, aligned to
 * `align`. */
sl_fb_ref sl_fb_create_vector(sl_fb_builder *b, const void *data, size_t elem_size, size_t count, size_t align);
/* A vector of references (tables or strings). */
sl_fb_ref sl_fb_create_ref_vector(sl_fb_builder *b, const sl_fb_ref *refs, size_t count);

void sl_fb_table_start(sl_fb_builder *b);
void sl_fb_add_scalar(sl_fb_builder *b, unsigned id, const void *value, size_t size);
void sl_fb_add_ref(sl_fb_builder *b, unsigned id, sl_fb_ref ref);
void sl_fb_add_struct(sl_fb_builder *b, unsigned id, const void *value, size_t size, size_t align);
sl_fb_ref sl_fb_table_end(sl_fb_builder *b);

/* Writes the root reference; *data / *length then describe the finished buffer (owned by
 * the builder, valid until the next builder call). SL_ERR_OOM if an allocation failed. */
sl_status sl_fb_finish(sl_fb_builder *b, sl_fb_ref root, const uint8_t **data, size_t *length, sl_error *err);

#endif
