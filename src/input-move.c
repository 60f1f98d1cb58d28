/*
 * input-move.c: moving the files and Maildir messages read, once what
 * came of them is committed (--move-to, --rejected-to).
 *
 * What held a usable report (stored now, or before) goes to move_to,
 * what did not (nothing, or only rejected reports) to rejected_to; an
 * input for which no folder is given stays where it is. A file's
 * outcome is followed through the engine (ingest_follow_*); a Maildir
 * message's is the database's, by its location, which is marked
 * handled once the message is moved: a run stopped in between moves
 * it next time, without reading it again. A file goes into a folder
 * under its own name; a message goes into a Maildir's cur/ with the
 * seen flag (":2,S"), into the Maildir it is in as well, where that is
 * flagging it as read. Nothing is ever overwritten or lost (move.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input-int.h"
#include "move.h"

int
input_moving(const struct input *in)
{
	return in->o.move_to != NULL || in->o.rejected_to != NULL;
}

int
input_is_target(const struct input *in, const struct stat *st)
{
	int	i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if (in->t[i][j].path != NULL &&
			    in->t[i][j].dev == st->st_dev &&
			    in->t[i][j].ino == st->st_ino &&
			    (in->t[i][j].dev != 0 || in->t[i][j].ino != 0))
				return 1;
	return 0;
}

int
input_follow(struct input *in, unsigned *slot, struct dr_error *err)
{
	if (!input_moving(in))
		return 0;
	*slot = in->npend;
	if (ingest_follow_begin(in->e, err) == -1)
		return -1;
	return 1;
}

int
input_pend(struct input *in, int sfd, const char *name, const char *path,
    const char *loc, const struct mdir *md, const struct stat *st,
    unsigned slot, struct dr_error *err)
{
	struct pending	*p;

	if (in->npend == INGEST_FOLLOW_MAX && input_flush(in, err) == -1)
		return -1;
	p = &in->pend[in->npend];
	memset(p, 0, sizeof *p);
	p->sfd = sfd;
	p->md = md;
	p->st = *st;
	p->slot = slot;
	p->name = strdup(name);
	p->path = strdup(path);
	p->loc = loc != NULL ? strdup(loc) : NULL;
	if (p->name == NULL || p->path == NULL || (loc != NULL &&
	    p->loc == NULL)) {
		free(p->name);
		free(p->path);
		free(p->loc);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	in->npend++;
	return 0;
}

/*
 * The target of one kind, opened when first needed (made if missing).
 * NULL when there is none, or it cannot be used (t->failed says why).
 */
static struct move_target *
target(struct input *in, int usable, int maildir)
{
	struct move_target	*t = &in->t[usable ? 0 : 1][maildir];
	struct dr_error		 why;
	struct stat		 st;

	if (t->path == NULL)
		return NULL;
	if (!t->opened) {
		t->opened = true;
		t->fd = move_open_dir(t->path, maildir, &t->cur, &t->tmp,
		    &why);
		if (t->fd == -1)
			dr_seterr(&t->failed, why.code, "not moved: %s",
			    why.msg);
		if (t->fd != -1 && fstat(t->fd, &st) == 0) {
			t->dev = st.st_dev;
			t->ino = st.st_ino;
		}
	}
	return t->fd == -1 ? NULL : t;
}

/* Say what came of a move: under -v, or a warning when it failed. */
static void
said(struct input *in, const struct pending *p, const struct move_target *t,
    const char *to, const struct dr_error *why)
{
	char	line[1200];

	if (why == NULL) {
		snprintf(line, sizeof line, "moved to %s/%s%s", t->path,
		    p->loc != NULL ? "cur/" : "", to);
		ingest_moved(in->e, p->path, line);
	} else {
		snprintf(line, sizeof line, "%s (%s %s)", why->msg,
		    t == &in->t[0][0] || t == &in->t[0][1] ? "--move-to" :
		    "--rejected-to", t->path);
		ingest_not_moved(in->e, p->path, line);
	}
}

/* Taken since it was read: another run moved it (said under -v). */
static void
gone(struct input *in, const struct pending *p)
{
	ingest_info(in->e, p->path, "gone before it was moved (moved by "
	    "another run?)");
}

/*
 * What move_file's result rc (the path it moved to in out, or why not)
 * means for p: gone, or said, moved or not. Frees out. Returns rc, or
 * -2 when memory ran out (err).
 */
static int
after_move(struct input *in, const struct pending *p,
    const struct move_target *t, int rc, struct buf *out,
    const struct dr_error *why, struct dr_error *err)
{
	if (rc == -1 && why->code == DR_E_NOMEM) {
		*err = *why;
		rc = -2;
	} else if (rc == 1)
		gone(in, p);
	else
		said(in, p, t, rc == 0 ? out->data : NULL, rc == 0 ? NULL :
		    why);
	buf_free(out);
	return rc;
}

/* One message of a Maildir: into a Maildir's cur/, flagged seen. */
static int
move_message(struct input *in, struct pending *p, struct move_target *t,
    struct dr_error *err)
{
	struct dr_error	why;
	struct buf	out = { 0 };
	int		cur, tmp, rc;

	cur = t->cur;
	tmp = t->tmp;
	if (t->dev == p->md->dev && t->ino == p->md->ino) {
		/* Its own Maildir: flagged as read, in cur/. */
		if (p->sfd == p->md->cur &&
		    move_maildir_flagged(p->name, 'S')) {
			ingest_moved(in->e, p->path, "flagged seen already");
			return ingest_mail_handled(in->e, p->loc, err);
		}
		cur = p->md->cur;
		tmp = p->md->tmp != -1 ? p->md->tmp : p->md->cur;
	}
	if (move_maildir_name(p->name, 'S', &in->name) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	rc = after_move(in, p, t, move_file(p->sfd, p->name, &p->st, cur, tmp,
	    in->name.data, &out, &why), &out, &why, err);
	if (rc == -2)
		return -1;
	/* Not moved: not handled, so the next run tries again. */
	return rc == 0 ? ingest_mail_handled(in->e, p->loc, err) : 0;
}

/* One file: into a folder, under its name. */
static int
move_plain(struct input *in, struct pending *p, struct move_target *t,
    struct dr_error *err)
{
	struct dr_error	why;
	struct buf	out = { 0 };
	struct stat	st;
	int		rc;

	/* Read from the folder it is to go to: it stays. */
	if (fstat(p->sfd, &st) == 0 && st.st_dev == t->dev &&
	    st.st_ino == t->ino)
		return 0;
	rc = after_move(in, p, t, move_file(p->sfd, p->name, &p->st, t->fd,
	    t->fd, p->name, &out, &why), &out, &why, err);
	return rc == -2 ? -1 : 0;
}

/* What came of one pending input, and where it goes. */
static int
settle(struct input *in, struct pending *p, struct dr_error *err)
{
	enum store_mail_outcome	 o;
	struct move_target	*t;
	struct stat		 st;
	int			 usable, known, handled;

	if (fstatat(p->sfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT) {
		gone(in, p);
		return 0;
	}

	if (p->loc != NULL) {
		known = ingest_mail_known(in->e, p->loc, &o, &handled, err);
		if (known == -1)
			return -1;
		if (known == 0 || handled)
			return 0;
		usable = o == STORE_MAIL_STORED || o == STORE_MAIL_DUPLICATE;
	} else
		usable = ingest_followed(in->e, p->slot);
	t = target(in, usable, p->loc != NULL);
	if (t == NULL) {
		t = &in->t[usable ? 0 : 1][p->loc != NULL];
		if (t->path != NULL) {
			said(in, p, t, NULL, &t->failed);
			return 0;
		}
		/* No folder for this kind: it stays, and is done with. */
		return p->loc != NULL ? ingest_mail_handled(in->e, p->loc,
		    err) : 0;
	}
	return p->loc != NULL ? move_message(in, p, t, err) :
	    move_plain(in, p, t, err);
}

int
input_flush(struct input *in, struct dr_error *err)
{
	unsigned	i;
	int		rc = 0;

	if (in->npend == 0)
		return 0;
	rc = ingest_sync(in->e, err);
	for (i = 0; i < in->npend; i++) {
		if (rc == 0)
			rc = settle(in, &in->pend[i], err);
		free(in->pend[i].name);
		free(in->pend[i].path);
		free(in->pend[i].loc);
	}
	in->npend = 0;
	return rc;
}

void
input_targets_close(struct input *in)
{
	struct move_target	*t;
	int			 i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			t = &in->t[i][j];
			if (t->opened && t->fd != -1)
				close(t->fd);
			if (t->opened && t->cur != -1)
				close(t->cur);
			if (t->opened && t->tmp != -1)
				close(t->tmp);
			t->opened = false;
			t->fd = t->cur = t->tmp = -1;
		}
}
