/* vec.h — growable arrays: one place for "double the room when full".
 *
 *     if (vec_reserve((void **)&v, &cap, n, sizeof *v, 64) != 0) return -1;
 *     v[n++] = x;
 */
#ifndef ZD_VEC_H
#define ZD_VEC_H
#include <stddef.h>

/* Makes room for one more element in an array *v of n elements of elem
 * bytes with room for *cap: when full, the room doubles (first: the room
 * of an empty array). 0, or -1 when out of memory (the array unchanged). */
int vec_reserve(void **v, size_t *cap, size_t n, size_t elem, size_t first);

#endif
