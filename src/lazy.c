/*
 * lazy.c: libcurl, libpq, GMime, libarchive, libcrypto, libloc and
 * c-ares, loaded the first time they are needed (lazy.h).
 *
 * Each function of theirs that dmarcdb calls is defined here under its
 * own name (the headers' declarations) and calls the library's, found
 * with dlsym when the library is opened: the first call opens it,
 * under a pthread_once, so that any thread may be first. The
 * executable exports none of these names, so the library's calls to
 * its own functions stay its own. A program that links one of these
 * libraries itself (test_unpack and test_ingest write zip archives
 * with libarchive) exports the names that library uses: its calls to
 * its own public functions come through here then, harmlessly once it
 * is open. GMime's would not: g_mime_init, called here as GMime is
 * opened, would come back into the pthread_once that opens it and wait
 * for ever; no program links GMime.
 *
 * A library that cannot be opened (not installed) makes its functions
 * fail the way the library's own fail when they cannot work: NULL
 * where an object is made, CURLE_FAILED_INIT, a connection whose
 * status is CONNECTION_BAD and whose error message says why.
 */
#include "config.h"

/* curl_easy_setopt is a macro that checks types, unless this. */
#define CURL_DISABLE_TYPECHECK

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <ares.h>
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <gmime/gmime.h>
#include <libloc/libloc.h>
#include <libloc/as.h>
#include <libloc/database.h>
#include <libloc/network.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lazy.h"

/*
 * The functions: X(library, return type, name, (parameters),
 * (arguments), what it returns when the library cannot be opened);
 * V(...) for those that return nothing.
 */
#define LAZY_FUNCS(X, V)						\
	X(LAZY_CURL, CURL *, curl_easy_init, (void), (), NULL)		\
	V(LAZY_CURL, curl_easy_cleanup, (CURL *c), (c))			\
	X(LAZY_CURL, CURLcode, curl_easy_perform, (CURL *c), (c),	\
	    CURLE_FAILED_INIT)						\
	X(LAZY_CURL, char *, curl_easy_escape, (CURL *c, const char *s,	\
	    int n), (c, s, n), NULL)					\
	V(LAZY_CURL, curl_free, (void *p), (p))				\
	X(LAZY_CURL, CURLU *, curl_url, (void), (), NULL)		\
	V(LAZY_CURL, curl_url_cleanup, (CURLU *u), (u))			\
	X(LAZY_CURL, CURLUcode, curl_url_get, (CURLU *u, CURLUPart w,	\
	    char **p, unsigned int f), (u, w, p, f), CURLUE_BAD_HANDLE)	\
	X(LAZY_CURL, CURLUcode, curl_url_set, (CURLU *u, CURLUPart w,	\
	    const char *p, unsigned int f), (u, w, p, f),		\
	    CURLUE_BAD_HANDLE)						\
	X(LAZY_CURL, struct curl_slist *, curl_slist_append,		\
	    (struct curl_slist *l, const char *s), (l, s), NULL)	\
	V(LAZY_CURL, curl_slist_free_all, (struct curl_slist *l), (l))	\
	X(LAZY_PQ, PGconn *, PQconnectdb, (const char *s), (s), NULL)	\
	V(LAZY_PQ, PQfinish, (PGconn *c), (c))				\
	X(LAZY_PQ, ConnStatusType, PQstatus, (const PGconn *c), (c),	\
	    CONNECTION_BAD)						\
	X(LAZY_PQ, PGTransactionStatusType, PQtransactionStatus,	\
	    (const PGconn *c), (c), PQTRANS_UNKNOWN)			\
	X(LAZY_PQ, PGresult *, PQexec, (PGconn *c, const char *q),	\
	    (c, q), NULL)						\
	X(LAZY_PQ, PGresult *, PQprepare, (PGconn *c, const char *n,	\
	    const char *q, int np, const Oid *t), (c, n, q, np, t), NULL) \
	X(LAZY_PQ, PGresult *, PQexecPrepared, (PGconn *c,		\
	    const char *n, int np, const char *const *v, const int *l,	\
	    const int *f, int rf), (c, n, np, v, l, f, rf), NULL)	\
	X(LAZY_PQ, PGresult *, PQexecParams, (PGconn *c, const char *q,	\
	    int np, const Oid *t, const char *const *v, const int *l,	\
	    const int *f, int rf), (c, q, np, t, v, l, f, rf), NULL)	\
	X(LAZY_PQ, PGresult *, PQdescribePrepared, (PGconn *c,		\
	    const char *n), (c, n), NULL)				\
	X(LAZY_PQ, PGresult *, PQgetResult, (PGconn *c), (c), NULL)	\
	X(LAZY_PQ, int, PQsendQuery, (PGconn *c, const char *q), (c, q), \
	    0)								\
	X(LAZY_PQ, int, PQconsumeInput, (PGconn *c), (c), 0)		\
	X(LAZY_PQ, int, PQputCopyData, (PGconn *c, const char *b,	\
	    int n), (c, b, n), -1)					\
	X(LAZY_PQ, int, PQputCopyEnd, (PGconn *c, const char *e),	\
	    (c, e), -1)							\
	V(LAZY_PQ, PQclear, (PGresult *r), (r))				\
	X(LAZY_PQ, ExecStatusType, PQresultStatus, (const PGresult *r),	\
	    (r), PGRES_FATAL_ERROR)					\
	X(LAZY_PQ, char *, PQresultErrorMessage, (const PGresult *r),	\
	    (r), NULL)							\
	X(LAZY_PQ, char *, PQresultErrorField, (const PGresult *r,	\
	    int f), (r, f), NULL)					\
	X(LAZY_PQ, char *, PQcmdTuples, (PGresult *r), (r), NULL)	\
	X(LAZY_PQ, int, PQntuples, (const PGresult *r), (r), 0)		\
	X(LAZY_PQ, int, PQnfields, (const PGresult *r), (r), 0)		\
	X(LAZY_PQ, Oid, PQftype, (const PGresult *r, int i), (r, i), 0) \
	X(LAZY_PQ, int, PQnparams, (const PGresult *r), (r), 0)		\
	X(LAZY_PQ, Oid, PQparamtype, (const PGresult *r, int i), (r, i), \
	    0)								\
	X(LAZY_PQ, char *, PQgetvalue, (const PGresult *r, int t,	\
	    int f), (r, t, f), NULL)					\
	X(LAZY_PQ, int, PQgetlength, (const PGresult *r, int t, int f),	\
	    (r, t, f), 0)						\
	X(LAZY_PQ, int, PQgetisnull, (const PGresult *r, int t, int f),	\
	    (r, t, f), 1)						\
	X(LAZY_PQ, unsigned char *, PQunescapeBytea,			\
	    (const unsigned char *s, size_t *n), (s, n), NULL)		\
	V(LAZY_PQ, PQfreemem, (void *p), (p))				\
	X(LAZY_ARCHIVE, struct archive *, archive_read_new, (void), (),	\
	    NULL)							\
	X(LAZY_ARCHIVE, int, archive_read_free, (struct archive *a),	\
	    (a), ARCHIVE_FATAL)						\
	X(LAZY_ARCHIVE, int, archive_read_support_format_zip_seekable,	\
	    (struct archive *a), (a), ARCHIVE_FATAL)			\
	X(LAZY_ARCHIVE, int, archive_read_open_memory,			\
	    (struct archive *a, const void *b, size_t n), (a, b, n),	\
	    ARCHIVE_FATAL)						\
	X(LAZY_ARCHIVE, int, archive_read_open1, (struct archive *a),	\
	    (a), ARCHIVE_FATAL)						\
	X(LAZY_ARCHIVE, int, archive_read_set_callback_data,		\
	    (struct archive *a, void *d), (a, d), ARCHIVE_FATAL)	\
	X(LAZY_ARCHIVE, int, archive_read_set_read_callback,		\
	    (struct archive *a, archive_read_callback *f), (a, f),	\
	    ARCHIVE_FATAL)						\
	X(LAZY_ARCHIVE, int, archive_read_set_seek_callback,		\
	    (struct archive *a, archive_seek_callback *f), (a, f),	\
	    ARCHIVE_FATAL)						\
	X(LAZY_ARCHIVE, int, archive_read_set_skip_callback,		\
	    (struct archive *a, archive_skip_callback *f), (a, f),	\
	    ARCHIVE_FATAL)						\
	X(LAZY_ARCHIVE, int, archive_read_next_header,			\
	    (struct archive *a, struct archive_entry **e), (a, e),	\
	    ARCHIVE_FATAL)						\
	X(LAZY_ARCHIVE, la_ssize_t, archive_read_data,			\
	    (struct archive *a, void *b, size_t n), (a, b, n),		\
	    ARCHIVE_FATAL)						\
	X(LAZY_ARCHIVE, const char *, archive_error_string,		\
	    (struct archive *a), (a), NULL)				\
	X(LAZY_ARCHIVE, const char *, archive_entry_pathname,		\
	    (struct archive_entry *e), (e), NULL)			\
	X(LAZY_ARCHIVE, mode_t, archive_entry_filetype,			\
	    (struct archive_entry *e), (e), 0)				\
	X(LAZY_ARCHIVE, int, archive_entry_is_encrypted,		\
	    (struct archive_entry *e), (e), 0)				\
	X(LAZY_ARCHIVE, la_int64_t, archive_entry_size,			\
	    (struct archive_entry *e), (e), 0)				\
	X(LAZY_ARCHIVE, int, archive_entry_size_is_set,			\
	    (struct archive_entry *e), (e), 0)				\
	X(LAZY_CRYPTO, int, EVP_DecodeBlock, (unsigned char *t,		\
	    const unsigned char *f, int n), (t, f, n), -1)		\
	X(LAZY_CRYPTO, EVP_PKEY *, d2i_PUBKEY, (EVP_PKEY **a,		\
	    const unsigned char **p, long n), (a, p, n), NULL)		\
	X(LAZY_CRYPTO, EVP_PKEY *, d2i_PublicKey, (int t, EVP_PKEY **a,	\
	    const unsigned char **p, long n), (t, a, p, n), NULL)	\
	V(LAZY_CRYPTO, EVP_PKEY_free, (EVP_PKEY *k), (k))		\
	X(LAZY_CRYPTO, int, EVP_PKEY_get_base_id, (const EVP_PKEY *k),	\
	    (k), 0)							\
	X(LAZY_CRYPTO, int, EVP_PKEY_get_bits, (const EVP_PKEY *k),	\
	    (k), 0)							\
	X(LAZY_LOC, int, loc_new, (struct loc_ctx **c), (c), -1)	\
	X(LAZY_LOC, struct loc_ctx *, loc_unref, (struct loc_ctx *c),	\
	    (c), NULL)							\
	V(LAZY_LOC, loc_set_log_fn, (struct loc_ctx *c,			\
	    void (*f)(struct loc_ctx *, int, const char *, int,		\
	    const char *, const char *, va_list)), (c, f))		\
	X(LAZY_LOC, int, loc_database_new, (struct loc_ctx *c,		\
	    struct loc_database **d, FILE *f), (c, d, f), -1)		\
	X(LAZY_LOC, struct loc_database *, loc_database_unref,		\
	    (struct loc_database *d), (d), NULL)			\
	X(LAZY_LOC, time_t, loc_database_created_at,			\
	    (struct loc_database *d), (d), 0)				\
	X(LAZY_LOC, int, loc_database_lookup, (struct loc_database *d,	\
	    const struct in6_addr *a, struct loc_network **n), (d, a, n), \
	    -1)								\
	X(LAZY_LOC, int, loc_database_get_as, (struct loc_database *d,	\
	    struct loc_as **as, uint32_t n), (d, as, n), -1)		\
	X(LAZY_LOC, const char *, loc_as_get_name, (struct loc_as *as),	\
	    (as), NULL)							\
	X(LAZY_LOC, struct loc_as *, loc_as_unref, (struct loc_as *as),	\
	    (as), NULL)							\
	X(LAZY_LOC, uint32_t, loc_network_get_asn,			\
	    (struct loc_network *n), (n), 0)				\
	X(LAZY_LOC, const char *, loc_network_get_country_code,		\
	    (struct loc_network *n), (n), NULL)				\
	X(LAZY_LOC, struct loc_network *, loc_network_unref,		\
	    (struct loc_network *n), (n), NULL)				\
	X(LAZY_CARES, int, ares_library_init, (int f), (f),		\
	    ARES_ENOTINITIALIZED)					\
	V(LAZY_CARES, ares_library_cleanup, (void), ())			\
	X(LAZY_CARES, int, ares_init_options, (ares_channel *c,		\
	    struct ares_options *o, int m), (c, o, m),			\
	    ARES_ENOTINITIALIZED)					\
	V(LAZY_CARES, ares_destroy, (ares_channel c), (c))		\
	V(LAZY_CARES, ares_cancel, (ares_channel c), (c))		\
	X(LAZY_CARES, int, ares_set_servers_ports_csv, (ares_channel c,	\
	    const char *s), (c, s), ARES_ENOTINITIALIZED)		\
	V(LAZY_CARES, ares_query, (ares_channel c, const char *n,	\
	    int k, int t, ares_callback f, void *a), (c, n, k, t, f, a)) \
	X(LAZY_CARES, int, ares_getsock, (ares_channel c,		\
	    ares_socket_t *s, int n), (c, s, n), 0)			\
	V(LAZY_CARES, ares_process_fd, (ares_channel c,			\
	    ares_socket_t r, ares_socket_t w), (c, r, w))		\
	X(LAZY_CARES, struct timeval *, ares_timeout, (ares_channel c,	\
	    struct timeval *m, struct timeval *t), (c, m, t), m)	\
	X(LAZY_CARES, int, ares_parse_a_reply, (const unsigned char *b,	\
	    int n, struct hostent **h, struct ares_addrttl *t, int *nt), \
	    (b, n, h, t, nt), ARES_ENOTINITIALIZED)			\
	X(LAZY_CARES, int, ares_parse_aaaa_reply,			\
	    (const unsigned char *b, int n, struct hostent **h,		\
	    struct ares_addr6ttl *t, int *nt), (b, n, h, t, nt),	\
	    ARES_ENOTINITIALIZED)					\
	X(LAZY_CARES, int, ares_parse_ptr_reply,			\
	    (const unsigned char *b, int n, const void *a, int an,	\
	    int f, struct hostent **h), (b, n, a, an, f, h),		\
	    ARES_ENOTINITIALIZED)					\
	V(LAZY_CARES, ares_free_hostent, (struct hostent *h), (h))	\
	/* (Only the tests' programs call these: mimecheck, test_mail.) */	\
	X(LAZY_GMIME, const char *, g_mime_content_type_get_media_type,	\
	    (GMimeContentType *a0), (a0), NULL)				\
	X(LAZY_GMIME, InternetAddressList *, g_mime_message_get_to,	\
	    (GMimeMessage *a0), (a0), NULL)				\
	X(LAZY_GMIME, const char *, g_mime_object_get_header,		\
	    (GMimeObject *a0, const char *a1), (a0, a1), NULL)		\
	V(LAZY_GMIME, g_mime_parser_options_free,			\
	    (GMimeParserOptions *a0), (a0))				\
	V(LAZY_GMIME, g_mime_parser_options_set_warning_callback,	\
	    (GMimeParserOptions *a0, GMimeParserWarningFunc a1,	\
	    gpointer a2), (a0, a1, a2))					\
	V(LAZY_GMIME, g_mime_shutdown, (void), ())			\
	X(LAZY_GMIME, GMimeStream *, g_mime_stream_mem_new_with_buffer,	\
	    (const char *a0, size_t a1), (a0, a1), NULL)		\
	X(LAZY_GMIME, GDateTime *, g_mime_utils_header_decode_date,	\
	    (const char *a0), (a0), NULL)				\
	X(LAZY_GMIME, GMimeContentEncoding,				\
	    g_mime_content_encoding_from_string, (const char *a0),	\
	    (a0), GMIME_CONTENT_ENCODING_DEFAULT)			\
	X(LAZY_GMIME, const char *,					\
	    g_mime_content_type_get_media_subtype,			\
	    (GMimeContentType *a0), (a0), NULL)				\
	X(LAZY_GMIME, char *, g_mime_content_type_get_mime_type,	\
	    (GMimeContentType *a0), (a0), NULL)				\
	X(LAZY_GMIME, const char *, g_mime_content_type_get_parameter,	\
	    (GMimeContentType *a0, const char *a1), (a0, a1), NULL)	\
	X(LAZY_GMIME, gboolean, g_mime_content_type_is_type,		\
	    (GMimeContentType *a0, const char *a1, const char *a2),	\
	    (a0, a1, a2), FALSE)					\
	X(LAZY_GMIME, GMimeContentType *, g_mime_content_type_parse,	\
	    (GMimeParserOptions *a0, const char *a1), (a0, a1), NULL)	\
	X(LAZY_GMIME, ssize_t, g_mime_data_wrapper_write_to_stream,	\
	    (GMimeDataWrapper *a0, GMimeStream *a1), (a0, a1), -1)	\
	X(LAZY_GMIME, GMimeFormatOptions *,				\
	    g_mime_format_options_clone, (GMimeFormatOptions *a0),	\
	    (a0), NULL)							\
	V(LAZY_GMIME, g_mime_format_options_free,			\
	    (GMimeFormatOptions *a0), (a0))				\
	V(LAZY_GMIME, g_mime_format_options_set_newline_format,		\
	    (GMimeFormatOptions *a0, GMimeNewLineFormat a1), (a0, a1))	\
	X(LAZY_GMIME, const char *, g_mime_header_get_name,		\
	    (GMimeHeader *a0), (a0), NULL)				\
	X(LAZY_GMIME, gint64, g_mime_header_get_offset,			\
	    (GMimeHeader *a0), (a0), -1)				\
	X(LAZY_GMIME, const char *, g_mime_header_get_raw_value,	\
	    (GMimeHeader *a0), (a0), NULL)				\
	X(LAZY_GMIME, int, g_mime_header_list_get_count,		\
	    (GMimeHeaderList *a0), (a0), -1)				\
	X(LAZY_GMIME, GMimeHeader *, g_mime_header_list_get_header_at,	\
	    (GMimeHeaderList *a0, int a1), (a0, a1), NULL)		\
	X(LAZY_GMIME, InternetAddressList *,				\
	    g_mime_message_get_addresses, (GMimeMessage *a0,		\
	    GMimeAddressType a1), (a0, a1), NULL)			\
	X(LAZY_GMIME, GDateTime *, g_mime_message_get_date,		\
	    (GMimeMessage *a0), (a0), NULL)				\
	X(LAZY_GMIME, InternetAddressList *, g_mime_message_get_from,	\
	    (GMimeMessage *a0), (a0), NULL)				\
	X(LAZY_GMIME, const char *, g_mime_message_get_message_id,	\
	    (GMimeMessage *a0), (a0), NULL)				\
	X(LAZY_GMIME, GMimeObject *, g_mime_message_get_mime_part,	\
	    (GMimeMessage *a0), (a0), NULL)				\
	X(LAZY_GMIME, const char *, g_mime_message_get_subject,		\
	    (GMimeMessage *a0), (a0), NULL)				\
	X(LAZY_GMIME, GMimeMessage *, g_mime_message_new,		\
	    (gboolean a0), (a0), NULL)					\
	X(LAZY_GMIME, GMimeMessage *, g_mime_message_part_get_message,	\
	    (GMimeMessagePart *a0), (a0), NULL)				\
	X(LAZY_GMIME, GType, g_mime_message_part_get_type, (void), (),	\
	    G_TYPE_INVALID)						\
	V(LAZY_GMIME, g_mime_message_set_date, (GMimeMessage *a0,	\
	    GDateTime *a1), (a0, a1))					\
	V(LAZY_GMIME, g_mime_message_set_message_id,			\
	    (GMimeMessage *a0, const char *a1), (a0, a1))		\
	V(LAZY_GMIME, g_mime_message_set_mime_part, (GMimeMessage *a0,	\
	    GMimeObject *a1), (a0, a1))					\
	V(LAZY_GMIME, g_mime_message_set_subject, (GMimeMessage *a0,	\
	    const char *a1, const char *a2), (a0, a1, a2))		\
	V(LAZY_GMIME, g_mime_multipart_add, (GMimeMultipart *a0,	\
	    GMimeObject *a1), (a0, a1))					\
	X(LAZY_GMIME, int, g_mime_multipart_get_count,			\
	    (GMimeMultipart *a0), (a0), -1)				\
	X(LAZY_GMIME, GMimeObject *, g_mime_multipart_get_part,		\
	    (GMimeMultipart *a0, int a1), (a0, a1), NULL)		\
	X(LAZY_GMIME, GType, g_mime_multipart_get_type, (void), (),	\
	    G_TYPE_INVALID)						\
	X(LAZY_GMIME, GMimeMultipart *,					\
	    g_mime_multipart_new_with_subtype, (const char *a0), (a0),	\
	    NULL)							\
	V(LAZY_GMIME, g_mime_multipart_set_boundary,			\
	    (GMimeMultipart *a0, const char *a1), (a0, a1))		\
	X(LAZY_GMIME, GMimeContentType *,				\
	    g_mime_object_get_content_type, (GMimeObject *a0), (a0),	\
	    NULL)							\
	X(LAZY_GMIME, GMimeHeaderList *,				\
	    g_mime_object_get_header_list, (GMimeObject *a0), (a0),	\
	    NULL)							\
	X(LAZY_GMIME, GType, g_mime_object_get_type, (void), (),	\
	    G_TYPE_INVALID)						\
	V(LAZY_GMIME, g_mime_object_set_header, (GMimeObject *a0,	\
	    const char *a1, const char *a2, const char *a3), (a0, a1,	\
	    a2, a3))							\
	X(LAZY_GMIME, ssize_t, g_mime_object_write_to_stream,		\
	    (GMimeObject *a0, GMimeFormatOptions *a1,			\
	    GMimeStream *a2), (a0, a1, a2), -1)				\
	X(LAZY_GMIME, GMimeMessage *, g_mime_parser_construct_message,	\
	    (GMimeParser *a0, GMimeParserOptions *a1), (a0, a1), NULL)	\
	X(LAZY_GMIME, GMimeParser *, g_mime_parser_new_with_stream,	\
	    (GMimeStream *a0), (a0), NULL)				\
	X(LAZY_GMIME, GMimeParserOptions *, g_mime_parser_options_new,	\
	    (void), (), NULL)						\
	V(LAZY_GMIME,							\
	    g_mime_parser_options_set_address_compliance_mode,		\
	    (GMimeParserOptions *a0, GMimeRfcComplianceMode a1), (a0,	\
	    a1))							\
	V(LAZY_GMIME,							\
	    g_mime_parser_options_set_allow_addresses_without_domain,	\
	    (GMimeParserOptions *a0, gboolean a1), (a0, a1))		\
	V(LAZY_GMIME,							\
	    g_mime_parser_options_set_parameter_compliance_mode,	\
	    (GMimeParserOptions *a0, GMimeRfcComplianceMode a1), (a0,	\
	    a1))							\
	V(LAZY_GMIME,							\
	    g_mime_parser_options_set_rfc2047_compliance_mode,		\
	    (GMimeParserOptions *a0, GMimeRfcComplianceMode a1), (a0,	\
	    a1))							\
	V(LAZY_GMIME, g_mime_parser_set_format, (GMimeParser *a0,	\
	    GMimeFormat a1), (a0, a1))					\
	X(LAZY_GMIME, GMimeDataWrapper *, g_mime_part_get_content,	\
	    (GMimePart *a0), (a0), NULL)				\
	X(LAZY_GMIME, const char *, g_mime_part_get_filename,		\
	    (GMimePart *a0), (a0), NULL)				\
	X(LAZY_GMIME, GType, g_mime_part_get_type, (void), (),		\
	    G_TYPE_INVALID)						\
	V(LAZY_GMIME, g_mime_part_set_content_encoding,			\
	    (GMimePart *a0, GMimeContentEncoding a1), (a0, a1))		\
	X(LAZY_GMIME, GByteArray *, g_mime_stream_mem_get_byte_array,	\
	    (GMimeStreamMem *a0), (a0), NULL)				\
	X(LAZY_GMIME, GType, g_mime_stream_mem_get_type, (void), (),	\
	    G_TYPE_INVALID)						\
	X(LAZY_GMIME, GMimeStream *, g_mime_stream_mem_new, (void),	\
	    (), NULL)							\
	X(LAZY_GMIME, GMimeStream *,					\
	    g_mime_stream_mem_new_with_byte_array, (GByteArray *a0),	\
	    (a0), NULL)							\
	V(LAZY_GMIME, g_mime_stream_mem_set_owner,			\
	    (GMimeStreamMem *a0, gboolean a1), (a0, a1))		\
	X(LAZY_GMIME, GMimeTextPart *,					\
	    g_mime_text_part_new_with_subtype, (const char *a0), (a0),	\
	    NULL)							\
	V(LAZY_GMIME, g_mime_text_part_set_charset,			\
	    (GMimeTextPart *a0, const char *a1), (a0, a1))		\
	V(LAZY_GMIME, g_mime_text_part_set_text, (GMimeTextPart *a0,	\
	    const char *a1), (a0, a1))					\
	V(LAZY_GMIME, internet_address_list_append,			\
	    (InternetAddressList *a0, InternetAddressList *a1), (a0,	\
	    a1))							\
	X(LAZY_GMIME, InternetAddress *,				\
	    internet_address_list_get_address,				\
	    (InternetAddressList *a0, int a1), (a0, a1), NULL)		\
	X(LAZY_GMIME, int, internet_address_list_length,		\
	    (InternetAddressList *a0), (a0), -1)			\
	X(LAZY_GMIME, InternetAddressList *,				\
	    internet_address_list_parse, (GMimeParserOptions *a0,	\
	    const char *a1), (a0, a1), NULL)				\
	X(LAZY_GMIME, char *, internet_address_list_to_string,		\
	    (InternetAddressList *a0, GMimeFormatOptions *a1,		\
	    gboolean a2), (a0, a1, a2), NULL)				\
	X(LAZY_GMIME, const char *, internet_address_mailbox_get_addr,	\
	    (InternetAddressMailbox *a0), (a0), NULL)			\
	X(LAZY_GMIME, const char *,					\
	    internet_address_mailbox_get_idn_addr,			\
	    (InternetAddressMailbox *a0), (a0), NULL)			\
	X(LAZY_GMIME, GType, internet_address_mailbox_get_type,		\
	    (void), (), G_TYPE_INVALID)					\
	X(LAZY_GMIME, char *, internet_address_to_string,		\
	    (InternetAddress *a0, GMimeFormatOptions *a1,		\
	    gboolean a2), (a0, a1, a2), NULL)

/* The functions found, by name. */
#define FIELD_X(lib, ret, name, params, args, fail)			\
	ret (*name) params;
#define FIELD_V(lib, name, params, args)				\
	void (*name) params;
static struct {
	LAZY_FUNCS(FIELD_X, FIELD_V)
	/* The two variadic ones, by hand. */
	CURLcode (*curl_easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*curl_easy_getinfo)(CURL *, CURLINFO, ...);
	void (*archive_set_error)(struct archive *, int, const char *, ...);
	/* And what the messages need when there is no library. */
	const char *(*curl_easy_strerror)(CURLcode);
	char *(*PQerrorMessage)(const PGconn *);
	const char *(*ares_strerror)(int);
} fn;

static const struct sym {
	enum lazy_lib	 lib;
	const char	*name;
	size_t		 off;	/* in fn */
} syms[] = {
#define SYM_X(lib, ret, name, params, args, fail)			\
	{ lib, #name, offsetof(__typeof__(fn), name) },
#define SYM_V(lib, name, params, args)					\
	{ lib, #name, offsetof(__typeof__(fn), name) },
	LAZY_FUNCS(SYM_X, SYM_V)
	{ LAZY_CURL, "curl_easy_setopt", offsetof(__typeof__(fn),
	    curl_easy_setopt) },
	{ LAZY_CURL, "curl_easy_getinfo", offsetof(__typeof__(fn),
	    curl_easy_getinfo) },
	{ LAZY_CURL, "curl_easy_strerror", offsetof(__typeof__(fn),
	    curl_easy_strerror) },
	{ LAZY_PQ, "PQerrorMessage", offsetof(__typeof__(fn),
	    PQerrorMessage) },
	{ LAZY_ARCHIVE, "archive_set_error", offsetof(__typeof__(fn),
	    archive_set_error) },
	{ LAZY_CARES, "ares_strerror", offsetof(__typeof__(fn),
	    ares_strerror) },
};

static const char *const sonames[] = {
	[LAZY_CURL] = LIBCURL_SONAME,
	[LAZY_PQ] = LIBPQ_SONAME,
	[LAZY_GMIME] = LIBGMIME_SONAME,
	[LAZY_ARCHIVE] = LIBARCHIVE_SONAME,
	[LAZY_CRYPTO] = LIBCRYPTO_SONAME,
	[LAZY_LOC] = LIBLOC_SONAME,
	[LAZY_CARES] = LIBCARES_SONAME,
};

/* Each library's state: opened, or why not ("" until tried). */
static struct lib {
	pthread_once_t	 once;
	int		 ok;
	char		 why[256];
} libs[] = {
	[LAZY_CURL] = { PTHREAD_ONCE_INIT, 0, "" },
	[LAZY_PQ] = { PTHREAD_ONCE_INIT, 0, "" },
	[LAZY_GMIME] = { PTHREAD_ONCE_INIT, 0, "" },
	[LAZY_ARCHIVE] = { PTHREAD_ONCE_INIT, 0, "" },
	[LAZY_CRYPTO] = { PTHREAD_ONCE_INIT, 0, "" },
	[LAZY_LOC] = { PTHREAD_ONCE_INIT, 0, "" },
	[LAZY_CARES] = { PTHREAD_ONCE_INIT, 0, "" },
};

static int	need(enum lazy_lib);

static void
open_lib(enum lazy_lib l)
{
	void	*h, *p;
	size_t	 i;

	/*
	 * libcrypto, which libcurl, libpq and libloc need, is opened by
	 * itself first: glibc (2.36) loses the dependency list of a
	 * library that a dlopen loaded as another's dependency when a
	 * later dlopen opens it by name (valgrind: 40 bytes, definitely
	 * lost, when a digest checked a DKIM key after opening libloc).
	 */
	if (l == LAZY_CURL || l == LAZY_PQ || l == LAZY_LOC)
		(void)need(LAZY_CRYPTO);
	/* (Never closed: its functions are called to the end.) */
	if ((h = dlopen(sonames[l], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(libs[l].why, sizeof libs[l].why, "%s", dlerror());
		return;
	}
	/*
	 * libcurl's global state, made here, once, whatever thread comes
	 * first (thread-safe since libcurl 7.84: configure.ac).
	 */
	if (l == LAZY_CURL) {
		CURLcode (*init)(long) = NULL;
		if ((p = dlsym(h, "curl_global_init")) != NULL)
			memcpy(&init, &p, sizeof p);
		if (init == NULL || init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(libs[l].why, sizeof libs[l].why, "%s: "
			    "curl_global_init failed", sonames[l]);
			return;
		}
	}
	/* GMime's tables, once, before any of its functions. */
	if (l == LAZY_GMIME) {
		void (*init)(void) = NULL;
		if ((p = dlsym(h, "g_mime_init")) != NULL)
			memcpy(&init, &p, sizeof p);
		if (init == NULL) {
			snprintf(libs[l].why, sizeof libs[l].why, "%s: no "
			    "g_mime_init", sonames[l]);
			return;
		}
		init();
	}
	for (i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		if (syms[i].lib != l)
			continue;
		if ((p = dlsym(h, syms[i].name)) == NULL) {
			snprintf(libs[l].why, sizeof libs[l].why, "%s: no %s "
			    "(too old?)", sonames[l], syms[i].name);
			return;
		}
		memcpy((char *)&fn + syms[i].off, &p, sizeof p);
	}
	libs[l].ok = 1;
}

static void open_curl(void) { open_lib(LAZY_CURL); }
static void open_pq(void) { open_lib(LAZY_PQ); }
static void open_gmime(void) { open_lib(LAZY_GMIME); }
static void open_archive(void) { open_lib(LAZY_ARCHIVE); }
static void open_crypto(void) { open_lib(LAZY_CRYPTO); }
static void open_loc(void) { open_lib(LAZY_LOC); }
static void open_cares(void) { open_lib(LAZY_CARES); }

/* 1 when the library is open (opened now if need be), else 0. */
static int
need(enum lazy_lib l)
{
	static void (*const opener[])(void) = {
		[LAZY_CURL] = open_curl,
		[LAZY_PQ] = open_pq,
		[LAZY_GMIME] = open_gmime,
		[LAZY_ARCHIVE] = open_archive,
		[LAZY_CRYPTO] = open_crypto,
		[LAZY_LOC] = open_loc,
		[LAZY_CARES] = open_cares,
	};

	pthread_once(&libs[l].once, opener[l]);
	return libs[l].ok;
}

int
lazy_load(enum lazy_lib l, char *why, size_t len)
{
	if (need(l))
		return 0;
	snprintf(why, len, "cannot load %s: %s", sonames[l], libs[l].why);
	return -1;
}

/* The functions themselves. */
#define DEF_X(lib, ret, name, params, args, fail)			\
	ret								\
	name params							\
	{								\
		return need(lib) ? fn.name args : fail;			\
	}
#define DEF_V(lib, name, params, args)					\
	void								\
	name params							\
	{								\
		if (need(lib))						\
			fn.name args;					\
	}
LAZY_FUNCS(DEF_X, DEF_V)

/*
 * curl_easy_setopt's one argument after the option is of the type its
 * number says (curl.h: CURLOPTTYPE_*), curl_easy_getinfo's a pointer.
 */
CURLcode
curl_easy_setopt(CURL *c, CURLoption o, ...)
{
	va_list		ap;
	CURLcode	rc;

	if (!need(LAZY_CURL))
		return CURLE_FAILED_INIT;
	va_start(ap, o);
	if (o < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, long));
	else if (o < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, void *));
	else if (o < CURLOPTTYPE_OFF_T)
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, void (*)(void)));
#ifdef CURLOPTTYPE_BLOB
	else if (o < CURLOPTTYPE_BLOB)
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, curl_off_t));
	else
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, void *));
#else
	else
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, curl_off_t));
#endif
	va_end(ap);
	return rc;
}

CURLcode
curl_easy_getinfo(CURL *c, CURLINFO i, ...)
{
	va_list		ap;
	CURLcode	rc;

	if (!need(LAZY_CURL))
		return CURLE_FAILED_INIT;
	va_start(ap, i);
	rc = fn.curl_easy_getinfo(c, i, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *
curl_easy_strerror(CURLcode rc)
{
	return need(LAZY_CURL) ? fn.curl_easy_strerror(rc) :
	    libs[LAZY_CURL].why;
}

char *
PQerrorMessage(const PGconn *c)
{
	static char	msg[300];

	if (lazy_load(LAZY_PQ, msg, sizeof msg) == 0)
		return fn.PQerrorMessage(c);
	return msg;
}

/* Called back by libarchive, which has been opened. */
void
archive_set_error(struct archive *a, int e, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	if (!need(LAZY_ARCHIVE))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fn.archive_set_error(a, e, "%s", msg);
}

const char *
ares_strerror(int code)
{
	static char	msg[300];

	if (lazy_load(LAZY_CARES, msg, sizeof msg) == 0)
		return fn.ares_strerror(code);
	return msg;
}

/* GMime's set-up is made when it is opened (open_lib): only that. */
void
g_mime_init(void)
{
	need(LAZY_GMIME);
}
