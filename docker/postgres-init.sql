-- One PostgreSQL server, two databases: Prefect's own (POSTGRES_DB=prefect) and the ledger.
CREATE DATABASE ledger;
