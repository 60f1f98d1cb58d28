/*
 * imap.c: reading an IMAP folder with libcurl.
 *
 * One easy handle, so one connection, for the whole folder. Commands
 * are sent with CURLOPT_CUSTOMREQUEST and their untagged answers read
 * from the write callback; messages are fetched with libcurl's IMAP URL
 * form (";UIDVALIDITY=v;UID=n", which also checks UIDVALIDITY).
 */
#include "config.h"


#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "imap.h"
#include "lazy.h"
#include "log.h"
#include "net.h"
#include "store.h"

#define FETCH_BATCH	100	/* messages between commits */
#define SET_MAX		4000	/* bytes of a UID set in one command */

struct imap {
	CURL		*c;
	struct ingest	*e;
	const struct imap_opts *o;
	char		*base;		/* scheme://[user@]host[:port] */
	char		*folder;	/* decoded */
	struct buf	 folder_url;	/* base/escaped-folder */
	struct buf	 label;		/* for messages: URL without password */
	struct buf	 out;		/* what the server sent */
	size_t		 cap;		/* at most this much of it */
	bool		 over;
	long long	 uidvalidity;
	bool		 has_move;
	bool		 has_uidplus;
	bool		 fetching;	/* a stop may cut the request short */
	size_t		 left_deleted;	/* copied, flagged \Deleted, kept */
	struct timespec	 start;		/* of the session */
	struct net_guard guard;
	CURLcode	 last;		/* of the last request */
	char		 errbuf[CURL_ERROR_SIZE];
	char		 reply[256];	/* its last refusal (NO, BAD) */
};

/* A message of the folder and what to do with it. */
struct item {
	unsigned long	 uid;
	int		 action;	/* A_NONE, A_USABLE, A_UNUSABLE */
	bool		 fetch;
	bool		 deleted;	/* flagged \Deleted */
};

enum { A_NONE, A_USABLE, A_UNUSABLE };

int
imap_is_url(const char *s)
{
	return strncmp(s, "imap://", 7) == 0 || strncmp(s, "imaps://", 8) == 0;
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct imap	*m = arg;

	n *= size;
	if (m->out.len + n > m->cap) {
		/* Keep what fits; the caller sees m->over. */
		size_t k = m->cap - m->out.len;
		if (buf_add(&m->out, p, k) == -1)
			return 0;
		m->over = true;
		return 0;
	}
	if (buf_add(&m->out, p, n) == -1)
		return 0;
	return n;
}

/*
 * Keep the last refusal of the server: a tagged NO or BAD, such as
 * "A004 NO Mailbox doesn't exist: Nowhere".
 */
static int
on_debug(CURL *c, curl_infotype type, char *data, size_t len, void *arg)
{
	struct imap	*m = arg;
	size_t		 i = 0;

	(void)c;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (i < len && isalnum((unsigned char)data[i]))
		i++;
	if (i == 0 || i == len || data[i] != ' ')
		return 0;
	i++;
	if ((len - i >= 3 && memcmp(data + i, "NO ", 3) == 0) ||
	    (len - i >= 4 && memcmp(data + i, "BAD ", 4) == 0))
		net_keep_reply(m->reply, sizeof m->reply, data, len);
	return 0;
}

/*
 * While a message is fetched, a stop (SIGINT, SIGTERM) ends the
 * transfer: the message is read again by the next run.
 */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct imap	*m = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return m->fetching && ingest_stopping(m->e);
}

/* Milliseconds since the session started. */
static long long
session_ms(const struct imap *m)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - m->start.tv_sec) * 1000 +
	    (now.tv_nsec - m->start.tv_nsec) / 1000000;
}

/*
 * One request: url, and cmd as the custom command (NULL to fetch the
 * message the URL names); what names it in messages (NULL: cmd). What
 * the server sends is in m->out. It may take --message-timeout, and no
 * longer than what is left of --session-timeout. Messages do not name
 * the folder: imap_ingest does.
 */
static int
req(struct imap *m, const char *url, const char *cmd, const char *what,
    size_t cap, struct dr_error *err)
{
	long long	limit = 0, left;
	int		by_session = 0;
	char		why[CURL_ERROR_SIZE + 256];
	CURLcode	rc;

	if (what == NULL)
		what = cmd;
	if (m->o->session_timeout > 0) {
		left = (long long)m->o->session_timeout * 1000 -
		    session_ms(m);
		if (left <= 0)
			goto session_over;
		limit = left;
		by_session = 1;
	}
	if (m->o->message_timeout > 0 && (limit == 0 ||
	    (long long)m->o->message_timeout * 1000 <= limit)) {
		limit = (long long)m->o->message_timeout * 1000;
		by_session = 0;
	}
	buf_reset(&m->out);
	m->cap = cap;
	m->over = false;
	m->errbuf[0] = '\0';
	m->reply[0] = '\0';
	curl_easy_setopt(m->c, CURLOPT_URL, url);
	curl_easy_setopt(m->c, CURLOPT_CUSTOMREQUEST, cmd);
	curl_easy_setopt(m->c, CURLOPT_TIMEOUT_MS, (long)limit);
	rc = curl_easy_perform(m->c);
	m->last = rc;
	if (rc == CURLE_WRITE_ERROR && m->over)
		return 0;
	if (rc == CURLE_OK)
		return 0;
	if (rc == CURLE_LOGIN_DENIED)
		return dr_seterr(err, DR_E_IO, "%s: login denied (user and "
		    "password from ~/.netrc, --netrc-file or "
		    "DMARCDB_IMAP_PASSWORD)%s%s%s", what, *m->reply ?
		    " (the server said: " : "", m->reply, *m->reply ? ")" :
		    "");
	if (rc == CURLE_OPERATION_TIMEDOUT && by_session)
		goto session_over;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return dr_seterr(err, DR_E_IO, "%s: no complete answer within "
		    "--message-timeout (%u s)", what, m->o->message_timeout);
	/* A command refused: the server's words say why. */
	if (rc == CURLE_QUOTE_ERROR && *m->reply)
		snprintf(why, sizeof why, "refused");
	else
		net_explain(rc, m->errbuf, &m->guard, why, sizeof why);
	return dr_seterr(err, DR_E_IO, "%s: %s%s%s%s", what, why, *m->reply ?
	    " (the server said: " : "", m->reply, *m->reply ? ")" : "");
session_over:
	m->last = CURLE_OPERATION_TIMEDOUT;
	return dr_seterr(err, DR_E_IO, "%s: stopped: the folder took longer "
	    "than --session-timeout (%u s); what was read is kept, and the "
	    "next run goes on", what, m->o->session_timeout);
}

/* An IMAP quoted string; NULL for names we cannot write (non-ASCII). */
static int
quote(struct buf *b, const char *s)
{
	if (buf_addc(b, '"') == -1)
		return -1;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			return -1;
		if ((c == '"' || c == '\\') && buf_addc(b, '\\') == -1)
			return -1;
		if (buf_addc(b, (char)c) == -1)
			return -1;
	}
	return buf_addc(b, '"');
}

/* Parse the URL: no password in it; the folder defaults to INBOX. */
static int
parse_url(struct imap *m, const char *url, struct dr_error *err)
{
	CURLU		*u;
	char		*scheme = NULL, *user = NULL, *pass = NULL;
	char		*host = NULL, *port = NULL, *path = NULL, *esc;
	int		 rc = -1;
	size_t		 n;
	char		 why[320];

	/* (Not the server's fault: the folder is unreadable, not away.) */
	if (lazy_load(LAZY_CURL, why, sizeof why) == -1)
		return dr_seterr(err, DR_E_USAGE, "%s", why);
	u = curl_url();
	if (u == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		dr_seterr(err, DR_E_USAGE, "not a valid IMAP URL");
		goto done;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE);
	if (pass != NULL) {
		dr_seterr(err, DR_E_USAGE, "a password on the command line "
		    "is refused: use ~/.netrc, --netrc-file or "
		    "DMARCDB_IMAP_PASSWORD");
		goto done;
	}
	n = strlen(scheme) + strlen(host) + (user ? strlen(user) : 0) +
	    (port ? strlen(port) : 0) + 8;
	m->base = malloc(n);
	if (m->base == NULL)
		goto nomem;
	snprintf(m->base, n, "%s://%s%s%s%s%s", scheme, user ? user : "",
	    user ? "@" : "", host, port ? ":" : "", port ? port : "");
	while (path != NULL && *path == '/')
		memmove(path, path + 1, strlen(path));
	m->folder = strdup(path != NULL && *path != '\0' ? path : "INBOX");
	if (m->folder == NULL)
		goto nomem;
	esc = curl_easy_escape(NULL, m->folder, 0);
	if (esc == NULL ||
	    buf_adds(&m->folder_url, m->base) == -1 ||
	    buf_addc(&m->folder_url, '/') == -1 ||
	    buf_adds(&m->folder_url, esc) == -1 ||
	    buf_adds(&m->label, m->base) == -1 ||
	    buf_addc(&m->label, '/') == -1 ||
	    buf_adds(&m->label, m->folder) == -1) {
		curl_free(esc);
		goto nomem;
	}
	curl_free(esc);
	rc = 0;
	goto done;
nomem:
	rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
done:
	curl_free(scheme);
	curl_free(user);
	curl_free(pass);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

static int
setup(struct imap *m, struct dr_error *err)
{
	const char	*pw = getenv("DMARCDB_IMAP_PASSWORD");

	clock_gettime(CLOCK_MONOTONIC, &m->start);
	m->c = curl_easy_init();
	if (m->c == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	/* TLS, certificates: see net.h. */
	if (net_setup(m->c, m->base, &m->o->net, &m->guard, err) == -1)
		return -1;
	curl_easy_setopt(m->c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(m->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->c, CURLOPT_ERRORBUFFER, m->errbuf);
	curl_easy_setopt(m->c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(m->c, CURLOPT_WRITEDATA, m);
	/* The dialogue, for the server's refusals; nothing is printed. */
	curl_easy_setopt(m->c, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(m->c, CURLOPT_DEBUGDATA, m);
	curl_easy_setopt(m->c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(m->c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(m->c, CURLOPT_XFERINFODATA, m);
	curl_easy_setopt(m->c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(m->c, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	if (m->o->netrc_file != NULL)
		curl_easy_setopt(m->c, CURLOPT_NETRC_FILE, m->o->netrc_file);
	if (pw != NULL && *pw != '\0')
		curl_easy_setopt(m->c, CURLOPT_PASSWORD, pw);
	curl_easy_setopt(m->c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(m->c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(m->c, CURLOPT_LOW_SPEED_TIME, 120L);
	return 0;
}

/*
 * 1 if the untagged CAPABILITY answer in text (of len bytes) lists the
 * capability name (case does not matter).
 */
static int
has_capability(const char *text, size_t len, const char *name)
{
	const char	*p, *end, *eol, *w;
	size_t		 n = strlen(name), k;

	if (text == NULL)
		return 0;
	end = text + len;
	for (p = text; p < end; p = eol < end ? eol + 1 : end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) < 13 || strncasecmp(p, "* CAPABILITY ",
		    13) != 0)
			continue;
		for (w = p + 12; w < eol; w += k) {
			while (w < eol && *w == ' ')
				w++;
			k = 0;
			while (w + k < eol && w[k] != ' ' && w[k] != '\r')
				k++;
			if (k == n && strncasecmp(w, name, n) == 0)
				return 1;
			if (k == 0)
				break;
		}
	}
	return 0;
}

/* Server capabilities, and the folder's UIDVALIDITY. */
static int
examine(struct imap *m, struct dr_error *err)
{
	struct buf	 cmd = { 0 };
	const char	*p;
	int		 rc;

	/* The connection and the login come first. */
	if (req(m, m->base, "CAPABILITY", "connecting", 65536, err) == -1)
		return -1;
	m->has_move = has_capability(m->out.data, m->out.len, "MOVE");
	m->has_uidplus = has_capability(m->out.data, m->out.len, "UIDPLUS");
	if (buf_adds(&cmd, "STATUS ") == -1 || quote(&cmd, m->folder) == -1 ||
	    buf_adds(&cmd, " (UIDVALIDITY)") == -1) {
		buf_free(&cmd);
		return dr_seterr(err, DR_E_USAGE, "folder names must be "
		    "ASCII");
	}
	rc = req(m, m->base, cmd.data, NULL, 65536, err);
	buf_free(&cmd);
	if (rc == -1)
		return -1;
	p = m->out.data ? strstr(m->out.data, "UIDVALIDITY ") : NULL;
	if (p == NULL)
		return dr_seterr(err, DR_E_IO, "no such folder, or no "
		    "UIDVALIDITY");
	m->uidvalidity = strtoll(p + 12, NULL, 10);
	return 0;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct item	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/*
 * The messages a UID SEARCH command finds (cmd: "UID SEARCH ALL"), in
 * UID order. The caller frees *items.
 */
static int
list_uids(struct imap *m, const char *cmd, struct item **items, size_t *n,
    struct dr_error *err)
{
	struct item	*v = NULL, *tmp;
	size_t		 cap = 0, k = 0;
	const char	*p;
	char		*end;
	unsigned long	 uid;

	*items = NULL;
	*n = 0;
	if (req(m, m->folder_url.data, cmd, NULL, 64 << 20, err) == -1)
		return -1;
	for (p = m->out.data; p != NULL && (p = strstr(p, "* SEARCH")) != NULL;
	    ) {
		p += 8;
		for (;;) {
			while (*p == ' ')
				p++;
			if (!isdigit((unsigned char)*p))
				break;
			uid = strtoul(p, &end, 10);
			p = end;
			if (k == cap) {
				cap = cap ? cap * 2 : 256;
				tmp = realloc(v, cap * sizeof *v);
				if (tmp == NULL) {
					free(v);
					return dr_seterr(err, DR_E_NOMEM,
					    "out of memory");
				}
				v = tmp;
			}
			v[k].uid = uid;
			v[k].action = A_NONE;
			v[k].fetch = false;
			v[k].deleted = false;
			k++;
		}
	}
	if (k > 0)
		qsort(v, k, sizeof *v, cmp_item);
	*items = v;
	*n = k;
	return 0;
}

/*
 * Every message of the folder, those flagged \Deleted marked: another
 * client is removing them, so unless this database knows them (a run
 * of ours flagged them and was stopped), they are left alone.
 */
static int
list_all(struct imap *m, struct item **items, size_t *n,
    struct dr_error *err)
{
	struct item	*d, *hit;
	size_t		 nd, i;

	if (list_uids(m, "UID SEARCH ALL", items, n, err) == -1)
		return -1;
	if (list_uids(m, "UID SEARCH DELETED", &d, &nd, err) == -1)
		return -1;
	for (i = 0; i < nd; i++) {
		hit = bsearch(&d[i], *items, *n, sizeof **items, cmp_item);
		if (hit != NULL)
			hit->deleted = true;
	}
	free(d);
	return 0;
}

static int
location(struct imap *m, unsigned long uid, struct buf *b)
{
	char	tail[96];

	snprintf(tail, sizeof tail, ";UIDVALIDITY=%lld;UID=%lu",
	    m->uidvalidity, uid);
	buf_reset(b);
	if (buf_adds(b, m->label.data) == -1 || buf_adds(b, tail) == -1)
		return -1;
	return 0;
}

/* What the database knows of a message: action to take, or fetch it. */
static int
classify(struct imap *m, struct item *it, struct buf *loc,
    struct dr_error *err)
{
	enum store_mail_outcome	o;
	int			handled, known;

	if (location(m, it->uid, loc) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	known = ingest_mail_known(m->e, loc->data, &o, &handled, err);
	if (known == -1)
		return -1;
	it->fetch = !known;
	it->action = A_NONE;
	if (known && !handled)
		it->action = o == STORE_MAIL_STORED ||
		    o == STORE_MAIL_DUPLICATE ? A_USABLE : A_UNUSABLE;
	return known;
}

/* Create a folder unless it exists. */
static int
ensure_folder(struct imap *m, const char *name, struct dr_error *err)
{
	struct buf	cmd = { 0 };
	int		rc = -1;

	if (buf_adds(&cmd, "LIST \"\" ") == -1 || quote(&cmd, name) == -1) {
		dr_seterr(err, DR_E_USAGE, "%s: folder names must be ASCII",
		    name);
		goto done;
	}
	if (req(m, m->base, cmd.data, NULL, 1 << 20, err) == -1)
		goto done;
	if (m->out.len > 0 && strstr(m->out.data, "* LIST") != NULL) {
		rc = 0;
		goto done;
	}
	buf_reset(&cmd);
	if (buf_adds(&cmd, "CREATE ") == -1 || quote(&cmd, name) == -1)
		goto done;
	rc = req(m, m->base, cmd.data, NULL, 1 << 20, err);
	if (rc == 0)
		log_verbose("%s: created folder %s", m->label.data, name);
done:
	buf_free(&cmd);
	return rc;
}

/* Apply one command to a set of UIDs, in pieces of SET_MAX bytes. */
static int
for_uids(struct imap *m, const struct item *v, size_t n, int action,
    const char *pre, const char *post, struct dr_error *err)
{
	struct buf	cmd = { 0 };
	size_t		i = 0, j;
	char		num[32];
	int		rc = 0;

	while (i < n && rc == 0) {
		buf_reset(&cmd);
		if (buf_adds(&cmd, pre) == -1) {
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
			break;
		}
		for (j = 0; i < n && cmd.len < SET_MAX; i++) {
			if (v[i].action != action)
				continue;
			snprintf(num, sizeof num, "%s%lu", j++ ? "," : "",
			    v[i].uid);
			buf_adds(&cmd, num);
		}
		if (j == 0)
			break;
		if (buf_adds(&cmd, post) == -1)
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
		else
			rc = req(m, m->folder_url.data, cmd.data, NULL,
			    1 << 20, err);
	}
	buf_free(&cmd);
	return rc;
}

/* Move (or flag) the messages of one kind, then record that. */
static int
dispose(struct imap *m, struct item *v, size_t n, int action,
    const char *target, struct dr_error *err)
{
	struct buf	 dst = { 0 }, loc = { 0 };
	size_t		 i, count = 0;
	int		 rc = 0;

	for (i = 0; i < n; i++)
		if (v[i].action == action)
			count++;
	if (count == 0)
		return 0;
	if (target == NULL) {
		rc = for_uids(m, v, n, action, "UID STORE ",
		    " +FLAGS.SILENT (\\Seen)", err);
	} else if ((rc = ensure_folder(m, target, err)) == 0) {
		if (buf_addc(&dst, ' ') == -1 || quote(&dst, target) == -1)
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
		else if (m->has_move)
			rc = for_uids(m, v, n, action, "UID MOVE ", dst.data,
			    err);
		else if ((rc = for_uids(m, v, n, action, "UID COPY ",
		    dst.data, err)) == 0 &&
		    (rc = for_uids(m, v, n, action, "UID STORE ",
		    " +FLAGS.SILENT (\\Deleted)", err)) == 0) {
			/*
			 * Only these messages: a plain EXPUNGE would also
			 * remove those other clients flagged \Deleted.
			 * Without UIDPLUS, they stay, and imap_ingest says
			 * so.
			 */
			if (m->has_uidplus)
				rc = for_uids(m, v, n, action, "UID EXPUNGE ",
				    "", err);
			else
				m->left_deleted += count;
		}
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (v[i].action != action)
			continue;
		if (location(m, v[i].uid, &loc) == -1)
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
		else
			rc = ingest_mail_handled(m->e, loc.data, err);
		v[i].action = A_NONE;
	}
	if (rc == 0)
		log_verbose("%s: %zu messages %s %s", m->label.data, count,
		    target == NULL ? "flagged" : m->has_move ||
		    m->has_uidplus ? "moved to" : "copied (and flagged "
		    "\\Deleted) to", target ? target : "\\Seen");
	buf_free(&dst);
	buf_free(&loc);
	return rc;
}

static int
dispose_all(struct imap *m, struct item *v, size_t n, struct dr_error *err)
{
	if (dispose(m, v, n, A_USABLE, m->o->move_to, err) == -1 ||
	    dispose(m, v, n, A_UNUSABLE, m->o->rejected_to, err) == -1)
		return -1;
	return 0;
}

static int
run(struct imap *m, struct dr_error *err)
{
	struct item	*v = NULL;
	struct buf	 loc = { 0 }, url = { 0 }, lab = { 0 };
	size_t		 n = 0, i, j, start, nfetch = 0;
	char		 tail[96];
	int		 rc = -1, known, r;
	bool		 stopped = false, began = false;

	if (setup(m, err) == -1 || examine(m, err) == -1 ||
	    list_all(m, &v, &n, err) == -1)
		goto done;
	/* Processed before: only finish what a killed run left undone. */
	for (i = 0; i < n; i++) {
		known = classify(m, &v[i], &loc, err);
		if (known == -1)
			goto done;
		if (known)
			ingest_mail_skip(m->e);
		else if (v[i].deleted) {
			log_verbose("%s UID %lu: flagged \\Deleted by another "
			    "client: left alone", m->label.data, v[i].uid);
			v[i].fetch = false;
		}
	}
	if (dispose_all(m, v, n, err) == -1)
		goto done;
	for (i = 0; i < n; i++)
		nfetch += v[i].fetch;
	ingest_progress_begin(m->e, m->label.data, nfetch, "messages");
	began = true;
	/*
	 * The others, a batch at a time: fetch, ingest, wait for the
	 * commit, then move or flag them. Stopped (SIGINT, SIGTERM), the
	 * messages fetched are finished, and the others left.
	 */
	for (start = 0; start < n && !stopped; start = i) {
		for (i = start, j = 0; i < n && j < FETCH_BATCH; i++) {
			if (!v[i].fetch)
				continue;
			if (ingest_stopping(m->e)) {
				stopped = true;
				break;
			}
			j++;
			snprintf(tail, sizeof tail, ";UIDVALIDITY=%lld;UID=%lu",
			    m->uidvalidity, v[i].uid);
			buf_reset(&url);
			buf_reset(&lab);
			if (buf_adds(&url, m->folder_url.data) == -1 ||
			    buf_adds(&url, tail) == -1 ||
			    location(m, v[i].uid, &loc) == -1 ||
			    buf_adds(&lab, m->label.data) == -1) {
				dr_seterr(err, DR_E_NOMEM, "out of memory");
				goto done;
			}
			snprintf(tail, sizeof tail, " UID %lu", v[i].uid);
			buf_adds(&lab, tail);
			/* One byte more than allowed: ingest refuses it. */
			m->fetching = true;
			r = req(m, url.data, NULL, tail + 1,
			    ingest_max_message(m->e) + 1, err);
			m->fetching = false;
			if (r == -1 && ingest_stopping(m->e)) {
				stopped = true;
				break;
			}
			ingest_progress_add(m->e, 1);
			if (r == -1) {
				if (m->last != CURLE_REMOTE_FILE_NOT_FOUND)
					goto done;
				/* Moved away by another run meanwhile. */
				log_verbose("%s: gone before it was read",
				    lab.data);
				v[i].fetch = false;
				continue;
			}
			if (ingest_mail(m->e, m->out.data ? m->out.data : "",
			    m->out.len, m->label.data, loc.data, 1, lab.data,
			    (int64_t)time(NULL), err) == -1)
				goto done;
		}
		if (j == 0)
			continue;
		if (ingest_sync(m->e, err) == -1)
			goto done;
		for (j = start; j < i; j++)
			if (v[j].fetch && classify(m, &v[j], &loc, err) == -1)
				goto done;
		if (dispose_all(m, v + start, i - start, err) == -1)
			goto done;
	}
	rc = 0;
done:
	if (began)
		ingest_progress_end(m->e);
	free(v);
	buf_free(&loc);
	buf_free(&url);
	buf_free(&lab);
	return rc;
}

int
imap_ingest(struct ingest *e, const char *url, const struct imap_opts *o,
    struct dr_error *err)
{
	struct imap	m;
	struct dr_error	why;
	char		safe[1024];
	struct store_lock *lk = NULL;
	int		rc;

	memset(&m, 0, sizeof m);
	m.e = e;
	m.o = o;
	ingest_note_input(e);
	rc = parse_url(&m, url, &why);
	/*
	 * Runs of dmarcdb on one database take turns at IMAP folders:
	 * two sessions moving the same message at once may both copy it.
	 */
	if (rc == 0 && (rc = ingest_lock(e, "imap", &lk, &why)) == 0) {
		rc = run(&m, &why);
		store_unlock(lk);
	}
	if (m.left_deleted > 0)
		log_warnx("%s: the server offers neither MOVE nor UIDPLUS: "
		    "%zu %s copied away (--move-to, --rejected-to) %s left "
		    "here flagged \\Deleted, since a plain EXPUNGE would also "
		    "remove the messages other clients flagged \\Deleted; "
		    "expunge the folder in a mail client when that is safe",
		    m.label.data, m.left_deleted, m.left_deleted == 1 ?
		    "message" : "messages", m.left_deleted == 1 ? "is" : "are");
	if (rc == -1) {
		if (dr_err_fatal(&why) && why.code != DR_E_USAGE) {
			*err = why;
		} else if (ingest_stopping(e)) {
			/* Stopped: not a problem with the server. */
			rc = 0;
		} else {
			/*
			 * The server or the URL, not the database: the
			 * folder could not be read (in full); go on.
			 */
			net_redact(url, safe, sizeof safe);
			if (why.code == DR_E_IO)
				ingest_unreachable(e, m.label.len ?
				    m.label.data : safe, why.msg);
			else
				ingest_problem(e, m.label.len ?
				    m.label.data : safe, why.msg);
			rc = 0;
		}
	}
	if (m.c != NULL)
		curl_easy_cleanup(m.c);
	free(m.base);
	free(m.folder);
	buf_free(&m.folder_url);
	buf_free(&m.label);
	buf_free(&m.out);
	return rc;
}
