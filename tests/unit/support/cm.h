/* cm.h — cmocka with the headers it needs, in the order it needs them. */
#ifndef ZD_CM_H
#define ZD_CM_H
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#endif
