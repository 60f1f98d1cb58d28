/*
 * store-file.c: the database file and who may open it how (dmarcdb(1),
 * SHARED DATABASE), and a connection opened in the background
 * (store_open_bg).
 *
 * Only ingest creates a database: a report command given a path that
 * does not exist says so, rather than report on an empty database made
 * for the occasion. A user who may read the database but not write it
 * (an analyst in the database's group) gets a read-only connection.
 *
 * SQLite reads a database in WAL mode through its -wal and -shm files
 * beside it. A reader that cannot write creates neither: it needs both
 * to be there, readable (SQLite then keeps the WAL index in its own
 * memory when no writer is connected). So every read-write connection
 * keeps them when it closes (SQLITE_FCNTL_PERSIST_WAL; SQLite would
 * otherwise delete them with the last connection), the log truncated
 * to nothing by its journal_size_limit; SQLite creates them with the
 * database's mode. A reader that finds them missing is refused, with
 * what to do, rather than let SQLite create them as that user (if it
 * can write the directory), which would lock out the writer.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store-int.h"
#include "store.h"

/* The mode of a new database: its owner writes, its group reads. */
#define DBFILE_MODE	0640
/* The longest the write-ahead log stays after a checkpoint resets it. */
#define DBFILE_WAL_KEEP	"67108864"

/* A name SQLite reads as something else than a file's path. */
static int
special(const char *path)
{
	return *path == '\0' || strcmp(path, ":memory:") == 0 ||
	    strncmp(path, "file:", 5) == 0;
}

int
dbfile_prepare(const char *path, int flags, struct dr_error *err)
{
	struct stat	st;
	int		fd;

	if (special(path))
		return 0;
	if ((flags & STORE_CREATE) == 0) {
		if (stat(path, &st) == -1 && (errno == ENOENT ||
		    errno == ENOTDIR))
			return dr_seterr(err, DR_E_DB, "no such database: %s",
			    path);
		return 0;
	}
	/*
	 * A new database holds raw mail: its owner and group only,
	 * whatever the umask (SQLite would make it 0644), and SQLite
	 * gives its -wal, -shm and -journal files the database's mode.
	 * O_EXCL: an existing file, or a link, is left as it is; what
	 * cannot be created here SQLite fails on, and says why.
	 */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    DBFILE_MODE);
	if (fd != -1) {
		(void)fchmod(fd, DBFILE_MODE);
		close(fd);
	}
	return 0;
}

/* 1 if path-sfx exists (or cannot be looked at), else 0. */
static int
beside(const char *path, const char *sfx)
{
	char		name[PATH_MAX];
	struct stat	st;

	if ((size_t)snprintf(name, sizeof name, "%s%s", path, sfx) >=
	    sizeof name)
		return 1;
	return stat(name, &st) == 0 || errno != ENOENT;
}

/*
 * 1 when the file's header says WAL mode (its read and write versions,
 * bytes 18 and 19, are 2), 0 when it does not or cannot be read: SQLite
 * will say what is wrong with it.
 */
static int
wal_mode(const char *path)
{
	unsigned char	hdr[20];
	ssize_t		n;
	int		fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	n = pread(fd, hdr, sizeof hdr, 0);
	close(fd);
	return n == (ssize_t)sizeof hdr && hdr[18] == 2 && hdr[19] == 2;
}

int
dbfile_opened(struct db *db, const char *path, int flags, int *readonly,
    struct dr_error *err)
{
	static int	said;
	int		one = 1, wal, shm;

	*readonly = (flags & STORE_READER) != 0 ||
	    sqlite3_db_readonly(db->lite, "main") == 1;
	if (!*readonly) {
		/* The -wal and -shm files stay for the readers. */
		if (sqlite3_file_control(db->lite, "main", SQLITE_FCNTL_PERSIST_WAL,
		    &one) != DB_OK && !special(path))
			return store_db_err(db, path, err, "keeping the "
			    "write-ahead log");
		if (db_exec(db, "PRAGMA journal_size_limit = "
		    DBFILE_WAL_KEEP, NULL, NULL, NULL) != DB_OK)
			return store_db_err(db, path, err, "limiting the "
			    "write-ahead log");
		return 0;
	}
	if ((flags & STORE_READER) != 0 || special(path))
		return 0;
	/* SQLite fell back to reading: this user cannot write the file. */
	if ((flags & STORE_CREATE) != 0)
		return dr_seterr(err, DR_E_DB, "%s: no write permission on "
		    "it: ingest must run as a user who can write the "
		    "database (its owner)", path);
	wal = beside(path, "-wal");
	shm = beside(path, "-shm");
	if ((!wal || !shm) && wal_mode(path))
		return dr_seterr(err, DR_E_DB, "%s: no write permission on "
		    "it, and its %s missing, which only a user who can write "
		    "it can make: run any dmarcdb command on it once as its "
		    "owner, such as ingest (dmarcdb(1), SHARED DATABASE)", path,
		    !wal && !shm ? "-wal and -shm files are" : !wal ?
		    "-wal file is" : "-shm file is");
	/* Once a run: digest opens a connection per core. */
	if (!said)
		log_verbose("%s: read-only for this user: nothing is written "
		    "to it (the sources are brought up to date in memory; "
		    "reverse DNS answers, alerts and the configuration are "
		    "not kept)", path);
	said = 1;
	return 0;
}

int
dbfile_lock_open(const char *db, const char *name, char *path, size_t len,
    int *fdp, struct dr_error *err)
{
	if ((size_t)snprintf(path, len, "%s-%s.lock", db, name) >= len)
		return dr_seterr(err, DR_E_DB, "%s: path too long", db);
	*fdp = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fdp == -1)
		return dr_seterr(err, DR_E_DB, "%s: %s", path, strerror(errno));
	return 0;
}

int
dbfile_trylock(int fd, const char *path, struct dr_error *err)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	if (errno == EWOULDBLOCK)
		return 0;
	return dr_seterr(err, DR_E_DB, "%s: %s", path, strerror(errno));
}

/*
 * store_open_bg: a connection opened, and its schema read, in a thread
 * of its own.
 */
struct store_opening {
	pthread_t	 thread;
	char		*dsn;
	int		 busy_ms, flags, rc;
	struct store	*s;
	struct dr_error	 err;
};

static void *
opening_main(void *arg)
{
	struct store_opening *op = arg;

	op->rc = store_open(op->dsn, op->busy_ms, op->flags, &op->s, &op->err);
	/*
	 * SQLite reads the schema at a connection's first statement that
	 * names a table: this one, rather than the first lookup.
	 */
	if (op->rc == 0 && !db_is_pg(store_conn(op->s)))
		(void)db_exec(store_conn(op->s), "SELECT 1 FROM sqlite_schema "
		    "LIMIT 0", NULL, NULL, NULL);
	return NULL;
}

struct store_opening *
store_open_bg(const char *dsn, int busy_ms, int flags)
{
	struct store_opening *op;
	sigset_t	 all, old;
	int		 rc;

	if ((op = calloc(1, sizeof *op)) == NULL)
		return NULL;
	if ((op->dsn = strdup(dsn)) == NULL) {
		free(op);
		return NULL;
	}
	op->busy_ms = busy_ms;
	op->flags = flags;
	/* Signals are the caller's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&op->thread, NULL, opening_main, op);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(op->dsn);
		free(op);
		return NULL;
	}
	return op;
}

int
store_open_wait(struct store_opening *op, struct store **sp,
    struct dr_error *err)
{
	int	rc;

	*sp = NULL;
	if (op == NULL)
		return 0;
	pthread_join(op->thread, NULL);
	rc = op->rc;
	if (rc == 0)
		*sp = op->s;
	else
		*err = op->err;
	free(op->dsn);
	free(op);
	return rc;
}

void
store_open_drop(struct store_opening *op)
{
	struct store	*s;
	struct dr_error	 ignore;

	if (store_open_wait(op, &s, &ignore) == 0)
		store_close(s);
}
