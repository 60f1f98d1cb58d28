/*
 * pgcursor.c: db-pg.c's cursors against a server, for pg-views.sh. Each
 * asks for its next batch as soon as one comes (fetch_ahead), so:
 *
 *   - two cursors read in turn, each with a batch on its way while the
 *     other is read, give their rows whole and in order;
 *   - a batch asked for ahead that fails (a division by zero in its
 *     rows), while another statement runs before it is read, fails that
 *     statement with its reason (not "the transaction is aborted"), and
 *     the cursor with it when it comes to that batch.
 *
 *   pgcursor URI
 *
 * prints "sums A B", "other: MESSAGE" and "cursor: MESSAGE". Exit 0, 1
 * when something else happened (said on standard error).
 */
#include "config.h"

#include <stdio.h>

#include "db.h"

static struct db_stmt *
cursor(struct db *db, const char *sql)
{
	struct db_stmt	*st;

	if (db_prepare_v3(db, sql, -1, DB_PREPARE_STREAM, &st, NULL) !=
	    DB_OK) {
		fprintf(stderr, "pgcursor: %s: %s\n", sql, db_errmsg(db));
		return NULL;
	}
	return st;
}

int
main(int argc, char **argv)
{
	struct db	*db;
	struct db_stmt	*a, *b, *c, *o;
	char		 msg[256];
	long long	 sa = 0, sb = 0;
	int		 ra = DB_ROW, rb = DB_ROW, rc, i;

	if (argc != 2) {
		fprintf(stderr, "usage: pgcursor URI\n");
		return 2;
	}
	if (db_pg_connect(argv[1], &db, msg, sizeof msg) == -1) {
		fprintf(stderr, "pgcursor: %s\n", msg);
		return 1;
	}
	if (db_exec(db, "BEGIN", NULL, NULL, NULL) != DB_OK ||
	    (a = cursor(db, "SELECT x FROM generate_series(1, 30000) x"))
	    == NULL || (b = cursor(db, "SELECT 2 * x FROM"
	    " generate_series(1, 20000) x")) == NULL)
		return 1;
	/* In turn, a row of each, then the rest of the longer. */
	while (ra == DB_ROW || rb == DB_ROW) {
		if (ra == DB_ROW && (ra = db_step(a)) == DB_ROW)
			sa += db_column_int64(a, 0);
		if (rb == DB_ROW && (rb = db_step(b)) == DB_ROW)
			sb += db_column_int64(b, 0);
	}
	if (ra != DB_DONE || rb != DB_DONE) {
		fprintf(stderr, "pgcursor: %s\n", db_errmsg(db));
		return 1;
	}
	printf("sums %lld %lld\n", sa, sb);
	db_finalize(a);
	db_finalize(b);

	/*
	 * Rows 16,385 to 24,576 are the third batch: row 20,000 divides by
	 * zero. Into the second, the third is on its way.
	 */
	if ((c = cursor(db, "SELECT 1 / (x - 20000) FROM"
	    " generate_series(1, 30000) x")) == NULL ||
	    (o = cursor(db, "SELECT 1")) == NULL)
		return 1;
	for (i = 0; i < 8193; i++)
		if ((rc = db_step(c)) != DB_ROW) {
			fprintf(stderr, "pgcursor: row %d: %s\n", i + 1,
			    db_errmsg(db));
			return 1;
		}
	if (db_step(o) != DB_ERROR) {
		fprintf(stderr, "pgcursor: the other statement ran\n");
		return 1;
	}
	printf("other: %s\n", db_errmsg(db));
	while ((rc = db_step(c)) == DB_ROW)
		i++;
	if (rc != DB_ERROR || i != 16384) {
		fprintf(stderr, "pgcursor: %d rows, then %d\n", i, rc);
		return 1;
	}
	printf("cursor: %s\n", db_errmsg(db));
	db_finalize(c);
	db_finalize(o);
	db_exec(db, "ROLLBACK", NULL, NULL, NULL);
	db_pg_close(db);
	return 0;
}
