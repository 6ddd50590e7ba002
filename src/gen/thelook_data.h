/*
 * gen/thelook_data.h — module-internal reference tables of the generator:
 * categories, brands, names, places, centres and the weights thelook's data
 * shows. Plain data; gen/thelook.c encodes them for CSV once per run.
 */
#ifndef INGOT_GEN_THELOOK_DATA_H
#define INGOT_GEN_THELOOK_DATA_H

#include <stdint.h>

/* dept: 0 = Women only, 1 = Men only, 2 = both */
struct gen__category {
	const char *name, *slug;
	unsigned dept;
	unsigned weight;      /* relative number of products */
	unsigned median_cents; /* median retail price */
	const char *const *nouns; /* NULL-terminated */
};

struct gen__name {
	const char *text, *ascii; /* ascii: for e-mail addresses */
};

struct gen__city {
	const char *country, *state, *city;
	int32_t lat_e6, lon_e6;
	const char *postal; /* pattern: '#' = a random digit */
	unsigned weight;
};

struct gen__center {
	const char *name;
	int32_t lat_e6, lon_e6;
	unsigned weight; /* share of products */
};

struct gen__weighted {
	const char *text;
	unsigned weight;
};

extern const struct gen__category gen__categories[];
extern const unsigned gen__ncategories;
extern const struct gen__weighted gen__brands[];
extern const unsigned gen__nbrands;
extern const char *const gen__adjectives[];
extern const unsigned gen__nadjectives;
extern const char *const gen__suffixes[];
extern const unsigned gen__nsuffixes;
extern const struct gen__name gen__first_f[], gen__first_m[], gen__last[];
extern const unsigned gen__nfirst_f, gen__nfirst_m, gen__nlast;
extern const char *const gen__streets[];
extern const unsigned gen__nstreets;
extern const char *const gen__street_types[];
extern const unsigned gen__nstreet_types;
extern const struct gen__city gen__cities[];
extern const unsigned gen__ncities;
extern const struct gen__center gen__centers[];
extern const unsigned gen__ncenters;
extern const struct gen__weighted gen__user_sources[], gen__event_sources[], gen__browsers[],
	gen__statuses[];
extern const unsigned gen__nuser_sources, gen__nevent_sources, gen__nbrowsers, gen__nstatuses;

/* Order status indexes in gen__statuses. */
enum { GEN__COMPLETE, GEN__SHIPPED, GEN__PROCESSING, GEN__CANCELLED, GEN__RETURNED };

#endif
