/*
 * ingest.c: the ingest engine: starting and stopping it (see
 * ingest-int.h for how it works).
 */
#include "config.h"

#include <sys/stat.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ingest-int.h"
#include "log.h"

void
ingest_note_input(struct ingest *e)
{
	e->inputs++;
}

static void
note(struct ingest *e, const char *origin, const char *why, int kind)
{
	struct dr_error	err;

	if (imsg_reject(e->dq, M_NOTE, origin, why, kind, 0, NULL, &err) ==
	    -1)
		ingest_set_fatal(e, &err);
}

void
ingest_skipped(struct ingest *e, const char *origin, const char *why)
{
	note(e, origin, why, NOTE_WARN);
}

void
ingest_info(struct ingest *e, const char *origin, const char *what)
{
	note(e, origin, what, NOTE_INFO);
}

void
ingest_moved(struct ingest *e, const char *origin, const char *what)
{
	note(e, origin, what, NOTE_MOVED);
}

void
ingest_not_moved(struct ingest *e, const char *origin, const char *why)
{
	note(e, origin, why, NOTE_NOT_MOVED);
}

void
ingest_unreachable(struct ingest *e, const char *origin, const char *why)
{
	note(e, origin, why, NOTE_UNREACHABLE);
}

void
ingest_list_add(struct ingest *e, enum ingest_item_kind kind,
    const char *origin, const char *reason)
{
	struct ingest_item	*it;

	if (e->nlist == INGEST_LIST_MAX) {
		e->list_more++;
		return;
	}
	if (e->list == NULL) {
		e->list = calloc(INGEST_LIST_MAX, sizeof *e->list);
		if (e->list == NULL) {
			e->list_more++;
			return;
		}
	}
	it = &e->list[e->nlist];
	it->kind = kind;
	it->origin = strdup(origin != NULL ? origin : "");
	it->reason = strdup(reason != NULL ? reason : "");
	if (it->origin == NULL || it->reason == NULL) {
		free(it->origin);
		free(it->reason);
		e->list_more++;
		return;
	}
	e->nlist++;
}

const struct ingest_item *
ingest_list(const struct ingest *e, size_t *n, uint64_t *more)
{
	*n = e->nlist;
	*more = e->list_more;
	return e->list;
}

void
ingest_vanished(struct ingest *e, const char *origin)
{
	note(e, origin, "vanished before it was read (taken by another "
	    "reader?)", NOTE_VANISHED);
}

const char *
ingest_db_path(const struct ingest *e)
{
	return store_path(e->store);
}

static int
stopping(void *arg)
{
	return ingest_stopping(arg);
}

int
ingest_lock(struct ingest *e, const char *name, struct store_lock **out,
    struct dr_error *err)
{
	return store_lock(e->store, name, stopping, e, out, err);
}

int
ingest_busy_ms(const struct ingest *e)
{
	return store_busy_ms(e->store);
}

size_t
ingest_max_message(const struct ingest *e)
{
	return e->opts.max_message;
}

int
ingest_new(struct store *store, const struct ingest_opts *opts,
    struct ingest **ep, struct dr_error *err)
{
	struct ingest	*e;
	sigset_t	 stop, mask;

	*ep = NULL;
	e = calloc(1, sizeof *e);
	if (e == NULL) {
		store_open_drop(opts->lookup);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	e->store = store;
	e->opts = *opts;
	e->opening = opts->lookup;
	e->opts.lookup = NULL;
	pthread_mutex_init(&e->mtx, NULL);
	pthread_mutex_init(&e->lookup_mtx, NULL);
	pthread_cond_init(&e->synced, NULL);
	pthread_cond_init(&e->verdict, NULL);
	e->sha = sha256_new();
	e->msha = sha256_new();
	e->sha_store = sha256_new();
	e->buf = malloc(INGEST_PREBUF);
	e->rawbuf = malloc(CHUNK);
	e->s_rawbuf = malloc(CHUNK);
	e->dq = queue_new(QBLOCK, QBLOCKS);
	e->sq = queue_new(QBLOCK, QBLOCKS);
	e->parser = parse_new(&opts->plim, &ingest_parse_cb, e, 0);
	if (opts->recover)
		e->rparser = parse_new(&opts->plim, &ingest_parse_cb, e, 1);
	if (e->sha == NULL || e->msha == NULL || e->sha_store == NULL ||
	    e->buf == NULL || e->rawbuf == NULL || e->s_rawbuf == NULL ||
	    e->dq == NULL ||
	    e->sq == NULL || e->parser == NULL ||
	    (opts->recover && e->rparser == NULL)) {
		ingest_free(e);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	/*
	 * Everything committed so far is visible to the lookups (e->lookup:
	 * ingest_lookup opens it when first needed).
	 */
	if (store_commit(store, err) == -1) {
		ingest_free(e);
		return -1;
	}
	/*
	 * The stages' threads leave SIGINT and SIGTERM to the caller's
	 * (the reader), whose handler asks the engine to stop.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &mask);
	if (pthread_create(&e->store_thread, NULL, ingest_store_main, e) != 0) {
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
		ingest_free(e);
		return dr_seterr(err, DR_E_NOMEM, "cannot start a thread");
	}
	if (pthread_create(&e->parse_thread, NULL, ingest_parse_main, e) != 0) {
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
		queue_close(e->sq);
		pthread_join(e->store_thread, NULL);
		ingest_free(e);
		return dr_seterr(err, DR_E_NOMEM, "cannot start a thread");
	}
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	e->running = true;
	*ep = e;
	return 0;
}

int
ingest_finish(struct ingest *e, struct dr_error *err)
{
	if (e->running) {
		queue_close(e->dq);
		pthread_join(e->parse_thread, NULL);
		pthread_join(e->store_thread, NULL);
		e->running = false;
		log_debug("CPU: reading %.2f s, parsing %.2f s, storing %.2f s",
		    ingest_thread_cpu(), e->cpu_parse, e->cpu_store);
	}
	e->counts.inputs = e->inputs;
	e->counts.mail_read = e->mail_read;
	e->counts.mail_known = e->mail_known;
	e->counts.rejected = atomic_load(&e->rejected);
	e->counts.unreadable = atomic_load(&e->unreadable);
	e->counts.vanished = atomic_load(&e->vanished);
	e->counts.stored = atomic_load(&e->stored);
	e->counts.duplicates = atomic_load(&e->duplicates);
	e->counts.superseded = atomic_load(&e->superseded);
	e->counts.records = atomic_load(&e->records);
	e->counts.messages = atomic_load(&e->messages);
	e->counts.rejected_before = atomic_load(&e->rejected_before);
	e->counts.mail_no_report = atomic_load(&e->mail_no_report);
	e->counts.unreachable = atomic_load(&e->unreachable);
	e->counts.moved = atomic_load(&e->moved);
	e->counts.not_moved = atomic_load(&e->not_moved);
	return ingest_check_fatal(e, err);
}

struct store *
ingest_lookup(struct ingest *e, struct dr_error *err)
{
	int	rc;

	pthread_mutex_lock(&e->lookup_mtx);
	if (e->lookup == NULL) {
		if (e->opening != NULL) {
			rc = store_open_wait(e->opening, &e->lookup, err);
			e->opening = NULL;
		} else
			rc = store_open(store_dsn(e->store),
			    store_busy_ms(e->store), STORE_READER, &e->lookup,
			    err);
		if (rc == -1) {
			e->lookup = NULL;
			pthread_mutex_unlock(&e->lookup_mtx);
			return NULL;
		}
	}
	return e->lookup;
}

void
ingest_lookup_done(struct ingest *e)
{
	pthread_mutex_unlock(&e->lookup_mtx);
}

void
ingest_free(struct ingest *e)
{
	struct dr_error	err;
	size_t		i;

	if (e == NULL)
		return;
	if (e->running)
		ingest_finish(e, &err);
	for (i = 0; i < e->nlist; i++) {
		free(e->list[i].origin);
		free(e->list[i].reason);
	}
	free(e->list);
	store_open_drop(e->opening);
	store_close(e->lookup);
	sha256_free(e->msha);
	buf_free(&e->skipped);
	buf_free(&e->porigin);
	buf_free(&e->s_label);
	parse_free(e->parser);
	parse_free(e->rparser);
	queue_free(e->dq);
	queue_free(e->sq);
	sha256_free(e->sha);
	sha256_free(e->sha_store);
	free(e->buf);
	free(e->rawbuf);
	free(e->s_rawbuf);
	buf_free(&e->sorigin);
	buf_free(&e->rorigin);
	buf_free(&e->v_origin);
	pthread_mutex_destroy(&e->mtx);
	pthread_mutex_destroy(&e->lookup_mtx);
	pthread_cond_destroy(&e->synced);
	pthread_cond_destroy(&e->verdict);
	free(e);
}

const struct store_counts *
ingest_counts(const struct ingest *e)
{
	return &e->counts;
}
