#!/bin/sh
# bwm's container entrypoint. The web server (the default command, gunicorn) brings the schema
# up to date first; any other command (`flask --app bwm worker`, `flask --app bwm user ...`) runs
# as given. A database that is still starting (PostgreSQL in compose) is waited for, bounded:
# BWM_MIGRATE_ATTEMPTS tries (default 15), two seconds apart. BWM_MIGRATE=0 skips the upgrade.
set -e

if [ "$1" = "gunicorn" ] && [ "${BWM_MIGRATE:-1}" != "0" ]; then
  attempts=${BWM_MIGRATE_ATTEMPTS:-15}
  n=1
  until flask --app bwm db upgrade; do
    if [ "$n" -ge "$attempts" ]; then
      echo "docker-entrypoint: flask db upgrade failed $n times, giving up" >&2
      exit 1
    fi
    echo "docker-entrypoint: flask db upgrade failed (try $n of $attempts), again in 2 s" >&2
    n=$((n + 1))
    sleep 2
  done
fi

exec "$@"
