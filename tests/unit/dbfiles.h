/*
 * dbfiles.h: a unit test's SQLite database removed, with the -wal and
 * -shm files that SQLite keeps beside it.
 */
#ifndef DBFILES_H
#define DBFILES_H

#include <stdio.h>
#include <unistd.h>

static inline void
dbfiles_unlink(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char	p[4096];
	size_t	i;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		unlink(p);
	}
}

#endif
