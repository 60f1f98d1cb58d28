/*
 * move.h: moving a file from one directory to another without ever
 * losing it or overwriting a file that is there.
 *
 * On one filesystem a move is a rename that refuses to replace
 * (renameat2 RENAME_NOREPLACE, else a hard link then an unlink). Across
 * filesystems the bytes are copied into a new file under a temporary
 * name, synced, linked to their name (which fails rather than
 * replaces), the directory synced, and only then is the original
 * removed: killed at any moment, the file is where it was, or in both
 * places, never in neither. A name that is taken gets a number
 * (name.1, name.2, ...; before a Maildir's ":2," part).
 */
#ifndef DR_MOVE_H
#define DR_MOVE_H

#include <sys/stat.h>

#include "buf.h"
#include "error.h"

/*
 * Move name, in the directory sfd, to the directory dfd as want (or
 * want numbered). st: what was read (device and inode): a file that is
 * no longer that one (swapped since) is left where it is. tfd: the
 * directory for the temporary copy across filesystems (a Maildir's
 * tmp/; dfd otherwise). Returns 0 with the name given in *out; 1 when
 * the file is gone (another process took it: nothing was done); or -1
 * with the reason in err (DR_E_IO; the file is where it was, or in
 * both places, as err says).
 */
int	move_file(int, const char *, const struct stat *, int, int,
	    const char *, struct buf *, struct dr_error *);

/*
 * The name a Maildir message gets with flag added to its info
 * ("unique:2,FLAGS", flags kept in ASCII order, as the Maildir format
 * wants): into out. 0, or -1 when out of memory.
 */
int	move_maildir_name(const char *, char, struct buf *);

/* 1 when the Maildir message name has the flag, else 0. */
int	move_maildir_flagged(const char *, char);

/*
 * The directory path, opened (made, mode 0700, when it is missing):
 * with maildir, as a Maildir, its cur/, new/ and tmp/ made too; *cur
 * and *tmp get them opened. Returns the directory's descriptor, or -1
 * with err filled in.
 */
int	move_open_dir(const char *, int, int *, int *, struct dr_error *);

#endif
