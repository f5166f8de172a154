package compile

import libseccomp "github.com/seccomp/libseccomp-golang"

// LibraryVersion is the linked libseccomp's version, for `--version`.
func LibraryVersion() (major, minor, micro uint) {
	return libseccomp.GetLibraryVersion()
}
