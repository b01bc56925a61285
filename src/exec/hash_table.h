/*
 * hash_table.h — a compact open-addressing hash table over vectorized keys, shared by the
 * hash aggregate, the hash join, set operations and DISTINCT aggregates.
 *
 * The table maps each distinct key (a tuple of key_count typed values) to an *entry* with
 * a fixed-size, zero-initialized payload (aggregate states, a join chain head, counters).
 * Keys are looked up a batch at a time: the caller hashes the key columns once
 * (sl_hash_table_hash), then sl_hash_table_find_or_insert / sl_hash_table_find resolve
 * every active row, comparing keys column by column with typed loops. NULLs are equal to
 * each other here (GROUP BY, INTERSECT/EXCEPT, IS NOT DISTINCT FROM); a join whose keys
 * use `=` must drop rows with NULL keys before calling in.
 *
 * Layout. The table is split into 2^radix_bits *partitions* by the top bits of the hash
 * (so a later spilling change can write whole partitions to disk and reload them without
 * touching the rest). Each partition has
 *   - keys: a row store (row_store.h) holding the key values of entry e at row e, in dense
 *     column chunks of SL_BATCH_CAPACITY rows (finalize emits them without copying);
 *   - hashes: the hash of every entry (resizing never rehashes keys);
 *   - payload chunks of SL_BATCH_CAPACITY entries x payload_size bytes (16-byte aligned);
 *   - slots: linear-probing array of (hash tag << 32 | entry + 1), 0 = empty, load <= 1/2.
 * An entry's id is (partition << 32 | entry); ids are stable while the table lives.
 *
 * Memory: slots, hashes, payload chunks and key chunks are reserved against `memory` up
 * front, before an insert touches the table; a refused reservation fails with SL_ERR_OOM
 * naming `owner` and the memory_limit, or, through sl_hash_table_reserve, lets the caller
 * spill instead (the table stays as it was). Not thread-safe: one writer at a time; finds may run concurrently
 * with each other when no insert is in progress (each caller brings its own scratch).
 */
#ifndef SL_EXEC_HASH_TABLE_H
#define SL_EXEC_HASH_TABLE_H

#include "exec/row_store.h"

typedef struct sl_hash_partition {
    sl_row_store keys;           /* entry e's key values at row e */
    uint64_t *hashes;            /* hash of entry e */
    size_t hash_capacity;
    uint8_t **payload_chunks;    /* SL_BATCH_CAPACITY entries each */
    size_t payload_chunk_count;
    size_t payload_chunk_capacity;
    uint64_t *slots;             /* 0 = empty, else tag << 32 | (entry + 1) */
    uint64_t slot_count;         /* power of two (0 before the first insert) */
    uint32_t entry_count;
    uint32_t key_chunks_reserved;   /* key chunks the table reserved memory for (the row store does not) */
} sl_hash_partition;

typedef struct sl_hash_table {
    uint32_t key_count;
    sl_type *key_types;          /* owned copy */
    size_t payload_size;         /* rounded up to a multiple of 16 (may be 0) */
    uint32_t radix_bits;
    uint32_t partition_count;    /* 1 << radix_bits */
    sl_hash_partition *partitions;
    uint64_t entry_count;        /* over all partitions */
    sl_memory *memory;           /* may be NULL: no accounting */
    int64_t reserved;            /* bytes reserved for slots, hashes, payloads and key chunks */
    const char *owner;           /* operator name for error messages */
    bool never_refuse;           /* reservations are counted but never refused (set by the owner) */
} sl_hash_table;

/* Per-caller scratch for one lookup call (about 50 KiB; allocate it once per local state). */
typedef struct sl_hash_scratch {
    uint32_t rows[SL_BATCH_CAPACITY];       /* physical row of active row i */
    uint32_t partition[SL_BATCH_CAPACITY];
    uint64_t position[SL_BATCH_CAPACITY];   /* current slot */
    uint32_t candidate[SL_BATCH_CAPACITY];  /* entry whose key is being compared */
    uint32_t todo[SL_BATCH_CAPACITY];       /* active-row indexes still searching */
    uint32_t compare[SL_BATCH_CAPACITY];    /* active-row indexes to compare */
    uint32_t mismatch[SL_BATCH_CAPACITY];
    uint32_t fresh[SL_BATCH_CAPACITY];      /* physical rows that created an entry */
} sl_hash_scratch;

#define SL_HASH_TABLE_NO_ENTRY UINT64_MAX

/* Initializes an empty table. radix_bits in 0..8. key_count may be 0 (one entry at most). */
sl_status sl_hash_table_init(sl_hash_table *ht, const sl_type *key_types, uint32_t key_count, size_t payload_size,
                             uint32_t radix_bits, sl_memory *memory, const char *owner, sl_error *err);
/* Frees everything (payloads are not destroyed: the owner walks them first if needed). */
void sl_hash_table_free(sl_hash_table *ht);

/* hashes[i] = combined hash of the key columns at active row i (physical sel ? sel[i] : i). */
void sl_hash_table_hash(sl_vector *const *keys, uint32_t key_count, const uint32_t *sel, uint32_t count,
                        uint64_t *hashes);

/* For every active row i < count (physical row sel ? sel[i] : i) of the key columns:
 * finds the entry with an equal key or creates it (payload zeroed). Outputs, each
 * optional (NULL = not wanted), indexed by i: ids[i] the entry id, payloads[i] its
 * payload. fresh_rows / *fresh_count: the active-row indexes i that created an entry, in
 * creation order (the caller initializes those payloads). count is unbounded (processed
 * in blocks of SL_BATCH_CAPACITY). The key vectors' types must equal the table's. */
sl_status sl_hash_table_find_or_insert(sl_hash_table *ht, sl_hash_scratch *scratch, sl_vector *const *keys,
                                       const uint32_t *sel, uint32_t count, const uint64_t *hashes, uint64_t *ids,
                                       uint8_t **payloads, uint32_t *fresh_rows, uint32_t *fresh_count,
                                       sl_error *err);

/* Reserves room for `count` more entries (the worst case: every row of hashes[0..count)
 * new) so that a following sl_hash_table_find_or_insert of those rows needs no more
 * memory. A refused reservation sets *refused and is not an error (what was reserved
 * stays reserved; the table is unchanged otherwise): the caller spills. */
sl_status sl_hash_table_reserve(sl_hash_table *ht, const uint64_t *hashes, uint32_t count, bool *refused,
                                sl_error *err);

/* Lookup only: ids[i] = SL_HASH_TABLE_NO_ENTRY / payloads[i] = NULL when the key is absent. */
void sl_hash_table_find(const sl_hash_table *ht, sl_hash_scratch *scratch, sl_vector *const *keys,
                        const uint32_t *sel, uint32_t count, const uint64_t *hashes, uint64_t *ids,
                        uint8_t **payloads);

/* Payload of entry `entry` of partition `partition`. */
static inline uint8_t *sl_hash_table_payload(const sl_hash_table *ht, uint32_t partition, uint32_t entry)
{
    return ht->partitions[partition].payload_chunks[entry / SL_BATCH_CAPACITY] +
           (size_t)(entry % SL_BATCH_CAPACITY) * ht->payload_size;
}

#endif
