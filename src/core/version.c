/*
 * core/version.c — the feature table behind core/version.h.
 *
 * The table is fixed at compile time from the HAVE_* macros the Makefile
 * defines; the two name lists are string literals put together by the
 * preprocessor, so nothing here allocates or needs initialising.
 */
#include "core/version.h"

#include <string.h>

#ifdef HAVE_LIBPQ
#define F_PQ 1
#define F_PQ_ON " postgres"
#define F_PQ_OFF ""
#else
#define F_PQ 0
#define F_PQ_ON ""
#define F_PQ_OFF " postgres"
#endif
#ifdef HAVE_LIBCURL
#define F_CURL 1
#define F_CURL_ON " webhooks"
#define F_CURL_OFF ""
#else
#define F_CURL 0
#define F_CURL_ON ""
#define F_CURL_OFF " webhooks"
#endif
#ifdef HAVE_LIBMICROHTTPD
#define F_MHD 1
#define F_MHD_ON " http"
#define F_MHD_OFF ""
#else
#define F_MHD 0
#define F_MHD_ON ""
#define F_MHD_OFF " http"
#endif

static const struct ingot_feature features[] = {
	{"postgres", "the PostgreSQL warehouse", "libpq", "libpq-dev", "WITH_PQ", F_PQ},
	{"webhooks", "webhook alerts", "libcurl", "libcurl4-openssl-dev", "WITH_CURL", F_CURL},
	{"http", "the HTTP server", "libmicrohttpd", "libmicrohttpd-dev", "WITH_MHD", F_MHD},
};

/* Each list starts with a space unless empty: skip it. */
static const char built_list[] = F_PQ_ON F_CURL_ON F_MHD_ON;
static const char missing_list[] = F_PQ_OFF F_CURL_OFF F_MHD_OFF;

const struct ingot_feature *ingot_features(size_t *n)
{
	*n = sizeof(features) / sizeof(features[0]);
	return features;
}

const struct ingot_feature *ingot_feature(const char *name)
{
	for (size_t i = 0; name && i < sizeof(features) / sizeof(features[0]); i++)
		if (!strcmp(features[i].name, name))
			return &features[i];
	return NULL;
}

bool ingot_feature_built(const char *name)
{
	const struct ingot_feature *f = ingot_feature(name);
	return f && f->built;
}

const char *ingot_features_built(void)
{
	return built_list[0] ? built_list + 1 : built_list;
}

const char *ingot_features_missing(void)
{
	return missing_list[0] ? missing_list + 1 : missing_list;
}
