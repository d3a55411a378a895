#include <libpq-fe.h>

// PG_DIAG_SQLSTATE is a character constant ('C') Swift imports as a different type on each platform.
static inline const char *cpostgres_sqlstate(const PGresult *result) { return PQresultErrorField(result, PG_DIAG_SQLSTATE); }
