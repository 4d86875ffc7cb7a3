#!/bin/bash
# Run once by the postgres image on an empty data directory
# (/docker-entrypoint-initdb.d): the roles and the database of the native
# stack (tests/lib/services.sh, docker/demo/stack.sh), the same schema.
set -eu
psql -v ON_ERROR_STOP=1 -U postgres -d postgres <<SQL
CREATE ROLE canary LOGIN PASSWORD '$DEMO_DB_PASSWORD';
CREATE ROLE writer LOGIN PASSWORD '$DEMO_DB_PASSWORD';
CREATE DATABASE demo OWNER writer;
SQL
psql -v ON_ERROR_STOP=1 -U writer -d demo -f /demo/schema.sql
