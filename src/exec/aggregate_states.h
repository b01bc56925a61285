/*
 * aggregate_states.h — grouped aggregation states, shared by HASH_AGGREGATE and
 * WINDOW_AGGREGATE: how the states of plan->aggregates sit in a group's payload, how a
 * batch is folded into a table of groups, and how groups are finalized into a batch.
 *
 * A group's payload holds the states of all aggregates side by side (each at a 16-byte
 * aligned offset, sl_agg_layout). Folding a batch (sl_agg_fold): the group expressions
 * are evaluated and hashed once, one vectorized sl_hash_table lookup maps every active
 * row to its group's payload (new groups get their states init()ed), then per aggregate:
 *   - FILTER (WHERE ...) narrows the rows with sl_expr_select;
 *   - the arguments are evaluated, followed by the ORDER BY keys as extra trailing
 *     arguments (the calling convention of expr/aggregate.c);
 *   - DISTINCT keeps only the rows whose (group id, arguments) were not seen before in
 *     that aggregate's set (sl_agg_distinct: one hash set per DISTINCT aggregate, to be
 *     used with one group table: the group ids are that table's entry ids);
 *   - update() folds the rows into states[i] = payload of row i + offset.
 * Without GROUP BY the caller passes one payload (`single`) instead of a table.
 *
 * Lifetimes: the caller owns the tables and payloads; sl_agg_table_destroy_states /
 * sl_agg_payload_destroy call each aggregate's destroy() before the memory goes.
 */
#ifndef SL_EXEC_AGGREGATE_STATES_H
#define SL_EXEC_AGGREGATE_STATES_H

#include "exec/hash_table.h"

/* Where each aggregate's state sits in a group payload. */
typedef struct sl_agg_layout {
    uint32_t group_count;            /* plan->expr_count */
    uint32_t agg_count;              /* plan->aggregate_count */
    size_t *offsets;                 /* per aggregate */
    size_t payload_size;             /* multiple of 16 (may be 0) */
} sl_agg_layout;

/* Checks that plan->aggregates are bound aggregate calls (errors name `owner`) and lays
 * out their states. */
sl_status sl_agg_layout_init(const sl_physical_op *plan, const char *owner, sl_agg_layout *layout, sl_error *err);
void sl_agg_layout_free(sl_agg_layout *layout);

/* An empty table of groups keyed by plan->exprs' types, payload = the layout's payload. */
sl_status sl_agg_table_init(const sl_physical_op *plan, const sl_agg_layout *layout, uint32_t radix_bits,
                            sl_memory *memory, const char *owner, sl_hash_table *table, sl_error *err);
/* init() / destroy() every aggregate state of one payload. */
void sl_agg_payload_init(const sl_physical_op *plan, const sl_agg_layout *layout, uint8_t *payload);
void sl_agg_payload_destroy(const sl_physical_op *plan, const sl_agg_layout *layout, uint8_t *payload);
/* destroy() every state of every group of `table` (the table itself stays). */
void sl_agg_table_destroy_states(const sl_physical_op *plan, const sl_agg_layout *layout, sl_hash_table *table);

/* The DISTINCT sets of one group table: per aggregate, a set of (group id BIGINT,
 * declared arguments), initialized for the DISTINCT aggregates only. */
typedef struct sl_agg_distinct {
    sl_hash_table *sets;
    bool *ready;
} sl_agg_distinct;

sl_status sl_agg_distinct_init(const sl_physical_op *plan, const sl_agg_layout *layout, sl_memory *memory,
                               const char *owner, sl_agg_distinct *distinct, sl_error *err);
void sl_agg_distinct_free(const sl_agg_layout *layout, sl_agg_distinct *distinct);
/* Bytes the sets reserved against the memory manager. */
int64_t sl_agg_distinct_reserved(const sl_agg_layout *layout, const sl_agg_distinct *distinct);

/* Evaluation states of one aggregate in a folder. */
typedef struct sl_agg_eval {
    uint32_t arg_count;              /* declared args + ORDER BY keys */
    sl_expr_state **args;
    sl_vector **vectors;
    sl_expr_state *filter;
} sl_agg_eval;

/* Per-instance state for folding batches: expression states and per-row scratch. Not
 * thread-safe; one per pipeline instance. */
typedef struct sl_agg_folder {
    uint32_t group_count;
    uint32_t agg_count;
    sl_expr_state **groups;
    sl_vector **group_vectors;
    sl_agg_eval *aggs;
    size_t capacity;                 /* rows the arrays below hold */
    uint64_t *hashes;
    uint64_t *ids;                   /* per active row: group id */
    uint8_t **payloads;              /* per active row: group payload */
    uint8_t **row_payload;           /* per physical row */
    uint32_t *fresh;
    uint32_t *rows;                  /* active physical rows */
    uint32_t *sel;                   /* per aggregate: selected physical rows */
    uint32_t *sel2;
    void **states;
    uint32_t *kept;                  /* sl_agg_fold_bounded: rows folded */
    sl_vector *group_id;             /* BIGINT per physical row (DISTINCT keys) */
    sl_hash_scratch *scratch;
} sl_agg_folder;

/* Prepares the expression states of plan->exprs and plan->aggregates. On failure the
 * folder may be partly built: free it with sl_agg_folder_free as usual. */
sl_status sl_agg_folder_init(const sl_physical_op *plan, sl_exec_context *exec, sl_agg_folder *folder,
                             sl_error *err);
void sl_agg_folder_free(sl_agg_folder *folder);

/* Folds the active rows of `in` into the groups of `table` (created as needed, their
 * states init()ed), or into the one payload `single` when the layout has no groups.
 * `distinct` holds the DISTINCT sets that go with `table` (or `single`). */
sl_status sl_agg_fold(const sl_physical_op *plan, const sl_agg_layout *layout, sl_agg_folder *folder,
                      const sl_batch *in, sl_hash_table *table, uint8_t *single, sl_agg_distinct *distinct,
                      sl_error *err);

/* sl_agg_fold for a table that may stop growing (spilling HASH_AGGREGATE, group_count >
 * 0). Unless *frozen, room for every row to create a group is reserved first; a refused
 * reservation sets *frozen, and a frozen table gets no new groups: the active rows whose
 * group is absent are not folded but listed in spill_rows[0..*spill_count) (physical rows,
 * in input order) with their group hashes in spill_hashes; the other rows are folded.
 * *fresh_count = groups created; folder->fresh[0..*fresh_count) are the active-row
 * indexes that created them, in creation order. spill_rows / spill_hashes need room for
 * in->count entries. DISTINCT sets should be never_refuse (rows of frozen groups still
 * reach them). */
sl_status sl_agg_fold_bounded(const sl_physical_op *plan, const sl_agg_layout *layout, sl_agg_folder *folder,
                              const sl_batch *in, sl_hash_table *table, sl_agg_distinct *distinct, bool *frozen,
                              uint32_t *fresh_count, uint32_t *spill_rows, uint64_t *spill_hashes,
                              uint32_t *spill_count, sl_error *err);

/* The dense batch of `count` groups that sl_agg_emit_groups emits, with `extra_columns`
 * more empty column slots at the end for the caller (NULL until set); caller frees. */
sl_status sl_agg_finalize_groups(const sl_physical_op *plan, const sl_agg_layout *layout, sl_vector *const *keys,
                                 uint8_t **payloads, uint32_t count, uint32_t extra_columns, sl_batch **out,
                                 sl_error *err);

/* Emits one dense batch of `count` groups: the key columns `keys` (shared; NULL without
 * groups) ++ every aggregate's finalize() over payloads[0..count). Result types are
 * plan->types' (or the aggregate's type when plan->types does not list them). */
sl_status sl_agg_emit_groups(sl_op_context *ctx, const sl_physical_op *plan, const sl_agg_layout *layout,
                             sl_vector *const *keys, uint8_t **payloads, uint32_t count, sl_error *err);

#endif
