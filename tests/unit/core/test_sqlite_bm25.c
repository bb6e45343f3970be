/* test_sqlite_bm25.c — bm25_len() ranks exactly as FTS5's bm25(): the same
 * score to the last bit for every match of every kind of query (a word,
 * several, a phrase, a column, OR, NOT), with the length counted by
 * sqlite_bm25_tokens() as the "ascii" tokenizer counts it (ASCII
 * punctuation splits, bytes ≥ 0x80 join), or looked up when it is NULL. */
#include "support/cm.h"

#include "core/sqlite_bm25.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *g_db;

static void exec(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(g_db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static int setup(void **state)
{
    (void)state;
    if (sqlite3_open(":memory:", &g_db) != SQLITE_OK || sqlite_bm25_register(g_db) != 0)
        return -1;
    exec("CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize = 'ascii');"
         "CREATE TABLE r (id INTEGER PRIMARY KEY, ntok INTEGER)");
    static const char *const WORDS[] = {"党建", "服务", "如果", "选项", "nginx", "c++", "e-mail", "3.14",
                                        "学习", "教育", "党员", "志愿", "a",     "x_y", "社区",   "老人"};
    sqlite3_stmt *ins, *len;
    assert_int_equal(
        sqlite3_prepare_v2(g_db, "INSERT INTO f (rowid, title, body) VALUES (?, ?, ?)", -1, &ins, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(g_db, "INSERT INTO r (id, ntok) VALUES (?, ?)", -1, &len, NULL),
                     SQLITE_OK);
    uint64_t s = 7;
    for (int id = 1; id <= 400; id++) {
        char title[256] = "", body[2048] = "";
        int nt = 1 + id % 4, nb = 5 + id % 60;
        for (int i = 0; i < nt + nb; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            char *to = i < nt ? title : body;
            strcat(to, WORDS[(s >> 33) % 16]);
            strcat(to, (s >> 20) % 7 ? " " : " , ");
        }
        sqlite3_bind_int(ins, 1, id);
        sqlite3_bind_text(ins, 2, title, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, body, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
        sqlite3_bind_int(len, 1, id);
        if (id % 10) /* every tenth without a length: looked up */
            sqlite3_bind_int64(len, 2, (sqlite3_int64)(sqlite_bm25_tokens(title) + sqlite_bm25_tokens(body)));
        else
            sqlite3_bind_null(len, 2);
        assert_int_equal(sqlite3_step(len), SQLITE_DONE);
        sqlite3_reset(len);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(g_db);
    return 0;
}

static void the_ascii_tokenizers_count(void **state)
{
    (void)state;
    assert_int_equal(sqlite_bm25_tokens(""), 0);
    assert_int_equal(sqlite_bm25_tokens(NULL), 0);
    assert_int_equal(sqlite_bm25_tokens("党建 服务"), 2);
    assert_int_equal(sqlite_bm25_tokens("c++ e-mail 3.14"), 5); /* c, e, mail, 3, 14 */
    assert_int_equal(sqlite_bm25_tokens("  x_y  "), 2);
    assert_int_equal(sqlite_bm25_tokens("党建nginx"), 1); /* no separator between them */
}

static void every_query_scores_as_bm25_does(void **state)
{
    (void)state;
    static const char *const Q[] = {
        "如果", "党建 服务", "\"党员 教育\"",           "title : 选项", "nginx OR 志愿", "社区 NOT 老人",
        "c",    "mail",      "如果 选项 学习 教育 社区"};
    for (size_t i = 0; i < sizeof Q / sizeof *Q; i++) {
        sqlite3_stmt *st;
        assert_int_equal(
            sqlite3_prepare_v2(g_db,
                               "SELECT bm25(f, 4.0, 1.0), bm25_len(f, r.ntok, 4.0, 1.0), bm25(f), "
                               "bm25_len(f, r.ntok) FROM f JOIN r ON r.id = f.rowid WHERE f MATCH ?",
                               -1, &st, NULL),
            SQLITE_OK);
        sqlite3_bind_text(st, 1, Q[i], -1, SQLITE_STATIC);
        int rows = 0, rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            rows++;
            double a = sqlite3_column_double(st, 0), b = sqlite3_column_double(st, 1);
            double c = sqlite3_column_double(st, 2), d = sqlite3_column_double(st, 3);
            if (memcmp(&a, &b, sizeof a) != 0 || memcmp(&c, &d, sizeof c) != 0)
                fail_msg("%s: bm25 %.17g / %.17g, bm25_len %.17g / %.17g", Q[i], a, c, b, d);
        }
        assert_int_equal(rc, SQLITE_DONE);
        assert_true(rows > 0);
        sqlite3_finalize(st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_ascii_tokenizers_count),
        cmocka_unit_test(every_query_scores_as_bm25_does),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
