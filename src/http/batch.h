/* batch.h — group commit: change requests that arrive together committed in
 * one transaction (docs/modules.md, "Group commit").
 *
 * A handler that gives its request to the batch returns at once; its
 * connection is suspended (http_suspend), so a waiting request holds no
 * server thread. One worker thread takes everything queued, opens ONE write
 * transaction, takes the rows the requests named (lock_table, lock_id) in
 * one order (table, id) — FOR UPDATE on PostgreSQL, so two batches or a
 * batch and another change never wait for each other in a circle — then
 * runs each request's run() in its own SAVEPOINT, in the order they came:
 * run() answers its request (http_json, http_error…) and writes its audit
 * record (audit_write) in the transaction; a refused or failed one is
 * rolled back to its savepoint alone. One COMMIT (one fsync) then answers
 * them all. When the COMMIT or the transaction fails, every request of the
 * batch is answered 5xx instead and nothing of it is written.
 *
 * Each request is its own transaction to everyone outside (all or nothing,
 * its audit record with it); between the requests of one batch the order
 * is the order they arrived, as with one transaction after another. */
#ifndef ZD_HTTP_BATCH_H
#define ZD_HTTP_BATCH_H
#include "core/db.h"
#include "http/http.h"
#include "http/server.h"
#include <stdbool.h>
#include <stdint.h>

/* A request's part, on the worker's connection c, inside the batch's
 * transaction: it answers req and writes its audit record; true when its
 * change is to stay (answered 2xx with its record written), false to roll
 * it back (after answering 4xx/5xx). It must not begin, commit or roll
 * back. id is the one given to http_batch_submit. */
typedef bool (*http_batch_fn)(http_req_t *req, db_conn_t *c, int64_t id);

/* The most requests one transaction takes. */
#define HTTP_BATCH_MAX 256

/* Queues req for the next batch and returns: the handler returns right
 * after, without answering. lock_table (a constant: a table with an id
 * column) and lock_id name the row the request changes, taken before any
 * request runs; NULL for none. */
void http_batch_submit(http_req_t *req, http_batch_fn run, int64_t id, const char *lock_table,
                       int64_t lock_id);

/* Transactions committed (or failed) by the group commit so far, and the
 * requests they carried (the metrics). */
void http_batch_stats(uint64_t *batches, uint64_t *requests);

/* Returns when no request of server s is queued or in a batch (each has
 * been answered and resumed): before its daemon stops, since a suspended
 * connection must not outlive it. */
void http_batch_drain(http_server_t *s);

#endif
