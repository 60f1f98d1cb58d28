/*
 * buf.c: growable buffers and a bump allocator.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 ncap;
	char	*p;

	if (n >= SIZE_MAX / 2 - b->len)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + n + 1)
		ncap *= 2;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_addc(struct buf *b, int c)
{
	char	ch = (char)c;

	return buf_add(b, &ch, 1);
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	max_align_t		 data[];
};

#define ARENA_CHUNK	16384

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk	*c;
	size_t			 size;
	char			*p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (a->p != NULL && (size_t)(a->end - a->p) >= n) {
		p = a->p;
		a->p += n;
		return p;
	}
	if (n > SIZE_MAX - sizeof *c - ARENA_CHUNK)
		return NULL;
	size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
	c = malloc(sizeof *c + size);
	if (c == NULL)
		return NULL;
	c->size = size;
	if (a->head == NULL || n <= ARENA_CHUNK) {
		/* New current chunk. */
		c->next = a->head;
		a->head = c;
		a->p = (char *)c->data + n;
		a->end = (char *)c->data + size;
	} else {
		/* Oversized: keep the current chunk current. */
		c->next = a->head->next;
		a->head->next = c;
	}
	return c->data;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(a, n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	 tmp[512];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if ((size_t)n >= sizeof tmp)
		n = sizeof tmp - 1;
	return arena_strndup(a, tmp, (size_t)n);
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk	*c, *next, *keep = NULL;

	/* Keep one chunk of standard size, free the rest. */
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (keep == NULL && c->size == ARENA_CHUNK)
			keep = c;
		else
			free(c);
	}
	a->head = keep;
	if (keep == NULL) {
		a->p = a->end = NULL;
		return;
	}
	keep->next = NULL;
	a->p = (char *)keep->data;
	a->end = (char *)keep->data + keep->size;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk	*c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->p = a->end = NULL;
}
