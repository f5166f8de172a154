package main

import (
	_ "github.com/alecthomas/kong"
	_ "golang.org/x/sys/unix"
)

func main() {}
