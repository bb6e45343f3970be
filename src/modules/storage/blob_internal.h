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

#endif
