module mycontainer

go 1.26

require (
	github.com/alecthomas/kong v1.17.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
