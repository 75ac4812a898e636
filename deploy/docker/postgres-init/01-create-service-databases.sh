#!/usr/bin/env bash
# Creates one database and one login role per service, so that each service owns its data and
# cannot reach another service's tables. The services apply their own migrations at startup;
# they only need the empty database to exist and to be owned by their role.
#
# The postgres image runs this once, on the first start with an empty data volume
# (docker-entrypoint-initdb.d). Changing a password later means `docker compose down -v`
# (or ALTER ROLE by hand): re-running `up` does not re-run this script.
set -euo pipefail

create_service_database() {
  local service="$1" password="$2"
  local role="${service}_svc"
  local database="accounting_${service}"

  # psql variables (:"ident" and :'literal') quote the names and the password for us;
  # the quoted heredoc keeps the shell from expanding anything inside the SQL.
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=role="$role" --set=database="$database" --set=password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
-- PUBLIC may connect to every new database by default; revoking that leaves only the owner
-- (and the superuser), so auth_svc cannot open accounting_ledger and so on.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
SQL
  echo "created database ${database} owned by role ${role}"
}

# Check every password before creating anything: if this script stops half way, the data
# directory is already initialised and the image will not run the init scripts again, which
# would leave some databases missing until the volume is removed.
auth_password="${AUTH_DB_PASSWORD:?AUTH_DB_PASSWORD is not set}"
ledger_password="${LEDGER_DB_PASSWORD:?LEDGER_DB_PASSWORD is not set}"
reports_password="${REPORTS_DB_PASSWORD:?REPORTS_DB_PASSWORD is not set}"
webhooks_password="${WEBHOOKS_DB_PASSWORD:?WEBHOOKS_DB_PASSWORD is not set}"

create_service_database auth "$auth_password"
create_service_database ledger "$ledger_password"
create_service_database reports "$reports_password"
create_service_database webhooks "$webhooks_password"
