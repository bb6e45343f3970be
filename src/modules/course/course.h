/* course.h — the course module (系列党课矩阵, M3): courses in seven series
 * with audio/video lessons from the storage module and an optional
 * in-person schedule, reviewed through the review engine and published on
 * approval; a QR code per course opening its members' page; the members'
 * learning progress (docs/course.md). Other modules have nothing to call
 * here yet. */
#ifndef ZD_COURSE_H
#define ZD_COURSE_H
#include "modules/module.h"

extern const zd_module_t course_module;

#endif
