/* pqdl.h — libpq opened on first use (core/dynlib.h): only a server or a
 * command given a PostgreSQL URL loads it. Include this instead of
 * <libpq-fe.h>: the PQ* functions below stand for pointers filled on the
 * first call of any of them. */
#ifndef ZD_PQDL_H
#define ZD_PQDL_H
#include "core/dynlib.h"
#include <libpq-fe.h>

#define ZD_PQ_FUNCS(X)                                                                                       \
    X(PQclear)                                                                                               \
    X(PQcmdStatus)                                                                                           \
    X(PQcmdTuples)                                                                                           \
    X(PQconnectdbParams)                                                                                     \
    X(PQconninfoFree)                                                                                        \
    X(PQconninfoParse)                                                                                       \
    X(PQdescribePrepared)                                                                                    \
    X(PQerrorMessage)                                                                                        \
    X(PQexec)                                                                                                \
    X(PQexecParams)                                                                                          \
    X(PQexecPrepared)                                                                                        \
    X(PQfinish)                                                                                              \
    X(PQfname)                                                                                               \
    X(PQfreemem)                                                                                             \
    X(PQftype)                                                                                               \
    X(PQgetisnull)                                                                                           \
    X(PQgetlength)                                                                                           \
    X(PQgetvalue)                                                                                            \
    X(PQnfields)                                                                                             \
    X(PQntuples)                                                                                             \
    X(PQprepare)                                                                                             \
    X(PQresultErrorField)                                                                                    \
    X(PQresultErrorMessage)                                                                                  \
    X(PQresultStatus)                                                                                        \
    X(PQserverVersion)                                                                                       \
    X(PQsetNoticeProcessor)                                                                                  \
    X(PQsocket)                                                                                              \
    X(PQstatus)                                                                                              \
    X(PQtransactionStatus)                                                                                   \
    X(PQunescapeBytea)

typedef ZD_DL_TABLE(ZD_PQ_FUNCS) zd_pq_t;

/* libpq's functions (loaded on the first call; exits when it cannot be) */
const zd_pq_t *zd_pq(void);

#ifndef ZD_PQDL_IMPL
#define PQclear              (zd_pq()->PQclear)
#define PQcmdStatus          (zd_pq()->PQcmdStatus)
#define PQcmdTuples          (zd_pq()->PQcmdTuples)
#define PQconnectdbParams    (zd_pq()->PQconnectdbParams)
#define PQconninfoFree       (zd_pq()->PQconninfoFree)
#define PQconninfoParse      (zd_pq()->PQconninfoParse)
#define PQdescribePrepared   (zd_pq()->PQdescribePrepared)
#define PQerrorMessage       (zd_pq()->PQerrorMessage)
#define PQexec               (zd_pq()->PQexec)
#define PQexecParams         (zd_pq()->PQexecParams)
#define PQexecPrepared       (zd_pq()->PQexecPrepared)
#define PQfinish             (zd_pq()->PQfinish)
#define PQfname              (zd_pq()->PQfname)
#define PQfreemem            (zd_pq()->PQfreemem)
#define PQftype              (zd_pq()->PQftype)
#define PQgetisnull          (zd_pq()->PQgetisnull)
#define PQgetlength          (zd_pq()->PQgetlength)
#define PQgetvalue           (zd_pq()->PQgetvalue)
#define PQnfields            (zd_pq()->PQnfields)
#define PQntuples            (zd_pq()->PQntuples)
#define PQprepare            (zd_pq()->PQprepare)
#define PQresultErrorField   (zd_pq()->PQresultErrorField)
#define PQresultErrorMessage (zd_pq()->PQresultErrorMessage)
#define PQresultStatus       (zd_pq()->PQresultStatus)
#define PQserverVersion      (zd_pq()->PQserverVersion)
#define PQsetNoticeProcessor (zd_pq()->PQsetNoticeProcessor)
#define PQsocket             (zd_pq()->PQsocket)
#define PQstatus             (zd_pq()->PQstatus)
#define PQtransactionStatus  (zd_pq()->PQtransactionStatus)
#define PQunescapeBytea      (zd_pq()->PQunescapeBytea)
#endif
#endif
