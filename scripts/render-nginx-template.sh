#!/usr/bin/env bash
# Renders the shipped nginx template outside Docker, by the same rule as the official nginx image's entrypoint
# (/docker-entrypoint.d/20-envsubst-on-templates.sh): envsubst replaces only variables that are defined in the
# environment (limited to names matching NGINX_ENVSUBST_FILTER when that is set), so nginx's own `$host`,
# `$request_uri`… stay as they are.
#
# Usage: scripts/render-nginx-template.sh [-e env-file] [template] [output]
#   -e env-file  NAME=value lines read first, as compose's env_file (default docker/nginx/nginx.env; `-e none`
#                reads none). Variables already set in the environment win, as compose's `environment:` does.
#   template     default docker/nginx/templates/wcs-hls.conf.template
#   output       default: standard output
# Exits 1, naming them, if upper-case placeholders are left without a value: the image would write them out as
# they are and nginx would then refuse to start. Needs envsubst (Debian package gettext-base).
#
# Example, for an nginx installed from packages:
#   WCS_HLS_ADDRESS=wcs.internal:8445 WTA_ADDRESS=127.0.0.1:8080 NGINX_CACHE_DIR=/var/cache/nginx \
#     scripts/render-nginx-template.sh > /etc/nginx/conf.d/wcs-hls.conf && nginx -t
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
env_file="$root/docker/nginx/nginx.env"
if [ "${1:-}" = "-e" ]; then
  env_file="${2:?-e needs a file (or none)}"
  shift 2
fi
template="${1:-$root/docker/nginx/templates/wcs-hls.conf.template}"
output="${2:-}"
command -v envsubst >/dev/null || { echo "render-nginx-template: envsubst not found (apt-get install gettext-base)" >&2; exit 1; }
[ -r "$template" ] || { echo "render-nginx-template: cannot read $template" >&2; exit 1; }

if [ "$env_file" != "none" ]; then
  [ -r "$env_file" ] || { echo "render-nginx-template: cannot read $env_file" >&2; exit 1; }
  while IFS= read -r line || [ -n "$line" ]; do
    [[ "$line" =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    name="${BASH_REMATCH[1]}"
    value="${BASH_REMATCH[2]}"
    # The environment wins over the file.
    [ -n "${!name+set}" ] || export "$name=$value"
  done < "$env_file"
fi

# nginx reads the token as the variable $arg_<name>, whose name may hold only letters, digits and _: any other name
# would render a config that silently never sees the token (the service accepts . and - for the WCS hook).
# wta_* names are the edge signature's parameters, which the auth cache key leaves out.
if [ -n "${WTA_TOKEN_PARAM+set}" ] && { ! [[ "$WTA_TOKEN_PARAM" =~ ^[A-Za-z0-9_]{1,64}$ ]] || [[ "${WTA_TOKEN_PARAM,,}" == wta_* ]]; }; then
  echo "render-nginx-template: WTA_TOKEN_PARAM must be 1-64 letters, digits or _ (nginx reads it as \$arg_<name>) and not start with wta_ (the edge signature's parameters), got '$WTA_TOKEN_PARAM'" >&2
  exit 1
fi

# The image's rule, word for word: every defined variable whose name matches the filter.
filter="${NGINX_ENVSUBST_FILTER:-}"
# shellcheck disable=SC2016
defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" < /dev/null))
rendered="$(envsubst "$defined_envs" < "$template")"

missing=$(printf '%s\n' "$rendered" | grep -o '\${[A-Z][A-Z0-9_]*}' | sort -u | tr '\n' ' ' || true)
if [ -n "$missing" ]; then
  echo "render-nginx-template: no value for ${missing% } (set them in the environment or the env file)" >&2
  exit 1
fi
if [ -n "$output" ]; then
  printf '%s\n' "$rendered" > "$output"
else
  printf '%s\n' "$rendered"
fi
