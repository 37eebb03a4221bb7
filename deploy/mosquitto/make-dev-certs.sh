#!/usr/bin/env sh
# A self-signed certificate for trying the TLS listener (deploy/mosquitto/certs/). Agents then need
# the certificate as their CA: "mqtt": { "url": "mqtts://<host>:8883", "caFile": "fullchain.pem" }.
# In production use a certificate from a real CA (Let's Encrypt): agents then need no caFile.
set -eu
host="${1:-localhost}"
dir="$(dirname "$0")/certs"
mkdir -p "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
  -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem"
chmod 644 "$dir/fullchain.pem" "$dir/privkey.pem"
echo "written: $dir/fullchain.pem, $dir/privkey.pem (CN=$host)"
