/*
 * pack.h: copying reports and records, with every string and array
 * they point to, into one piece of memory.
 *
 * Packing is done twice with the same calls: first with base NULL,
 * which only adds up the size, then into memory of that size. The copy
 * points into itself, so it can be handed to another thread as it is.
 */
#ifndef DR_PACK_H
#define DR_PACK_H

#include <stddef.h>

#include "report.h"

struct pk {
	char	*base;		/* NULL while sizing */
	size_t	 off;
};

/* n bytes, aligned for pointers; NULL while sizing. */
void			*pk_alloc(struct pk *, size_t);
const char		*pk_str(struct pk *, const char *);
const void		*pk_bytes(struct pk *, const void *, size_t);
/* Copy *r into *dst (dst may be NULL while sizing). */
void			 pk_record(struct pk *, struct dr_record *,
			    const struct dr_record *);
void			 pk_report(struct pk *, struct dr_report *,
			    const struct dr_report *);

#endif
