/*
 * error.h: the error record that every module below the command layer
 * fills in instead of printing or exiting.
 */
#ifndef DR_ERROR_H
#define DR_ERROR_H

enum dr_errcode {
	DR_OK = 0,
	DR_E_IO,	/* reading an input failed */
	DR_E_FORMAT,	/* a container or framing that cannot be read */
	DR_E_NOTREPORT,	/* not a DMARC aggregate report at all */
	DR_E_EMAIL,	/* an email message: for the mail reader */
	DR_E_ARCHIVE,	/* gzip, zlib or zip data is corrupt or truncated */
	DR_E_LIMIT,	/* a configured hard limit was hit */
	DR_E_XML,	/* not well-formed XML, or refused XML (DOCTYPE) */
	DR_E_REPORT,	/* well-formed, but not a usable aggregate report */
	DR_E_DB,	/* SQLite: the database is unusable; stops the batch */
	DR_E_NOMEM,	/* out of memory; stops the batch */
	DR_E_USAGE,	/* bad option or configuration */
	DR_E_SYSTEM,	/* a library cannot be loaded; stops the batch */
};

struct dr_error {
	enum dr_errcode	 code;
	char		 msg[768];
};

/* Set code and message. Returns -1 so callers can "return dr_seterr(...)". */
int	 dr_seterr(struct dr_error *, enum dr_errcode, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* Prefix the message with more context: "context: old message". */
void	 dr_preferr(struct dr_error *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* True for errors that must stop a whole batch (database, memory). */
int	 dr_err_fatal(const struct dr_error *);

#endif
