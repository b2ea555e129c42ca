#!/usr/bin/env bash
# Writes an example self-signed certificate and key for nginx's HTTPS listener (for trying the setup only: a
# browser warns about it, and players refuse it until it is trusted). Usage: gen-self-signed-cert.sh [dir] [name]
# Default dir: docker/nginx/tls next to this script; default name: localhost. Needs the openssl command.
set -euo pipefail
dir="${1:-$(dirname "$0")/tls}"
name="${2:-localhost}"
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" \
  -subj "/CN=$name" \
  -addext "subjectAltName=DNS:$name,IP:127.0.0.1,IP:::1" 2>/dev/null
chmod 600 "$dir/key.pem"
echo "wrote $dir/cert.pem and $dir/key.pem (CN=$name, valid 365 days)"
