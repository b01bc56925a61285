/*
 * alloc.c — the engine allocator (counted, fault-injectable), the per-database memory
 * manager and the bump arena.
 *
 * sl_malloc prefixes every block with a 16-byte header holding its size, so sl_free can
 * subtract exactly what sl_malloc added to the process-wide live-bytes counter, and the
 * returned pointer keeps malloc's 16-byte alignment. Fault injection counts down the
 * allocations (malloc, calloc, realloc) across all threads and refuses the Nth one.
 */
#include "common/alloc.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SL_ALLOC_HEADER 16

static atomic_llong sl_live_bytes;
static atomic_llong sl_fail_countdown; /* 0 = disabled; otherwise allocations left until failure */

/* True when fault injection says this allocation must fail. */
static bool sl_alloc_should_fail(void)
{
    if (atomic_load_explicit(&sl_fail_countdown, memory_order_relaxed) == 0)
        return false;
    long long left = atomic_fetch_sub(&sl_fail_countdown, 1);
    if (left == 1)
        return true;            /* this is the Nth allocation: fail it, counter is now 0 */
    if (left <= 0) {            /* raced past zero: restore "disabled" */
        atomic_store(&sl_fail_countdown, 0);
        return false;
    }
    return false;
}

void sl_alloc_fail_after(int64_t n)
{
    atomic_store(&sl_fail_countdown, n > 0 ? n : 0);
}

int64_t sl_alloc_live_bytes(void)
{
    return atomic_load(&sl_live_bytes);
}

void *sl_malloc(size_t size)
{
    if (size > SIZE_MAX - SL_ALLOC_HEADER || sl_alloc_should_fail())
        return NULL;
    unsigned char *block = malloc(size + SL_ALLOC_HEADER);
    if (!block)
        return NULL;
    *(size_t *)block = size;
    atomic_fetch_add_explicit(&sl_live_bytes, (long long)size, memory_order_relaxed);
    return block + SL_ALLOC_HEADER;
}

void *sl_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t total = count * size;
    if (total > SIZE_MAX - SL_ALLOC_HEADER || sl_alloc_should_fail())
        return NULL;
    unsigned char *block = calloc(1, total + SL_ALLOC_HEADER);
    if (!block)
        return NULL;
    *(size_t *)block = total;
    atomic_fetch_add_explicit(&sl_live_bytes, (long long)total, memory_order_relaxed);
    return block + SL_ALLOC_HEADER;
}

void *sl_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return sl_malloc(size);
    if (size > SIZE_MAX - SL_ALLOC_HEADER || sl_alloc_should_fail())
        return NULL;
    unsigned char *block = (unsigned char *)ptr - SL_ALLOC_HEADER;
    size_t old = *(size_t *)block;
    unsigned char *grown = realloc(block, size + SL_ALLOC_HEADER);
    if (!grown)
        return NULL;            /* ptr is still valid, as with realloc */
    *(size_t *)grown = size;
    atomic_fetch_add_explicit(&sl_live_bytes, (long long)size - (long long)old, memory_order_relaxed);
    return grown + SL_ALLOC_HEADER;
}

void sl_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *block = (unsigned char *)ptr - SL_ALLOC_HEADER;
    atomic_fetch_sub_explicit(&sl_live_bytes, (long long)*(size_t *)block, memory_order_relaxed);
    free(block);
}

char *sl_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *copy = sl_malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *sl_strdup(const char *s)
{
    return sl_strndup(s, strlen(s));
}

char *sl_asprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) {
        va_end(ap2);
        return NULL;
    }
    char *out = sl_malloc((size_t)len + 1);
    if (out)
        vsnprintf(out, (size_t)len + 1, fmt, ap2);
    va_end(ap2);
    return out;
}

sl_status sl_array_reserve(void **items, size_t *capacity, size_t needed, size_t elem_size, sl_error *err)
{
    if (needed <= *capacity)
        return SL_OK;
    size_t cap = *capacity ? *capacity : 8;
    while (cap < needed) {
        if (cap > SIZE_MAX / 2)
            return sl_error_oom(err);
        cap *= 2;
    }
    if (elem_size && cap > SIZE_MAX / elem_size)
        return sl_error_oom(err);
    void *grown = sl_realloc(*items, cap * elem_size);
    if (!grown)
        return sl_error_oom(err);
    *items = grown;
    *capacity = cap;
    return SL_OK;
}

/* ---------------------------------------------------------------- memory manager */

void sl_memory_init(sl_memory *mem, int64_t limit)
{
    mem->limit = limit > 0 ? limit : sl_memory_default_limit();
    atomic_store((_Atomic int64_t *)&mem->reserved, 0);
}

bool sl_memory_try_reserve(sl_memory *mem, int64_t bytes)
{
    _Atomic int64_t *reserved = (_Atomic int64_t *)&mem->reserved;
    int64_t current = atomic_load(reserved);
    for (;;) {
        if (bytes > 0 && current + bytes > mem->limit)
            return false;
        if (atomic_compare_exchange_weak(reserved, &current, current + bytes))
            return true;
    }
}

void sl_memory_release(sl_memory *mem, int64_t bytes)
{
    atomic_fetch_sub((_Atomic int64_t *)&mem->reserved, bytes);
}

int64_t sl_memory_default_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0)
        return (int64_t)4 << 30;    /* unknown: assume 4 GiB */
    return (int64_t)((double)pages * (double)page_size * 0.8);
}

/* ---------------------------------------------------------------- arena */

#define SL_ARENA_DEFAULT_BLOCK (64 * 1024)
#define SL_ARENA_ALIGN 16

struct sl_arena_block {
    sl_arena_block *next;
    size_t size;                 /* usable bytes in data */
    size_t used;
    _Alignas(16) unsigned char data[];
};

void sl_arena_init(sl_arena *arena, size_t block_size)
{
    arena->head = NULL;
    arena->block_size = block_size ? block_size : SL_ARENA_DEFAULT_BLOCK;
    arena->total = 0;
}

/* Blocks form a list whose head is the block currently bumped into. An allocation larger
 * than a quarter block gets a dedicated block linked behind the head, so the head's free
 * space is not wasted. */
void *sl_arena_alloc(sl_arena *arena, size_t size)
{
    size_t rounded = (size + SL_ARENA_ALIGN - 1) & ~(size_t)(SL_ARENA_ALIGN - 1);
    if (rounded < size)
        return NULL;
    sl_arena_block *head = arena->head;
    if (head && head->size - head->used >= rounded) {
        void *p = head->data + head->used;
        head->used += rounded;
        arena->total += rounded;
        return p;
    }
    bool dedicated = rounded > arena->block_size / 4;
    size_t size_block = dedicated ? rounded : arena->block_size;
    if (size_block > SIZE_MAX - sizeof(sl_arena_block))
        return NULL;
    sl_arena_block *block = sl_malloc(sizeof(sl_arena_block) + size_block);
    if (!block)
        return NULL;
    block->size = size_block;
    block->used = rounded;
    if (dedicated && head) {
        block->next = head->next;
        head->next = block;
    } else {
        block->next = head;
        arena->head = block;
    }
    arena->total += rounded;
    return block->data;
}

void *sl_arena_calloc(sl_arena *arena, size_t size)
{
    void *p = sl_arena_alloc(arena, size);
    if (p)
        memset(p, 0, size);
    return p;
}

char *sl_arena_strndup(sl_arena *arena, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *copy = sl_arena_alloc(arena, len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *sl_arena_strdup(sl_arena *arena, const char *s)
{
    return sl_arena_strndup(arena, s, strlen(s));
}

void sl_arena_reset(sl_arena *arena)
{
    sl_arena_block *block = arena->head;
    if (!block)
        return;
    /* keep the oldest block (the list's tail), free the rest */
    while (block->next) {
        sl_arena_block *next = block->next;
        sl_free(block);
        block = next;
    }
    block->used = 0;
    arena->head = block;
    arena->total = 0;
}

void sl_arena_free(sl_arena *arena)
{
    sl_arena_block *block = arena->head;
    while (block) {
        sl_arena_block *next = block->next;
        sl_free(block);
        block = next;
    }
    arena->head = NULL;
    arena->total = 0;
}
