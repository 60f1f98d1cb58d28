/*
 * hmap.h: a hash map from byte strings to fixed-size values, iterated
 * in insertion order.
 *
 * Keys are copied into the map. A value pointer stays valid until the
 * next insertion or hmap_clear; the map owns all its memory and never
 * aborts: functions that allocate return NULL when memory runs out.
 */
#ifndef DR_HMAP_H
#define DR_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap;

/* A map whose values are valsize bytes, zeroed when inserted. */
struct hmap	*hmap_new(size_t);
void		 hmap_free(struct hmap *);
/* Forget every entry; keeps the memory for reuse. */
void		 hmap_clear(struct hmap *);

/* The value for a key, or NULL if absent. */
void		*hmap_find(const struct hmap *, const void *, size_t);
/*
 * The value for a key, inserted (zeroed) if absent, in which case *added
 * is set to 1 (else 0). NULL only when out of memory.
 */
void		*hmap_get(struct hmap *, const void *, size_t, int *);

size_t		 hmap_count(const struct hmap *);
/* The i-th entry in insertion order: its value, and key if wanted. */
void		*hmap_at(const struct hmap *, size_t, const void **,
		    size_t *);

/*
 * The maps' 64-bit hash of bytes: SipHash-1-3 under a key chosen at
 * random once per process, so not stable from one run to the next.
 */
uint64_t	 hmap_hash(const void *, size_t);

/*
 * SipHash-2-4 of bytes under a 128-bit key: for tables whose keys come
 * from reports, where a hash that an attacker can compute would let
 * them choose collisions. hmap_random_key fills a key from the
 * system's random source (0, or -1 if none could be read).
 */
uint64_t	 hmap_siphash(const uint64_t[2], const void *, size_t);
/* SipHash-1-3, the maps' own (hmap_hash), under a key given. */
uint64_t	 hmap_siphash13(const uint64_t[2], const void *, size_t);
int		 hmap_random_key(uint64_t[2]);

#endif
