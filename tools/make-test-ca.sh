#!/usr/bin/env bash
# Makes a test certificate authority and the certificates of a TLS connection between a pool
# (the client) and a worker host (the server), with the machine's openssl:
#
#   tools/make-test-ca.sh DIR [NAME...]
#
# DIR/ca.pem                              the test CA (trusted by both sides)
# DIR/host.pem, DIR/host-key.pem          the host's (server's) certificate and key; its subject
#                                         alternative names: localhost, 127.0.0.1, ::1 and each NAME
#                                         (an IP address or a DNS name)
# DIR/client.pem, DIR/client-key.pem      the pool's (client's) certificate and key (DNS:taipan-pool)
# DIR/other-ca.pem                        a second, unrelated CA, and certificates it signed:
# DIR/other-host.pem, other-host-key.pem  ... a host certificate (same names)
# DIR/other-client.pem, other-client-key.pem  ... a client certificate
#
# Keys are unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), mode 0600: what TlsConfig and Python's ssl
# module both read. EC P-256 by default; TAIPAN_CERT_KEY=rsa makes RSA 2048 keys.
# TAIPAN_CERT_DAYS sets the validity (default 30 days): for tests and trials, not production.
# The CAs' own keys (ca-key.pem, other-ca-key.pem) stay in DIR to sign more certificates;
# anyone holding ca-key.pem can make certificates both sides trust.
set -euo pipefail

if [[ $# -lt 1 || "$1" == -* ]]; then
    echo "usage: $0 DIR [NAME...]   (NAME: an extra DNS name or IP address of the host)" >&2
    exit 2
fi
dir=$1
shift
command -v openssl >/dev/null || { echo "$0: openssl is not on the PATH" >&2; exit 1; }
days=${TAIPAN_CERT_DAYS:-30}
kind=${TAIPAN_CERT_KEY:-ec}
mkdir -p "$dir"
umask 077

newkey() { # FILE
    case "$kind" in
        ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null ;;
        rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
        *) echo "$0: TAIPAN_CERT_KEY must be ec or rsa, not $kind" >&2; exit 2 ;;
    esac
}

ca() { # NAME CN
    newkey "$dir/$1-key.pem"
    openssl req -x509 -new -key "$dir/$1-key.pem" -sha256 -days "$days" -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$dir/$1.pem"
}

leaf() { # NAME CA CN USAGE SAN
    local ext
    ext=$(mktemp)
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
        "$4" "$5" > "$ext"
    newkey "$dir/$1-key.pem"
    openssl req -new -key "$dir/$1-key.pem" -subj "/CN=$3" -out "$dir/$1.csr"
    openssl x509 -req -in "$dir/$1.csr" -CA "$dir/$2.pem" -CAkey "$dir/$2-key.pem" -CAcreateserial \
        -CAserial "$dir/$2.srl" -days "$days" -sha256 -extfile "$ext" -out "$dir/$1.pem" 2>/dev/null
    rm -f "$dir/$1.csr" "$ext"
}

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do
    if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then
        san="$san,IP:$name"
    else
        san="$san,DNS:$name"
    fi
done

ca ca "Taipan test CA"
leaf host ca "taipan-host" serverAuth "$san"
leaf client ca "taipan-pool" clientAuth "DNS:taipan-pool"
ca other-ca "Unrelated test CA"
leaf other-host other-ca "taipan-host" serverAuth "$san"
leaf other-client other-ca "taipan-pool" clientAuth "DNS:taipan-pool"
chmod 644 "$dir"/*.pem
chmod 600 "$dir"/*-key.pem
echo "certificates in $dir (valid $days days): ca.pem, host.pem + host-key.pem, client.pem + client-key.pem; other-*.pem from an unrelated CA"
