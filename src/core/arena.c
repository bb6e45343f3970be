/* arena.c — bump allocator in a chain of blocks; see arena.h. */
#include "core/arena.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} block_t;

typedef struct deferred {
    struct deferred *next;
    void (*fn)(void *);
    void *ptr;
} deferred_t;

struct arena {
    block_t *head;
    deferred_t *defers;
    size_t total;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("zhendi: out of memory\n", stderr);
        abort();
    }
    return p;
}

static block_t *block_new(size_t size)
{
    block_t *b = xmalloc(sizeof *b + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

arena_t *arena_new(size_t first_block)
{
    arena_t *a = xmalloc(sizeof *a);
    a->head = block_new(first_block ? first_block : 4096);
    a->defers = NULL;
    a->total = 0;
    return a;
}

void arena_free(arena_t *a)
{
    if (!a)
        return;
    for (deferred_t *d = a->defers; d; d = d->next)
        d->fn(d->ptr);
    for (block_t *b = a->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(a);
}

void *arena_alloc(arena_t *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n) /* overflow */
        abort();
    block_t *b = a->head;
    if (b->size - b->used < need) {
        /* double up to 1 MiB per block; a bigger request gets its own */
        size_t sz = b->size < ((size_t)1 << 19) ? b->size * 2 : (size_t)1 << 20;
        if (sz < need)
            sz = need;
        block_t *nb = block_new(sz);
        nb->next = a->head;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(arena_t *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

char *arena_vprintf(arena_t *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void arena_defer(arena_t *a, void (*fn)(void *), void *ptr)
{
    deferred_t *d = arena_alloc(a, sizeof *d);
    d->fn = fn;
    d->ptr = ptr;
    d->next = a->defers;
    a->defers = d;
}

size_t arena_used(const arena_t *a) { return a->total; }
