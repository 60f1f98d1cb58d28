/*
 * align.c: identifier alignment with the Public Suffix List.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <libpsl.h>

#include "align.h"

static const psl_ctx_t	*psl;
static pthread_once_t	 psl_once = PTHREAD_ONCE_INIT;

/*
 * The newest of libpsl's built-in list and the system's file
 * (Debian: package publicsuffix), so a distribution update counts.
 */
static void
load(void)
{
	psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}

int
align_init(struct dr_error *err)
{
	pthread_once(&psl_once, load);
	if (psl == NULL)
		return dr_seterr(err, DR_E_USAGE, "cannot load the Public "
		    "Suffix List (install the publicsuffix package)");
	return 0;
}

const char *
align_org(const char *domain)
{
	const char	*org;

	pthread_once(&psl_once, load);
	if (psl == NULL || domain == NULL)
		return domain;
	org = psl_registrable_domain(psl, domain);
	return org != NULL ? org : domain;
}

int
align_is_suffix(const char *domain)
{
	pthread_once(&psl_once, load);
	if (psl == NULL || domain == NULL)
		return 0;
	return psl_is_public_suffix2(psl, domain, PSL_TYPE_ANY |
	    PSL_TYPE_NO_STAR_RULE) != 0;
}

enum align_mode
align_mode(const char *v)
{
	return v != NULL && strcmp(v, "s") == 0 ? ALIGN_STRICT :
	    ALIGN_RELAXED;
}

int
align_match(const char *auth, const char *from, enum align_mode mode)
{
	if (auth == NULL || from == NULL || *auth == '\0' || *from == '\0')
		return 0;
	if (strcmp(auth, from) == 0)
		return 1;
	if (mode == ALIGN_STRICT)
		return 0;
	return strcmp(align_org(auth), align_org(from)) == 0;
}
