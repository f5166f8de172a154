#!/usr/bin/env bash
# oci-layout.sh ROOTFS OUT NAME: an OCI image layout in OUT with one
# uncompressed layer holding ROOTFS's files and the image's Cmd
# /bin/true, named NAME (org.opencontainers.image.ref.name), for
# `mycontainer import OUT`. No registry, umoci or skopeo needed: the
# benchmark compares run --image with run --rootfs of the same files.
set -euo pipefail
[ $# = 3 ] || { echo "usage: $0 ROOTFS OUT NAME" >&2; exit 2; }
ROOTFS=$1 OUT=$2 NAME=$3
case "$(uname -m)" in
x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; *) ARCH=$(uname -m) ;;
esac
mkdir -p "$OUT/blobs/sha256"
# blob FILE: moves FILE into blobs/ under its digest; prints "DIGEST SIZE".
blob() {
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$OUT/blobs/sha256/$d"
	echo "sha256:$d $s"
}
tar -C "$ROOTFS" --numeric-owner --sort=name -cf "$OUT/layer.tmp" .
read -r ldig lsize <<<"$(blob "$OUT/layer.tmp")"
jq -n --arg arch "$ARCH" --arg diff "$ldig" '{architecture: $arch, os: "linux",
	config: {Cmd: ["/bin/true"], Env: ["PATH=/bin"]},
	rootfs: {type: "layers", diff_ids: [$diff]}}' >"$OUT/config.tmp"
read -r cdig csize <<<"$(blob "$OUT/config.tmp")"
jq -n --arg c "$cdig" --argjson cs "$csize" --arg l "$ldig" --argjson ls "$lsize" '{schemaVersion: 2,
	mediaType: "application/vnd.oci.image.manifest.v1+json",
	config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
	layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$OUT/manifest.tmp"
read -r mdig msize <<<"$(blob "$OUT/manifest.tmp")"
jq -n --arg m "$mdig" --argjson ms "$msize" --arg n "$NAME" '{schemaVersion: 2,
	manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
		annotations: {"org.opencontainers.image.ref.name": $n}}]}' >"$OUT/index.json"
echo '{"imageLayoutVersion": "1.0.0"}' >"$OUT/oci-layout"
