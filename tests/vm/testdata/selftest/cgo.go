//go:build cgo

package main

// #include <unistd.h>
import "C"

const cgoEnabled = true

func cgoGetpid() int { return int(C.getpid()) }
