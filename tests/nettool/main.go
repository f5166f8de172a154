// nettool is the network tests' client and UDP server, static, run on the
// host, in the test's "outside" namespace and inside containers (the
// test rootfs's static busybox wget crashes resolving in a root without
// NSS files, and busybox has no UDP server).
//
//	nettool get URL         print the body, exit 1 on any failure
//	nettool udp-serve PORT  answer every datagram "from ADDR: DATA", log it
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: nettool get URL | udp-serve PORT")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "get":
		get(os.Args[2])
	case "udp-serve":
		udpServe(os.Args[2])
	default:
		os.Exit(2)
	}
}

func get(url string) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil || resp.StatusCode != 200 {
		fmt.Fprintln(os.Stderr, resp.Status, err)
		os.Exit(1)
	}
}

func udpServe(port string) {
	c, err := net.ListenPacket("udp4", ":"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			os.Exit(1)
		}
		line := fmt.Sprintf("from %s: %s", from.(*net.UDPAddr).IP, buf[:n])
		fmt.Println(line)
		c.WriteTo([]byte(line), from)
	}
}
