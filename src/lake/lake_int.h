/*
 * lake/lake_int.h — helpers shared inside the lake module only.
 */
#ifndef INGOT_LAKE_INT_H
#define INGOT_LAKE_INT_H

/* (none at the moment: hex digests are core/digest.h) */

#endif
