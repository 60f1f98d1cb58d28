/*
 * export-par.c: export's classes, worked out beside the writing, and
 * the writer that puts them into the rows. See export-par.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "catalogue.h"
#include "classify.h"
#include "cmd.h"
#include "export-par.h"
#include "group.h"
#include "hmap.h"
#include "log.h"
#include "sanitise.h"
#include "store.h"

/*
 * The class of each source of the period: per domain, a table of keyed
 * hashes of (domain, IP, header_from), each slot the hash with its low
 * bits replaced by the class + 1 (0: empty). A hash whose key changes
 * with every run cannot be steered to collide; 61 bits leave a chance
 * of about one in a billion that one source among 4 million takes
 * another's class. At most CLASSES_MAX sources are kept over all
 * domains (80 MiB, with their senders); records of the others have no
 * class, and a warning says so. A domain's table is written by the
 * classifier only, and read by the writer only once it is complete.
 */
#define CLASSES_MAX	(1u << 22)
/*
 * Each slot's sender too (sources --by sender), by number: at most
 * SENDERS_MAX names over all domains; the sources of any other have
 * none, and a warning says so.
 */
#define SENDERS_MAX	65535

/* A slot: the hash (class in its low bits) and the sender. */
struct slot {
	uint64_t	 h;
	uint16_t	 sender;	/* 0 none, else its name's number */
} __attribute__((packed));

struct table {
	struct slot	*slots;
	size_t		 nslots;	/* 0, or a power of two */
	size_t		 n;
};

/*
 * Sources on their way into the table: the slot of each is asked of
 * the memory when it comes, and it is put there PENDING sources later
 * (the table is far larger than the caches; the sources come in the
 * order of their addresses, their slots anywhere).
 */
#define PENDING		16
struct pending {
	uint64_t	 h;		/* with its class + 1 */
	uint16_t	 sender;
};

struct xclass {
	uint64_t		 key[2];
	int			 json;
	int64_t			 from_day, to_day;
	char			**domains;
	size_t			 ndomains;
	struct hmap		*index;		/* domain -> its number */
	struct table		*tables;	/* one per domain */
	/* The class's text, and each sender's (0: none), in the format. */
	char			*class_text[CLASS__COUNT + 1];
	char			**sender_text;	/* SENDERS_MAX + 1 */
	/* The classifier's. */
	size_t			 n;		/* sources kept, all domains */
	int			 full, names_full;
	struct hmap		*names;		/* sender key -> number */
	size_t			 cur;		/* the domain classified */
	char			 last_key[GROUP_KEY_MAX];	/* the last */
	size_t			 last_len;	/* sender's, 0: none */
	long			 last_id;
	struct buf		 key_buf;
	struct pending		 pend[PENDING];	/* a ring */
	size_t			 npend, pend_at;
	struct dr_error		*err;
	struct store		*s;
	const struct conf	*conf;
	const struct catalogue	*cat;
	pthread_t		 thread;
	int			 started;
	int			 stop;		/* atomic: stop classifying */
	/* Under mtx: domains classified, and how it ended. */
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	size_t			 ready;
	int			 failed, done;
	struct dr_error		 cerr;		/* the classification's */
};

/* The calling thread's CPU time, in seconds (for -vv). */
double
xthread_cpu(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --- the table ------------------------------------------------------- */

struct xclass *
xclass_new(const char *const *domains, size_t n, int64_t from_day,
    int64_t to_day, int json)
{
	struct xclass	*xc;
	size_t		 i;
	uint32_t	*v;
	int		 added;
	char		 b[64];

	xc = calloc(1, sizeof *xc);
	if (xc == NULL)
		return NULL;
	if (pthread_mutex_init(&xc->mtx, NULL) != 0) {
		free(xc);
		return NULL;
	}
	if (pthread_cond_init(&xc->cv, NULL) != 0) {
		pthread_mutex_destroy(&xc->mtx);
		free(xc);
		return NULL;
	}
	xc->json = json;
	xc->from_day = from_day;
	xc->to_day = to_day;
	xc->index = hmap_new(sizeof(uint32_t));
	xc->names = hmap_new(sizeof(uint16_t));
	xc->domains = calloc(n ? n : 1, sizeof *xc->domains);
	xc->tables = calloc(n ? n : 1, sizeof *xc->tables);
	xc->sender_text = calloc(SENDERS_MAX + 1, sizeof *xc->sender_text);
	if (xc->index == NULL || xc->names == NULL || xc->domains == NULL ||
	    xc->tables == NULL || xc->sender_text == NULL ||
	    hmap_random_key(xc->key) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((v = hmap_get(xc->index, domains[i], strlen(domains[i]),
		    &added)) == NULL)
			goto fail;
		if (!added)
			continue;	/* the same C string */
		if ((xc->domains[xc->ndomains] = strdup(domains[i])) == NULL)
			goto fail;
		*v = (uint32_t)xc->ndomains++;
	}
	/* CSV: "class," then the sender; NDJSON: both members. */
	for (i = 0; i <= CLASS__COUNT; i++) {
		const char *name = i == 0 ? "" :
		    class_name((enum source_class)(i - 1));
		if (json)
			snprintf(b, sizeof b, ",\"class\":\"%s\",\"sender\":",
			    name);
		else
			snprintf(b, sizeof b, "%s,", name);
		if ((xc->class_text[i] = strdup(b)) == NULL)
			goto fail;
	}
	if ((xc->sender_text[0] = strdup(json ? "null" : "\"\"")) == NULL)
		goto fail;
	return xc;
fail:
	xclass_free(xc);
	return NULL;
}

void
xclass_free(struct xclass *xc)
{
	size_t	i;

	if (xc == NULL)
		return;
	for (i = 0; i < xc->ndomains; i++) {
		free(xc->domains[i]);
		free(xc->tables[i].slots);
	}
	free(xc->domains);
	free(xc->tables);
	for (i = 0; i <= CLASS__COUNT; i++)
		free(xc->class_text[i]);
	for (i = 0; xc->sender_text != NULL && i <= SENDERS_MAX; i++)
		free(xc->sender_text[i]);
	free(xc->sender_text);
	hmap_free(xc->index);
	hmap_free(xc->names);
	buf_free(&xc->key_buf);
	pthread_cond_destroy(&xc->cv);
	pthread_mutex_destroy(&xc->mtx);
	free(xc);
}

uint32_t
xclass_domain(struct xclass *xc, const char *domain)
{
	uint32_t	*v = hmap_find(xc->index, domain, strlen(domain));

	return v != NULL ? *v : XROW_NONE;
}

int
xclass_hash(struct xclass *xc, struct buf *key, const char *domain,
    const char *ip, const char *hf, uint64_t *h)
{
	char	 stack[512], *p = stack;
	size_t	 nd, ni, nh;

	ip = ip ? ip : "";
	hf = hf ? hf : "";
	nd = strlen(domain);
	ni = strlen(ip);
	nh = strlen(hf);
	if (nd + ni + nh + 2 > sizeof stack) {
		buf_reset(key);
		if (buf_reserve(key, nd + ni + nh + 2) == -1)
			return -1;
		p = key->data;
	}
	memcpy(p, domain, nd + 1);
	memcpy(p + nd + 1, ip, ni + 1);
	memcpy(p + nd + ni + 2, hf, nh);
	*h = hmap_siphash13(xc->key, p, nd + ni + nh + 2) & ~7ULL;
	return 0;
}

/* Double a table (kept at most half full). */
static int
table_grow(struct table *t)
{
	struct slot	*slots;
	size_t		 n = t->nslots ? t->nslots * 2 : 1024, i, j;

	slots = calloc(n, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (i = 0; i < t->nslots; i++) {
		if (t->slots[i].h == 0)
			continue;
		for (j = (t->slots[i].h >> 3) & (n - 1); slots[j].h != 0;
		    j = (j + 1) & (n - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

static long
remember(struct xclass *xc, const char *key, size_t len, long id)
{
	memcpy(xc->last_key, key, len);
	xc->last_len = len;
	xc->last_id = id;
	return id;
}

/* The number of a sender's name, 0 past SENDERS_MAX; -1: memory. */
static long
sender_number(struct xclass *xc, const struct source *src)
{
	uint16_t	*v;
	char		 key[GROUP_KEY_MAX], name[300], *text;
	size_t		 n, len;
	int		 added;

	/* Keyed by kind and name: the label is written once. */
	len = group_key(src->gkind, src->gname, key);
	/* Most of the time, the sender of the source before. */
	if (xc->last_len == len && memcmp(xc->last_key, key, len) == 0)
		return xc->last_id;
	if ((v = hmap_find(xc->names, key, len)) != NULL)
		return remember(xc, key, len, *v);
	n = hmap_count(xc->names);
	if (n >= SENDERS_MAX) {
		xc->names_full = 1;
		return 0;
	}
	group_label(src->gkind, src->gname, 0, name, sizeof name);
	len = strlen(name);
	text = malloc(SANITISE_JSON_MAX(len) + SANITISE_CSV_MAX(len) + 1);
	if (text == NULL)
		return -1;
	/* An empty name is no name: null in NDJSON, as none. */
	if (xc->json && len == 0)
		len = sanitise_json_mem(text, NULL, 0);
	else
		len = xc->json ? sanitise_json_mem(text, name, len) :
		    sanitise_csv_mem(text, name, len);
	text[len] = '\0';
	if ((v = hmap_get(xc->names, key, group_key(src->gkind, src->gname,
	    key), &added)) == NULL) {
		free(text);
		return -1;
	}
	*v = (uint16_t)(n + 1);
	xc->sender_text[n + 1] = text;
	return remember(xc, key, group_key(src->gkind, src->gname, key), *v);
}

/* A source into the table, unless one of its hash is there. */
static void
table_put(struct table *t, const struct pending *p, size_t *n)
{
	size_t	i;

	for (i = (p->h >> 3) & (t->nslots - 1); t->slots[i].h != 0;
	    i = (i + 1) & (t->nslots - 1))
		if ((t->slots[i].h & ~7ULL) == (p->h & ~7ULL))
			return;
	t->slots[i].h = p->h;
	t->slots[i].sender = p->sender;
	t->n++;
	(*n)++;
}

/* The oldest source pending, into the domain's table. */
static void
put_oldest(struct xclass *xc)
{
	table_put(&xc->tables[xc->cur], &xc->pend[xc->pend_at], &xc->n);
	xc->pend_at = (xc->pend_at + 1) % PENDING;
	xc->npend--;
}

/* The sources pending, into the domain's table. */
static void
flush_pending(struct xclass *xc)
{
	while (xc->npend > 0)
		put_oldest(xc);
}

/* Each source of a domain, as the classification ends it. */
static int
on_source(void *arg, const struct source *src)
{
	struct xclass	*xc = arg;
	struct table	*t = &xc->tables[xc->cur];
	struct pending	*p;
	uint64_t	 h;
	long		 id;

	if (xc->n + xc->npend >= CLASSES_MAX) {
		xc->full = 1;
		return 0;
	}
	/* Room for it and those pending: they go first. */
	if ((t->n + xc->npend + 1) * 2 > t->nslots) {
		flush_pending(xc);
		if (table_grow(t) == -1)
			goto nomem;
	}
	if (xclass_hash(xc, &xc->key_buf, xc->domains[xc->cur], src->ip,
	    src->header_from, &h) == -1)
		goto nomem;
	if ((id = sender_number(xc, src)) == -1)
		goto nomem;
	__builtin_prefetch(&t->slots[(h >> 3) & (t->nslots - 1)], 1);
	if (xc->npend == PENDING)
		put_oldest(xc);
	p = &xc->pend[(xc->pend_at + xc->npend) % PENDING];
	p->h = h | ((uint64_t)src->class + 1);
	p->sender = (uint16_t)id;
	xc->npend++;
	return 0;
nomem:
	return dr_seterr(xc->err, DR_E_NOMEM, "out of memory");
}

/* Is the domain's classification to stop (the writer stopped)? */
static int
progress(void *arg)
{
	struct xclass	*xc = arg;

	return __atomic_load_n(&xc->stop, __ATOMIC_RELAXED);
}

int
xclass_run(struct xclass *xc, struct store *s, const struct conf *conf,
    const struct catalogue *cat, struct dr_error *err)
{
	/* Each source's group (on_source), no group listed. */
	struct classify_opts	 o = { 0, -1,
	    CLASSIFY_CLASSES_ONLY | CLASSIFY_BY_SENDER, on_source, xc, cat,
	    NULL };
	struct window		*w;
	size_t			 i;
	int			 rc = 0;

	xc->err = err;
	for (i = 0; i < xc->ndomains; i++) {
		if (progress(xc)) {
			rc = dr_seterr(err, DR_E_DB, "export: stopped");
			break;
		}
		xc->cur = i;
		if (classify_window(s, conf, xc->domains[i], xc->from_day,
		    xc->to_day, &o, &w, err) == -1) {
			rc = -1;
			break;
		}
		window_free(w);
		flush_pending(xc);
		if (xc->full == 1) {
			log_warnx("export: more than %u sources in the "
			    "period: the records of the others have no "
			    "class", CLASSES_MAX);
			xc->full = 2;
		}
		if (xc->names_full == 1) {
			log_warnx("export: more than %u senders in the "
			    "period: the records of the others have no "
			    "sender", SENDERS_MAX);
			xc->names_full = 2;
		}
		pthread_mutex_lock(&xc->mtx);
		xc->ready = i + 1;
		pthread_cond_broadcast(&xc->cv);
		pthread_mutex_unlock(&xc->mtx);
	}
	pthread_mutex_lock(&xc->mtx);
	if (rc == -1) {
		xc->failed = 1;
		xc->cerr = *err;
	}
	xc->done = 1;
	pthread_cond_broadcast(&xc->cv);
	pthread_mutex_unlock(&xc->mtx);
	return rc;
}

static void *
xclass_main(void *arg)
{
	struct xclass	*xc = arg;
	struct dr_error	 err;

	memset(&err, 0, sizeof err);
	store_progress(xc->s, progress, xc);
	(void)xclass_run(xc, xc->s, xc->conf, xc->cat, &err);
	store_progress(xc->s, NULL, NULL);
	log_debug("export: classes of %zu domains: %.2f s of CPU",
	    xc->ndomains, xthread_cpu());
	return NULL;
}

int
xclass_start(struct xclass *xc, struct store *s, const struct conf *conf,
    const struct catalogue *cat)
{
	xc->s = s;
	xc->conf = conf;
	xc->cat = cat;
	if (pthread_create(&xc->thread, NULL, xclass_main, xc) != 0)
		return -1;
	xc->started = 1;
	return 0;
}

void
xclass_join(struct xclass *xc)
{
	if (!xc->started)
		return;
	__atomic_store_n(&xc->stop, 1, __ATOMIC_RELAXED);
	pthread_join(xc->thread, NULL);
	xc->started = 0;
}

/*
 * Wait until the domain's classes are known: 1, or 0 when its
 * classification failed (or stopped).
 */
static int
xclass_wait(struct xclass *xc, uint32_t dom, size_t *ready)
{
	pthread_mutex_lock(&xc->mtx);
	while (xc->ready <= dom && !xc->done)
		pthread_cond_wait(&xc->cv, &xc->mtx);
	*ready = xc->ready;
	pthread_mutex_unlock(&xc->mtx);
	return *ready > dom;
}

/* --- the writer ------------------------------------------------------ */

struct xwriter {
	struct xclass	*xc;
	struct spool	*sp;
	pthread_t	 thread;
	uint64_t	 rows;
	double		 waited;	/* seconds */
	struct buf	 pre;		/* the report's columns */
	int		 rc;
	struct dr_error	 err;
};

/* The class and sender texts of a row's source. */
static void
source_text(struct xclass *xc, const struct xrow *x, const char **cls,
    const char **sender)
{
	const struct table	*t;
	size_t			 i;

	*cls = xc->class_text[0];
	*sender = xc->sender_text[0];
	if (x->dom == XROW_NONE)
		return;
	t = &xc->tables[x->dom];
	if (t->nslots == 0)
		return;
	for (i = (x->hash >> 3) & (t->nslots - 1); t->slots[i].h != 0;
	    i = (i + 1) & (t->nslots - 1))
		if ((t->slots[i].h & ~7ULL) == x->hash) {
			*cls = xc->class_text[t->slots[i].h & 7];
			if (t->slots[i].sender > 0)
				*sender = xc->sender_text[t->slots[i].sender];
			return;
		}
}

/* Bytes of a row, to standard output (locked by the writer). */
static inline void
out(const char *p, size_t n)
{
	/* raw: rows, class and sender texts were sanitised when made */
	fwrite_unlocked(p, 1, n, stdout);
}

/*
 * The table slots of the rows from p to e whose domains are ready,
 * asked of the memory before the rows are written: the table is far
 * larger than the caches, and the slots of successive rows are
 * anywhere in it, so that each row's lookup waited for memory.
 */
static void
prefetch_rows(struct xclass *xc, const char *p, const char *e, size_t ready)
{
	const struct table	*t;
	struct xrow		 x;

	while (p < e) {
		memcpy(&x, p, sizeof x);
		p += sizeof x + x.len;
		if (x.dom >= ready || x.dom == XROW_NONE ||
		    x.dom == XROW_REPORT)
			continue;
		t = &xc->tables[x.dom];
		if (t->nslots > 0)
			__builtin_prefetch(&t->slots[(x.hash >> 3) &
			    (t->nslots - 1)]);
	}
}

/* One block's rows: 0, 1 to stop quietly, -1 with w->err set. */
static int
write_block(struct xwriter *w, const char *p, size_t len, size_t *ready)
{
	struct xclass	*xc = w->xc;
	struct xrow	 x;
	const char	*cls, *sender, *e = p + len;

	if (*ready > 0)
		prefetch_rows(xc, p, e, *ready);
	while (p < e) {
		memcpy(&x, p, sizeof x);
		p += sizeof x;
		if (x.dom == XROW_REPORT) {
			buf_reset(&w->pre);
			if (buf_add(&w->pre, p, x.len) == -1)
				return dr_seterr(&w->err, DR_E_NOMEM,
				    "out of memory");
			p += x.len;
			continue;
		}
		if (x.dom != XROW_NONE && x.dom >= *ready) {
			struct timespec t0, t1;
			int ok;

			/* Meanwhile the rows may wait in the file. */
			clock_gettime(CLOCK_MONOTONIC, &t0);
			spool_stall(w->sp, 1);
			ok = xclass_wait(xc, x.dom, ready);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			w->waited += (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			if (!ok) {
				spool_stall(w->sp, 0);
				pthread_mutex_lock(&xc->mtx);
				w->err = xc->cerr;
				pthread_mutex_unlock(&xc->mtx);
				return -1;
			}
			spool_stall(w->sp, 0);
			prefetch_rows(xc, p - sizeof x, e, *ready);
		}
		source_text(xc, &x, &cls, &sender);
		out(w->pre.data, w->pre.len);
		out(p, x.split);
		out(cls, strlen(cls));
		out(sender, strlen(sender));
		out(p + x.split, x.len - x.split);
		p += x.len;
		w->rows++;
		/* The reader went away (| head): stop, quietly (main.c). */
		if (ferror_unlocked(stdout))
			return cmd_output_closed() ? 1 : dr_seterr(&w->err,
			    DR_E_IO, "writing the export: output error");
	}
	return 0;
}

static void *
xwriter_main(void *arg)
{
	struct xwriter	*w = arg;
	const char	*p;
	size_t		 len, ready = 0;
	int		 rc;

	flockfile(stdout);
	while ((rc = spool_pop(w->sp, &p, &len)) == 1)
		if ((rc = write_block(w, p, len, &ready)) != 0)
			break;
	funlockfile(stdout);
	if (rc == -1 && w->err.msg[0] == '\0')
		dr_seterr(&w->err, DR_E_IO, "export: reading back the rows "
		    "it spooled: %s", strerror(errno));
	w->rc = rc;
	log_debug("export: writing %llu rows: %.2f s of CPU (waiting for "
	    "classes %.2f s)", (unsigned long long)w->rows, xthread_cpu(),
	    w->waited);
	/* Whatever ended it, the rows formatted are not wanted any more. */
	if (rc != 0)
		spool_stop(w->sp);
	return NULL;
}

struct xwriter *
xwriter_start(struct xclass *xc, struct spool *sp)
{
	struct xwriter	*w;

	w = calloc(1, sizeof *w);
	if (w == NULL)
		return NULL;
	w->xc = xc;
	w->sp = sp;
	if (pthread_create(&w->thread, NULL, xwriter_main, w) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

int
xwriter_join(struct xwriter *w, uint64_t *rows, struct dr_error *err)
{
	int	rc;

	pthread_join(w->thread, NULL);
	rc = w->rc;
	*rows = w->rows;
	if (rc == -1)
		*err = w->err;
	buf_free(&w->pre);
	free(w);
	return rc;
}
