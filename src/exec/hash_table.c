/*
 * hash_table.c — the open-addressing key table shared by the hash operators (see
 * hash_table.h for the layout and the contract).
 *
 * A lookup runs in rounds over the rows still searching (`todo`): a tight scalar loop
 * walks each row's probe sequence until it meets an empty slot (absent; on insert: a new
 * entry) or a slot whose 32-bit hash tag matches (a candidate). The candidates' keys are
 * then compared column by column with typed loops; rows whose key differs step to the
 * next slot and go round again. Rows inserting the same new key in one batch meet the
 * first one's slot in the same round and compare equal in the next step.
 */
#include "exec/hash_table.h"

#include "common/hash.h"

static sl_status table_oom(const sl_hash_table *ht, sl_error *err)
{
    return sl_error_set(err, SL_ERR_OOM,
                        "%s: out of memory: the hash table does not fit in memory_limit (%lld bytes) and spilling "
                        "to disk is not supported for this operator yet; raise memory_limit",
                        ht->owner ? ht->owner : "hash table", ht->memory ? (long long)ht->memory->limit : -1LL);
}

static bool table_reserve(sl_hash_table *ht, int64_t bytes)
{
    if (ht->memory && !sl_memory_try_reserve(ht->memory, bytes)) {
        if (!ht->never_refuse)
            return false;
        sl_memory_release(ht->memory, -bytes);   /* counted, not refused */
    }
    ht->reserved += bytes;
    return true;
}

static void table_release(sl_hash_table *ht, int64_t bytes)
{
    if (ht->memory)
        sl_memory_release(ht->memory, bytes);
    ht->reserved -= bytes;
}

sl_status sl_hash_table_init(sl_hash_table *ht, const sl_type *key_types, uint32_t key_count, size_t payload_size,
                             uint32_t radix_bits, sl_memory *memory, const char *owner, sl_error *err)
{
    memset(ht, 0, sizeof *ht);
    if (radix_bits > 8)
        return sl_error_set(err, SL_ERR_INTERNAL, "%s: hash table radix bits %u out of range", owner, radix_bits);
    ht->key_count = key_count;
    ht->payload_size = (payload_size + 15) & ~(size_t)15;
    ht->radix_bits = radix_bits;
    ht->partition_count = 1u << radix_bits;
    ht->memory = memory;
    ht->owner = owner;
    ht->key_types = sl_malloc(sizeof *key_types * (key_count ? key_count : 1));
    ht->partitions = sl_calloc(ht->partition_count, sizeof *ht->partitions);
    if (!ht->key_types || !ht->partitions) {
        sl_hash_table_free(ht);
        return sl_error_oom(err);
    }
    if (key_count)
        memcpy(ht->key_types, key_types, sizeof *key_types * key_count);
    for (uint32_t p = 0; p < ht->partition_count; p++) {
        /* the table reserves the key chunks itself (partition_reserve), before inserting */
        sl_status st = sl_row_store_init(&ht->partitions[p].keys, key_types, key_count, NULL, owner, err);
        if (st != SL_OK) {
            sl_hash_table_free(ht);
            return st;
        }
    }
    return SL_OK;
}

void sl_hash_table_free(sl_hash_table *ht)
{
    if (ht->partitions) {
        for (uint32_t p = 0; p < ht->partition_count; p++) {
            sl_hash_partition *part = &ht->partitions[p];
            sl_row_store_free(&part->keys);
            sl_free(part->hashes);
            for (size_t c = 0; c < part->payload_chunk_count; c++)
                sl_free(part->payload_chunks[c]);
            sl_free(part->payload_chunks);
            sl_free(part->slots);
        }
    }
    if (ht->memory && ht->reserved)
        sl_memory_release(ht->memory, ht->reserved);
    sl_free(ht->partitions);
    sl_free(ht->key_types);
    memset(ht, 0, sizeof *ht);
}

void sl_hash_table_hash(sl_vector *const *keys, uint32_t key_count, const uint32_t *sel, uint32_t count,
                        uint64_t *hashes)
{
    if (key_count == 0) {
        memset(hashes, 0, sizeof *hashes * count);
        return;
    }
    for (uint32_t k = 0; k < key_count; k++)
        sl_hash_vector(keys[k], sel, count, hashes, k > 0);
}

static inline uint32_t partition_of(const sl_hash_table *ht, uint64_t hash)
{
    return ht->radix_bits ? (uint32_t)(hash >> (64 - ht->radix_bits)) : 0;
}

static inline uint64_t tag_of(uint64_t hash)
{
    return hash >> 32;
}

/* ------------------------------------------------------------------ growth */

/* Rebuilds part's slot array with `slot_count` slots from the stored entry hashes. A
 * refused reservation sets *refused (nothing changes). */
static sl_status partition_resize(sl_hash_table *ht, sl_hash_partition *part, uint64_t slot_count, bool *refused,
                                  sl_error *err)
{
    int64_t bytes = (int64_t)(slot_count * sizeof(uint64_t));
    if (!table_reserve(ht, bytes)) {
        *refused = true;
        return SL_OK;
    }
    uint64_t *slots = sl_calloc(slot_count, sizeof *slots);
    if (!slots) {
        table_release(ht, bytes);
        return sl_error_oom(err);
    }
    uint64_t mask = slot_count - 1;
    /* entries land at random slots: fetch the slot of entry e + 16 while placing entry e */
    const uint32_t ahead = 16;
    for (uint32_t e = 0; e < part->entry_count; e++) {
        if (e + ahead < part->entry_count)
            __builtin_prefetch(&slots[part->hashes[e + ahead] & mask], 1);
        uint64_t h = part->hashes[e];
        uint64_t pos = h & mask;
        while (slots[pos])
            pos = (pos + 1) & mask;
        slots[pos] = tag_of(h) << 32 | (uint64_t)(e + 1);
    }
    if (part->slots)
        table_release(ht, (int64_t)(part->slot_count * sizeof(uint64_t)));
    sl_free(part->slots);
    part->slots = slots;
    part->slot_count = slot_count;
    return SL_OK;
}

/* Bytes of one key chunk (the formula of the row store's own accounting). */
static int64_t key_chunk_bytes(const sl_hash_table *ht)
{
    int64_t bytes = 64;
    for (uint32_t c = 0; c < ht->key_count; c++)
        bytes += (int64_t)sl_type_width(ht->key_types[c]) * SL_BATCH_CAPACITY + SL_BATCH_CAPACITY / 8;
    return bytes;
}

/* Makes room for `extra` more entries in part (slots at load <= 1/2, hash, payload and
 * key chunk storage), so the insert loop itself never allocates from the limit. A refused
 * reservation sets *refused and returns SL_OK (what was grown stays; no entry changes). */
static sl_status partition_reserve(sl_hash_table *ht, sl_hash_partition *part, uint32_t extra, bool *refused,
                                   sl_error *err)
{
    uint64_t needed = (uint64_t)part->entry_count + extra;
    if (needed >= UINT32_MAX - 1)
        return sl_error_set(err, SL_ERR_OOM, "%s: more than %u distinct keys in one hash partition",
                            ht->owner ? ht->owner : "hash table", UINT32_MAX - 2);
    if (needed * 2 > part->slot_count) {
        uint64_t slots = part->slot_count ? part->slot_count : 64;
        while (needed * 2 > slots)
            slots *= 2;
        SL_TRY(partition_resize(ht, part, slots, refused, err));
        if (*refused)
            return SL_OK;
    }
    if (needed > part->hash_capacity) {
        size_t old = part->hash_capacity;
        size_t want = old ? old * 2 : 64;
        while (want < needed)
            want *= 2;
        int64_t bytes = (int64_t)((want - old) * sizeof(uint64_t));
        if (!table_reserve(ht, bytes)) {
            *refused = true;
            return SL_OK;
        }
        uint64_t *grown = sl_realloc(part->hashes, want * sizeof *grown);
        if (!grown) {
            table_release(ht, bytes);
            return sl_error_oom(err);
        }
        part->hashes = grown;
        part->hash_capacity = want;
    }
    size_t chunks = (size_t)((needed + SL_BATCH_CAPACITY - 1) / SL_BATCH_CAPACITY);
    if (ht->payload_size) {
        while (part->payload_chunk_count < chunks) {
            int64_t bytes = (int64_t)(ht->payload_size * SL_BATCH_CAPACITY);
            if (!table_reserve(ht, bytes)) {
                *refused = true;
                return SL_OK;
            }
            sl_status st = sl_array_reserve((void **)&part->payload_chunks, &part->payload_chunk_capacity,
                                            part->payload_chunk_count + 1, sizeof *part->payload_chunks, err);
            uint8_t *chunk = st == SL_OK ? sl_malloc(ht->payload_size * SL_BATCH_CAPACITY) : NULL;
            if (!chunk) {
                table_release(ht, bytes);
                return st != SL_OK ? st : sl_error_oom(err);
            }
            part->payload_chunks[part->payload_chunk_count++] = chunk;
        }
    }
    /* last, as the row store's own floor chunk used to come after the payloads */
    if (ht->key_count) {
        int64_t bytes = key_chunk_bytes(ht);
        while (part->key_chunks_reserved < chunks) {
            if (part->key_chunks_reserved == 0) {
                /* the floor (as the row store's): a partition's first key chunk is counted,
                 * never refused */
                bool never_refuse = ht->never_refuse;
                ht->never_refuse = true;
                table_reserve(ht, bytes);
                ht->never_refuse = never_refuse;
            } else if (!table_reserve(ht, bytes)) {
                *refused = true;
                return SL_OK;
            }
            part->key_chunks_reserved++;
        }
    }
    return SL_OK;
}

/* Reserves for active rows [begin, begin + n) of hashes. */
static sl_status reserve_block(sl_hash_table *ht, const uint64_t *hashes, uint32_t begin, uint32_t n, bool *refused,
                               sl_error *err)
{
    uint32_t per_partition[256];
    memset(per_partition, 0, sizeof(uint32_t) * ht->partition_count);
    for (uint32_t i = 0; i < n; i++)
        per_partition[partition_of(ht, hashes[begin + i])]++;
    for (uint32_t p = 0; p < ht->partition_count && !*refused; p++)
        if (per_partition[p])
            SL_TRY(partition_reserve(ht, &ht->partitions[p], per_partition[p], refused, err));
    return SL_OK;
}

sl_status sl_hash_table_reserve(sl_hash_table *ht, const uint64_t *hashes, uint32_t count, bool *refused,
                                sl_error *err)
{
    *refused = false;
    return reserve_block(ht, hashes, 0, count, refused, err);
}

/* ------------------------------------------------------------------ key comparison */

/* How many rows ahead the probe loop prefetches slots. */
#define SL_HT_PREFETCH_AHEAD 16

/* Keeps in `list` (n entries, active-row indexes) the rows whose key column equals the
 * candidate entry's; appends the others to mismatch. NULL equals NULL. */
#define SL_HT_COMPARE_LOOP(ctype, EQ)                                                            \
    do {                                                                                         \
        const ctype *in_data = (const ctype *)in->data;                                          \
        for (uint32_t k = 0; k < n; k++) {                                                       \
            uint32_t i = list[k];                                                                \
            uint32_t row = s->rows[i], entry = s->candidate[i];                                  \
            const sl_vector *sv = ht->partitions[s->partition[i]].keys.chunks[entry / SL_BATCH_CAPACITY] \
                                      ->columns[column];                                         \
            uint32_t slot = entry % SL_BATCH_CAPACITY;                                           \
            bool va = sl_vector_is_valid(in, row), vb = sl_vector_is_valid(sv, slot);            \
            bool eq;                                                                             \
            if (va && vb) {                                                                      \
                ctype a = in_data[row], b = ((const ctype *)sv->data)[slot];                     \
                eq = (EQ);                                                                       \
            } else {                                                                             \
                eq = va == vb;                                                                   \
            }                                                                                    \
            if (eq)                                                                              \
                list[kept++] = i;                                                                \
            else                                                                                 \
                mismatch[(*mismatch_count)++] = i;                                               \
        }                                                                                        \
    } while (0)

static inline sl_int128 interval_norm(sl_interval v)
{
    return ((sl_int128)v.months * 30 + v.days) * (sl_int128)86400000000LL + v.micros;
}

static uint32_t compare_column(const sl_hash_table *ht, const sl_hash_scratch *s, uint32_t column,
                               const sl_vector *in, uint32_t *list, uint32_t n, uint32_t *mismatch,
                               uint32_t *mismatch_count)
{
    uint32_t kept = 0;
    sl_type t = ht->key_types[column];
    switch (t.id) {
    case SL_TYPE_BOOLEAN:
    case SL_TYPE_TINYINT: SL_HT_COMPARE_LOOP(int8_t, a == b); break;
    case SL_TYPE_SMALLINT: SL_HT_COMPARE_LOOP(int16_t, a == b); break;
    case SL_TYPE_INTEGER:
    case SL_TYPE_DATE: SL_HT_COMPARE_LOOP(int32_t, a == b); break;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP: SL_HT_COMPARE_LOOP(int64_t, a == b); break;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(t))
            SL_HT_COMPARE_LOOP(int64_t, a == b);
        else
            SL_HT_COMPARE_LOOP(sl_int128, a == b);
        break;
    case SL_TYPE_REAL: SL_HT_COMPARE_LOOP(float, a == b || (a != a && b != b)); break;
    case SL_TYPE_DOUBLE: SL_HT_COMPARE_LOOP(double, a == b || (a != a && b != b)); break;
    case SL_TYPE_VARCHAR: SL_HT_COMPARE_LOOP(sl_string, sl_string_equal(&a, &b)); break;
    case SL_TYPE_INTERVAL: SL_HT_COMPARE_LOOP(sl_interval, interval_norm(a) == interval_norm(b)); break;
    default:
        /* NULL type: every value is NULL, so all keys are equal */
        for (uint32_t k = 0; k < n; k++)
            list[kept++] = list[k];
        break;
    }
    return kept;
}

/* Compares the candidates of `n` rows in s->compare over every key column; the equal ones
 * stay in s->compare (return value = their count), the others go to s->mismatch. */
static uint32_t compare_keys(const sl_hash_table *ht, sl_hash_scratch *s, sl_vector *const *keys, uint32_t n,
                             uint32_t *mismatch_count)
{
    *mismatch_count = 0;
    for (uint32_t c = 0; c < ht->key_count && n > 0; c++)
        n = compare_column(ht, s, c, keys[c], s->compare, n, s->mismatch, mismatch_count);
    return n;
}

/* ------------------------------------------------------------------ lookup */


/* Processes active rows [begin, begin + n) of one block. With `insert`, absent keys get
 * new entries (storage already reserved). */
static sl_status lookup_block(sl_hash_table *ht, sl_hash_scratch *s, sl_vector *const *keys, const uint32_t *sel,
                              uint32_t begin, uint32_t n, const uint64_t *hashes, bool insert, uint64_t *ids,
                              uint8_t **payloads, uint32_t *fresh_rows, uint32_t *fresh_count, sl_error *err)
{
    uint32_t todo_count = n;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = hashes[begin + i];
        s->rows[i] = sel ? sel[begin + i] : begin + i;
        s->partition[i] = partition_of(ht, h);
        const sl_hash_partition *part = &ht->partitions[s->partition[i]];
        s->position[i] = part->slot_count ? h & (part->slot_count - 1) : 0;
        s->todo[i] = i;
    }
    uint32_t fresh_in_block = 0;
    while (todo_count > 0) {
        uint32_t compare_count = 0;
        uint32_t first_fresh = fresh_in_block;
        for (uint32_t k = 0; k < todo_count; k++) {
            /* a large table misses the cache on every probe: fetch the first slot of the row
             * SL_HT_PREFETCH_AHEAD places further while this one walks its sequence */
            if (k + SL_HT_PREFETCH_AHEAD < todo_count) {
                uint32_t ahead = s->todo[k + SL_HT_PREFETCH_AHEAD];
                const sl_hash_partition *ap = &ht->partitions[s->partition[ahead]];
                if (ap->slot_count)
                    __builtin_prefetch(&ap->slots[s->position[ahead]]);
            }
            uint32_t i = s->todo[k];
            sl_hash_partition *part = &ht->partitions[s->partition[i]];
            uint64_t h = hashes[begin + i];
            if (part->slot_count == 0) {               /* empty partition, lookup only */
                if (ids)
                    ids[begin + i] = SL_HASH_TABLE_NO_ENTRY;
                if (payloads)
                    payloads[begin + i] = NULL;
                continue;
            }
            uint64_t mask = part->slot_count - 1, tag = tag_of(h), pos = s->position[i];
            for (;;) {
                uint64_t slot = part->slots[pos];
                if (slot == 0) {
                    if (!insert) {
                        if (ids)
                            ids[begin + i] = SL_HASH_TABLE_NO_ENTRY;
                        if (payloads)
                            payloads[begin + i] = NULL;
                        break;
                    }
                    uint32_t e = part->entry_count++;
                    ht->entry_count++;
                    part->slots[pos] = tag << 32 | (uint64_t)(e + 1);
                    part->hashes[e] = h;
                    if (ht->payload_size) {
                        uint8_t *payload = sl_hash_table_payload(ht, s->partition[i], e);
                        memset(payload, 0, ht->payload_size);
                        if (payloads)
                            payloads[begin + i] = payload;
                    } else if (payloads) {
                        payloads[begin + i] = NULL;
                    }
                    if (ids)
                        ids[begin + i] = (uint64_t)s->partition[i] << 32 | e;
                    s->fresh[fresh_in_block++] = i;
                    break;
                }
                if ((slot >> 32) == tag) {
                    s->candidate[i] = (uint32_t)slot - 1;
                    s->compare[compare_count++] = i;
                    break;
                }
                pos = (pos + 1) & mask;
            }
            s->position[i] = pos;
        }
        /* store the keys of this round's new entries (in entry order per partition) */
        if (fresh_in_block > first_fresh) {
            uint32_t block_rows[SL_BATCH_CAPACITY];
            for (uint32_t p = 0; p < ht->partition_count; p++) {
                uint32_t m = 0;
                for (uint32_t f = first_fresh; f < fresh_in_block; f++)
                    if (s->partition[s->fresh[f]] == p)
                        block_rows[m++] = s->rows[s->fresh[f]];
                if (m == 0)
                    continue;
                sl_batch view;
                memset(&view, 0, sizeof view);
                view.column_count = ht->key_count;
                view.columns = (sl_vector **)keys;
                view.length = view.count = m;
                view.sel = block_rows;
                SL_TRY(sl_row_store_append(&ht->partitions[p].keys, &view, err));
            }
        }
        /* compare the candidates */
        uint32_t mismatch_count = 0;
        uint32_t equal = compare_keys(ht, s, keys, compare_count, &mismatch_count);
        for (uint32_t k = 0; k < equal; k++) {
            uint32_t i = s->compare[k];
            uint32_t e = s->candidate[i];
            if (ids)
                ids[begin + i] = (uint64_t)s->partition[i] << 32 | e;
            if (payloads)
                payloads[begin + i] = ht->payload_size ? sl_hash_table_payload(ht, s->partition[i], e) : NULL;
        }
        for (uint32_t k = 0; k < mismatch_count; k++) {
            uint32_t i = s->mismatch[k];
            const sl_hash_partition *part = &ht->partitions[s->partition[i]];
            s->position[i] = (s->position[i] + 1) & (part->slot_count - 1);
            s->todo[k] = i;
        }
        todo_count = mismatch_count;
    }
    if (fresh_rows)
        for (uint32_t f = 0; f < fresh_in_block; f++)
            fresh_rows[(*fresh_count)++] = begin + s->fresh[f];
    return SL_OK;
}

sl_status sl_hash_table_find_or_insert(sl_hash_table *ht, sl_hash_scratch *scratch, sl_vector *const *keys,
                                       const uint32_t *sel, uint32_t count, const uint64_t *hashes, uint64_t *ids,
                                       uint8_t **payloads, uint32_t *fresh_rows, uint32_t *fresh_count,
                                       sl_error *err)
{
    if (fresh_count)
        *fresh_count = 0;
    for (uint32_t begin = 0; begin < count; begin += SL_BATCH_CAPACITY) {
        uint32_t n = count - begin < SL_BATCH_CAPACITY ? count - begin : SL_BATCH_CAPACITY;
        /* reserve for the worst case (every row new) so the probe loop never allocates */
        bool refused = false;
        SL_TRY(reserve_block(ht, hashes, begin, n, &refused, err));
        if (refused)
            return table_oom(ht, err);
        SL_TRY(lookup_block(ht, scratch, keys, sel, begin, n, hashes, true, ids, payloads, fresh_rows, fresh_count,
                            err));
    }
    return SL_OK;
}

void sl_hash_table_find(const sl_hash_table *ht, sl_hash_scratch *scratch, sl_vector *const *keys,
                        const uint32_t *sel, uint32_t count, const uint64_t *hashes, uint64_t *ids,
                        uint8_t **payloads)
{
    for (uint32_t begin = 0; begin < count; begin += SL_BATCH_CAPACITY) {
        uint32_t n = count - begin < SL_BATCH_CAPACITY ? count - begin : SL_BATCH_CAPACITY;
        /* lookups never insert, so they cannot fail */
        (void)lookup_block((sl_hash_table *)ht, scratch, keys, sel, begin, n, hashes, false, ids, payloads, NULL,
                           NULL, NULL);
    }
}
