/* SPDX-License-Identifier: MIT */
/*
 * banned.h - functions that make it too easy to overrun a buffer or to
 * misread a number.  Included last by every .c file of ours (as git does),
 * so using one is a compile error.  Use buf_*, snprintf and util/parse.h.
 */
#ifndef OVERT_BANNED_H
#define OVERT_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_overt

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gets
#define gets(x) BANNED(gets)

#endif
