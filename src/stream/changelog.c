/*
 * changelog.c — the consolidated table of a changelog (see changelog.h).
 *
 * Storage: `batches` holds the dense batches rows were inserted with; `rows` lists every
 * inserted row (batch, position, distinct-row id) in arrival order; `groups` holds one
 * entry per distinct row value: its serialized key and net count, found through an
 * open-addressing index on the key hash. Output walks `rows` in order and takes, for each
 * distinct row, its first `net` occurrences.
 */
#include "stream/changelog.h"

#include "common/hash.h"

typedef struct stored_row {
    uint32_t batch;
    uint32_t row;
    uint32_t group;
} stored_row;

typedef struct row_group {
    uint64_t hash;
    size_t key_offset;           /* into keys */
    uint32_t key_length;
    int64_t net;
} row_group;

struct sl_changelog_table {
    uint32_t column_count;
    sl_type *types;
    sl_batch **batches;
    size_t batch_count, batch_capacity;
    stored_row *rows;
    size_t row_count, row_capacity;
    row_group *groups;
    size_t group_count, group_capacity;
    char *keys;
    size_t keys_length, keys_capacity;
    uint32_t *index;             /* group id + 1 per slot, 0 = empty; power-of-two size */
    size_t index_size;
    int64_t live;                /* sum of net counts */
    char *scratch;               /* one serialized key */
    size_t scratch_capacity;
};

sl_changelog_table *sl_changelog_table_new(uint32_t column_count, const sl_type *types)
{
    sl_changelog_table *t = sl_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->column_count = column_count;
    t->types = sl_malloc(sizeof *t->types * (column_count ? column_count : 1));
    if (!t->types) {
        sl_free(t);
        return NULL;
    }
    if (column_count)
        memcpy(t->types, types, sizeof *t->types * column_count);
    return t;
}

static void clear_storage(sl_changelog_table *t)
{
    for (size_t i = 0; i < t->batch_count; i++)
        sl_batch_free(t->batches[i]);
    sl_free(t->batches);
    sl_free(t->rows);
    sl_free(t->groups);
    sl_free(t->keys);
    sl_free(t->index);
    t->batches = NULL;
    t->rows = NULL;
    t->groups = NULL;
    t->keys = NULL;
    t->index = NULL;
    t->batch_count = t->batch_capacity = t->row_count = t->row_capacity = 0;
    t->group_count = t->group_capacity = t->keys_length = t->keys_capacity = t->index_size = 0;
    t->live = 0;
}

void sl_changelog_table_free(sl_changelog_table *t)
{
    if (!t)
        return;
    clear_storage(t);
    sl_free(t->scratch);
    sl_free(t->types);
    sl_free(t);
}

int64_t sl_changelog_table_row_count(const sl_changelog_table *t) { return t->live; }

static sl_status scratch_append(sl_changelog_table *t, size_t *length, const void *data, size_t n, sl_error *err)
{
    SL_TRY(sl_array_reserve((void **)&t->scratch, &t->scratch_capacity, *length + n, 1, err));
    memcpy(t->scratch + *length, data, n);
    *length += n;
    return SL_OK;
}

/* Serializes row `r` of b into t->scratch: per column a validity byte, then the fixed
 * width bytes or (VARCHAR) the length and the bytes. */
static sl_status serialize_row(sl_changelog_table *t, const sl_batch *b, uint32_t r, size_t *length, sl_error *err)
{
    *length = 0;
    for (uint32_t c = 0; c < t->column_count; c++) {
        const sl_vector *v = b->columns[c];
        uint8_t valid = sl_vector_is_valid(v, r);
        SL_TRY(scratch_append(t, length, &valid, 1, err));
        if (!valid)
            continue;
        if (v->type.id == SL_TYPE_VARCHAR) {
            const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[r];
            SL_TRY(scratch_append(t, length, &s->length, sizeof s->length, err));
            SL_TRY(scratch_append(t, length, sl_string_data(s), s->length, err));
        } else {
            size_t w = sl_type_width(v->type);
            SL_TRY(scratch_append(t, length, (const char *)v->data + (size_t)r * w, w, err));
        }
    }
    return SL_OK;
}

static sl_status grow_index(sl_changelog_table *t, sl_error *err)
{
    size_t size = t->index_size ? t->index_size * 2 : 1024;
    uint32_t *index = sl_calloc(size, sizeof *index);
    if (!index)
        return sl_error_oom(err);
    for (size_t g = 0; g < t->group_count; g++) {
        size_t slot = t->groups[g].hash & (size - 1);
        while (index[slot])
            slot = (slot + 1) & (size - 1);
        index[slot] = (uint32_t)g + 1;
    }
    sl_free(t->index);
    t->index = index;
    t->index_size = size;
    return SL_OK;
}

/* The group of the key in scratch (created with net 0 when absent if `create`); UINT32_MAX
 * when absent and not created. */
static sl_status find_group(sl_changelog_table *t, size_t length, bool create, uint32_t *out, sl_error *err)
{
    if ((t->group_count + 1) * 2 > t->index_size)
        SL_TRY(grow_index(t, err));
    uint64_t hash = sl_hash_bytes(t->scratch, length);
    size_t slot = hash & (t->index_size - 1);
    while (t->index[slot]) {
        row_group *g = &t->groups[t->index[slot] - 1];
        if (g->hash == hash && g->key_length == length && memcmp(t->keys + g->key_offset, t->scratch, length) == 0) {
            *out = t->index[slot] - 1;
            return SL_OK;
        }
        slot = (slot + 1) & (t->index_size - 1);
    }
    if (!create) {
        *out = UINT32_MAX;
        return SL_OK;
    }
    SL_TRY(sl_array_reserve((void **)&t->groups, &t->group_capacity, t->group_count + 1, sizeof *t->groups, err));
    SL_TRY(sl_array_reserve((void **)&t->keys, &t->keys_capacity, t->keys_length + length + 1, 1, err));
    memcpy(t->keys + t->keys_length, t->scratch, length);
    row_group *g = &t->groups[t->group_count];
    g->hash = hash;
    g->key_offset = t->keys_length;
    g->key_length = (uint32_t)length;
    g->net = 0;
    t->keys_length += length;
    t->index[slot] = (uint32_t)t->group_count + 1;
    *out = (uint32_t)t->group_count++;
    return SL_OK;
}

/* Rebuilds the storage from the live rows when retracted rows dominate it. */
static sl_status maybe_compact(sl_changelog_table *t, sl_error *err)
{
    if (t->row_count < 4096 || (int64_t)t->row_count < 2 * t->live)
        return SL_OK;
    sl_batch **live = NULL;
    size_t live_count = 0;
    SL_TRY(sl_changelog_table_rows(t, &live, &live_count, err));
    clear_storage(t);
    sl_status st = SL_OK;
    for (size_t i = 0; i < live_count; i++) {
        if (st == SL_OK)
            st = sl_changelog_table_apply(t, live[i], err);
        sl_batch_free(live[i]);
    }
    sl_free(live);
    return st;
}

sl_status sl_changelog_table_apply(sl_changelog_table *t, const sl_batch *batch, sl_error *err)
{
    if (batch->count == 0)
        return SL_OK;
    if (batch->column_count != t->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "changelog: %u columns, the table has %u", batch->column_count,
                            t->column_count);
    /* keep a dense copy of the inserted rows */
    sl_batch *kept = NULL;
    uint32_t kept_index = (uint32_t)t->batch_count;
    uint32_t kept_row = 0;
    bool any_insert = !batch->change;
    for (uint32_t i = 0; i < batch->count && !any_insert; i++)
        any_insert = batch->change[sl_batch_row(batch, i)] > 0;
    if (any_insert) {
        kept = sl_batch_compact(batch, err);
        if (!kept)
            return err && err->code != SL_OK ? err->code : sl_error_oom(err);
        sl_status st = sl_array_reserve((void **)&t->batches, &t->batch_capacity, t->batch_count + 1,
                                        sizeof *t->batches, err);
        if (st != SL_OK) {
            sl_batch_free(kept);
            return st;
        }
        t->batches[t->batch_count++] = kept;
    }
    for (uint32_t i = 0; i < batch->count; i++, kept_row++) {
        uint32_t r = sl_batch_row(batch, i);
        bool insert = !batch->change || batch->change[r] > 0;
        size_t length = 0;
        SL_TRY(serialize_row(t, batch, r, &length, err));
        uint32_t group;
        SL_TRY(find_group(t, length, insert, &group, err));
        if (!insert) {
            if (group == UINT32_MAX || t->groups[group].net <= 0)
                return sl_error_set(err, SL_ERR_INTERNAL, "changelog: retraction of a row that is not in the result");
            t->groups[group].net--;
            t->live--;
            continue;
        }
        SL_TRY(sl_array_reserve((void **)&t->rows, &t->row_capacity, t->row_count + 1, sizeof *t->rows, err));
        t->rows[t->row_count++] = (stored_row){ kept_index, kept_row, group };
        t->groups[group].net++;
        t->live++;
    }
    return maybe_compact(t, err);
}

sl_status sl_changelog_table_rows(sl_changelog_table *t, sl_batch ***out, size_t *out_count, sl_error *err)
{
    *out = NULL;
    *out_count = 0;
    int64_t *remaining = sl_malloc(sizeof *remaining * (t->group_count ? t->group_count : 1));
    uint32_t *sel = sl_malloc(sizeof *sel * 2048);
    sl_batch **batches = NULL;
    size_t count = 0, capacity = 0;
    sl_status st = remaining && sel ? SL_OK : sl_error_oom(err);
    for (size_t g = 0; g < t->group_count && st == SL_OK; g++)
        remaining[g] = t->groups[g].net;
    /* runs of rows from one stored batch become one output batch (gathered) */
    size_t i = 0;
    while (st == SL_OK && i < t->row_count) {
        uint32_t source = t->rows[i].batch;
        uint32_t n = 0;
        for (; i < t->row_count && t->rows[i].batch == source && n < 2048; i++) {
            if (remaining[t->rows[i].group] > 0) {
                remaining[t->rows[i].group]--;
                sel[n++] = t->rows[i].row;
            }
        }
        if (n == 0)
            continue;
        const sl_batch *src = t->batches[source];
        sl_batch *b = sl_batch_new_typed(t->types, t->column_count, n);
        if (!b) {
            st = sl_error_oom(err);
            break;
        }
        for (uint32_t c = 0; c < t->column_count && st == SL_OK; c++)
            st = sl_vector_gather(b->columns[c], 0, src->columns[c], sel, n, err);
        b->length = b->count = n;
        if (st == SL_OK)
            st = sl_array_reserve((void **)&batches, &capacity, count + 1, sizeof *batches, err);
        if (st != SL_OK) {
            sl_batch_free(b);
            break;
        }
        batches[count++] = b;
    }
    sl_free(remaining);
    sl_free(sel);
    if (st != SL_OK) {
        for (size_t k = 0; k < count; k++)
            sl_batch_free(batches[k]);
        sl_free(batches);
        return st;
    }
    *out = batches;
    *out_count = count;
    return SL_OK;
}
