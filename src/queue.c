/*
 * queue.c: blocks from one producer thread to one consumer thread.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "queue.h"

struct queue {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 ready;		/* a full block, or closed */
	pthread_cond_t	 freed;		/* a block came back */
	size_t		 block;		/* standard block size */
	unsigned	 nblocks;	/* standard blocks in existence */
	unsigned	 maxblocks;
	struct qblock	*free;		/* standard blocks not in use */
	struct qblock	*head, *tail;	/* full, for the consumer */
	struct qblock	*cur;		/* the producer's */
	size_t		 big;		/* bytes of oversized blocks out */
	bool		 closed;
};

#define ALIGN(n)	(((n) + sizeof(max_align_t) - 1) & \
			    ~(sizeof(max_align_t) - 1))

struct queue *
queue_new(size_t block, unsigned maxblocks)
{
	struct queue	*q;

	q = calloc(1, sizeof *q);
	if (q == NULL)
		return NULL;
	pthread_mutex_init(&q->mtx, NULL);
	pthread_cond_init(&q->ready, NULL);
	pthread_cond_init(&q->freed, NULL);
	q->block = block;
	q->maxblocks = maxblocks < 2 ? 2 : maxblocks;
	return q;
}

static void
free_list(struct qblock *b)
{
	struct qblock	*next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

void
queue_free(struct queue *q)
{
	if (q == NULL)
		return;
	free_list(q->free);
	free_list(q->head);
	free(q->cur);
	pthread_mutex_destroy(&q->mtx);
	pthread_cond_destroy(&q->ready);
	pthread_cond_destroy(&q->freed);
	free(q);
}

/* Caller holds the lock. */
static void
push_locked(struct queue *q, struct qblock *b)
{
	b->next = NULL;
	if (q->tail != NULL)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	pthread_cond_signal(&q->ready);
}

void
queue_flush(struct queue *q)
{
	if (q->cur == NULL || q->cur->used == 0)
		return;
	pthread_mutex_lock(&q->mtx);
	push_locked(q, q->cur);
	q->cur = NULL;
	pthread_mutex_unlock(&q->mtx);
}

/* A fresh standard block, waiting for one to come back if need be. */
static struct qblock *
get_block(struct queue *q)
{
	struct qblock	*b;

	pthread_mutex_lock(&q->mtx);
	while (q->free == NULL && q->nblocks >= q->maxblocks)
		pthread_cond_wait(&q->freed, &q->mtx);
	if (q->free != NULL) {
		b = q->free;
		q->free = b->next;
	} else {
		b = malloc(sizeof *b + q->block);
		if (b != NULL) {
			b->size = q->block;
			q->nblocks++;
		}
	}
	pthread_mutex_unlock(&q->mtx);
	if (b != NULL)
		b->used = 0;
	return b;
}

void *
queue_reserve(struct queue *q, size_t n)
{
	struct qblock	*b;

	n = ALIGN(n);
	if (q->cur != NULL && q->cur->size - q->cur->used >= n)
		return (char *)q->cur->data + q->cur->used;
	queue_flush(q);
	if (n > q->block) {
		/*
		 * Oversized: a block of its own, freed after use. They
		 * count against the same bound as the standard blocks,
		 * or a producer of large messages would run ahead of its
		 * consumer without limit; one is always let through.
		 */
		pthread_mutex_lock(&q->mtx);
		while (q->big > 0 && q->big + n > q->block * q->maxblocks)
			pthread_cond_wait(&q->freed, &q->mtx);
		q->big += n;
		pthread_mutex_unlock(&q->mtx);
		b = malloc(sizeof *b + n);
		if (b == NULL) {
			pthread_mutex_lock(&q->mtx);
			q->big -= n;
			pthread_mutex_unlock(&q->mtx);
			return NULL;
		}
		b->size = n;
		b->used = 0;
	} else if ((b = get_block(q)) == NULL)
		return NULL;
	q->cur = b;
	return b->data;
}

void
queue_commit(struct queue *q, size_t n)
{
	q->cur->used += ALIGN(n);
	if (q->cur->size > q->block)
		queue_flush(q);		/* oversized: hand it over now */
}

void
queue_close(struct queue *q)
{
	queue_flush(q);
	pthread_mutex_lock(&q->mtx);
	q->closed = true;
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->mtx);
}

struct qblock *
queue_pop(struct queue *q, int wait)
{
	struct qblock	*b;

	pthread_mutex_lock(&q->mtx);
	while (wait && q->head == NULL && !q->closed)
		pthread_cond_wait(&q->ready, &q->mtx);
	b = q->head;
	if (b != NULL) {
		q->head = b->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	pthread_mutex_unlock(&q->mtx);
	return b;
}

void
queue_release(struct queue *q, struct qblock *b)
{
	pthread_mutex_lock(&q->mtx);
	if (b->size > q->block) {
		q->big -= b->size;
		free(b);
	} else {
		b->next = q->free;
		q->free = b;
	}
	pthread_cond_signal(&q->freed);
	pthread_mutex_unlock(&q->mtx);
}

int
queue_done(struct queue *q)
{
	int	done;

	pthread_mutex_lock(&q->mtx);
	done = q->closed && q->head == NULL;
	pthread_mutex_unlock(&q->mtx);
	return done;
}
