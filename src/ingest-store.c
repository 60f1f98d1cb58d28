/*
 * ingest-store.c: the store thread of the ingest engine: it owns the
 * database connection and writes what the parser sends.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "fmt.h"
#include "ingest-int.h"
#include "log.h"

static void
fmt_time(int64_t t, char *out, size_t len)
{
	fmt_utc(t, FMT_MINUTE, out, len);
}

static int
do_end(struct ingest *e, struct m_end *m, struct dr_error *err)
{
	const struct dr_report	*r = &m->rep;
	enum store_outcome	 out;
	char			 b[32], en[32];

	e->s_in_report = false;
	if (m->trailing != NULL && store_report_warning(e->store, "trailing",
	    m->trailing, err) == -1) {
		store_report_abort(e->store);
		return -1;
	}
	if (store_report_end(e->store, r, &m->doc, &out, err) == -1)
		return -1;
	switch (out) {
	case STORE_DUPLICATE:
		e->s_usable++;
		atomic_fetch_add(&e->duplicates, 1);
		log_verbose("%s: duplicate of a stored report", m->doc.origin);
		return 0;
	case STORE_SUPERSEDING:
	case STORE_SUPERSEDED:
		atomic_fetch_add(&e->superseded, 1);
		log_verbose("%s: report %s from %s re-sent with other content: "
		    "%s", m->doc.origin, r->report_id, r->reporter,
		    out == STORE_SUPERSEDING ? "this copy is now active" :
		    "kept as superseded by the newer copy");
		break;
	case STORE_NEW:
		break;
	}
	e->s_usable++;
	atomic_fetch_add(&e->stored, 1);
	atomic_fetch_add(&e->records, r->nrecords);
	atomic_fetch_add(&e->messages, r->nmessages);
	if (log_level() >= LOG_VERBOSE) {
		fmt_time(r->begin, b, sizeof b);
		fmt_time(r->end, en, sizeof en);
		log_verbose("%s: stored: %s, report %s, %s, %s to %s UTC, %llu "
		    "records, %llu messages%s", m->doc.origin, r->reporter,
		    r->report_id, r->domain, b, en,
		    (unsigned long long)r->nrecords,
		    (unsigned long long)r->nmessages,
		    r->nwarnings ? ", warnings" : "");
	}
	return 0;
}

static int
do_mail_end(struct ingest *e, struct m_mail *m, struct dr_error *err)
{
	enum store_mail_outcome	o;

	if (store_mail_end(e->store, m->reason, &o, err) == -1)
		return -1;
	switch (o) {
	case STORE_MAIL_NO_REPORT:
		/* Recorded, and not an error: mailboxes receive such mail. */
		atomic_fetch_add(&e->mail_no_report, 1);
		log_verbose("%s: no aggregate report: %s", e->s_label.data,
		    m->reason ? m->reason : "none found");
		break;
	case STORE_MAIL_REJECTED:
		log_verbose("%s: its reports were rejected", e->s_label.data);
		break;
	default:
		break;
	}
	return 0;
}

/* A note: logged, counted, and listed if it is a problem. */
static void
do_note(struct ingest *e, struct m_reject *m)
{
	switch (m->kind) {
	case NOTE_UNREACHABLE:
		atomic_fetch_add(&e->unreachable, 1);
		/* FALLTHROUGH */
	case NOTE_UNREADABLE:
		atomic_fetch_add(&e->unreadable, 1);
		log_warnx("%s: %s", m->origin, m->reason);
		ingest_list_add(e, m->kind == NOTE_UNREACHABLE ?
		    INGEST_UNREACHABLE : INGEST_UNREADABLE, m->origin,
		    m->reason);
		break;
	case NOTE_WARN:
		log_warnx("%s: %s", m->origin, m->reason);
		ingest_list_add(e, INGEST_WARNING, m->origin, m->reason);
		break;
	case NOTE_NOT_MOVED:
		atomic_fetch_add(&e->not_moved, 1);
		log_warnx("%s: %s", m->origin, m->reason);
		ingest_list_add(e, INGEST_NOT_MOVED, m->origin, m->reason);
		break;
	case NOTE_MOVED:
		atomic_fetch_add(&e->moved, 1);
		log_verbose("%s: %s", m->origin, m->reason);
		break;
	case NOTE_VANISHED:
		atomic_fetch_add(&e->vanished, 1);
		log_verbose("%s: %s", m->origin, m->reason);
		break;
	default:
		log_verbose("%s: %s", m->origin, m->reason);
		break;
	}
	if (m->dup) {
		e->s_usable++;
		atomic_fetch_add(&e->duplicates, 1);
		store_mail_duplicate(e->store);
	}
}

/*
 * A file's end: one read before counts its reports as duplicates; one
 * all of whose reports were stored, or known, and nothing else, is
 * recorded (store_file_done), in their batch or one after it.
 */
static int
do_file(struct ingest *e, const struct m_file *m, struct dr_error *err)
{
	uint64_t	n = e->s_usable - e->s_file_usable;

	if (m->known >= 0) {
		e->s_usable++;
		atomic_fetch_add(&e->duplicates, (unsigned long long)m->known);
		log_verbose("%s: read before: its %lld report%s stored",
		    m->origin, (long long)m->known, m->known == 1 ? " is" :
		    "s are");
		return 0;
	}
	if (!m->whole || n == 0 || e->s_unclean != e->s_file_unclean)
		return 0;
	return store_file_done(e->store, m->sha256, m->size, m->origin,
	    (int64_t)n, err);
}

static void
do_sync(struct ingest *e)
{
	struct dr_error	err;

	if (!atomic_load(&e->fatal) && store_commit(e->store, &err) == -1)
		ingest_set_fatal(e, &err);
	pthread_mutex_lock(&e->mtx);
	e->sync_done++;
	pthread_cond_broadcast(&e->synced);
	pthread_mutex_unlock(&e->mtx);
}

static void
store_block(struct ingest *e, struct qblock *b)
{
	struct dr_error	 err;
	size_t		 off = 0;
	int		 rc;

	while (off < b->used) {
		struct msg *h = (struct msg *)(void *)((char *)b->data + off);
		off += (h->size + sizeof(max_align_t) - 1) &
		    ~(sizeof(max_align_t) - 1);
		if (h->type == M_SYNC) {
			do_sync(e);
			continue;
		}
		if (atomic_load(&e->fatal))
			continue;	/* drain */
		rc = 0;
		switch (h->type) {
		case M_BEGIN:
			rc = store_report_begin(e->store,
			    &((struct m_begin *)h)->rep, &err);
			e->s_in_report = rc == 0;
			break;
		case M_RECORD:
			rc = store_record(e->store, &((struct m_record *)h)->rec,
			    &err);
			break;
		case M_END:
			rc = do_end(e, (struct m_end *)h, &err);
			break;
		case M_ABORT:
			store_report_abort(e->store);
			e->s_in_report = false;
			break;
		case M_REJECT:
			e->s_unclean++;
			rc = raw_store_reject(e, (struct m_reject *)h, &err);
			break;
		case M_RAW:
			rc = raw_store_piece(e, (struct d_chunk *)h, &err);
			break;
		case M_NOTE:
			if (!((struct m_reject *)h)->dup)
				e->s_unclean++;
			do_note(e, (struct m_reject *)h);
			break;
		case M_MAIL_BEGIN: {
			struct m_mail *m = (struct m_mail *)h;
			buf_reset(&e->s_label);
			if (buf_adds(&e->s_label, m->label) == -1) {
				rc = dr_seterr(&err, DR_E_NOMEM, "out of "
				    "memory");
				break;
			}
			rc = store_mail_begin(e->store, &m->mail, &err);
			break;
		}
		case M_MAIL_END:
			rc = do_mail_end(e, (struct m_mail *)h, &err);
			break;
		case M_MAIL_HANDLED:
			rc = store_mail_handled(e->store,
			    ((struct m_mail *)h)->mail.location, &err);
			break;
		case M_MAIL_SEEN: {
			struct m_mail *m = (struct m_mail *)h;
			rc = store_mail_seen(e->store, m->mail.sha256,
			    m->mail.location, m->mail.handle, &err);
			if (rc == 0)
				log_verbose("%s: processed before", m->label);
			if (m->usable)
				e->s_usable++;
			break;
		}
		case M_FOLLOW_BEGIN:
			e->s_follow_base = e->s_usable;
			break;
		case M_FOLLOW_END:
			e->follow[((struct m_follow *)h)->slot %
			    INGEST_FOLLOW_MAX] = e->s_usable > e->s_follow_base;
			break;
		case M_FILE_BEGIN:
			e->s_file_usable = e->s_usable;
			e->s_file_unclean = e->s_unclean;
			break;
		case M_FILE_END:
			rc = do_file(e, (struct m_file *)h, &err);
			break;
		default:
			break;
		}
		if (rc == 0 && !store_busy(e->store) &&
		    store_batch_due(e->store, BATCH_REPORTS, BATCH_MS))
			rc = store_commit(e->store, &err);
		if (rc == -1)
			ingest_set_fatal(e, &err);
	}
	/* Records in this block are about to go: write them now. */
	if (!atomic_load(&e->fatal) && store_flush(e->store, &err) == -1)
		ingest_set_fatal(e, &err);
}

void *
ingest_store_main(void *arg)
{
	struct ingest	*e = arg;
	struct qblock	*b;
	struct dr_error	 err;

	pthread_setname_np(pthread_self(), "dmarcdb-store");
	for (;;) {
		b = queue_pop(e->sq, 0);
		if (b == NULL) {
			/*
			 * Nothing to do: commit what is done, so that the
			 * lock is not held while we wait.
			 */
			if (!store_busy(e->store) && !atomic_load(&e->fatal) &&
			    store_commit(e->store, &err) == -1)
				ingest_set_fatal(e, &err);
			b = queue_pop(e->sq, 1);
			if (b == NULL)
				break;
		}
		store_block(e, b);
		queue_release(e->sq, b);
	}
	if (e->s_in_report)
		store_report_abort(e->store);
	if (!store_busy(e->store) && !atomic_load(&e->fatal) &&
	    store_commit(e->store, &err) == -1)
		ingest_set_fatal(e, &err);
	e->cpu_store = ingest_thread_cpu();
	return NULL;
}
