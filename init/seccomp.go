package containerinit

import "mycontainer/seccomp"

// loadSeccomp installs the compiled filter on this thread, last before
// execve (see seccomp.Load for the rules it follows).
func loadSeccomp(image []byte, flags uint) error { return seccomp.Load(image, flags) }
