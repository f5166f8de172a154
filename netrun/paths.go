package netrun

import (
	"net/netip"
	"path/filepath"
)

const (
	// BridgeName is the bridge every `--net bridge` container hangs on.
	BridgeName = "myc0"
	// TableName is our nftables table (family ip): every rule we make is
	// in it, and we never touch another table.
	TableName = "mycontainer"
	// VethPrefix names the host ends: myc-XXXX, from the lease's address.
	VethPrefix = "myc-"
)

// Dir holds the lock, the leases and each container's files. Under /run:
// a reboot clears it together with every link and rule it describes.
var Dir = "/run/mycontainer/net"

func lockPath() string               { return filepath.Join(Dir, "lock") }
func leaseDir() string               { return filepath.Join(Dir, "leases") }
func leasePath(ip netip.Addr) string { return filepath.Join(leaseDir(), ip.String()) }

// FilesDir holds the resolv.conf, hosts and hostname the container at ip
// gets bind-mounted over its own.
func FilesDir(ip netip.Addr) string { return filepath.Join(Dir, "files", ip.String()) }

// ForwardMarker records that we turned net.ipv4.ip_forward on, so prune
// can turn it off again once nothing of ours is left.
func ForwardMarker() string { return filepath.Join(Dir, "ip_forward_set") }

// VethName is the host end of the pair of the container at ip.
func VethName(ip netip.Addr) string {
	b := ip.As4()
	return VethPrefix + hex4(b[2], b[3])
}

func hex4(a, b byte) string {
	const h = "0123456789abcdef"
	return string([]byte{h[a>>4], h[a&15], h[b>>4], h[b&15]})
}

// RuleTag is the UserData of every rule of the container at ip; the
// bridge's own rules carry BridgeTag.
func RuleTag(ip netip.Addr) []byte { return []byte("mycontainer:" + ip.String()) }

// BridgeTag starts the UserData of the bridge's own rules (then
// ":SUBNET").
var BridgeTag = []byte("mycontainer:bridge")

// BridgeRuleTag is the tag of the bridge's rules for subnet.
func BridgeRuleTag(subnet netip.Prefix) []byte {
	return append(append([]byte{}, BridgeTag...), ":"+subnet.String()...)
}
