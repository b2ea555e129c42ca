#!/usr/bin/env bash
# Writes docker/.env from docker/.env.example with a freshly generated admin API key, and prints the key: the
# only time it is shown (docker/.env keeps it, readable by you alone). Refuses to overwrite an existing .env.
# Usage: docker/init-env.sh [WCS host:port]
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
env_file="$dir/.env"
if [ -e "$env_file" ]; then
  echo "$env_file exists; remove it first to generate a new admin key" >&2
  exit 1
fi
key="wta_admin_$(openssl rand -hex 24)"
umask 077
sed -e "s|^ADMIN_API_KEYS=.*|ADMIN_API_KEYS=backend=$key|" \
    -e "s|^WCS_HLS_ADDRESS=.*|WCS_HLS_ADDRESS=${1:-wcs.example.com:8445}|" \
    "$dir/.env.example" > "$env_file"
cat <<MSG
Wrote $env_file. The admin API key (shown once; it is also in that file):

  $key

Use it as: curl -H "Authorization: Bearer $key" http://localhost:8080/v1/tokens
MSG
