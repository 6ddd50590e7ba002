/*
 * tests/unit/test_version.c — core/version: the feature table agrees with
 * the HAVE_* macros this binary was built with and with the two name lists.
 */
#include "test.h"
#include "core/buf.h"
#include "core/version.h"

TEST(version_features_match_the_build)
{
#ifdef HAVE_LIBPQ
	CHECK(ingot_feature_built("postgres"));
#else
	CHECK(!ingot_feature_built("postgres"));
#endif
#ifdef HAVE_LIBCURL
	CHECK(ingot_feature_built("webhooks"));
#else
	CHECK(!ingot_feature_built("webhooks"));
#endif
#ifdef HAVE_LIBMICROHTTPD
	CHECK(ingot_feature_built("http"));
#else
	CHECK(!ingot_feature_built("http"));
#endif
	CHECK(!ingot_feature_built("nonsense"));
	CHECK(ingot_feature(NULL) == NULL);
	CHECK(*INGOT_VERSION && *INGOT_DBT_VERSION);
}

TEST(version_feature_lists_follow_the_table)
{
	size_t n;
	const struct ingot_feature *f = ingot_features(&n);
	REQUIRE(n == 3);
	struct buf built = BUF_INIT, missing = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		CHECK(f[i].name && f[i].what && f[i].library && f[i].debian && f[i].with);
		CHECK(ingot_feature(f[i].name) == &f[i]);
		struct buf *b = f[i].built ? &built : &missing;
		buf_printf(b, "%s%s", b->len ? " " : "", f[i].name);
	}
	CHECK_STR(ingot_features_built(), built.len ? built.data : "");
	CHECK_STR(ingot_features_missing(), missing.len ? missing.data : "");
	buf_free(&built);
	buf_free(&missing);
}
