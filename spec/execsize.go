package spec

import (
	"fmt"
	"os"
)

// The kernel's limits on what execve(2) copies onto the new stack
// (fs/exec.c, bprm_stack_limits and copy_strings):
//   - the argv and envp strings, NUL included, plus the file name, share
//     min(RLIMIT_STACK/4, 3/4 of _STK_LIM = 6 MiB), but never less than
//     ARG_MAX (32 pages), less 8 bytes per argv and envp pointer;
//   - one string may not exceed MAX_ARG_STRLEN (32 pages).
//
// Past either, execve fails with E2BIG. That happens in init, after
// `create` and `start` have both reported success, so the check is made
// while planning.
const (
	stkLim      = 8 << 20        // _STK_LIM
	maxStrings  = stkLim / 4 * 3 // the 6 MiB cap
	pointerSize = 8              // sizeof(void *) on 64-bit
	fileNameMax = 4096           // PATH_MAX: room for the file name init passes, resolved on PATH
	argPages    = 32             // ARG_MAX and MAX_ARG_STRLEN, in pages
)

// CheckExecSize reports whether execve will take args and env when the
// soft RLIMIT_STACK at the exec is stack. The file name is counted as
// PATH_MAX, since init resolves it on PATH only inside the container.
func CheckExecSize(args, env []string, stack uint64) error {
	page := uint64(os.Getpagesize())
	maxStrlen := argPages * page
	for i, a := range args {
		if uint64(len(a))+1 > maxStrlen {
			return fmt.Errorf("process.args[%d]: %d bytes, more than one argument may have (%d, the kernel's MAX_ARG_STRLEN): execve would fail with E2BIG", i, len(a), maxStrlen-1)
		}
	}
	for i, e := range env {
		if uint64(len(e))+1 > maxStrlen {
			return fmt.Errorf("process.env[%d]: %d bytes, more than one variable may have (%d, the kernel's MAX_ARG_STRLEN): execve would fail with E2BIG", i, len(e), maxStrlen-1)
		}
	}
	limit := min(uint64(maxStrings), stack/4)
	limit = max(limit, argPages*page)
	need := uint64(max(len(args), 1)+len(env))*pointerSize + fileNameMax
	for _, s := range [][]string{args, env} {
		for _, a := range s {
			need += uint64(len(a)) + 1
		}
	}
	if need > limit {
		hint := "shorten the arguments or the environment"
		if limit < maxStrings {
			hint += ", or raise RLIMIT_STACK (process.rlimits): a quarter of it is the limit, up to 6 MiB"
		}
		rl := "unlimited"
		if stack != ^uint64(0) {
			rl = fmt.Sprint(stack)
		}
		return fmt.Errorf("process.args and process.env: execve needs about %d bytes for them, more than the kernel's limit of %d here (a quarter of RLIMIT_STACK %s, at most 6 MiB, at least %d): it would fail with E2BIG; %s",
			need, limit, rl, argPages*page, hint)
	}
	return nil
}
