/*
 * alloc.h — the engine allocator, memory accounting and per-query arenas.
 *
 * Every allocation in the engine goes through sl_malloc & co., which count live bytes
 * (process-wide atomic counter: the one piece of truly shared state) and can be made to
 * fail for fault-injection tests. None of them aborts: they return NULL and the caller
 * returns SL_ERR_OOM (use sl_error_oom()).
 *
 * sl_memory is the per-database memory manager that operators reserve against before
 * growing (the limit set by `SET memory_limit`); a refused reservation is the signal to
 * spill or to fail with a clear error.
 *
 * sl_arena is a bump allocator for data that lives exactly as long as one owner
 * (a query's plan, one batch's scratch); it is freed or reset as a whole.
 */
#ifndef SL_COMMON_ALLOC_H
#define SL_COMMON_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

void *sl_malloc(size_t size);
void *sl_calloc(size_t count, size_t size);
void *sl_realloc(void *ptr, size_t size);
void sl_free(void *ptr);
char *sl_strdup(const char *s);
char *sl_strndup(const char *s, size_t n);
/* printf into a fresh sl_malloc'd string; NULL on OOM. */
char *sl_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Bytes currently allocated through sl_malloc (all threads). */
int64_t sl_alloc_live_bytes(void);

/* Fault injection (tests only): the Nth allocation from now fails (n >= 1); 0 disables. */
void sl_alloc_fail_after(int64_t n);

/* Grow a dynamic array: ensures *items has room for `needed` elements of `elem_size`.
 * Returns SL_OK or SL_ERR_OOM (leaving *items and *capacity untouched). */
sl_status sl_array_reserve(void **items, size_t *capacity, size_t needed, size_t elem_size, sl_error *err);

/* ---------------------------------------------------------------- memory manager */

typedef struct sl_memory {
    int64_t limit;               /* bytes; operators must stay within it */
    int64_t reserved;            /* atomically updated */
} sl_memory;

void sl_memory_init(sl_memory *mem, int64_t limit);
/* Reserve `bytes` against the limit. Returns false (and reserves nothing) when the
 * reservation would exceed the limit: the caller spills or fails. Thread-safe. */
bool sl_memory_try_reserve(sl_memory *mem, int64_t bytes);
void sl_memory_release(sl_memory *mem, int64_t bytes);
/* Default memory limit: 80% of physical RAM. */
int64_t sl_memory_default_limit(void);

/* ---------------------------------------------------------------- arena */

typedef struct sl_arena_block sl_arena_block;
typedef struct sl_arena {
    sl_arena_block *head;
    size_t block_size;
    size_t total;                /* bytes handed out from blocks */
} sl_arena;

void sl_arena_init(sl_arena *arena, size_t block_size /* 0 = default 64 KiB */);
/* Allocates `size` bytes aligned to 16; NULL on OOM. Memory is uninitialised. */
void *sl_arena_alloc(sl_arena *arena, size_t size);
void *sl_arena_calloc(sl_arena *arena, size_t size);
char *sl_arena_strdup(sl_arena *arena, const char *s);
char *sl_arena_strndup(sl_arena *arena, const char *s, size_t n);
/* Frees all blocks but the first, making the arena empty again. */
void sl_arena_reset(sl_arena *arena);
void sl_arena_free(sl_arena *arena);

#endif
