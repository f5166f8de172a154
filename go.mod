module mycontainer

go 1.26

require (
	github.com/alecthomas/kong v1.17.0
	golang.org/x/sys v0.47.0
)
