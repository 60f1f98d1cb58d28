/*
 * log.h: diagnostics on standard error.
 *
 * Levels: -q gives LOG_QUIET (problems only), the default LOG_NORMAL adds
 * the summary line, each -v adds detail. Problems (log_warn, log_warnx)
 * are always printed. A progress line is shown only on a terminal at the
 * normal level and is cleared before any other message.
 */
#ifndef DR_LOG_H
#define DR_LOG_H

enum {
	LOG_QUIET = -1,
	LOG_NORMAL = 0,
	LOG_VERBOSE = 1,
	LOG_DEBUG = 2,
};

void	log_init(const char *, int);
int	log_level(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_verbose(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Progress on a terminal: rate-limited, replaced in place, cut to its
 * width: "label: text" (label may be NULL), the label shortened first.
 */
int	log_progress_enabled(void);
void	log_progress(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_progress_clear(void);

#endif
