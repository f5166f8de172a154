package rootfs

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// User is who the command runs as.
type User struct {
	UID, GID uint32
	AddGIDs  []uint32 // supplementary groups from the rootfs's /etc/group
	Home     string
}

// LookupUser resolves a docker-style -u value, "USER[:GROUP]" where each
// part is a name or a number, against the rootfs's /etc/passwd and
// /etc/group (read inside root, so a symlinked /etc/passwd cannot make the
// runtime read a host file). Numeric ids need no entry, as in docker.
func LookupUser(root int, spec string) (User, error) {
	u := User{Home: "/"}
	if spec == "" {
		spec = "0"
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	if userPart == "" || (hasGroup && groupPart == "") {
		return u, fmt.Errorf("user %q: want USER[:GROUP]", spec)
	}
	passwd := readDB(root, "/etc/passwd")
	uid, uidErr := parseID(userPart)
	found := false
	for _, f := range passwd {
		if len(f) < 7 {
			continue
		}
		id, err := parseID(f[2])
		if err != nil {
			continue
		}
		if (uidErr == nil && id == uid) || (uidErr != nil && f[0] == userPart) {
			gid, _ := parseID(f[3])
			u.UID, u.GID, u.Home, found = id, gid, f[5], true
			userPart = f[0]
			break
		}
	}
	if !found {
		if uidErr != nil {
			return u, fmt.Errorf("user %q: no such user in the rootfs's /etc/passwd", userPart)
		}
		// docker and runc: an id without a passwd entry gets group 0.
		u.UID, u.GID = uid, 0
		if uid == 0 {
			u.Home = "/root"
		}
	}
	groups := readDB(root, "/etc/group")
	if hasGroup {
		gid, err := parseID(groupPart)
		if err != nil {
			ok := false
			for _, f := range groups {
				if len(f) >= 3 && f[0] == groupPart {
					if gid, err = parseID(f[2]); err == nil {
						ok = true
					}
					break
				}
			}
			if !ok {
				return u, fmt.Errorf("group %q: no such group in the rootfs's /etc/group", groupPart)
			}
		}
		u.GID = gid
		return u, nil
	}
	// Supplementary groups, as login(1) would set them.
	u.AddGIDs = []uint32{u.GID}
	for _, f := range groups {
		if len(f) < 4 {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if m == userPart {
				if gid, err := parseID(f[2]); err == nil && gid != u.GID {
					u.AddGIDs = append(u.AddGIDs, gid)
				}
			}
		}
	}
	return u, nil
}

func parseID(s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, err
	}
	if v == 1<<32-1 {
		return 0, fmt.Errorf("id %d is reserved (-1)", v)
	}
	return uint32(v), nil
}

// readDB reads a colon-separated database file inside root. A missing or
// unreadable file is an empty database, as for getpwnam.
func readDB(root int, p string) [][]string {
	fd, err := OpenInRoot(root, p, unix.O_RDONLY, false)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		out = append(out, strings.Split(line, ":"))
	}
	return out
}
