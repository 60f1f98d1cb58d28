/*
 * verif.c: domain verification TXT records of services. See verif.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "verif.h"

/*
 * Each form: the start of the record, then the service. Records at
 * other names (_github-challenge-ORG, _amazonses, ...) are not here:
 * only the apex is read.
 */
static const struct {
	const char	*prefix;
	const char	*service;
} forms[] = {
	{ "google-site-verification=", "Google" },
	{ "MS=ms", "Microsoft 365" },
	{ "facebook-domain-verification=", "Meta (Facebook)" },
	{ "apple-domain-verification=", "Apple" },
	{ "atlassian-domain-verification=", "Atlassian" },
	{ "status-page-domain-verification=", "Atlassian Statuspage" },
	{ "docusign=", "DocuSign" },
	{ "adobe-idp-site-verification=", "Adobe" },
	{ "adobe-sign-verification=", "Adobe Acrobat Sign" },
	{ "stripe-verification=", "Stripe" },
	{ "ZOOM_verify_", "Zoom" },
	{ "zoom-domain-verifier", "Zoom" },
	{ "hubspot-developer-verification=", "HubSpot" },
	{ "globalsign-domain-verification=", "GlobalSign" },
	{ "yandex-verification:", "Yandex" },
	{ "mailru-verification:", "Mail.ru" },
	{ "onetrust-domain-verification=", "OneTrust" },
	{ "mandrill_verify.", "Mailchimp Transactional (Mandrill)" },
	{ "dropbox-domain-verification=", "Dropbox" },
	{ "miro-verification=", "Miro" },
	{ "cisco-ci-domain-verification=", "Cisco Webex" },
	{ "teamviewer-sso-verification=", "TeamViewer" },
	{ "zoho-verification=", "Zoho" },
	{ "protonmail-verification=", "Proton Mail" },
	{ "twilio-domain-verification=", "Twilio" },
	{ "knowbe4-site-verification=", "KnowBe4" },
	{ "pinterest-site-verification=", "Pinterest" },
	{ "have-i-been-pwned-verification=", "Have I Been Pwned" },
	{ "openai-domain-verification=", "OpenAI" },
	{ "postman-domain-verification=", "Postman" },
};

const char *
verif_service(const char *r)
{
	size_t	i, n = strlen(r), k;

	if (n > VERIF_RECORD_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if (r[i] < 0x20 || r[i] > 0x7e)
			return NULL;
	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		k = strlen(forms[i].prefix);
		/* A value after the prefix, not only white space. */
		if (n > k && strncasecmp(r, forms[i].prefix, k) == 0 &&
		    r[k + strspn(r + k, " ")] != '\0')
			return forms[i].service;
	}
	return NULL;
}
