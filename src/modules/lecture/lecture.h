/* lecture.h — the lecture module (初心讲堂, M2): lectures reviewed through
 * the review engine and published on approval, their sessions (场次), the
 * members' bookings with a guaranteed capacity, the waiting list and the
 * check-in by QR code (docs/lecture.md). Other modules have nothing to call
 * here yet. */
#ifndef ZD_LECTURE_H
#define ZD_LECTURE_H
#include "modules/module.h"

extern const zd_module_t lecture_module;

#endif
