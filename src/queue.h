/*
 * queue.h: a bounded queue of memory blocks from one producer thread to
 * one consumer thread.
 *
 * The producer writes messages into the current block and hands it over
 * when it is full (or on queue_flush); a fixed number of blocks bounds
 * the memory in flight, and the producer waits when all are in use. A
 * message never spans blocks: a message larger than a block gets a
 * block of its own, and those count against the same bound (bytes of
 * blocks times their number), one being let through whatever its size.
 */
#ifndef DR_QUEUE_H
#define DR_QUEUE_H

#include <stddef.h>

struct qblock {
	struct qblock	*next;
	size_t		 size;		/* bytes of data[] */
	size_t		 used;
	max_align_t	 data[];
};

struct queue;

/* NULL on allocation failure. */
struct queue	*queue_new(size_t, unsigned);
void		 queue_free(struct queue *);

/*
 * Producer: room for n bytes (aligned for any type) in the current
 * block; valid until queue_commit. NULL on allocation failure.
 */
void		*queue_reserve(struct queue *, size_t);
void		 queue_commit(struct queue *, size_t);
void		 queue_flush(struct queue *);
/* No more messages: the consumer's queue_pop then returns NULL. */
void		 queue_close(struct queue *);

/*
 * Consumer: the next full block, waiting for one; with wait = 0,
 * NULL at once when none is ready. NULL, too, once closed and empty.
 */
struct qblock	*queue_pop(struct queue *, int);
void		 queue_release(struct queue *, struct qblock *);
/* 1 once the producer closed the queue and every block was popped. */
int		 queue_done(struct queue *);

#endif
