/* password.h — argon2id password hashing and the password policy rules that
 * need no database (length, character classes, not containing the username).
 * History and expiry are checked by the identity module. Thread-safe. */
#ifndef ZD_PASSWORD_H
#define ZD_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PASSWORD_HASH_MAX 160
#define PASSWORD_MAX_LEN  128

/* Cost of new hashes (existing hashes carry their own). Defaults: t=2,
 * m=32 MiB, p=1 — about 120 ms of one core here (docs/benchmarks.md). */
void password_set_cost(uint32_t t_cost, uint32_t m_kib, uint32_t parallelism);
/* argon2id encoded string into out (PASSWORD_HASH_MAX). 0 on success. */
int password_hash(const char *pw, char *out, size_t outsz);
/* Constant-time verification against an encoded hash. */
bool password_verify(const char *encoded, const char *pw);
/* Burns the same time as a verification, for unknown user names. */
void password_dummy_verify(const char *pw);
/* NULL when pw satisfies the rules, else the Chinese reason. */
const char *password_check(const char *pw, const char *username, int min_length, int min_classes);
/* A random password of len characters (≥ 12) with all four classes. */
void password_generate(char *out, size_t len);

#endif
