// Package state is the on-disk store of OCI containers: one directory per
// container under the runtime's --root (default /run/mycontainer), holding
// state.json, the config.json it was created from (as written, read only by
// the verbs that need it) and, for `create`, the exec fifo; the directory
// itself is the lock.
//
// The store is shared by independent runtime processes (an engine may run
// `kill` while `delete` is in flight), so every write is atomic and every
// read-modify-write on one container is expected to happen under Lock.
package state
