-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d), as the
-- POSTGRES_USER superuser: newsmon's own database and the Prefect server's, side by side.
CREATE DATABASE newsmon;
CREATE DATABASE prefect;
