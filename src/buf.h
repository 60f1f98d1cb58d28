/*
 * buf.h: a growable byte buffer and a bump allocator.
 *
 * Neither aborts on failure: functions that can fail return -1 (buffers)
 * or NULL (arena) and leave the object usable.
 */
#ifndef DR_BUF_H
#define DR_BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* always NUL-terminated when len > 0 */
	size_t	 len;
	size_t	 cap;
};

/* Append n bytes; keeps data NUL-terminated. -1 on allocation failure. */
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_addc(struct buf *, int);
int	 buf_adds(struct buf *, const char *);
/* Make sure there is room for n more bytes. */
int	 buf_reserve(struct buf *, size_t);
void	 buf_reset(struct buf *);	/* len = 0, keeps memory */
void	 buf_free(struct buf *);	/* releases memory */

struct arena_chunk;
struct arena {
	struct arena_chunk	*head;
	char			*p;
	char			*end;
};

/*
 * Allocate from the arena; memory lives until arena_reset or arena_free.
 * Returns NULL on allocation failure.
 */
void	*arena_alloc(struct arena *, size_t);
char	*arena_strndup(struct arena *, const char *, size_t);
char	*arena_printf(struct arena *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 arena_reset(struct arena *);	/* keeps the first chunk */
void	 arena_free(struct arena *);

#endif
