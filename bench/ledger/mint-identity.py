#!/usr/bin/env python3
"""Mints an internal identity (ES256 JWT) as the gateway would, signed with the bench's own key.

Usage: mint-identity.py <private-key.pem> <organisation-id> <scope> [<scope>...]
Signs with `openssl dgst`, so it needs nothing beyond the Python standard library and openssl.
"""
import base64
import json
import subprocess
import sys
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_to_raw(der: bytes) -> bytes:
    # ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }; JWS wants r || s, 32 bytes each.
    def read_int(offset: int) -> tuple[bytes, int]:
        assert der[offset] == 0x02
        length = der[offset + 1]
        value = der[offset + 2 : offset + 2 + length]
        return value.lstrip(b"\x00").rjust(32, b"\x00"), offset + 2 + length

    header_length = 3 if der[1] & 0x80 else 2
    r, offset = read_int(header_length)
    s, _ = read_int(offset)
    return r + s


def main() -> None:
    key_path, organisation, *scopes = sys.argv[1:]
    now = int(time.time())
    header = {"alg": "ES256", "typ": "JWT"}
    claims = {
        "iss": "accounting-gateway",
        "aud": "ledger",
        "org": organisation,
        "sub": "key_bench",
        "principal_type": "api_key",
        "scope": " ".join(sorted(scopes)),
        "iat": now,
        "nbf": now,
        # Longer than the gateway's 60 s so one token lasts the whole run; the service checks only expiry.
        "exp": now + 3600,
    }
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    der = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", key_path], input=signing_input.encode(), capture_output=True, check=True
    ).stdout
    print(f"{signing_input}.{b64url(der_to_raw(der))}")


if __name__ == "__main__":
    main()
