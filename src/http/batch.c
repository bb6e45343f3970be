/* batch.c — group commit of change requests; see batch.h.
 *
 * The queue is under B.mu; the worker thread (started with the first
 * request) sleeps on B.cv while it is empty. A queued item lives in its
 * request's arena: the worker reads what it needs of a batch's items before
 * it resumes their requests, and touches neither an item nor its request
 * after http_resume (the request may complete and free its arena at once).
 * Requests are suspended while they wait (http_suspend), so hundreds of them
 * wait here without holding a server thread or a database connection. */
#include "http/batch.h"
#include "core/log.h"
#include "http/internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    http_req_t *req;
    http_batch_fn run;
    int64_t id;
    const char *lock_table;
    int64_t lock_id;
    struct item *next;
} item_t;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* the worker waits for work */
    pthread_cond_t idle; /* http_batch_drain waits for a batch to end */
    pthread_once_t once;
    item_t *head, **tail;
    http_server_t *running; /* the server of the batch in progress */
    atomic_uint_fast64_t batches, requests;
} B = {PTHREAD_MUTEX_INITIALIZER,
       PTHREAD_COND_INITIALIZER,
       PTHREAD_COND_INITIALIZER,
       PTHREAD_ONCE_INIT,
       NULL,
       &B.head,
       NULL,
       0,
       0};

/* the answer to every request of a batch whose transaction failed: 5xx (a
 * refusal given inside it may have counted seats now rolled back) */
static void fail_all(item_t **b, size_t n, db_conn_t *c)
{
    db_errcode_t code = c ? db_errcode(c) : DB_E_CONNECTION;
    for (size_t i = 0; i < n; i++) {
        http_reset_response(b[i]->req);
        if (code == DB_E_BUSY || code == DB_E_RETRY || code == DB_E_CONNECTION)
            http_error(b[i]->req, 503, "unavailable", "数据库繁忙，请稍后重试");
        else
            http_error(b[i]->req, 500, "internal", "服务器内部错误，请求编号 %s", b[i]->req->request_id);
    }
    if (c && db_in_tx(c))
        db_rollback(c);
}

/* the batch commits only with a change in it, each kept part having written
 * its audit record (http_batch_fn's contract): the route kit's check of a
 * request's record, for the batch */
static int batch_check(void *ud) { return *(size_t *)ud > 0 ? 0 : -1; }

static int lock_order(const void *a, const void *b)
{
    const item_t *x = *(item_t *const *)a, *y = *(item_t *const *)b;
    if (!x->lock_table || !y->lock_table)
        return !x->lock_table - !y->lock_table;
    int t = strcmp(x->lock_table, y->lock_table);
    return t ? t : x->lock_id < y->lock_id ? -1 : x->lock_id > y->lock_id;
}

/* the named rows, in one order, before any request runs (and so before any
 * audit record takes the chain's head) */
static int lock_rows(db_conn_t *c, item_t **b, size_t n)
{
    item_t *order[HTTP_BATCH_MAX];
    memcpy(order, b, n * sizeof *b);
    qsort(order, n, sizeof *order, lock_order);
    for (size_t i = 0; i < n && order[i]->lock_table; i++) {
        if (i && !lock_order(&order[i - 1], &order[i]))
            continue;
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = ?" FOR_UPDATE_CLAUSE, order[i]->lock_table);
        db_stmt_t *st = db_prepare(c, sql);
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, order[i]->lock_id);
            rc = db_step(st);
        }
        db_done(st);
        if (rc == DB_ERROR)
            return -1;
    }
    return 0;
}

static void run_batch(item_t **b, size_t n)
{
    http_server_t *srv = b[0]->req->srv;
    db_conn_t *c = db_acquire(http_server_db(srv));
    if (!c) {
        for (size_t i = 0; i < n; i++)
            http_error(b[i]->req, 503, "unavailable", "数据库暂时不可用，请稍后重试");
        return;
    }
    for (size_t i = 0; i < n; i++) /* a request's X-Zhendi-Fault (tests) arms the batch's connection */
        http_server_fault(srv, b[i]->req, c);
    size_t kept = 0;
    db_set_commit_check(c, batch_check, &kept);
    if (db_begin(c) != 0 || lock_rows(c, b, n) != 0)
        goto fail;
    /* one round trip between two requests: the end of one's savepoint and
     * the start of the next's */
    const char *next = "SAVEPOINT zd_batch";
    for (size_t i = 0; i < n; i++) {
        http_req_t *req = b[i]->req;
        if (db_exec(c, next) != 0)
            goto fail;
        /* one that did not answer is rolled back; the server's check of
         * every answer (check_answer) logs it and answers 500 on resume */
        bool ok = b[i]->run(req, c, b[i]->id) && req->responded;
        bool last = i + 1 == n;
        next = ok ? (last ? "RELEASE SAVEPOINT zd_batch" : "RELEASE SAVEPOINT zd_batch; SAVEPOINT zd_batch")
                  : (last ? "ROLLBACK TO SAVEPOINT zd_batch; RELEASE SAVEPOINT zd_batch"
                          : "ROLLBACK TO SAVEPOINT zd_batch; RELEASE SAVEPOINT zd_batch; SAVEPOINT zd_batch");
        if (last && db_exec(c, next) != 0)
            goto fail;
        kept += ok;
    }
    if (!kept)
        db_rollback(c); /* every one refused: nothing to write, the answers stand */
    else if (db_commit(c) != 0)
        fail_all(b, n, c);
    db_release(c);
    return;
fail:
    fail_all(b, n, c);
    db_release(c);
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        item_t *batch[HTTP_BATCH_MAX];
        size_t n = 0;
        pthread_mutex_lock(&B.mu);
        while (!B.head)
            pthread_cond_wait(&B.cv, &B.mu);
        /* everything queued now, of one server (tests may run several) */
        http_server_t *srv = B.head->req->srv;
        for (item_t **p = &B.head; *p && n < HTTP_BATCH_MAX;) {
            if ((*p)->req->srv != srv) {
                p = &(*p)->next;
                continue;
            }
            batch[n++] = *p;
            *p = (*p)->next;
        }
        B.tail = &B.head;
        while (*B.tail)
            B.tail = &(*B.tail)->next;
        B.running = srv;
        pthread_mutex_unlock(&B.mu);
        run_batch(batch, n);
        atomic_fetch_add_explicit(&B.batches, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&B.requests, n, memory_order_relaxed);
        http_req_t *reqs[HTTP_BATCH_MAX];
        for (size_t i = 0; i < n; i++)
            reqs[i] = batch[i]->req;
        for (size_t i = 0; i < n; i++) /* the last touch of each */
            http_resume(reqs[i]);
        pthread_mutex_lock(&B.mu);
        B.running = NULL;
        pthread_cond_broadcast(&B.idle);
        pthread_mutex_unlock(&B.mu);
    }
    return NULL;
}

void http_batch_stats(uint64_t *batches, uint64_t *requests)
{
    *batches = atomic_load_explicit(&B.batches, memory_order_relaxed);
    *requests = atomic_load_explicit(&B.requests, memory_order_relaxed);
}

void http_batch_drain(http_server_t *s)
{
    pthread_mutex_lock(&B.mu);
    for (;;) {
        bool queued = B.running == s;
        for (item_t *it = B.head; it && !queued; it = it->next)
            queued = it->req->srv == s;
        if (!queued)
            break;
        pthread_cond_wait(&B.idle, &B.mu);
    }
    pthread_mutex_unlock(&B.mu);
}

static void start_worker(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "http.batch_thread", "无法启动合并提交线程");
        abort();
    }
    pthread_detach(t);
}

static void enqueue(http_req_t *req, void *ud)
{
    (void)req;
    item_t *it = ud;
    pthread_mutex_lock(&B.mu);
    *B.tail = it;
    B.tail = &it->next;
    pthread_cond_signal(&B.cv);
    pthread_mutex_unlock(&B.mu);
}

void http_batch_submit(http_req_t *req, http_batch_fn run, int64_t id, const char *lock_table,
                       int64_t lock_id)
{
    pthread_once(&B.once, start_worker);
    item_t *it = http_alloc(req, sizeof *it);
    *it = (item_t){.req = req, .run = run, .id = id, .lock_table = lock_table, .lock_id = lock_id};
    http_suspend(req, enqueue, it);
}
