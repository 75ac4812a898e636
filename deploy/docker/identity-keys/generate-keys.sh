#!/bin/sh
# Generates the local compose stack's keys once, each into its own volume:
#
# - the internal identity key pair (EC P-256). The gateway signs internal identity tokens with the
#   private key; the services only verify them, so the two halves go to two volumes and a service
#   container never sees the private key.
# - auth's data key (AES-256: 32 random bytes, base64), which encrypts TOTP secrets and auth's JWT
#   signing keys at rest. Only the auth container mounts its volume.
# - webhooks' data key, the same kind, which seals endpoint signing secrets at rest. Only the
#   webhooks container mounts its volume.
# - the reports service's own identity key pair (EC P-256), with which it signs its calls to the
#   ledger's internal feed: the private key into a volume only reports mounts, the public key
#   beside the gateway's, where the ledger reads it.
#
# Later runs keep existing keys: regenerating the identity pair would invalidate tokens in flight
# and need every app restarted, and a new data key would leave everything auth or webhooks already
# encrypted unreadable. `docker compose down -v` removes the volumes (and the databases) to start afresh.
set -eu

private_key=/keys/private/signing-key.pem       # PKCS#8 PEM, read by the gateway
public_key=/keys/public/verification-key.pem    # SubjectPublicKeyInfo PEM, read by the services
data_key=/keys/auth-data/auth-data.key          # base64 of 32 random bytes, read by auth only
webhooks_data_key=/keys/webhooks-data/webhooks-data.key  # the same, read by webhooks only
reports_private_key=/keys/reports-private/signing-key.pem       # PKCS#8 PEM, read by reports only
reports_public_key=/keys/public/reports-verification-key.pem    # SubjectPublicKeyInfo PEM, read by the ledger
# The .NET images run apps as APP_UID (1654); the secret files are readable by that user only.
app_uid="${APP_UID:-1654}"

if [ -s "$private_key" ] && [ -s "$public_key" ] && [ -s "$data_key" ] && [ -s "$webhooks_data_key" ] \
  && [ -s "$reports_private_key" ] && [ -s "$reports_public_key" ]; then
  echo "identity keys and data keys already present; keeping them"
  exit 0
fi

# Alpine has libcrypto but not the openssl command. Installing it only when keys are missing
# keeps every later `up` working offline.
command -v openssl >/dev/null 2>&1 || apk add --no-cache openssl >/dev/null

# key_pair PRIVATE PUBLIC WHAT
key_pair() {
  if [ ! -s "$1" ]; then
    # Write to a temporary name and rename, so an interrupted run never leaves half a key behind
    # that the check above would take for a good one.
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.tmp")
    mv "$1.tmp" "$1"
    echo "generated $3 key pair"
  fi

  # Always derive the public key from the private key in hand, so the pair cannot drift apart
  # (e.g. when only one of the two volumes was removed).
  openssl pkey -in "$1" -pubout -out "$2.tmp"
  mv "$2.tmp" "$2"

  chown "$app_uid:$app_uid" "$1"
  chmod 0400 "$1"
  chmod 0444 "$2"
}

key_pair "$private_key" "$public_key" "internal identity"
key_pair "$reports_private_key" "$reports_public_key" "reports service identity"

for key in "$data_key" "$webhooks_data_key"; do
  if [ ! -s "$key" ]; then
    # Same temporary-name-and-rename as above: the apps refuse a key that is not exactly 32 bytes.
    (umask 077 && openssl rand -base64 32 > "$key.tmp")
    mv "$key.tmp" "$key"
    echo "generated $(basename "$key")"
  fi
  chown "$app_uid:$app_uid" "$key"
  chmod 0400 "$key"
done
