/* arena.h — a region allocator for request-scoped memory.
 * Everything allocated from an arena is freed at once by arena_free(); the
 * deferred callbacks (arena_defer) run first, newest first, so a request can
 * hand over a json_t or a database connection and forget about it.
 * An arena is used by one thread at a time. Allocation never returns NULL:
 * out of memory aborts the process (there is no sane recovery inside a
 * request that already holds locks). */
#ifndef ZD_ARENA_H
#define ZD_ARENA_H
#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena_t;

arena_t *arena_new(size_t first_block);
void arena_free(arena_t *a);                   /* NULL is fine */
void *arena_alloc(arena_t *a, size_t n);       /* 16-byte aligned, zeroed */
char *arena_strdup(arena_t *a, const char *s); /* NULL → NULL */
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena_t *a, const char *fmt, va_list ap);
/* Run fn(ptr) when the arena is freed. */
void arena_defer(arena_t *a, void (*fn)(void *), void *ptr);
/* Bytes handed out so far (for tests and metrics). */
size_t arena_used(const arena_t *a);

#endif
