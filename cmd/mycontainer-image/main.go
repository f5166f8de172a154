// mycontainer-image brings images into mycontainer's store: pull from a
// registry, import of archives and layouts. mycontainer's `pull` and
// `import` parse their flags and exec it, so that the runtime's own
// binary, which every container's init runs too, carries no registry
// client. Its arguments are an internal interface:
//
//	mycontainer-image pull STORE INSECURE(0|1) QUIET(0|1) REF
//	mycontainer-image import STORE TAG QUIET(0|1) PATH
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"mycontainer/image"
	"mycontainer/image/fetch"

	"golang.org/x/sys/unix"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
		os.Exit(125)
	}
}

func run(args []string) error {
	if len(args) != 5 {
		return fmt.Errorf("mycontainer-image: want pull|import and 4 arguments (run it through mycontainer pull or import)")
	}
	s, err := image.Open(args[1])
	if err != nil {
		return err
	}
	quiet := args[3] == "1"
	p := progress(quiet)
	switch args[0] {
	case "pull":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
		defer stop()
		t := time.Now()
		im, err := fetch.Pull(ctx, s, args[4], fetch.PullOptions{Insecure: args[2] == "1", Progress: p})
		if err != nil {
			return err
		}
		if !quiet {
			fmt.Fprintf(os.Stderr, "pulled %s in %.2fs\n", image.ShortName(im.Names[0]), time.Since(t).Seconds())
		}
		fmt.Println(im.ID)
	case "import":
		ims, err := fetch.Import(s, args[4], args[2], p)
		if err != nil {
			return err
		}
		for _, im := range ims {
			if quiet || len(im.Names) == 0 {
				fmt.Println(im.ID)
			} else {
				fmt.Printf("%s %s\n", im.ID, image.ShortName(im.Names[0]))
			}
		}
	default:
		return fmt.Errorf("mycontainer-image: unknown verb %q", args[0])
	}
	return nil
}

func progress(quiet bool) image.Progress {
	if quiet {
		return image.NoProgress{}
	}
	if _, err := unix.IoctlGetTermios(int(os.Stderr.Fd()), unix.TCGETS); err == nil {
		return &image.TermProgress{W: os.Stderr}
	}
	return &image.LineProgress{W: os.Stderr}
}
