package nsexec

// #include "proto.h"
import "C"

// The protocol's constants come from proto.h through cgo, so the C and Go
// sides can never disagree about a number.
const (
	envInitPipe  = C.MYC_ENV_INITPIPE
	envPreserve  = C.MYC_ENV_PRESERVE_FDS
	maxFrame     = C.MYC_MAX_FRAME
	hdrLen       = C.MYC_HDR_LEN
	attrHdrLen   = C.MYC_ATTR_HDR_LEN
	MsgBootstrap = C.MYC_MSG_BOOTSTRAP
	MsgPID       = C.MYC_MSG_PID
	MsgLog       = C.MYC_MSG_LOG
	MsgError     = C.MYC_MSG_ERROR
	MsgPTY       = C.MYC_MSG_PTY
	MsgReady     = C.MYC_MSG_READY
	MsgStart     = C.MYC_MSG_START
	MsgHooks     = C.MYC_MSG_HOOKS
	MsgHooksDone = C.MYC_MSG_HOOKS_DONE
	// AAgentState is MSG_START's seccomp agent message (see proto.h).
	AAgentState = C.MYC_A_AGENT_STATE

	aCloneFlags       = C.MYC_A_CLONE_FLAGS
	aHostname         = C.MYC_A_HOSTNAME
	aRootfs           = C.MYC_A_ROOTFS
	aHostRootReadonly = C.MYC_A_HOST_ROOT_READONLY
	aBindSource       = C.MYC_A_BIND_SOURCE
	aOverlayLower     = C.MYC_A_OVERLAY_LOWER
	aOverlayUpper     = C.MYC_A_OVERLAY_UPPER
	aOverlayWork      = C.MYC_A_OVERLAY_WORK
	aDebug            = C.MYC_A_DEBUG
	aArg              = C.MYC_A_ARG
	aEnv              = C.MYC_A_ENV
	aCwd              = C.MYC_A_CWD
	aUID              = C.MYC_A_UID
	aGID              = C.MYC_A_GID
	aAddGID           = C.MYC_A_ADDGID
	aTTY              = C.MYC_A_TTY
	aInit             = C.MYC_A_INIT
	aWinsize          = C.MYC_A_WINSIZE
	aLoopback         = C.MYC_A_LOOPBACK
	aMount            = C.MYC_A_MOUNT
	aPdeathsig        = C.MYC_A_PDEATHSIG
	aExecFifo         = C.MYC_A_EXEC_FIFO
	aJoinNS           = C.MYC_A_JOIN_NS
	aExec             = C.MYC_A_EXEC
	aExtras           = C.MYC_A_EXTRAS
	aGoFirst          = C.MYC_A_GO_FIRST
	aWaitStart        = C.MYC_A_WAIT_START
	aHookPause        = C.MYC_A_HOOK_PAUSE
	aBindPeer         = C.MYC_A_BIND_PEER
	aOwned            = C.MYC_A_OWNED
	aRootChroot       = C.MYC_A_ROOT_CHROOT
	aOverlayString    = C.MYC_A_OVERLAY_STRING
	aMountHelper      = C.MYC_A_MOUNT_HELPER

	mKind      = C.MYC_M_KIND
	mSource    = C.MYC_M_SOURCE
	mTarget    = C.MYC_M_TARGET
	mFstype    = C.MYC_M_FSTYPE
	mData      = C.MYC_M_DATA
	mAttr      = C.MYC_M_ATTR
	mNofollow  = C.MYC_M_NOFOLLOW
	mBindIndex = C.MYC_M_BIND_INDEX
	mFile      = C.MYC_M_FILE
	mRecAttr   = C.MYC_M_REC_ATTR
	mRecClr    = C.MYC_M_REC_CLR
	mClr       = C.MYC_M_CLR
	mProp      = C.MYC_M_PROPAGATION

	LStep  = C.MYC_L_STEP
	LStart = C.MYC_L_START
	LEnd   = C.MYC_L_END
	LPath  = C.MYC_L_PATH
	LErrno = C.MYC_L_ERRNO
	LExit  = C.MYC_L_EXIT
	LHint  = C.MYC_L_HINT
	LPID   = C.MYC_L_PID
)

// Attributes of the Extras blob (extras_wire.go).
const (
	xUmask        = C.MYC_X_UMASK
	xNoNewPrivs   = C.MYC_X_NO_NEW_PRIVS
	xOOMScoreAdj  = C.MYC_X_OOM_SCORE_ADJ
	xRlimit       = C.MYC_X_RLIMIT
	xCaps         = C.MYC_X_CAPS
	xMasked       = C.MYC_X_MASKED
	xReadonly     = C.MYC_X_READONLY
	xSysctl       = C.MYC_X_SYSCTL
	xDevice       = C.MYC_X_DEVICE
	xReadonlyRoot = C.MYC_X_READONLY_ROOT
	xReadonlyDev  = C.MYC_X_READONLY_DEV
	xRootProp     = C.MYC_X_ROOT_PROPAGATION
	xSeccomp      = C.MYC_X_SECCOMP
	xSeccompFlags = C.MYC_X_SECCOMP_FLAGS
	xHookStartCtr = C.MYC_X_HOOK_START_CTR
	xHookState    = C.MYC_X_HOOK_STATE

	xfType    = C.MYC_XF_TYPE
	xfSoft    = C.MYC_XF_SOFT
	xfHard    = C.MYC_XF_HARD
	xfKey     = C.MYC_XF_KEY
	xfValue   = C.MYC_XF_VALUE
	xfPath    = C.MYC_XF_PATH
	xfMajor   = C.MYC_XF_MAJOR
	xfMinor   = C.MYC_XF_MINOR
	xfMode    = C.MYC_XF_MODE
	xfUID     = C.MYC_XF_UID
	xfGID     = C.MYC_XF_GID
	xfArg     = C.MYC_XF_ARG
	xfEnv     = C.MYC_XF_ENV
	xfTimeout = C.MYC_XF_TIMEOUT

	xcBounding    = C.MYC_XC_BOUNDING
	xcEffective   = C.MYC_XC_EFFECTIVE
	xcInheritable = C.MYC_XC_INHERITABLE
	xcPermitted   = C.MYC_XC_PERMITTED
	xcAmbient     = C.MYC_XC_AMBIENT
)

// Exit codes of a failed start, docker's (proto.h): the one definition
// for the C stages, init and the CLI.
const (
	ExitRuntime       = C.MYC_EXIT_RUNTIME        // the runtime itself failed
	ExitNotExecutable = C.MYC_EXIT_NOT_EXECUTABLE // the command exists but cannot be executed
	ExitNotFound      = C.MYC_EXIT_NOT_FOUND      // the command does not exist
)

// Mount kinds, as the plan carries them.
const (
	MountFS      = C.MYC_MOUNT_FS
	MountBind    = C.MYC_MOUNT_BIND
	MountDevices = C.MYC_MOUNT_DEVICES
	MountSetattr = C.MYC_MOUNT_SETATTR
)
