#!/usr/bin/env bash
# Installs the Debian packages the project runs for real (PostgreSQL server, restic) when they
# are missing. As root it installs them with apt-get; otherwise it names the command to run.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v restic >/dev/null 2>&1 || missing+=(restic)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/tenant-provisioner-apt.log 2>&1; then
  apt-get update >>/tmp/tenant-provisioner-apt.log 2>&1
  apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/tenant-provisioner-apt.log 2>&1 || {
    echo "apt-get failed; see /tmp/tenant-provisioner-apt.log" >&2
    exit 1
  }
fi
