/*
 * store-vfs.c: where SQLite keeps the pages a savepoint may have to put
 * back (its statement journal, or sub-journal).
 *
 * ingest stores each report inside a savepoint of the batch's
 * transaction, so that a report that fails is taken back alone. SQLite
 * copies into the sub-journal every page that existed before the
 * savepoint and that the report changes, and, for each statement that
 * may fail half way, the pages that statement changes. With
 * temp_store = MEMORY (dmarcdb's setting until December 2026) the
 * sub-journal was a list of 1 KiB pieces in memory that grew with the
 * report, and every statement's end walked the list from its start (to
 * cut off what the statement had added): a report of 300,000 records,
 * each with a signature and a source of its own, took 37 s instead of
 * 5, a million 262 s, and the journal grew in memory with the pages the
 * report touched, bounded only by the database.
 *
 * With temp_store = FILE, SQLite keeps a sub-journal in memory, as one
 * piece, up to the size given by SQLITE_CONFIG_STMTJRNL_SPILL, and
 * beyond it in a temporary file (unlinked, 0600, where SQLite puts its
 * temporary files): cutting it is then a single step, and its memory
 * bounded. But SQLite's unix files take less than 128 KiB in one write
 * (a larger one fails as "database or disk is full"), and the journal
 * goes to its file in one write of its whole size when it first
 * spills: so a spill size of 128 KiB or more fails. Under 128 KiB, an
 * ordinary report's savepoint spills (a page of each table and index it
 * adds to: about thirty pages) and every page then costs two system
 * calls: the bench's 10,000 small reports took a fifth longer. So
 * dmarcdb's default VFS is SQLite's own, except that a sub-journal's
 * file is written in pieces of at most 64 KiB, and the sub-journal stays
 * in memory up to STORE_SUBJOURNAL_MEMORY.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "store-int.h"

/* A unix file of SQLite's takes at most 128 KiB - 1 bytes a write. */
#define PIECE	65536

/* A sub-journal's file: SQLite's own after it. */
struct sj_file {
	sqlite3_file	 base;
	sqlite3_file	*real;
};

static sqlite3_vfs	*parent;
static sqlite3_vfs	 vfs;

#define REAL(f)	(((struct sj_file *)(f))->real)

static int
sj_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
sj_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int
sj_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	const unsigned char	*p = buf;
	int			 rc = SQLITE_OK;

	while (n > 0 && rc == SQLITE_OK) {
		int	k = n < PIECE ? n : PIECE;

		rc = REAL(f)->pMethods->xWrite(REAL(f), p, k, off);
		p += k;
		off += k;
		n -= k;
	}
	return rc;
}

static int
sj_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
sj_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
sj_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
sj_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int
sj_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int
sj_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
sj_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
sj_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
sj_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

/* Version 1: a sub-journal is neither shared (WAL index) nor mapped. */
static const sqlite3_io_methods sj_methods = {
	1, sj_close, sj_read, sj_write, sj_truncate, sj_sync, sj_size,
	sj_lock, sj_unlock, sj_reserved, sj_control, sj_sector, sj_device,
	NULL, NULL, NULL, NULL, NULL, NULL
};

static int
sj_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags,
    int *out)
{
	struct sj_file	*p = (struct sj_file *)f;
	int		 rc;

	(void)v;
	if ((flags & SQLITE_OPEN_SUBJOURNAL) == 0)
		return parent->xOpen(parent, name, f, flags, out);
	p->real = (sqlite3_file *)(p + 1);
	memset(p->real, 0, (size_t)parent->szOsFile);
	/* (A file that failed to open has no methods: SQLite's rule.) */
	rc = parent->xOpen(parent, name, p->real, flags, out);
	p->base.pMethods = rc == SQLITE_OK ? &sj_methods : NULL;
	return rc;
}

int
store_vfs_init(void)
{
	if (sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL,
	    STORE_SUBJOURNAL_MEMORY) != SQLITE_OK ||
	    sqlite3_initialize() != SQLITE_OK ||
	    (parent = sqlite3_vfs_find(NULL)) == NULL)
		return -1;
	vfs = *parent;
	vfs.pNext = NULL;
	vfs.zName = "dmarcdb";
	vfs.szOsFile = (int)sizeof(struct sj_file) + parent->szOsFile;
	vfs.xOpen = sj_open;
	return sqlite3_vfs_register(&vfs, 1) == SQLITE_OK ? 0 : -1;
}
