/* live.h — the live module (远教直播, M1.3): bookings of remote-education
 * live streams by the districts, approved by the city through the review
 * engine, the city's live calendar, the player's heartbeats and the viewer
 * statistics (docs/live.md). Other modules have nothing to call here yet. */
#ifndef ZD_LIVE_H
#define ZD_LIVE_H
#include "modules/module.h"

extern const zd_module_t live_module;

#endif
