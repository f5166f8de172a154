// Package image keeps container images on the host: a content-addressed,
// verified store, pull (from a registry) and import (archives and OCI
// layouts), and the overlayfs layers a container's root is made of.
//
// The store (default /var/lib/mycontainer, $MYCONTAINER_STORAGE or
// --storage):
//
//	lock                  flock: exclusive to change images.json or delete
//	images.json           the images: names, manifest and config digests, layers
//	blobs/sha256/HEX      manifests and configs, verified when written and read
//	layers/HEX/           one directory per layer, named by its diff_id
//	                      (the sha256 of the uncompressed tar), unpacked once
//	                      and shared by every image and container using it
//	containers/PID-START/ a running container's upper and work directories,
//	                      and what it uses (its image, its layers)
//	kept/NAME/            the same for a kept container (run --name, --keep)
//	containers/spare-N/   a pristine upper and work pair for the next run
//	                      (spares.go)
//	tmp/                  blobs and layers being written; a name appears
//	                      under blobs/ or layers/ only by rename, after its
//	                      digest was checked
//
// Every tar is treated as hostile (unpack.go).
package image
