/*
 * flatbuf.c — the bounds-checked FlatBuffers reader and the back-to-front builder used by
 * the Arrow IPC reader and writer (see flatbuf.h).
 *
 * Layout reminder: a table starts with an int32 soffset; its vtable is at
 * table - soffset and holds {uint16 vtable_len, uint16 table_len, uint16 field_offset[]}.
 * References (uoffset, uint32) point forward from their own position. Vectors and
 * strings are prefixed by a uint32 element count; strings are NUL-terminated.
 */
#include "formats/flatbuf.h"

#include <string.h>

#include "common/alloc.h"

/* ------------------------------------------------------------------ reader */

static inline uint32_t rd_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint16_t rd_u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* The table at pos, validated. */
static bool fb_table_at(const uint8_t *buf, size_t len, size_t pos, sl_fb_table *out)
{
    if (pos > len || len - pos < 4)
        return false;
    int32_t soff;
    memcpy(&soff, buf + pos, 4);
    int64_t vt = (int64_t)pos - soff;
    if (vt < 0 || (uint64_t)vt > len || len - (size_t)vt < 4)
        return false;
    uint16_t vt_len = rd_u16(buf + vt), table_len = rd_u16(buf + vt + 2);
    if (vt_len < 4 || (vt_len & 1) || (size_t)vt + vt_len > len || table_len < 4 || pos + table_len > len)
        return false;
    out->buf = buf;
    out->len = len;
    out->pos = pos;
    out->vtable = (size_t)vt;
    out->vtable_len = vt_len;
    out->table_len = table_len;
    return true;
}

/* Absolute position of field id (which must have `size` bytes inside the table), or 0
 * when absent; false if it does not fit. */
static bool fb_field(const sl_fb_table *t, unsigned id, size_t size, size_t *pos)
{
    *pos = 0;
    size_t entry = 4 + 2 * (size_t)id;
    if (entry + 2 > t->vtable_len)
        return true;
    uint16_t off = rd_u16(t->buf + t->vtable + entry);
    if (off == 0)
        return true;
    if ((size_t)off + size > t->table_len)
        return false;
    *pos = t->pos + off;
    return true;
}

/* Follows the reference stored in field id: *target = 0 when absent. */
static bool fb_deref(const sl_fb_table *t, unsigned id, size_t *target)
{
    size_t pos;
    *target = 0;
    if (!fb_field(t, id, 4, &pos))
        return false;
    if (!pos)
        return true;
    uint64_t to = (uint64_t)pos + rd_u32(t->buf + pos);
    if (to >= t->len)
        return false;
    *target = (size_t)to;
    return true;
}

bool sl_fb_root(const uint8_t *buf, size_t len, sl_fb_table *out)
{
    if (!buf || len < 8)
        return false;
    return fb_table_at(buf, len, rd_u32(buf), out);
}

bool sl_fb_scalar(const sl_fb_table *t, unsigned id, size_t size, void *out)
{
    size_t pos;
    if (!fb_field(t, id, size, &pos))
        return false;
    if (pos)
        memcpy(out, t->buf + pos, size);
    return true;
}

bool sl_fb_subtable(const sl_fb_table *t, unsigned id, sl_fb_table *out, bool *present)
{
    size_t target;
    *present = false;
    if (!fb_deref(t, id, &target))
        return false;
    if (!target)
        return true;
    if (!fb_table_at(t->buf, t->len, target, out))
        return false;
    *present = true;
    return true;
}

bool sl_fb_vector(const sl_fb_table *t, unsigned id, size_t elem_size, const uint8_t **data, uint32_t *count)
{
    size_t target;
    *data = NULL;
    *count = 0;
    if (!fb_deref(t, id, &target))
        return false;
    if (!target)
        return true;
    if (t->len - target < 4)
        return false;
    uint32_t n = rd_u32(t->buf + target);
    if ((uint64_t)n * elem_size > t->len - target - 4)
        return false;
    *data = t->buf + target + 4;
    *count = n;
    return true;
}

bool sl_fb_vector_table(const sl_fb_table *t, const uint8_t *vector_data, uint32_t i, sl_fb_table *out)
{
    size_t pos = (size_t)(vector_data - t->buf) + (size_t)i * 4;
    if (pos + 4 > t->len)
        return false;
    return fb_table_at(t->buf, t->len, pos + rd_u32(t->buf + pos), out);
}

bool sl_fb_string(const sl_fb_table *t, unsigned id, const char **data, uint32_t *length)
{
    const uint8_t *p;
    uint32_t n;
    *data = NULL;
    *length = 0;
    if (!sl_fb_vector(t, id, 1, &p, &n))
        return false;
    *data = (const char *)p;
    *length = n;
    return true;
}

/* ------------------------------------------------------------------ builder */

void sl_fb_builder_init(sl_fb_builder *b)
{
    memset(b, 0, sizeof *b);
    b->minalign = 1;
}

void sl_fb_builder_free(sl_fb_builder *b)
{
    sl_free(b->buf);
    memset(b, 0, sizeof *b);
}

void sl_fb_builder_reset(sl_fb_builder *b)
{
    b->size = 0;
    b->minalign = 1;
    b->failed = false;
    b->field_count = 0;
}

/* Room for n more bytes in front of the data. */
static bool fb_grow(sl_fb_builder *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->cap - b->size >= n)
        return true;
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap - b->size < n)
        cap *= 2;
    uint8_t *buf = sl_malloc(cap);
    if (!buf) {
        b->failed = true;
        return false;
    }
    if (b->size)
        memcpy(buf + cap - b->size, b->buf + b->cap - b->size, b->size);
    sl_free(b->buf);
    b->buf = buf;
    b->cap = cap;
    return true;
}

static void fb_push(sl_fb_builder *b, const void *data, size_t n)
{
    if (!fb_grow(b, n))
        return;
    b->size += n;
    if (data)
        memcpy(b->buf + b->cap - b->size, data, n);
    else
        memset(b->buf + b->cap - b->size, 0, n);
}

/* Pads so that after writing `additional` bytes the data is aligned to `align`. */
static void fb_prep(sl_fb_builder *b, size_t align, size_t additional)
{
    if (align > b->minalign)
        b->minalign = align;
    size_t pad = (~(b->size + additional) + 1) & (align - 1);
    if (pad)
        fb_push(b, NULL, pad);
}

static void fb_push_u32(sl_fb_builder *b, uint32_t v)
{
    fb_push(b, &v, 4);
}

sl_fb_ref sl_fb_create_string(sl_fb_builder *b, const char *s, size_t length)
{
    fb_prep(b, 4, length + 1);
    fb_push(b, NULL, 1);
    fb_push(b, s, length);
    fb_push_u32(b, (uint32_t)length);
    return (sl_fb_ref)b->size;
}

sl_fb_ref sl_fb_create_vector(sl_fb_builder *b, const void *data, size_t elem_size, size_t count, size_t align)
{
    fb_prep(b, 4, elem_size * count);
    fb_prep(b, align, elem_size * count);
    fb_push(b, data, elem_size * count);
    fb_push_u32(b, (uint32_t)count);
    return (sl_fb_ref)b->size;
}

sl_fb_ref sl_fb_create_ref_vector(sl_fb_builder *b, const sl_fb_ref *refs, size_t count)
{
    fb_prep(b, 4, 4 * count);
    for (size_t i = count; i-- > 0;)
        fb_push_u32(b, (uint32_t)(b->size + 4 - refs[i]));
    fb_push_u32(b, (uint32_t)count);
    return (sl_fb_ref)b->size;
}

void sl_fb_table_start(sl_fb_builder *b)
{
    b->table_start = b->size;
    b->field_count = 0;
    memset(b->fields, 0, sizeof b->fields);
}

static void fb_mark_field(sl_fb_builder *b, unsigned id)
{
    if (id >= SL_FB_MAX_FIELDS) {
        b->failed = true;   /* a programming error: no table here has that many fields */
        return;
    }
    b->fields[id] = (uint32_t)b->size;
    if ((int)id + 1 > b->field_count)
        b->field_count = (int)id + 1;
}

void sl_fb_add_scalar(sl_fb_builder *b, unsigned id, const void *value, size_t size)
{
    fb_prep(b, size, 0);
    fb_push(b, value, size);
    fb_mark_field(b, id);
}

void sl_fb_add_ref(sl_fb_builder *b, unsigned id, sl_fb_ref ref)
{
    fb_prep(b, 4, 0);
    fb_push_u32(b, (uint32_t)(b->size + 4 - ref));
    fb_mark_field(b, id);
}

void sl_fb_add_struct(sl_fb_builder *b, unsigned id, const void *value, size_t size, size_t align)
{
    fb_prep(b, align, size);
    fb_push(b, value, size);
    fb_mark_field(b, id);
}

sl_fb_ref sl_fb_table_end(sl_fb_builder *b)
{
    fb_prep(b, 4, 0);
    fb_push_u32(b, 0);                       /* soffset to the vtable, patched below */
    size_t table = b->size;
    uint16_t table_len = (uint16_t)(table - b->table_start);
    for (int id = b->field_count - 1; id >= 0; id--) {
        uint16_t off = b->fields[id] ? (uint16_t)(table - b->fields[id]) : 0;
        fb_push(b, &off, 2);
    }
    uint16_t vt_len = (uint16_t)(4 + 2 * b->field_count);
    fb_push(b, &table_len, 2);
    fb_push(b, &vt_len, 2);
    if (b->failed)
        return 0;
    int32_t soff = (int32_t)(b->size - table);   /* vtable = table - soff (lower address) */
    memcpy(b->buf + b->cap - table, &soff, 4);
    return (sl_fb_ref)table;
}

sl_status sl_fb_finish(sl_fb_builder *b, sl_fb_ref root, const uint8_t **data, size_t *length, sl_error *err)
{
    fb_prep(b, b->minalign, 4);
    fb_push_u32(b, (uint32_t)(b->size + 4 - root));
    if (b->failed)
        return sl_error_oom(err);
    *data = b->buf + b->cap - b->size;
    *length = b->size;
    return SL_OK;
}
