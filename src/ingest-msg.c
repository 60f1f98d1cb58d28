/*
 * ingest-msg.c: building the messages the stages of the ingest engine
 * pass each other, and sending them.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "ingest-int.h"

double
ingest_thread_cpu(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void
ingest_set_fatal(struct ingest *e, const struct dr_error *err)
{
	pthread_mutex_lock(&e->mtx);
	if (!atomic_load(&e->fatal)) {
		e->fatal_err = *err;
		atomic_store(&e->fatal, true);
	}
	pthread_cond_broadcast(&e->verdict);	/* the reader may wait */
	pthread_mutex_unlock(&e->mtx);
}

int
ingest_check_fatal(struct ingest *e, struct dr_error *err)
{
	if (!atomic_load(&e->fatal))
		return 0;
	pthread_mutex_lock(&e->mtx);
	*err = e->fatal_err;
	pthread_mutex_unlock(&e->mtx);
	return -1;
}

void
imsg_pk_raw(struct pk *k, struct raw *dst, const struct raw *src)
{
	struct raw	r = *src;

	r.path = pk_str(k, src->path);
	r.bytes = src->kind == RAW_BYTES ? pk_bytes(k, src->bytes, src->len) :
	    NULL;
	*dst = r;
}

void
imsg_pk_doc(struct pk *k, struct store_doc *dst, const struct store_doc *src)
{
	*dst = *src;
	dst->origin = pk_str(k, src->origin);
}

static void
pk_mail(struct pk *k, struct store_mail *dst, const struct store_mail *src)
{
	*dst = *src;
	dst->message_id = pk_str(k, src->message_id);
	dst->mailbox = pk_str(k, src->mailbox);
	dst->location = pk_str(k, src->location);
	dst->from = pk_str(k, src->from);
	dst->subject = pk_str(k, src->subject);
}

int
imsg_mail(struct queue *q, enum msg_type type, const struct store_mail *mail,
    const char *label, const char *reason, int usable, struct dr_error *err)
{
	static const struct store_mail	none;
#define FILL(k) do {							\
	struct m_mail *m = pk_alloc((k), sizeof *m);			\
	struct store_mail d;						\
	const char *l, *r;						\
	pk_mail((k), &d, mail ? mail : &none);				\
	l = pk_str((k), label);						\
	r = pk_str((k), reason);					\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->mail = d;						\
		m->label = l;						\
		m->reason = r;						\
		m->usable = usable;					\
	}								\
} while (0)
	SEND(q, err, FILL);
#undef FILL
	return 0;
}

int
imsg_follow(struct queue *q, enum msg_type type, unsigned slot,
    struct dr_error *err)
{
	struct m_follow	*m;

	m = queue_reserve(q, sizeof *m);
	if (m == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	m->h.type = type;
	m->h.size = sizeof *m;
	m->slot = slot;
	queue_commit(q, sizeof *m);
	return 0;
}

int
imsg_file(struct queue *q, enum msg_type type, const char *origin,
    const unsigned char sha[SHA256_LEN], uint64_t size, int64_t known,
    int whole, struct dr_error *err)
{
#define FILL(k) do {							\
	struct m_file *m = pk_alloc((k), sizeof *m);			\
	const char *o = pk_str((k), origin);				\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->origin = o;						\
		memcpy(m->sha256, sha, SHA256_LEN);			\
		m->size = size;						\
		m->known = known;					\
		m->whole = whole;					\
	}								\
} while (0)
	SEND(q, err, FILL);
#undef FILL
	return 0;
}

int
imsg_simple(struct queue *q, enum msg_type type, struct dr_error *err)
{
	struct msg	*h;

	h = queue_reserve(q, sizeof *h);
	if (h == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	h->type = type;
	h->size = sizeof *h;
	queue_commit(q, sizeof *h);
	return 0;
}

/* A rejection or a note, on either queue. */
int
imsg_reject(struct queue *q, enum msg_type type, const char *origin,
    const char *reason, int kind, int dup, const struct raw *raw,
    struct dr_error *err)
{
	static const struct raw	none;
#define FILL(k) do {							\
	struct m_reject *m = pk_alloc((k), sizeof *m);			\
	struct raw r;							\
	const char *o = pk_str((k), origin), *rs = pk_str((k), reason);	\
	imsg_pk_raw((k), &r, raw ? raw : &none);				\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->origin = o;						\
		m->reason = rs;						\
		m->kind = kind;						\
		m->dup = dup;						\
		m->raw = r;						\
	}								\
} while (0)
	SEND(q, err, FILL);
#undef FILL
	return 0;
}

/* One piece of raw bytes (at most CHUNK), on either queue. */
int
imsg_piece(struct queue *q, enum msg_type type, const void *data, size_t len,
    struct dr_error *err)
{
#define FILL(k) do {							\
	struct d_chunk *m = pk_alloc((k), sizeof *m);			\
	const char *p = pk_bytes((k), data, len);			\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->data = p;						\
		m->len = len;						\
	}								\
} while (0)
	SEND(q, err, FILL);
#undef FILL
	return 0;
}
