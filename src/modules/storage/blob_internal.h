/* blob_internal.h — what the object store's backends share and what their
 * tests may reach; not for the rest of the storage module (blob.h is). */
#ifndef ZD_STORAGE_BLOB_INTERNAL_H
#define ZD_STORAGE_BLOB_INTERNAL_H
#include "modules/storage/blob.h"

/* The longest key: "d/" + 64 + "/" + a derivative name of up to 400 bytes. */
#define BLOB_KEY_MAX 467

/* Is prefix usable for list and remove(prefix): "" or the start of a key
 * (only key bytes, no "..", no leading '/', no "//"; may end in '/'). */
bool blob_prefix_ok(const char *prefix);

/* Tests only: the S3 backend's sizes, so that a test reaches the code
 * paths of big objects and long listings with small ones. threshold: a
 * file above is sent in parts (normally 64 MiB); part_size: the size of
 * each part (normally 16 MiB, grown so that a file needs at most 10000;
 * S3 refuses parts under 5 MiB but the last, which a test may want);
 * page_keys: keys per ListObjectsV2 page (normally 1000). 0 leaves a
 * value as it is. b must be an S3 store not yet shared between threads. */
void blob_s3_tune(blob_store_t *b, int64_t threshold, int64_t part_size, int page_keys);

#endif
