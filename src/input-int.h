/*
 * input-int.h: what input.c (finding inputs) and input-move.c (moving
 * them once their outcome is committed) share.
 *
 * Moves are batched: the files and Maildir messages read are kept as
 * pending, with the folder they were listed in (a descriptor that stays
 * open until the batch is moved), and moved together after one
 * ingest_sync: when the batch is full, and before a folder is closed.
 */
#ifndef DR_INPUT_INT_H
#define DR_INPUT_INT_H

#include <sys/stat.h>

#include <stdbool.h>

#include "buf.h"
#include "input.h"

/* A Maildir being read: its folders, open while it is read. */
struct mdir {
	int		 top, cur, tmp;	/* tmp: -1 until needed */
	dev_t		 dev;
	ino_t		 ino;
};

/* Where one kind of input goes: a folder, or a Maildir. */
struct move_target {
	const char	*path;
	bool		 maildir;
	bool		 opened;
	int		 fd, cur, tmp;	/* fd: the folder (or Maildir) */
	dev_t		 dev;
	ino_t		 ino;
	struct dr_error	 failed;	/* why it cannot be used, if so */
};

/* A file or message read, to be moved once its outcome is known. */
struct pending {
	int		 sfd;		/* the folder it is in (not owned) */
	char		*name;		/* its name there */
	char		*path;		/* for messages */
	char		*loc;		/* a message: its location */
	const struct mdir *md;		/* ... and its Maildir */
	struct stat	 st;		/* the file read */
	unsigned	 slot;		/* a file: its ingest_follow slot */
};

struct input {
	struct ingest		*e;
	struct input_opts	 o;
	/* [0] usable, [1] not; [..][0] a folder, [..][1] a Maildir. */
	struct move_target	 t[2][2];
	struct pending		 pend[INGEST_FOLLOW_MAX];
	unsigned		 npend;
	struct buf		 name;		/* scratch */
};

/* input-move.c */
int	input_moving(const struct input *);
/* A folder the walk must not read: a target. */
int	input_is_target(const struct input *, const struct stat *);
/* 1 with *slot when a file about to be read is to be followed. */
int	input_follow(struct input *, unsigned *, struct dr_error *);
/*
 * The file name in sfd (with its stat), read as path (and, for a
 * Maildir message, its location in md): to be moved. 0 or -1.
 */
int	input_pend(struct input *, int, const char *, const char *,
	    const char *, const struct mdir *, const struct stat *, unsigned,
	    struct dr_error *);
/* Move the pending batch. 0, or -1 when the store failed. */
int	input_flush(struct input *, struct dr_error *);
void	input_targets_close(struct input *);

#endif
