#!/bin/sh
# tenant-backup.sh: the one script of a site's backup Jobs (scheduled and on-demand) and restore
# Jobs (roles/tenant_backup puts it in the ConfigMap the Jobs mount).
#
#   tenant-backup.sh backup   remove stale locks; back up the files of $DATA_DIR; dump the database
#                             when the site has one and it accepts the site's login; both snapshots
#                             tagged site=<slug>,run=<UTC start YYYYMMDDTHHMMSSZ>; the run's size in
#                             the repository as a size=<bytes> tag; then forget what is older than
#                             $RETENTION_DAYS days before the newest snapshot and prune
#   tenant-backup.sh restore  remove stale locks; $RESTORE_FILES_SNAPSHOT becomes the content of
#                             $DATA_DIR; $RESTORE_DB_SNAPSHOT is replayed in one transaction into
#                             $RESTORE_DB_NAME, an empty database of the site's user that then takes
#                             the place of the site's database (the playbook swaps them)
#
# Environment: RESTIC_REPOSITORY, RESTIC_PASSWORD (and the backend's own variables) from the
# site's backup Secret; PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD from the database Secret
# when there is one; SITE_SLUG, DATA_DIR, DB_FILENAME, RETENTION_DAYS and the RESTORE_* variables
# from the Job. Needs a POSIX sh, restic 0.14 or later and the PostgreSQL client.
# Nothing here prints a secret: no `set -x`, no environment dumps.
set -eu

: "${RESTIC_REPOSITORY:?the backup Secret is missing}" "${RESTIC_PASSWORD:?the backup Secret is missing}"
: "${SITE_SLUG:?SITE_SLUG is not set}"
DATA_DIR=${DATA_DIR:-/data}
DB_FILENAME=${DB_FILENAME:-site.sql}
# A restore unpacks into this directory of the volume first; backups leave it out.
STAGE_NAME=.tenant-restore

say() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { say "error: $*" >&2; exit 1; }
r() { restic --no-cache "$@"; }
saved_id() { sed -n 's/^snapshot \([0-9a-f]*\) saved$/\1/p'; }

remove_stale_locks() {
  say "removing stale locks of $RESTIC_REPOSITORY"
  r unlock
}

# 0: the site has a database that accepts its login; 1: no database to dump (no credentials, or
# the login is disabled because the database feature is off); any other problem fails the run.
database_on() {
  if [ -z "${PGDATABASE:-}" ]; then
    say "no database credentials: files only"
    return 1
  fi
  if problem=$(psql -X -Atq -c 'SELECT 1' 2>&1 >/dev/null); then
    return 0
  fi
  case $problem in
    *"not permitted to log in"*)
      say "the site's database is disabled: files only"
      return 1
      ;;
  esac
  fail "the database does not answer: $problem"
}

backup() {
  case ${RETENTION_DAYS:-} in
    '' | *[!0-9]*) fail "RETENTION_DAYS must be a number of days" ;;
  esac
  run_id=$(date -u +%Y%m%dT%H%M%SZ)
  # Both snapshots of a run get the run's start as their time (restic reads --time in the local
  # zone; the Job sets TZ=UTC).
  run_time=$(date -u '+%Y-%m-%d %H:%M:%S')
  tags="site=$SITE_SLUG,run=$run_id"
  say "backup run $run_id of $SITE_SLUG"
  remove_stale_locks

  say "backing up the files of $DATA_DIR"
  saved=$(r backup --host "$SITE_SLUG" --time "$run_time" --tag "$tags,kind=files" \
    --exclude "$DATA_DIR/$STAGE_NAME" "$DATA_DIR") || fail "restic could not back up the files"
  printf '%s\n' "$saved"
  files_id=$(printf '%s\n' "$saved" | saved_id)
  [ -n "$files_id" ] || fail "restic saved no files snapshot"
  db_id=

  if database_on; then
    say "backing up the database $PGDATABASE"
    dump_status=$(mktemp)
    # pg_dump streams into restic; its exit status is kept aside (POSIX sh has no pipefail).
    saved=$({ pg_dump --clean --if-exists --no-owner --no-privileges || echo $? >"$dump_status"; } |
      r backup --host "$SITE_SLUG" --time "$run_time" --tag "$tags,kind=db" \
        --stdin --stdin-filename "$DB_FILENAME") || fail "restic could not store the database dump"
    printf '%s\n' "$saved"
    db_id=$(printf '%s\n' "$saved" | saved_id)
    if [ -s "$dump_status" ]; then
      rm -f "$dump_status"
      if [ -n "$db_id" ]; then
        r forget "$db_id"
      fi
      fail "pg_dump failed; its incomplete snapshot was removed"
    fi
    rm -f "$dump_status"
  fi

  # What the run takes in the repository (its snapshots' blobs, deduplicated and compressed),
  # kept as a tag so that listing the runs reads no more than the snapshot list.
  size=$(r stats --json --mode raw-data $files_id $db_id | sed -n 's/.*"total_size":\([0-9]*\).*/\1/p')
  [ -n "$size" ] || fail "restic stats gave no size"
  say "the run takes $size bytes in the repository"
  r tag --add "size=$size" "$files_id"

  say "forgetting snapshots older than $RETENTION_DAYS days before the newest, then pruning"
  r forget --host "$SITE_SLUG" --tag "site=$SITE_SLUG" --group-by host \
    --keep-within "${RETENTION_DAYS}d" --prune
  say "backup run $run_id done"
}

restore_files() {
  source_path=${RESTORE_FILES_PATH:-$DATA_DIR}
  stage="$DATA_DIR/$STAGE_NAME"
  say "restoring snapshot $RESTORE_FILES_SNAPSHOT ($source_path) into $DATA_DIR"
  rm -rf "$stage"
  r restore "$RESTORE_FILES_SNAPSHOT" --target "$stage"
  [ -d "$stage$source_path" ] || fail "snapshot $RESTORE_FILES_SNAPSHOT holds no $source_path"
  # Only once the snapshot is unpacked is the old content replaced: a failed restore leaves it.
  find "$DATA_DIR" -mindepth 1 -maxdepth 1 ! -name "$STAGE_NAME" -exec rm -rf {} +
  find "$stage$source_path" -mindepth 1 -maxdepth 1 -exec mv {} "$DATA_DIR/" \;
  rm -rf "$stage"
}

restore_db() {
  [ -n "${PGDATABASE:-}" ] || fail "no database credentials to restore into"
  : "${RESTORE_DB_NAME:?RESTORE_DB_NAME (the empty database to restore into) is not set}"
  site_database=$PGDATABASE
  PGDATABASE=$RESTORE_DB_NAME
  export PGDATABASE
  problem=$(psql -X -Atq -c 'SELECT 1' 2>&1 >/dev/null) || fail "the database does not answer: $problem"
  say "restoring snapshot $RESTORE_DB_SNAPSHOT into $PGDATABASE, which then replaces $site_database"
  # One transaction: COMMIT is sent only when restic delivered the whole dump; otherwise a
  # failing statement ends psql (ON_ERROR_STOP) and the database stays as it was.
  {
    echo 'BEGIN;'
    if r dump "$RESTORE_DB_SNAPSHOT" "/$DB_FILENAME"; then
      echo 'COMMIT;'
    else
      echo "DO \$\$ BEGIN RAISE EXCEPTION 'restic dump failed; nothing was restored'; END \$\$;"
    fi
  } | psql -X -q -v ON_ERROR_STOP=1 >/dev/null
}

restore() {
  if [ -z "${RESTORE_FILES_SNAPSHOT:-}" ] && [ -z "${RESTORE_DB_SNAPSHOT:-}" ]; then
    fail "nothing to restore: set RESTORE_FILES_SNAPSHOT and/or RESTORE_DB_SNAPSHOT"
  fi
  say "restore of $SITE_SLUG"
  remove_stale_locks
  if [ -n "${RESTORE_FILES_SNAPSHOT:-}" ]; then
    restore_files
  fi
  if [ -n "${RESTORE_DB_SNAPSHOT:-}" ]; then
    restore_db
  fi
  say "restore done"
}

case ${1:-} in
  backup) backup ;;
  restore) restore ;;
  *)
    echo "usage: $0 backup|restore" >&2
    exit 2
    ;;
esac
